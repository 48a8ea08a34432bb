"""The official google-genai Python SDK against the gateway's Gemini API, as its docs show it.

Usage: google_genai_python.py GATEWAY_URL MODEL API_KEY
MODEL names a gateway chat endpoint (any provider). Prints "google-genai python SDK: OK" when
every check passes; raises (non-zero exit) with what differed otherwise.
"""

import sys

from google import genai
from google.genai import errors, types

base, model, key = sys.argv[1], sys.argv[2], sys.argv[3]
client = genai.Client(api_key=key, http_options=types.HttpOptions(base_url=base))

# generate: text, usage, a system instruction and generation config
response = client.models.generate_content(
    model=model,
    contents="Hello there",
    config=types.GenerateContentConfig(
        system_instruction="Be brief.", temperature=0.2, max_output_tokens=50
    ),
)
assert response.text == "Echo: Hello there", response
assert response.usage_metadata.prompt_token_count > 0, response.usage_metadata
assert response.candidates[0].finish_reason == types.FinishReason.STOP, response.candidates

# this SDK posts to /v1/models/...; the v1beta paths (older SDKs, curl from Google's docs) answer too
beta = genai.Client(
    api_key=key, http_options=types.HttpOptions(base_url=base, api_version="v1beta")
)
assert beta.models.generate_content(model=model, contents="Hello there").text == response.text

# stream: the chunks join into the same text, the last carries usage
text, total = "", 0
for chunk in client.models.generate_content_stream(model=model, contents="stream me"):
    text += chunk.text or ""
    if chunk.usage_metadata and chunk.usage_metadata.total_token_count:
        total = chunk.usage_metadata.total_token_count
assert text == "Echo: stream me", text
assert total > 0, total

# function calling: the model calls the function, the client answers with its response
lookup = types.FunctionDeclaration(
    name="lookup",
    description="Looks a word up",
    parameters=types.Schema(
        type=types.Type.OBJECT, properties={"q": types.Schema(type=types.Type.STRING)}
    ),
)
config = types.GenerateContentConfig(
    tools=[types.Tool(function_declarations=[lookup])],
    # the SDK would otherwise call Python functions itself; these are declarations only
    automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
)
first = client.models.generate_content(model=model, contents="sea", config=config)
calls = first.function_calls
assert calls and calls[0].name == "lookup", first
assert calls[0].args == {"q": "sea"}, calls[0].args
conversation = [
    types.Content(role="user", parts=[types.Part(text="sea")]),
    first.candidates[0].content,
    types.Content(
        role="user",
        parts=[types.Part.from_function_response(name="lookup", response={"meaning": "salty water"})],
    ),
]
second = client.models.generate_content(model=model, contents=conversation, config=config)
assert "salty water" in (second.text or ""), second

# errors: an unknown endpoint is Google's 404, a wrong key Google's 401
try:
    client.models.generate_content(model="no-such-endpoint", contents="x")
    raise AssertionError("an unknown endpoint answered")
except errors.ClientError as e:
    assert e.code == 404 and e.status == "NOT_FOUND", (e.code, e.status)
stranger = genai.Client(api_key="wrong-key-0123456789", http_options=types.HttpOptions(base_url=base))
try:
    stranger.models.generate_content(model=model, contents="x")
    raise AssertionError("a wrong key was let in")
except errors.ClientError as e:
    assert e.code == 401 and e.status == "UNAUTHENTICATED", (e.code, e.status)

print("google-genai python SDK: OK")
