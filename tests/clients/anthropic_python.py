"""The official anthropic Python SDK against the gateway's Messages API, as its docs show it.

Usage: anthropic_python.py GATEWAY_URL MODEL
MODEL names a gateway chat endpoint (any provider). Prints "anthropic python SDK: OK" when every
check passes; raises (non-zero exit) with what differed otherwise.
"""

import sys

import anthropic

base, model = sys.argv[1], sys.argv[2]
client = anthropic.Anthropic(base_url=base, api_key="sk-ant-client-unused", max_retries=0)

SYSTEM = [{"type": "text", "text": "Answer briefly.", "cache_control": {"type": "ephemeral"}}]

# create: one text block, a stop reason and usage
message = client.messages.create(
    model=model,
    max_tokens=64,
    system=SYSTEM,
    messages=[{"role": "user", "content": "Hello there"}],
    extra_body={"temperature": None, "top_k": None},  # null for unset parameters, as SDKs send
)
assert message.type == "message", message
assert message.role == "assistant", message
assert message.model == model, message.model
assert message.content and message.content[0].type == "text", message.content
answer = message.content[0].text
assert answer, message
assert message.stop_reason == "end_turn", message.stop_reason
assert message.usage.output_tokens > 0, message.usage

# stream: the SDK's helper reads the event stream into the same text and a final message
with client.messages.stream(
    model=model,
    max_tokens=64,
    system=SYSTEM,
    messages=[{"role": "user", "content": "Hello there"}],
) as stream:
    streamed = "".join(stream.text_stream)
    final = stream.get_final_message()
assert streamed == answer, (streamed, answer)
assert final.content[0].text == answer, final
assert final.stop_reason == "end_turn", final.stop_reason
assert final.usage.output_tokens > 0, final.usage

# tools: the model asks for a tool, the client answers with tool_result, the model answers
tools = [{
    "name": "get_weather",
    "description": "The weather in a city",
    "input_schema": {
        "type": "object",
        "properties": {"q": {"type": "string"}},
        "required": ["q"],
    },
}]
asked = client.messages.create(
    model=model,
    max_tokens=64,
    tools=tools,
    messages=[{"role": "user", "content": "Weather in Paris?"}],
)
assert asked.stop_reason == "tool_use", asked
use = next(block for block in asked.content if block.type == "tool_use")
assert use.name == "get_weather" and isinstance(use.input, dict), use
answered = client.messages.create(
    model=model,
    max_tokens=64,
    tools=tools,
    messages=[
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": [block.model_dump() for block in asked.content]},
        {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": use.id, "content": "sunny, 21 C"},
        ]},
    ],
)
assert answered.stop_reason == "end_turn", answered
assert "sunny" in answered.content[0].text, answered.content

# a streamed tool call arrives as a tool_use block with its input
with client.messages.stream(
    model=model,
    max_tokens=64,
    tools=tools,
    messages=[{"role": "user", "content": "Weather in Paris?"}],
) as stream:
    streamed_use = next(b for b in stream.get_final_message().content if b.type == "tool_use")
assert streamed_use.name == "get_weather" and isinstance(streamed_use.input, dict), streamed_use

# count_tokens: an estimate for the same messages
count = client.messages.count_tokens(
    model=model,
    system=SYSTEM,
    messages=[{"role": "user", "content": "Hello there"}],
)
assert count.input_tokens > 0, count

# errors arrive in Anthropic's envelope as the SDK's typed exceptions
try:
    client.messages.create(
        model="no-such-endpoint",
        max_tokens=8,
        messages=[{"role": "user", "content": "x"}],
    )
    raise AssertionError("an unknown model was served")
except anthropic.NotFoundError as error:
    assert error.status_code == 404, error

print("anthropic python SDK: OK")
