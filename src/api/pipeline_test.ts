import { assert, assertEquals } from "../../tests/assert.ts";
import { createRoute, z } from "@hono/zod-openapi";
import { loadConfigText } from "../config/load.ts";
import { Gateway } from "../core/gateway.ts";
import { GatewayError } from "../core/errors.ts";
import type { RequestRecord } from "../core/request_record.ts";
import { silentLogger } from "../observe/logs.ts";
import type { Authenticate } from "./context.ts";
import type { RouteDef } from "./mount.ts";
import { createHandler } from "./pipeline.ts";

const encoder = new TextEncoder();

function chunk(content: string, usage?: Record<string, number>) {
  return `data: ${
    JSON.stringify({
      id: "chatcmpl-1",
      object: "chat.completion.chunk",
      created: 1,
      model: "gpt-4o-mini",
      choices: usage ? [] : [{ index: 0, delta: { content }, finish_reason: null }],
      ...(usage ? { usage } : {}),
    })
  }\n\n`;
}

const USAGE = { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 };

/** Canned upstream answers, by the first path segment of the endpoint's base URL. */
function upstream(url: string, init: RequestInit): Promise<Response> {
  const kind = new URL(url).pathname.split("/")[1];
  if (kind === "fail") {
    return Promise.resolve(Response.json({ error: { message: "down" } }, { status: 500 }));
  }
  if (kind === "ok") {
    return Promise.resolve(Response.json({
      id: "chatcmpl-1",
      object: "chat.completion",
      created: 1,
      model: "gpt-4o-mini",
      choices: [{ index: 0, message: { role: "assistant", content: "Hi" }, finish_reason: "stop" }],
      usage: { ...USAGE, prompt_tokens_details: { cached_tokens: 4 } },
    }));
  }
  const events = kind === "stream"
    ? [chunk("a"), chunk("b"), chunk("", USAGE), "data: [DONE]\n\n"]
    : [chunk("a")];
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (sent < events.length) {
        controller.enqueue(encoder.encode(events[sent++] as string));
        return;
      }
      if (kind === "stream") return controller.close();
      if (kind === "cut") return controller.error(new Error("connection reset"));
      // "hang": nothing more until the gateway lets go of the call.
      await new Promise((resolve) => init.signal?.addEventListener("abort", resolve));
      controller.error(new Error("aborted"));
    },
  });
  return Promise.resolve(
    new Response(body, { headers: { "content-type": "text/event-stream" } }),
  );
}

const CONFIG = `
endpoints:
${
  ["ok", "stream", "cut", "hang", "fail"].map((kind) => `
  - name: ${kind}
    endpoint_type: llm/v1/chat
    retries: 0
    model:
      provider: openai
      name: gpt-4o-mini
      config: {openai_api_key: sk-pipeline-test, openai_api_base: "http://upstream.test/${kind}/v1"}
`).join("")
}
  - name: limited
    endpoint_type: llm/v1/chat
    limit: {calls: 1, renewal_period: minute}
    model:
      provider: openai
      name: gpt-4o-mini
      config: {openai_api_key: sk-pipeline-test, openai_api_base: "http://upstream.test/ok/v1"}
routes:
  - name: fallback
    task_type: llm/v1/chat
    routing_strategy: FALLBACK
    destinations: [{name: fail}, {name: ok}]
`;

/** A handler on CONFIG whose completed records are collected. */
function served(
  options: { authenticate?: Authenticate; routes?: RouteDef[] } = {},
) {
  const { config, problems } = loadConfigText(CONFIG, "pipeline test");
  if (!config) throw new Error(JSON.stringify(problems));
  const records: RequestRecord[] = [];
  const gateway = new Gateway(config, {
    logger: silentLogger(),
    fetch: upstream as typeof fetch,
    sinks: [{ write: (record) => records.push(record) }],
  });
  const handle = createHandler(
    options.authenticate === undefined
      ? { gateway, version: "test" }
      : { gateway, version: "test", authenticate: options.authenticate },
    options.routes,
  );
  const send = (path: string, init: RequestInit = {}) =>
    handle(new Request(`http://gateway.test${path}`, init), { remoteAddress: "127.0.0.1" });
  return { send, records };
}

const chat = (model: string, stream = false): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({
    model,
    messages: [{ role: "user", content: "Hi" }],
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  }),
});

/** Waits for the microtasks and timers that complete a record after its body ends. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

Deno.test("pipeline: a complete answer gives one record with status, attempt, usage and times", async () => {
  const { send, records } = served();
  const response = await send("/v1/chat/completions", chat("ok"));
  assertEquals(response.status, 200);
  await response.text();
  assertEquals(records.length, 1);
  const record = records[0] as RequestRecord;
  assertEquals(record.id, response.headers.get("x-request-id"));
  assertEquals([record.status, record.outcome, record.ingress], [200, "ok", "openai.chat"]);
  assertEquals([record.target, record.endpoint, record.provider, record.model], [
    "ok",
    "ok",
    "openai",
    "gpt-4o-mini",
  ]);
  assertEquals(record.usage, { prompt: 7, completion: 3, total: 10, cached: 4, reasoning: 0 });
  assertEquals(record.attempts?.map((a) => [a.endpoint, a.outcome, a.status]), [["ok", "ok", 200]]);
  assert(record.totalMs !== undefined && record.totalMs >= record.upstreamMs);
  assert(record.overheadMs !== undefined && record.overheadMs >= 0);
  assertEquals(record.client, "anonymous");
});

Deno.test("pipeline: a stream's record is completed when the stream ends, with its usage", async () => {
  const { send, records } = served();
  const response = await send("/v1/chat/completions", chat("stream", true));
  assertEquals(response.status, 200);
  assertEquals(records.length, 0, "a stream in flight is not recorded yet");
  const text = await response.text();
  assert(text.endsWith("data: [DONE]\n\n"));
  await settle();
  assertEquals(records.length, 1);
  const record = records[0] as RequestRecord;
  assertEquals([record.status, record.outcome, record.stream], [200, "ok", true]);
  assertEquals(record.usage?.total, 10);
  assert(record.firstChunkMs !== undefined && record.firstChunkMs <= (record.totalMs ?? 0));
});

Deno.test("pipeline: a client that leaves mid-stream is recorded as 499", async () => {
  const { send, records } = served();
  const response = await send("/v1/chat/completions", chat("hang", true));
  const reader = response.body!.getReader();
  await reader.read();
  await reader.cancel();
  await settle();
  assertEquals(records.length, 1);
  assertEquals([records[0]?.status, records[0]?.outcome], [499, "client_closed"]);
});

Deno.test("pipeline: an upstream cut after the stream began is recorded as broken", async () => {
  const { send, records } = served();
  const response = await send("/v1/chat/completions", chat("cut", true));
  assertEquals(response.status, 200);
  const text = await response.text();
  assert(text.includes('"error"') && !text.includes("[DONE]"));
  await settle();
  assertEquals(records.length, 1);
  assertEquals([records[0]?.status, records[0]?.outcome, records[0]?.errorType], [
    200,
    "broken",
    "upstream_error",
  ]);
});

Deno.test("pipeline: a fallback records both destinations tried and what followed each", async () => {
  const { send, records } = served();
  const response = await send("/v1/chat/completions", chat("fallback"));
  assertEquals(response.status, 200);
  await response.text();
  const record = records[0] as RequestRecord;
  assertEquals([record.target, record.endpoint, record.fallbacks, record.retries], [
    "fallback",
    "ok",
    1,
    0,
  ]);
  assertEquals(record.attempts?.map((a) => [a.endpoint, a.status, a.then]), [
    ["fail", 502, "fallback"],
    ["ok", 200, undefined],
  ]);
});

Deno.test("pipeline: a rate-limited request is recorded as a 429 with its error type", async () => {
  const { send, records } = served();
  await (await send("/v1/chat/completions", chat("limited"))).text();
  const refused = await send("/v1/chat/completions", chat("limited"));
  assertEquals(refused.status, 429);
  await refused.text();
  assertEquals(records.length, 2);
  assertEquals([records[1]?.status, records[1]?.outcome, records[1]?.errorType], [
    429,
    "error",
    "rate_limit_error",
  ]);
  assertEquals(records[1]?.usage, undefined);
});

Deno.test("pipeline: a new route that does not say it is public is authenticated, on both routing tables", async () => {
  const seen: string[] = [];
  const authenticate: Authenticate = (request, record) => {
    seen.push(`${request.method} ${record.path}`);
    if (request.headers.get("authorization") !== "Bearer let-me-in") {
      throw new GatewayError(401, "invalid_request_error", "a client key is required", {
        code: "unauthorized",
      });
    }
    record.client = "tester";
  };
  const route = (method: "get" | "post", path: string, isPublic = false): RouteDef => ({
    route: createRoute({
      method,
      path,
      responses: { 200: { description: "ok", content: { "text/plain": { schema: z.string() } } } },
    }),
    handler: (c) => c.text(`hello ${c.env.client}`),
    direct: (_request, record) => Promise.resolve(new Response(`hello ${record.client}`)),
    ...(isPublic ? { public: true } : {}),
  });
  const { send, records } = served({
    authenticate,
    routes: [route("post", "/throwaway"), route("get", "/throwaway"), route("get", "/open", true)],
  });
  const key = { authorization: "Bearer let-me-in" };
  // The exact-path table (a POST), Hono (the same path with a query; a GET), and a public route.
  const refusedFast = await send("/throwaway", { method: "POST" });
  const refusedHono = await send("/throwaway?x=1", { method: "POST" });
  const refusedGet = await send("/throwaway");
  const fast = await send("/throwaway", { method: "POST", headers: key });
  const hono = await send("/throwaway?x=1", { method: "POST", headers: key });
  const open = await send("/open");
  assertEquals(
    [refusedFast, refusedHono, refusedGet, fast, hono, open].map((r) => r.status),
    [401, 401, 401, 200, 200, 200],
  );
  assertEquals((await refusedFast.json()).error.code, "unauthorized");
  assertEquals((await refusedHono.json()).error.code, "unauthorized");
  assertEquals([await fast.text(), await hono.text(), await open.text()], [
    "hello tester",
    "hello tester",
    "hello anonymous",
  ]);
  assertEquals(seen, [
    "POST /throwaway",
    "POST /throwaway",
    "GET /throwaway",
    "POST /throwaway",
    "POST /throwaway",
  ]);
  // The built-in invocation routes are guarded the same way.
  assertEquals((await send("/v1/chat/completions", chat("ok"))).status, 401);
  assertEquals(records.map((r) => r.status), [401, 401, 401, 200, 200, 200, 401]);
  // A refusal on MLflow's API carries MLflow's detail beside the envelope, as its errors do.
  const refusedListing = await (await send("/api/2.0/endpoints/")).json();
  assertEquals(refusedListing.detail, "a client key is required");
  assertEquals(refusedListing.error.code, "unauthorized");
});
