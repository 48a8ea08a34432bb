"""MLflow's own deployments client against the gateway: listing, metadata and predictions."""
import json
import sys

import requests
from mlflow.deployments import get_deploy_client

url = sys.argv[1]
client = get_deploy_client(url)

endpoints = client.list_endpoints()
names = [e.name for e in endpoints]
assert names == ["chat", "completions", "embeddings"], names

chat = client.get_endpoint("chat")
assert chat.endpoint_type == "llm/v1/chat", chat
assert chat.endpoint_url == f"{url}/gateway/chat/invocations", chat.endpoint_url
assert chat.model.provider == "mock", chat.model
assert chat.limit is not None and chat.limit.calls == 1000, chat.limit

answer = client.predict(endpoint="chat", inputs={"messages": [{"role": "user", "content": "hello mlflow"}]})
assert answer["choices"][0]["message"]["content"] == "hello mlflow", answer

completion = client.predict(endpoint="completions", inputs={"prompt": "once upon", "max_tokens": 1})
assert completion["choices"][0]["text"] == "once", completion

vectors = client.predict(endpoint="embeddings", inputs={"input": ["a", "b"]})
assert len(vectors["data"]) == 2 and len(vectors["data"][0]["embedding"]) == 16, vectors

routed = client.predict(endpoint="split", inputs={"messages": [{"role": "user", "content": "via route"}]})
assert routed["choices"][0]["message"]["content"] == "via route", routed

# Code written against MLflow's gateway reads its JSON with plain indexing: every key it sends
# (null when unset) must be there. The deployments client has no streaming call, so `requests`.
listing = requests.get(f"{url}/api/2.0/endpoints/", timeout=10).json()
assert listing["next_page_token"] is None, listing
routes = requests.get(f"{url}/api/2.0/gateway/routes/", timeout=10).json()
assert routes["next_page_token"] is None, routes
missing = requests.get(f"{url}/api/2.0/endpoints/nope", timeout=10)
assert missing.status_code == 404 and "nope" in missing.json()["detail"], missing.text
limits = requests.get(f"{url}/api/2.0/endpoints/limits/chat", timeout=10)
assert limits.json()["detail"] == "The get_limits API is not available yet.", limits.text
assert requests.get(f"{url}/no/such/path", timeout=10).json()["detail"], "unknown paths too"

stream = requests.post(
    f"{url}/endpoints/chat/invocations",
    json={"messages": [{"role": "user", "content": "streamed words"}], "stream": True},
    stream=True,
    timeout=10,
)
text, finish, usage = "", None, None
for line in stream.iter_lines(decode_unicode=True):
    if not line.startswith("data: ") or line == "data: [DONE]":
        continue
    chunk = json.loads(line[len("data: "):])
    assert chunk["provider"] == "mock", chunk
    usage = chunk["usage"] or usage
    for choice in chunk["choices"]:
        delta = choice["delta"]
        assert delta["role"] in ("assistant", None) and delta["tool_calls"] is None, chunk
        text += delta["content"] or ""
        finish = choice["finish_reason"] or finish
assert (text, finish) == ("streamed words", "stop"), (text, finish)
assert usage["total_tokens"] > 0, usage

try:
    client.predict(endpoint="nope", inputs={"messages": [{"role": "user", "content": "x"}]})
    raise AssertionError("an unknown endpoint must fail")
except Exception as error:  # requests.HTTPError: the body text is all the caller sees
    assert "404" in str(error) and "nope" in str(error), error

print("mlflow deployments client: OK")
