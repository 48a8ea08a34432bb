#!/usr/bin/env python3
"""Measures this gateway against MLflow's own AI Gateway (`mlflow gateway start`), side by side.

Not part of the test suite: a developer runs it to re-measure docs/migrating-from-mlflow.md.

    python3 scripts/compare-with-mlflow.py [--mlflow-version 3.17.2] [--venv /tmp/mlflow-compare]
        [--gateway-root DIR]  # another checkout to run (e.g. `git archive HEAD` unpacked, node_modules linked)

It creates a venv in /tmp with `mlflow[gateway]` and the `openai` SDK (reused when present), starts
a mock OpenAI upstream inside this process, writes ONE config file, starts MLflow's gateway and
this gateway (`deno run main.ts start`) on loopback with that same file, sends both the same
requests, and prints a table (status codes, bodies, shapes, what the upstream received), then the
config-validation, reload, client and startup/memory measurements. Everything stays on 127.0.0.1;
the whole run is bounded (--deadline seconds, default 900). Full results go to --out (JSON).
Only the standard library is needed to run it (the venv's Python runs the client checks), plus
`npm install` done in this checkout (for node_modules/.bin/deno).
"""

import argparse
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GW_ROOT = ROOT  # the checkout whose main.ts runs (--gateway-root)
DENO = os.path.join(ROOT, "node_modules", ".bin", "deno")
KEY = "sk-compare-key"
CHILDREN = []  # Popen objects started by this script (each in its own process group)


# ----------------------------------------------------------------------------------------------
# The mock OpenAI upstream (in-process). A trigger word in the prompt picks a failure:
# UPSTREAM_500, UPSTREAM_429 (with Retry-After: 1), UPSTREAM_400.
# ----------------------------------------------------------------------------------------------
class Upstream:
    def __init__(self):
        self.requests = []  # (path, body) in arrival order
        self.lock = threading.Lock()


UP = Upstream()


def _text_of(body):
    if not isinstance(body, dict):
        return ""
    if isinstance(body.get("messages"), list) and body["messages"]:
        content = body["messages"][-1].get("content") if isinstance(body["messages"][-1], dict) else ""
        return content if isinstance(content, str) else json.dumps(content)
    for key in ("prompt", "input"):
        if key in body:
            return body[key] if isinstance(body[key], str) else json.dumps(body[key])
    return ""


class MockHandler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _json(self, status, value, headers=None):
        data = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status, message, type_, code=None, headers=None):
        self._json(status, {"error": {"message": message, "type": type_, "param": None, "code": code}}, headers)

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            body = raw.decode(errors="replace")
        with UP.lock:
            UP.requests.append((self.path, body))
        if self.headers.get("Authorization") != f"Bearer {KEY}":
            return self._error(401, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key")
        text = _text_of(body)
        if "UPSTREAM_500" in text:
            return self._error(500, "The server had an error while processing your request.", "server_error")
        if "UPSTREAM_429" in text:
            return self._error(429, "Rate limit reached for requests.", "requests", "rate_limit_exceeded",
                               {"Retry-After": "1"})
        if "UPSTREAM_400" in text:
            return self._error(400, "Invalid value for 'temperature'.", "invalid_request_error")
        model = body.get("model") if isinstance(body, dict) else None
        stream = isinstance(body, dict) and body.get("stream") is True
        if self.path == "/v1/chat/completions":
            reply = f"Echo: {text}"
            if stream:
                base = {"id": "chatcmpl-mock", "object": "chat.completion.chunk", "created": 1700000000, "model": model}
                events = [{**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]}]
                events += [{**base, "choices": [{"index": 0, "delta": {"content": w + " "}, "finish_reason": None}]} for w in reply.split()]
                events.append({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
                if (body.get("stream_options") or {}).get("include_usage"):
                    events.append({**base, "choices": [], "usage": {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8}})
                return self._sse(events)
            return self._json(200, {
                "id": "chatcmpl-mock", "object": "chat.completion", "created": 1700000000, "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": reply, "refusal": None},
                             "logprobs": None, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8}})
        if self.path == "/v1/completions":
            reply = f"Echo: {text}"
            if stream:
                base = {"id": "cmpl-mock", "object": "text_completion", "created": 1700000000, "model": model}
                events = [{**base, "choices": [{"index": 0, "text": w + " ", "logprobs": None, "finish_reason": None}]} for w in reply.split()]
                events.append({**base, "choices": [{"index": 0, "text": "", "logprobs": None, "finish_reason": "stop"}]})
                if (body.get("stream_options") or {}).get("include_usage"):
                    events.append({**base, "choices": [], "usage": {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8}})
                return self._sse(events)
            return self._json(200, {
                "id": "cmpl-mock", "object": "text_completion", "created": 1700000000, "model": model,
                "choices": [{"index": 0, "text": reply, "logprobs": None, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8}})
        if self.path == "/v1/embeddings":
            items = body.get("input") if isinstance(body, dict) else None
            items = [items] if isinstance(items, str) else items
            if not isinstance(items, list) or not items:
                return self._error(400, "'input' is a required property", "invalid_request_error")
            return self._json(200, {
                "object": "list", "model": model,
                "data": [{"object": "embedding", "index": i, "embedding": [0.1, 0.2, 0.3]} for i in range(len(items))],
                "usage": {"prompt_tokens": 2, "total_tokens": 2}})
        return self._error(404, f"Invalid URL (POST {self.path})", "invalid_request_error")

    def _sse(self, events):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Connection", "close")
        self.end_headers()
        for event in events:
            self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
            self.wfile.flush()
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()
        self.close_connection = True


# ----------------------------------------------------------------------------------------------
# Config files
# ----------------------------------------------------------------------------------------------
DOWN_PORT = None  # a loopback port nothing listens on (set in main)
FAULT_ENDPOINTS = ["fault-500", "fault-429", "fault-400", "fault-v1", "fault-stream"]


def config_text(upstream, extra_endpoint=""):
    model = lambda name: (  # noqa: E731
        f"    model:\n      provider: openai\n      name: {name}\n      config:\n"
        f"        openai_api_key: $COMPARE_OPENAI_KEY\n        openai_api_base: {upstream}/v1\n")
    return (
        "endpoints:\n"
        "  - name: chat\n    endpoint_type: llm/v1/chat\n" + model("gpt-4o-mini") +
        "  - name: chat-b\n    endpoint_type: llm/v1/chat\n" + model("gpt-4.1-nano") +
        "  - name: chat-limited\n    endpoint_type: llm/v1/chat\n" + model("gpt-4o-mini") +
        "    limit:\n      renewal_period: minute\n      calls: 1\n"
        "  - name: completions\n    endpoint_type: llm/v1/completions\n" + model("gpt-3.5-turbo-instruct") +
        "  - name: embeddings\n    endpoint_type: llm/v1/embeddings\n" + model("text-embedding-3-small") +
        "  - name: chat-down\n    endpoint_type: llm/v1/chat\n    model:\n      provider: openai\n"
        "      name: gpt-4o-mini\n      config:\n        openai_api_key: $COMPARE_OPENAI_KEY\n"
        f"        openai_api_base: http://127.0.0.1:{DOWN_PORT}/v1\n" +
        # One endpoint per upstream-failure case: this gateway's circuit breaker (5 failed attempts
        # in a row) must not let one case change the next.
        "".join(f"  - name: {name}\n    endpoint_type: llm/v1/chat\n" + model("gpt-4o-mini") for name in FAULT_ENDPOINTS) +
        extra_endpoint +
        "routes:\n"
        "  - name: split\n    task_type: llm/v1/chat\n    destinations:\n"
        "      - name: chat\n        traffic_percentage: 50\n"
        "      - name: chat-b\n        traffic_percentage: 50\n")


BAD_CONFIGS = {
    "unknown provider": ("endpoints:\n  - name: c\n    endpoint_type: llm/v1/chat\n    model:\n"
                         "      provider: openia\n      name: m\n      config: {openai_api_key: k}\n"),
    "missing endpoint_type": ("endpoints:\n  - name: c\n    model:\n      provider: openai\n"
                              "      name: m\n      config: {openai_api_key: k}\n"),
    "bad renewal_period": ("endpoints:\n  - name: c\n    endpoint_type: llm/v1/chat\n"
                           "    model: {provider: openai, name: m, config: {openai_api_key: k}}\n"
                           "    limit: {calls: 1, renewal_period: fortnight}\n"),
    "unset $ENV key": ("endpoints:\n  - name: c\n    endpoint_type: llm/v1/chat\n"
                       "    model: {provider: openai, name: m, config: {openai_api_key: $COMPARE_UNSET_KEY}}\n"),
    "duplicate names": ("endpoints:\n" + "".join(
        "  - name: c\n    endpoint_type: llm/v1/chat\n"
        "    model: {provider: openai, name: m, config: {openai_api_key: k}}\n" for _ in range(2))),
    "not YAML": "endpoints: [\n  - name: c\n",
    "MLflow 2.x layout (routes + route_type)": (
        "routes:\n  - name: c\n    route_type: llm/v1/chat\n"
        "    model: {provider: openai, name: m, config: {openai_api_key: k}}\n"),
    "retired provider (palm)": ("endpoints:\n  - name: c\n    endpoint_type: llm/v1/chat\n"
                                "    model: {provider: palm, name: chat-bison-001, config: {palm_api_key: k}}\n"),
    "route % sum 90": ("endpoints:\n  - name: c\n    endpoint_type: llm/v1/chat\n"
                       "    model: {provider: openai, name: m, config: {openai_api_key: k}}\n"
                       "routes:\n  - name: r\n    task_type: llm/v1/chat\n"
                       "    destinations: [{name: c, traffic_percentage: 90}]\n"),
}


# ----------------------------------------------------------------------------------------------
# Processes and HTTP
# ----------------------------------------------------------------------------------------------
def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spawn(cmd, log_path, env):
    log = open(log_path, "wb")
    proc = subprocess.Popen(cmd, cwd=GW_ROOT, stdout=log, stderr=subprocess.STDOUT, env=env,
                            start_new_session=True)
    CHILDREN.append(proc)
    return proc


def stop(proc):
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def group_rss_mb(pgid):
    """RSS of every process in the group (MLflow: CLI + gunicorn master + workers)."""
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[2]) != pgid:
                continue
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return round(total / 1024, 1)


def call(port, method, path, body=None, raw=None, timeout=60):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    data = raw if raw is not None else (json.dumps(body) if body is not None else None)
    headers = {"Content-Type": "application/json"} if data is not None else {}
    started = time.monotonic()
    status, got = 0, {}
    try:
        conn.request(method, path, body=data, headers=headers)
        r = conn.getresponse()
        status, got = r.status, {k.lower(): v for k, v in r.getheaders()}
        chunks = []
        try:
            while True:
                chunk = r.read1(65536) if hasattr(r, "read1") else r.read()
                if not chunk:
                    break
                chunks.append(chunk)
        except Exception as e:  # a stream cut after its headers: keep what arrived
            chunks.append(f"\n[body aborted: {type(e).__name__}]".encode())
        return {"status": status, "headers": got, "body": b"".join(chunks).decode(errors="replace"),
                "ms": round((time.monotonic() - started) * 1000, 1)}
    except Exception as e:  # no answer at all
        return {"status": status, "headers": got, "body": f"{type(e).__name__}: {e}",
                "ms": round((time.monotonic() - started) * 1000, 1)}
    finally:
        conn.close()


def wait_healthy(port, proc, timeout):
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if proc.poll() is not None:
            return None
        if call(port, "GET", "/health", timeout=2)["status"] == 200:
            return round(time.monotonic() - started, 2)
        time.sleep(0.05)
    return None


# ----------------------------------------------------------------------------------------------
# Comparing answers
# ----------------------------------------------------------------------------------------------
def parse(result):
    ct = result["headers"].get("content-type", "")
    if "event-stream" in ct:
        lines = [l for l in result["body"].split("\n") if l.startswith("data:")]
        events = [l[5:].strip() for l in lines]
        first = next((e for e in events if e != "[DONE]"), None)
        return {"sse": True, "events": len(events), "done": "[DONE]" in events,
                "aborted": "[body aborted" in result["body"],
                "first": json.loads(first) if first else None, "last": events[-1] if events else None}
    try:
        return json.loads(result["body"])
    except ValueError:
        return None


def shape(value, prefix=""):
    """Key paths with JSON types; lists are read through their first item."""
    out = set()
    if isinstance(value, dict):
        for k, v in value.items():
            out.add(f"{prefix}{k}:{type(v).__name__}")
            out |= shape(v, f"{prefix}{k}.")
    elif isinstance(value, list) and value:
        out |= shape(value[0], f"{prefix}[].")
    return out


def short(keys, n=4):
    keys = sorted(keys)
    return ", ".join(keys[:n]) + (f" (+{len(keys) - n} more)" if len(keys) > n else "")


def summary(result, width):
    parsed = parse(result)
    if isinstance(parsed, dict) and parsed.get("sse"):
        text = (f"SSE {parsed['events']} events, [DONE] {'yes' if parsed['done'] else 'no'}"
                + (", ABORTED mid-body" if parsed["aborted"] else "") + f"; last: {parsed['last']}")
    elif "[body aborted" in result["body"]:
        text = f"headers sent, then the body was ABORTED ({len(result['body'])} bytes)"
    elif parsed is not None:
        text = json.dumps(parsed, separators=(",", ":"))
    else:
        text = result["body"].replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


def upstream_note(sent):
    if not sent:
        return "upstream: 0 calls"
    path, body = sent[-1]
    text = json.dumps(body, separators=(",", ":"))
    return f"upstream: {len(sent)} call(s), last {path} {text[:300]}"


# ----------------------------------------------------------------------------------------------
# The cases: (label, method, path, body or None, raw text or None)
# ----------------------------------------------------------------------------------------------
HELLO = [{"role": "user", "content": "hello"}]
CASES = [
    ("health", "GET", "/health", None, None),
    ("list endpoints", "GET", "/api/2.0/endpoints/", None, None),
    ("list endpoints, no slash", "GET", "/api/2.0/endpoints", None, None),
    ("get endpoint", "GET", "/api/2.0/endpoints/chat-limited", None, None),
    ("get unknown endpoint", "GET", "/api/2.0/endpoints/nope", None, None),
    ("get route name as endpoint", "GET", "/api/2.0/endpoints/split", None, None),
    ("bad page_token", "GET", "/api/2.0/endpoints/?page_token=xyz", None, None),
    ("legacy list routes", "GET", "/api/2.0/gateway/routes/", None, None),
    ("legacy get route", "GET", "/api/2.0/gateway/routes/chat", None, None),
    ("3.0 get endpoint", "GET", "/api/3.0/gateway/endpoint/chat", None, None),
    ("3.0 get traffic route", "GET", "/api/3.0/gateway/route/split", None, None),
    ("get limits", "GET", "/api/2.0/endpoints/limits/chat", None, None),
    ("set limits", "POST", "/api/2.0/endpoints/limits/", {"route": "chat", "limits": []}, None),
    ("GET /", "GET", "/", None, None),
    ("GET /docs", "GET", "/docs", None, None),
    ("GET /openapi.json", "GET", "/openapi.json", None, None),
    ("GET /redoc", "GET", "/redoc", None, None),
    ("GET /v1/models", "GET", "/v1/models", None, None),
    ("unknown path", "GET", "/nope", None, None),
    ("chat", "POST", "/endpoints/chat/invocations", {"messages": HELLO}, None),
    ("chat via /gateway path", "POST", "/gateway/chat/invocations", {"messages": HELLO}, None),
    ("chat via traffic route", "POST", "/endpoints/split/invocations", {"messages": HELLO}, None),
    ("completions", "POST", "/endpoints/completions/invocations", {"prompt": "hello", "max_tokens": 5}, None),
    ("embeddings (string)", "POST", "/endpoints/embeddings/invocations", {"input": "hello"}, None),
    ("embeddings (list)", "POST", "/endpoints/embeddings/invocations", {"input": ["a", "b"]}, None),
    ("chat stream", "POST", "/endpoints/chat/invocations", {"messages": HELLO, "stream": True}, None),
    ("completions stream", "POST", "/endpoints/completions/invocations", {"prompt": "hello", "stream": True}, None),
    ("/v1 chat", "POST", "/v1/chat/completions", {"model": "chat", "messages": HELLO}, None),
    ("/v1 chat stream", "POST", "/v1/chat/completions", {"model": "chat", "messages": HELLO, "stream": True}, None),
    ("/v1 chat via route", "POST", "/v1/chat/completions", {"model": "split", "messages": HELLO}, None),
    ("/v1 completions", "POST", "/v1/completions", {"model": "completions", "prompt": "hello"}, None),
    ("/v1 embeddings", "POST", "/v1/embeddings", {"model": "embeddings", "input": ["a"]}, None),
    ("Anthropic /v1/messages", "POST", "/v1/messages", {"model": "chat", "max_tokens": 20, "messages": HELLO}, None),
    ("OpenAI /v1/responses", "POST", "/v1/responses", {"model": "chat", "input": "hello"}, None),
    ("/v1 unknown model", "POST", "/v1/chat/completions", {"model": "nope", "messages": HELLO}, None),
    ("/v1 missing model", "POST", "/v1/chat/completions", {"messages": HELLO}, None),
    ("/v1 chat on embeddings endpoint", "POST", "/v1/chat/completions", {"model": "embeddings", "messages": HELLO}, None),
    ("/v1 missing messages", "POST", "/v1/chat/completions", {"model": "chat"}, None),
    ("chat on embeddings endpoint", "POST", "/endpoints/embeddings/invocations", {"messages": HELLO}, None),
    ("unknown endpoint invocation", "POST", "/endpoints/nope/invocations", {"messages": HELLO}, None),
    ("GET on invocations", "GET", "/endpoints/chat/invocations", None, None),
    ("missing messages", "POST", "/endpoints/chat/invocations", {}, None),
    ("messages is a string", "POST", "/endpoints/chat/invocations", {"messages": "hello"}, None),
    ("messages empty", "POST", "/endpoints/chat/invocations", {"messages": []}, None),
    ("message without role", "POST", "/endpoints/chat/invocations", {"messages": [{"content": "hi"}]}, None),
    ("temperature wrong type", "POST", "/endpoints/chat/invocations", {"messages": HELLO, "temperature": "hot"}, None),
    ("temperature 5 (out of range)", "POST", "/endpoints/chat/invocations", {"messages": HELLO, "temperature": 5}, None),
    ("max_tokens 0", "POST", "/endpoints/chat/invocations", {"messages": HELLO, "max_tokens": 0}, None),
    ("null temperature/max_tokens/stop", "POST", "/endpoints/chat/invocations",
     {"messages": HELLO, "temperature": None, "max_tokens": None, "stop": None}, None),
    ("null n", "POST", "/endpoints/chat/invocations", {"messages": HELLO, "n": None}, None),
    ("tool with nested schema", "POST", "/endpoints/chat/invocations", {"messages": HELLO, "tools": [{
        "type": "function", "function": {"name": "find", "parameters": {"type": "object", "properties": {
            "where": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}}}]}, None),
    ("stop as a string", "POST", "/endpoints/chat/invocations", {"messages": HELLO, "stop": "x"}, None),
    ("extra field", "POST", "/endpoints/chat/invocations", {"messages": HELLO, "foo": "bar"}, None),
    ("extra field nested", "POST", "/endpoints/chat/invocations",
     {"messages": [{"role": "user", "content": "hi", "name": "alice"}]}, None),
    ("model in body", "POST", "/endpoints/chat/invocations", {"messages": HELLO, "model": "gpt-4o"}, None),
    ("invalid JSON", "POST", "/endpoints/chat/invocations", None, "{not json"),
    ("empty body", "POST", "/endpoints/chat/invocations", None, ""),
    ("completions missing prompt", "POST", "/endpoints/completions/invocations", {}, None),
    ("embeddings missing input", "POST", "/endpoints/embeddings/invocations", {}, None),
    ("embeddings input is a number", "POST", "/endpoints/embeddings/invocations", {"input": 5}, None),
    ("upstream 500", "POST", "/endpoints/fault-500/invocations", {"messages": [{"role": "user", "content": "UPSTREAM_500"}]}, None),
    ("upstream 500 again", "POST", "/endpoints/fault-500/invocations", {"messages": [{"role": "user", "content": "UPSTREAM_500"}]}, None),
    ("same endpoint, upstream healthy", "POST", "/endpoints/fault-500/invocations", {"messages": HELLO}, None),
    ("upstream 429", "POST", "/endpoints/fault-429/invocations", {"messages": [{"role": "user", "content": "UPSTREAM_429"}]}, None),
    ("upstream 400", "POST", "/endpoints/fault-400/invocations", {"messages": [{"role": "user", "content": "UPSTREAM_400"}]}, None),
    ("upstream 500 on /v1", "POST", "/v1/chat/completions", {"model": "fault-v1", "messages": [{"role": "user", "content": "UPSTREAM_500"}]}, None),
    ("upstream 500, streaming", "POST", "/endpoints/fault-stream/invocations",
     {"messages": [{"role": "user", "content": "UPSTREAM_500"}], "stream": True}, None),
    ("upstream unreachable", "POST", "/endpoints/chat-down/invocations", {"messages": HELLO}, None),
    ("rate limit: 1st call", "POST", "/endpoints/chat-limited/invocations", {"messages": HELLO}, None),
    ("rate limit: 2nd call", "POST", "/endpoints/chat-limited/invocations", {"messages": HELLO}, None),
    ("rate limit: then /gateway path", "POST", "/gateway/chat-limited/invocations", {"messages": HELLO}, None),
    ("rate limit: then /v1", "POST", "/v1/chat/completions", {"model": "chat-limited", "messages": HELLO}, None),
]


def run_cases(ports):
    rows = []
    for label, method, path, body, raw in CASES:
        row = {"case": label, "request": f"{method} {path}", "body": body if raw is None else raw}
        for name, port in ports.items():
            before = len(UP.requests)
            result = call(port, method, path, body, raw)
            time.sleep(0.05)
            result["upstream"] = UP.requests[before:]
            row[name] = result
        rows.append(row)
    return rows


def verdict(row):
    m, g = row["mlflow"], row["gateway"]
    if m["status"] != g["status"]:
        return "DIFF status"
    pm, pg = parse(m), parse(g)
    if 200 <= m["status"] < 300 and isinstance(pm, dict) and isinstance(pg, dict):
        if pm.get("sse") or pg.get("sse"):
            if pm.get("sse") != pg.get("sse"):
                return "DIFF framing"
            note = "both SSE"
            if pm.get("done") != pg.get("done"):
                note += f"; [DONE]: MLflow {'yes' if pm['done'] else 'no'}, we {'yes' if pg['done'] else 'no'}"
            if pm.get("aborted") or pg.get("aborted"):
                note += f"; aborted: MLflow {pm.get('aborted')}, we {pg.get('aborted')}"
            missing = shape(pm.get("first")) - shape(pg.get("first"))
            return note + (f"; 1st chunk: we lack {short(missing)}" if missing else "")
        if "openapi" in pm:
            return "both serve a schema (each its own)"
        missing = shape(pm) - shape(pg)
        added = shape(pg) - shape(pm)
        if missing:
            return f"DIFF keys: we lack {short(missing)}" + (f"; we add {short(added)}" if added else "")
        return "same keys" + (f" (we add {short(added)})" if added else "")
    if m["body"] == g["body"]:
        return "same (body identical)"
    if "html" in m["headers"].get("content-type", ""):
        hosts = {n: sorted(set(re.findall(r'(?:src|href)="(https?://[^/"]+)', r["body"]))) for n, r in (("MLflow", m), ("we", g))}
        return f"both HTML; page loads from: MLflow {hosts['MLflow'] or 'nothing external'}, we {hosts['we'] or 'nothing external'}"
    return "same status"


def print_table(rows):
    print("\n## Same requests to both (status; body summary)\n")
    print(f"| {'case':34} | {'MLflow':7} | {'Gateway':7} | verdict |")
    print(f"|{'-' * 36}|{'-' * 9}|{'-' * 9}|---------|")
    for row in rows:
        print(f"| {row['case']:34} | {row['mlflow']['status']:7} | {row['gateway']['status']:7} | {verdict(row)} |")
    print("\n## Details (bodies and what the upstream got)\n")
    for row in rows:
        print(f"- {row['case']}: {row['request']}")
        for name in ("mlflow", "gateway"):
            r = row[name]
            extra = ""
            for h in ("retry-after", "x-ratelimit-limit", "location", "allow"):
                if h in r["headers"]:
                    extra += f" {h}={r['headers'][h]}"
            ct = r["headers"].get("content-type", "")
            print(f"    {name:8} {r['status']} {ct}{extra} {r['ms']}ms  {summary(r, 260)}")
            if r["upstream"] or row["request"].startswith("POST"):
                print(f"    {'':8} {upstream_note(r['upstream'])}")


# ----------------------------------------------------------------------------------------------
# Config validation, reload, clients
# ----------------------------------------------------------------------------------------------
def last_lines(text, n=3):
    lines = [l for l in text.strip().splitlines() if l.strip()]
    return " / ".join(lines[-n:])[:400]


def run_bad_start(cmd, env, limit=40, probe=None):
    """Runs one start: its exit code and last lines, or, if it keeps running, whether it serves
    (and, with `probe` = (path, body), what one request to it gets)."""
    port = free_port()
    cmd = [c.replace("{port}", str(port)) for c in cmd]
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(cmd, cwd=GW_ROOT, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    CHILDREN.append(proc)
    started = time.monotonic()
    state = None
    while time.monotonic() - started < limit:
        if proc.poll() is not None:
            state = proc.returncode
            break
        if call(port, "GET", "/health", timeout=1)["status"] == 200:
            state = "keeps running and serves /health 200"
            if probe:
                before = len(UP.requests)
                r = call(port, "POST", probe[0], probe[1], timeout=30)
                state += f"; POST {probe[0]} -> {r['status']} {summary(r, 160)}; mock upstream got {len(UP.requests) - before} call(s)"
            break
        time.sleep(0.25)
    if state is None:
        state = f"keeps running after {limit} s, /health {call(port, 'GET', '/health', timeout=2)['status'] or 'unreachable'}"
    stop(proc)
    log.seek(0)
    return {"exit": state, "says": last_lines(log.read().decode(errors="replace"), 4)}


def provider_key_configs(upstream):
    """MLflow 3.17 config keys for providers both gateways know (measured live: start + one request)."""
    one = lambda provider, name, config: (  # noqa: E731
        f"endpoints:\n  - name: x\n    endpoint_type: llm/v1/chat\n    model:\n      provider: {provider}\n"
        f"      name: {name}\n      config: {config}\n")
    return {
        "groq with api_key/api_base (MLflow 3.17 keys)":
            one("groq", "llama-3.1-8b-instant", f"{{api_key: $COMPARE_OPENAI_KEY, api_base: '{upstream}/v1'}}"),
        "ollama with api_key/api_base (MLflow 3.17 keys)":
            one("ollama", "llama3.2", f"{{api_key: $COMPARE_OPENAI_KEY, api_base: '{upstream}/v1'}}"),
        "bedrock with aws_config.aws_bearer_token (start only)":
            one("bedrock", "anthropic.claude-3-haiku-20240307-v1:0", "{aws_config: {aws_region: us-east-1, aws_bearer_token: tok}}"),
        "provider only MLflow has (portkey)": one("portkey", "gpt-4o-mini", "{api_key: k, portkey_provider: openai}"),
    }


def run_bad_configs(venv, workdir, env, upstream):
    out = []
    cases = {**BAD_CONFIGS, **provider_key_configs(upstream)}
    for label, text in cases.items():
        probe = ("/endpoints/x/invocations", {"messages": HELLO}) if "MLflow 3.17 keys" in label else None
        path = os.path.join(workdir, "bad-" + re.sub(r"[^A-Za-z0-9_.-]+", "-", label) + ".yaml")
        with open(path, "w") as f:
            f.write(text)
        row = {"case": label}
        for name, cmd in (
            ("mlflow", [f"{venv}/bin/mlflow", "gateway", "start", "--config-path", path, "--port", "{port}", "--workers", "1"]),
            ("gateway", [DENO, "run", "-A", "--unstable-net", "main.ts", "start", "--config-path", path, "--port", "{port}"]),
            ("validate", [DENO, "run", "-A", "--unstable-net", "main.ts", "validate", path]),
        ):
            row[name] = run_bad_start(cmd, env, probe=None if name == "validate" else probe)
        out.append(row)
    print("\n## Config problems (`start` exit code and last lines; our `validate` too)\n")
    for row in out:
        print(f"- {row['case']}:")
        for name in ("mlflow", "gateway", "validate"):
            print(f"    {name:8} exit={row[name]['exit']}  {row[name]['says']}")
    return out


def run_reload(config_path, upstream, ports, procs, title):
    """Adds an endpoint (valid edit), then writes an invalid file; polls both all along."""
    errors = {name: {} for name in ports}
    polls = {name: 0 for name in ports}
    stop_polling = threading.Event()

    def poll(name, port):
        while not stop_polling.is_set():
            r = call(port, "POST", "/endpoints/chat-b/invocations", {"messages": HELLO}, timeout=10)
            polls[name] += 1
            if r["status"] != 200:
                key = r["status"] or "no answer"
                errors[name][key] = errors[name].get(key, 0) + 1
            time.sleep(0.02)

    threads = [threading.Thread(target=poll, args=(n, p), daemon=True) for n, p in ports.items()]
    for t in threads:
        t.start()
    time.sleep(1)
    added = ("  - name: added\n    endpoint_type: llm/v1/chat\n    model:\n      provider: openai\n"
             "      name: gpt-4o-mini\n      config:\n        openai_api_key: $COMPARE_OPENAI_KEY\n"
             f"        openai_api_base: {upstream}/v1\n")
    original = open(config_path).read()
    with open(config_path, "w") as f:
        f.write(config_text(upstream, added))
    written = time.monotonic()
    took = {}
    while len(took) < len(ports) and time.monotonic() - written < 60:
        for name, port in ports.items():
            if name not in took and call(port, "POST", "/endpoints/added/invocations", {"messages": HELLO}, timeout=5)["status"] == 200:
                took[name] = round(time.monotonic() - written, 2)
        time.sleep(0.05)
    time.sleep(2)
    stop_polling.set()
    for t in threads:
        t.join()
    result = {"valid edit: new endpoint served after s": took, "requests during reload": polls,
              "failed during reload (by status)": errors,
              "alive after valid edit": {name: procs[name].poll() is None for name in ports}}
    # An invalid edit: both must keep the last good config.
    with open(config_path, "w") as f:
        f.write(config_text(upstream, added).replace("provider: openai", "provider: openia", 1))
    time.sleep(6)
    result["after invalid edit: still serving 'added'"] = {
        name: call(port, "POST", "/endpoints/added/invocations", {"messages": HELLO})["status"] for name, port in ports.items()}
    with open(config_path, "w") as f:
        f.write(original)
    time.sleep(4)
    result["alive at end"] = {name: procs[name].poll() is None for name in ports}
    print(f"\n## Reload on file change ({title})\n")
    for k, v in result.items():
        print(f"- {k}: {v}")
    return result


CLIENT_CHECK = r'''
import json, sys
url = sys.argv[1]
out = {}
def attempt(label, fn):
    try:
        out[label] = "ok: " + str(fn())[:160]
    except Exception as e:
        out[label] = f"FAIL {type(e).__name__}: {str(e)[:300]}"
from mlflow.deployments import get_deploy_client
c = get_deploy_client(url)
attempt("deployments list_endpoints", lambda: [e.name for e in c.list_endpoints()])
attempt("deployments get_endpoint", lambda: c.get_endpoint("chat-limited"))
attempt("deployments predict chat", lambda: c.predict(endpoint="chat", inputs={"messages": [{"role": "user", "content": "hi"}]})["choices"][0]["message"]["content"])
attempt("deployments predict completions", lambda: c.predict(endpoint="completions", inputs={"prompt": "hi"})["choices"][0]["text"])
attempt("deployments predict embeddings", lambda: len(c.predict(endpoint="embeddings", inputs={"input": ["a", "b"]})["data"]))
attempt("deployments predict route", lambda: c.predict(endpoint="split", inputs={"messages": [{"role": "user", "content": "hi"}]})["choices"][0]["message"]["content"])
attempt("deployments predict unknown", lambda: c.predict(endpoint="nope", inputs={"messages": [{"role": "user", "content": "hi"}]}))
attempt("deployments predict bad input", lambda: c.predict(endpoint="chat", inputs={"messages": "hi"}))
from openai import OpenAI
o = OpenAI(base_url=url + "/v1", api_key="unused", max_retries=0)
attempt("openai chat", lambda: o.chat.completions.create(model="chat", messages=[{"role": "user", "content": "hi"}]).choices[0].message.content)
attempt("openai chat stream", lambda: "".join((ch.choices[0].delta.content or "") for ch in o.chat.completions.create(model="chat", messages=[{"role": "user", "content": "hi"}], stream=True) if ch.choices))
attempt("openai completions", lambda: o.completions.create(model="completions", prompt="hi").choices[0].text)
attempt("openai embeddings", lambda: len(o.embeddings.create(model="embeddings", input=["a"]).data))
attempt("openai unknown model", lambda: o.chat.completions.create(model="nope", messages=[{"role": "user", "content": "hi"}]))
attempt("openai models.list", lambda: [m.id for m in o.models.list()])
print(json.dumps(out))
'''


def run_clients(venv, ports, env):
    env = {**env, "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0"}
    out = {}
    for name, port in ports.items():
        try:
            p = subprocess.run([f"{venv}/bin/python", "-c", CLIENT_CHECK, f"http://127.0.0.1:{port}"],
                               capture_output=True, timeout=180, env=env)
            out[name] = json.loads(p.stdout.decode().strip().splitlines()[-1])
        except Exception as e:
            out[name] = {"error": f"{type(e).__name__}: {e}"}
    print("\n## Real clients (mlflow.deployments, openai SDK; client retries off)\n")
    for label in out.get("mlflow", {}):
        print(f"- {label}")
        for name in ports:
            print(f"    {name:8} {out[name].get(label)}")
    return out


# ----------------------------------------------------------------------------------------------
def ensure_venv(venv, version):
    python = f"{venv}/bin/python"
    if not os.path.exists(python):
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    have = subprocess.run([python, "-c", "import mlflow, openai; print(mlflow.__version__)"],
                          capture_output=True, text=True)
    if have.returncode != 0 or have.stdout.strip() != version:
        print(f"installing mlflow[gateway]=={version} and openai into {venv} ...", file=sys.stderr)
        subprocess.run([python, "-m", "pip", "install", "-q", f"mlflow[gateway]=={version}", "openai"],
                       check=True, timeout=1200)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mlflow-version", default="3.17.2")
    ap.add_argument("--venv", default="/tmp/mlflow-compare")
    ap.add_argument("--out", default="/tmp/compare-with-mlflow.json")
    ap.add_argument("--deadline", type=int, default=900, help="seconds before everything is stopped")
    ap.add_argument("--skip", default="", help="comma list of: bad-configs,reload,clients")
    ap.add_argument("--gateway-root", default=ROOT, help="checkout whose main.ts (and dist/gateway) to run")
    args = ap.parse_args()
    global GW_ROOT
    GW_ROOT = os.path.abspath(args.gateway_root)
    skip = set(filter(None, args.skip.split(",")))

    def give_up():
        print(f"\ncompare-with-mlflow: deadline of {args.deadline}s passed; stopping", file=sys.stderr)
        for p in CHILDREN:
            stop(p)
        os._exit(3)

    timer = threading.Timer(args.deadline, give_up)
    timer.daemon = True
    timer.start()

    ensure_venv(args.venv, args.mlflow_version)
    mock = ThreadingHTTPServer(("127.0.0.1", 0), MockHandler)
    threading.Thread(target=mock.serve_forever, daemon=True).start()
    upstream = f"http://127.0.0.1:{mock.server_address[1]}"
    global DOWN_PORT
    DOWN_PORT = free_port()

    workdir = tempfile.mkdtemp(prefix="compare-with-mlflow-")
    config_path = os.path.join(workdir, "gateway.yaml")
    with open(config_path, "w") as f:
        f.write(config_text(upstream))
    env = {**os.environ, "COMPARE_OPENAI_KEY": KEY, "NO_COLOR": "1"}
    env.pop("COMPARE_UNSET_KEY", None)
    ports = {"mlflow": free_port(), "gateway": free_port()}
    report = {"mlflow_version": args.mlflow_version, "date": time.strftime("%Y-%m-%d"), "config": config_text(upstream)}
    try:
        # One worker for MLflow: its rate-limit counters are per worker (the default, 2, doubles the limit).
        procs = {
            "mlflow": spawn([f"{args.venv}/bin/mlflow", "gateway", "start", "--config-path", config_path,
                             "--host", "127.0.0.1", "--port", str(ports["mlflow"]), "--workers", "1"],
                            os.path.join(workdir, "mlflow.log"), env),
        }
        report["startup_s"] = {"mlflow": wait_healthy(ports["mlflow"], procs["mlflow"], 180)}
        procs["gateway"] = spawn([DENO, "run", "-A", "--unstable-net", "main.ts", "start", "--config-path", config_path,
                                  "--host", "127.0.0.1", "--port", str(ports["gateway"])],
                                 os.path.join(workdir, "gateway.log"), env)
        report["startup_s"]["gateway"] = wait_healthy(ports["gateway"], procs["gateway"], 120)
        if None in report["startup_s"].values():
            for name in ("mlflow", "gateway"):
                print(f"--- {name} log ---\n" + open(os.path.join(workdir, f"{name}.log")).read()[-3000:], file=sys.stderr)
            raise SystemExit(f"a server did not start: {report['startup_s']}")
        time.sleep(1)
        report["rss_idle_mb"] = {n: group_rss_mb(p.pid) for n, p in procs.items()}
        report["processes"] = {n: len([1 for pid in os.listdir("/proc") if pid.isdigit() and _pgid(pid) == p.pid])
                               for n, p in procs.items()}

        rows = run_cases(ports)
        report["cases"] = rows
        report["rss_after_cases_mb"] = {n: group_rss_mb(p.pid) for n, p in procs.items()}
        described = subprocess.run(["git", "-C", GW_ROOT, "describe", "--always", "--dirty"], capture_output=True,
                                   text=True).stdout.strip() or "(no git)"
        report["gateway_version"] = described
        print(f"# MLflow {args.mlflow_version} (`mlflow gateway start --workers 1`) vs this gateway "
              f"(`deno run main.ts start`, {GW_ROOT} at {described}), {report['date']}")
        print(f"\nconfig: {config_path}; logs: {workdir}/{{mlflow,gateway}}.log")
        print_table(rows)
        if "clients" not in skip:
            report["clients"] = run_clients(args.venv, ports, env)
        if "reload" not in skip:
            report["reload"] = run_reload(config_path, upstream, ports, procs, "MLflow as `mlflow[gateway]` installs it")
            if procs["mlflow"].poll() is not None:
                # MLflow's reload imports psutil, which mlflow[gateway] does not install: measure it again with it.
                extra = os.path.join(args.venv, "psutil-only")
                if not os.path.isdir(extra):
                    subprocess.run([f"{args.venv}/bin/python", "-m", "pip", "install", "-q", "--target", extra, "psutil"],
                                   check=True, timeout=300)
                ports["mlflow"] = free_port()
                procs["mlflow"] = spawn([f"{args.venv}/bin/mlflow", "gateway", "start", "--config-path", config_path,
                                         "--host", "127.0.0.1", "--port", str(ports["mlflow"]), "--workers", "1"],
                                        os.path.join(workdir, "mlflow-psutil.log"), {**env, "PYTHONPATH": extra})
                if wait_healthy(ports["mlflow"], procs["mlflow"], 180) is not None:
                    report["reload_with_psutil"] = run_reload(config_path, upstream, {"mlflow": ports["mlflow"]},
                                                              procs, "MLflow with psutil added")
    finally:
        for p in list(CHILDREN):
            stop(p)
    if "bad-configs" not in skip:
        report["bad_configs"] = run_bad_configs(args.venv, workdir, env, upstream)
    report["more_starts"] = more_starts(args.venv, config_path, workdir, env)
    print("\n## Startup and memory\n")
    print(f"- time from spawn to /health 200 (s): {report['startup_s']}")
    print(f"- processes: {report['processes']}")
    print(f"- RSS of the process group, idle (MB): {report['rss_idle_mb']}")
    print(f"- RSS after the cases (MB): {report['rss_after_cases_mb']}")
    for label, m in report["more_starts"].items():
        print(f"- {label}: start {m['startup_s']} s, {m['processes']} processes, idle RSS {m['rss_mb']} MB")
    with open(args.out, "w") as f:
        json.dump(report, f, indent=1, default=str)
    print(f"\nfull results: {args.out}")
    timer.cancel()


def more_starts(venv, config_path, workdir, env):
    """Startup and idle RSS of MLflow with its default workers (2) and of the built binary, if any."""
    out = {}
    variants = [("mlflow, default --workers (2)", lambda port: [f"{venv}/bin/mlflow", "gateway", "start",
                 "--config-path", config_path, "--port", str(port)])]
    binary = os.path.join(GW_ROOT, "dist", "gateway")
    if os.path.exists(binary):
        variants.append(("gateway, dist/gateway binary", lambda port: [binary, "start", "--config-path", config_path,
                         "--port", str(port)]))
    for label, cmd in variants:
        port = free_port()
        proc = spawn(cmd(port), os.path.join(workdir, "extra-start.log"), env)
        try:
            took = wait_healthy(port, proc, 180)
            time.sleep(1)
            out[label] = {"startup_s": took, "rss_mb": group_rss_mb(proc.pid),
                          "processes": len([1 for pid in os.listdir("/proc") if pid.isdigit() and _pgid(pid) == proc.pid])}
        finally:
            stop(proc)
    return out


def _pgid(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[2])
    except (OSError, IndexError, ValueError):
        return -1


if __name__ == "__main__":
    main()
