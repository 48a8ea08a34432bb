import { assert, assertEquals, assertMatch } from "../../tests/assert.ts";
import { loadConfigText } from "../config/load.ts";
import { Gateway } from "../core/gateway.ts";
import { Logger } from "../observe/logs.ts";
import { createHandler } from "./pipeline.ts";
import { speaksMlflow } from "./errors.ts";

const ANSWER = JSON.stringify({
  id: "chatcmpl-1",
  object: "chat.completion",
  created: 1,
  model: "gpt-4o-mini",
  choices: [{ index: 0, message: { role: "assistant", content: "Hi." }, finish_reason: "stop" }],
  usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
});

/** A handler on a one-endpoint config whose upstream is a canned answer, and its log lines. */
function served() {
  const { config } = loadConfigText(
    `endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    model:
      provider: openai
      name: gpt-4o-mini
      config: {openai_api_key: sk-app-test-key, openai_api_base: "http://upstream.invalid/v1"}
`,
    "app test",
  );
  if (!config) throw new Error("config did not load");
  const lines: Record<string, unknown>[] = [];
  const logger = new Logger({
    level: "info",
    format: "json",
    write: (line) => lines.push(JSON.parse(line)),
  });
  const fetch = (() =>
    Promise.resolve(
      new Response(ANSWER, { headers: { "content-type": "application/json" } }),
    )) as typeof globalThis.fetch;
  const gateway = new Gateway(config, { logger, fetch });
  const handle = createHandler({ gateway, version: "test" });
  const send = (path: string, init: RequestInit = {}) =>
    handle(new Request(`http://gateway.test${path}`, init), { remoteAddress: "127.0.0.1" });
  const requestLogs = () => lines.filter((line) => line.msg === "request");
  return { gateway, send, requestLogs };
}

const chatBody = JSON.stringify({ model: "chat", messages: [{ role: "user", content: "Hi" }] });
const post = (body: string, headers: Record<string, string> = {}): RequestInit => ({
  method: "POST",
  body,
  headers: { "content-type": "application/json", ...headers },
});

Deno.test("every request gets an id, a metric and an access log line, however it is routed", async () => {
  const { gateway, send, requestLogs } = served();
  // The exact path (served without Hono), the same route with a query (through Hono), an error
  // on the exact path, and a route that is not an invocation.
  const answers = [
    await send("/v1/chat/completions", post(chatBody)),
    await send("/v1/chat/completions?trace=1", post(chatBody)),
    await send("/v1/chat/completions", post("{not json")),
    await send("/gateway/chat/invocations", post(chatBody)),
    await send("/v1/models"),
  ];
  assertEquals(answers.map((answer) => answer.status), [200, 200, 400, 400, 200]);
  const bad = await answers[2]!.json();
  assertEquals(bad.error.code, "invalid_json");
  const logs = requestLogs();
  assertEquals(logs.length, answers.length);
  for (const [i, answer] of answers.entries()) {
    const id = answer.headers.get("x-request-id");
    assertMatch(id ?? "", /^[0-9a-f-]{36}$/);
    assertEquals(logs[i]!.request_id, id);
    assertEquals(logs[i]!.status, answer.status);
    assert(typeof logs[i]!.ms === "number");
  }
  assertEquals(logs.map((log) => log.path), [
    "/v1/chat/completions",
    "/v1/chat/completions",
    "/v1/chat/completions",
    "/gateway/chat/invocations",
    "/v1/models",
  ]);
  assertEquals(logs.map((log) => log.endpoint), ["chat", "chat", undefined, undefined, undefined]);
  assertEquals(
    gateway.metrics.render().match(/^gateway_requests_total\{.*$/gm)?.sort(),
    [
      'gateway_requests_total{endpoint="",status="200"} 1',
      'gateway_requests_total{endpoint="",status="400"} 2',
      'gateway_requests_total{endpoint="chat",status="200"} 2',
    ],
  );
  for (const log of logs) assert(!JSON.stringify(log).includes("sk-app-test-key"));
});

Deno.test("a well-formed client request id is kept, a malformed one replaced", async () => {
  const { send, requestLogs } = served();
  const kept = await send("/v1/chat/completions", post(chatBody, { "x-request-id": "trace-42" }));
  assertEquals(kept.headers.get("x-request-id"), "trace-42");
  const replaced = await send(
    "/v1/chat/completions",
    post(chatBody, { "x-request-id": "bad id with spaces" }),
  );
  assertMatch(replaced.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
  assertEquals(requestLogs().map((log) => log.request_id), [
    "trace-42",
    replaced.headers.get("x-request-id"),
  ]);
});

Deno.test("speaksMlflow() names MLflow's paths: /api/, /endpoints/ and /gateway/{name}/invocations", () => {
  for (
    const path of [
      "/api/2.0/endpoints/nope",
      "/api/3.0/gateway/route/x",
      "/endpoints/chat/invocations",
      "/gateway/chat/invocations",
      "/gateway/chat/invocations?x=1",
    ]
  ) assertEquals(speaksMlflow(path), true, path);
  for (
    const path of ["/v1/chat/completions", "/gateway/openai/v1/chat/completions", "/health", "/ui"]
  ) assertEquals(speaksMlflow(path), false, path);
});

Deno.test("errors on MLflow's routes and unknown paths carry MLflow's detail beside error", async () => {
  const { send } = served();
  const cases: [string, RequestInit, number][] = [
    ["/api/2.0/endpoints/nope", {}, 404],
    ["/api/3.0/gateway/endpoint/nope", {}, 404],
    ["/api/3.0/gateway/route/nope", {}, 404],
    ["/api/2.0/gateway/routes/nope", {}, 404],
    ["/api/2.0/endpoints/limits/chat", {}, 501],
    ["/api/2.0/endpoints/limits/", post("{}"), 501],
    ["/api/2.0/endpoints/?page_token=bad!", {}, 400],
    ["/nope", {}, 404],
    ["/v1/nope", {}, 404],
    ["/gateway/chat/invocations", {}, 405],
    ["/gateway/nope/invocations", post(chatBody), 404],
  ];
  for (const [path, init, status] of cases) {
    const response = await send(path, init);
    const body = await response.json();
    assertEquals(response.status, status, path);
    assertEquals(body.detail, body.error.message, path);
  }
  // OpenAI's routes keep OpenAI's envelope alone.
  for (
    const [path, init] of [
      ["/v1/chat/completions", post(JSON.stringify({ model: "nope", messages: [] }))],
      ["/v1/chat/completions", {}],
    ] as const
  ) {
    const body = await (await send(path, init)).json();
    assert(body.error !== undefined && !("detail" in body), JSON.stringify(body));
  }
});

Deno.test("MLflow's listings always carry next_page_token, null on the last page", async () => {
  const { send } = served();
  for (
    const path of ["/api/2.0/endpoints/", "/api/2.0/gateway/routes/", "/api/3.0/gateway/routes/"]
  ) {
    const body = await (await send(path)).json();
    assertEquals(body.next_page_token, null, path);
  }
});

Deno.test("chat answers on /v1 name their provider, as MLflow 3.17's gateway does", async () => {
  const { send } = served();
  const answer = await (await send("/v1/chat/completions", post(chatBody))).json();
  assertEquals(answer.provider, "openai");
  assertEquals(answer.choices[0].message.content, "Hi.");
});

/** A handler on an embeddings endpoint whose upstream answers with `body`. */
function embeddingsServed(body: Uint8Array<ArrayBuffer>) {
  const { config } = loadConfigText(
    `endpoints:
  - name: embeddings
    endpoint_type: llm/v1/embeddings
    model:
      provider: openai
      name: text-embedding-3-small
      config: {openai_api_key: sk-app-test-key, openai_api_base: "http://upstream.invalid/v1"}
`,
    "app test",
  );
  if (!config) throw new Error("config did not load");
  const fetch = (() =>
    Promise.resolve(
      new Response(body, { headers: { "content-type": "application/json" } }),
    )) as typeof globalThis.fetch;
  const gateway = new Gateway(config, { logger: new Logger({ level: "warn" }), fetch });
  const handle = createHandler({ gateway, version: "test" });
  return (input: Record<string, unknown>) =>
    handle(
      new Request("http://gateway.test/v1/embeddings", post(JSON.stringify(input))),
      { remoteAddress: "127.0.0.1" },
    );
}

Deno.test("embeddings answers are relayed as the upstream's bytes, less a byte order mark", async () => {
  const floats = JSON.stringify({
    object: "list",
    data: [{ object: "embedding", index: 0, embedding: [0.5, -0.25] }],
    model: "text-embedding-3-small",
    usage: { prompt_tokens: 2, total_tokens: 2 },
  });
  const base64 = floats.replace("[0.5,-0.25]", '"AAAAPwAAgL4="');
  const encode = (text: string) => new TextEncoder().encode(text);
  const cases: [string, string][] = [[floats, "float"], [base64, "base64"]];
  for (const [text, encoding_format] of cases) {
    const send = embeddingsServed(encode(text));
    const answer = await send({ model: "embeddings", input: "Hi", encoding_format });
    assertEquals(await answer.text(), text);
    const marked = embeddingsServed(encode(`\ufeff${text}`));
    const unmarked = await marked({ model: "embeddings", input: "Hi", encoding_format });
    // Read as bytes: Response.text() would drop a mark itself.
    const bytes = new Uint8Array(await unmarked.arrayBuffer());
    assertEquals(bytes[0], "{".charCodeAt(0));
    assertEquals(JSON.parse(new TextDecoder().decode(bytes)), JSON.parse(text));
  }
});
