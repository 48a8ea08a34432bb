"""MLflow's own deployments client against the gateway: listing, metadata and predictions."""
import sys

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

try:
    client.predict(endpoint="nope", inputs={"messages": [{"role": "user", "content": "x"}]})
    raise AssertionError("an unknown endpoint must fail")
except Exception as error:  # requests.HTTPError: the body text is all the caller sees
    assert "404" in str(error) and "nope" in str(error), error

print("mlflow deployments client: OK")
