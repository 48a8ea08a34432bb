"""The official openai Python SDK against the gateway's /v1 routes."""
import sys

from openai import OpenAI, NotFoundError

client = OpenAI(base_url=f"{sys.argv[1]}/v1", api_key="anything", max_retries=0)

reply = client.chat.completions.create(model="chat", messages=[{"role": "user", "content": "hi python"}])
assert reply.choices[0].message.content == "hi python", reply
# MLflow 3.17's /v1 chat answers name the provider; the SDK keeps the extra field.
assert reply.provider == "mock", reply

# None for a parameter is sent as null, which means unset (LangChain always sends seed: null)
unset = client.chat.completions.create(
    model="chat",
    messages=[{"role": "user", "content": "hi python"}],
    temperature=None,
    seed=None,
    top_p=None,
)
assert unset.choices[0].message.content == "hi python", unset

text = ""
for chunk in client.chat.completions.create(
    model="chat", messages=[{"role": "user", "content": "streamed words here"}], stream=True
):
    if chunk.choices:
        text += chunk.choices[0].delta.content or ""
assert text == "streamed words here", text

tools = [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object", "properties": {}}}}]
called = client.chat.completions.create(
    model="chat", messages=[{"role": "user", "content": "x"}], tools=tools, tool_choice="required"
)
assert called.choices[0].message.tool_calls[0].function.name == "lookup", called

vectors = client.embeddings.create(model="embeddings", input=["a", "b"])  # base64 by default
assert len(vectors.data) == 2 and len(vectors.data[0].embedding) == 16, vectors

try:
    client.chat.completions.create(model="nope", messages=[{"role": "user", "content": "x"}])
    raise AssertionError("an unknown model must fail")
except NotFoundError as error:
    assert "nope" in str(error), error

# The Responses API, as its docs show it.
response = client.responses.create(model="chat", input="hi responses", temperature=None)
assert response.output_text == "hi responses", response
assert response.usage.total_tokens > 0, response

streamed = ""
with client.responses.stream(model="chat", input="streamed responses here") as stream:
    for event in stream:
        if event.type == "response.output_text.delta":
            streamed += event.delta
    final = stream.get_final_response()
assert streamed == "streamed responses here", streamed
assert final.output_text == "streamed responses here", final

lookup = [{"type": "function", "name": "lookup", "parameters": {"type": "object", "properties": {}}}]
first = client.responses.create(model="chat", input="x", tools=lookup, tool_choice="required")
call = next(item for item in first.output if item.type == "function_call")
assert call.name == "lookup", first
second = client.responses.create(
    model="chat",
    previous_response_id=first.id,
    input=[{"type": "function_call_output", "call_id": call.call_id, "output": "42"}],
)
assert second.previous_response_id == first.id, second
assert second.output_text == "x", second  # the mock echoes the last user message
assert client.responses.retrieve(first.id).id == first.id

print("openai python SDK: OK")
