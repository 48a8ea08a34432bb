import { gunzipSync } from "node:zlib";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../../../tests/assert.ts";
import { loadConfigText } from "../../config/load.ts";
import { Gateway } from "../../core/gateway.ts";
import { silentLogger } from "../../observe/logs.ts";
import { createAuthenticator } from "../../auth/authenticate.ts";
import { createHandler } from "../pipeline.ts";
import { UI_ASSETS } from "../../ui/assets.ts";
import type { ActivityReport, GatewayStatus, RecentRequest } from "./dashboard.ts";

const ADMIN = "admin-secret-0123456789abcdef";
const USER = "user-secret-0123456789abcdefg";

/** A failing upstream for the `down` endpoint (the others are the in-process mock). */
const upstream = () =>
  Promise.resolve(Response.json({ error: { message: "down" } }, { status: 500 }));

function gatewayWith(extra = "", server = "") {
  const auditPath = Deno.makeTempFileSync({ suffix: ".jsonl" });
  const { config, problems } = loadConfigText(
    `
endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    limit: {calls: 10, renewal_period: minute}
    budget: {usd: 1, period: day}
    model:
      provider: mock
      name: mock-chat
      cost: {input: 1000, output: 2000}
  - name: down
    endpoint_type: llm/v1/chat
    retries: 0
    model:
      provider: openai
      name: gpt-4o-mini
      config: {openai_api_key: sk-dashboard-test, openai_api_base: "http://upstream.test/v1"}
routes:
  - name: safe
    task_type: llm/v1/chat
    routing_strategy: FALLBACK
    destinations: [{name: down}, {name: chat}]
server:
  audit: {path: ${auditPath}, bodies: true}
  auth:
    keys:
      - {name: ops, key: ${ADMIN}, admin: true}
      - {name: user, key: ${USER}}
${server}${extra}`,
    "dashboard test",
  );
  if (!config) throw new Error(JSON.stringify(problems));
  const gateway = new Gateway(config, { logger: silentLogger(), fetch: upstream as typeof fetch });
  const { authenticate } = createAuthenticator(gateway);
  const handle = createHandler({ gateway, version: "9.9.9", authenticate });
  const send = (path: string, key: string | null = ADMIN, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (key !== null) headers.set("authorization", `Bearer ${key}`);
    return handle(
      new Request(`http://gateway.test${path}`, { ...init, headers }),
      { remoteAddress: "127.0.0.1" },
    );
  };
  const chat = async (model: string, key = USER, content = "hello there") => {
    const response = await send("/v1/chat/completions", key, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model, messages: [{ role: "user", content }] }),
    });
    await response.text();
    return response;
  };
  return { gateway, send, chat, close: () => gateway.close() };
}

Deno.test("dashboard APIs need an admin key when authentication is on", async () => {
  const { send, close } = gatewayWith();
  try {
    for (const path of ["activity", "requests", "requests/x", "status"]) {
      assertEquals((await send(`/api/2.0/gateway/${path}`, null)).status, 401, path);
      assertEquals((await send(`/api/2.0/gateway/${path}`, USER)).status, 403, path);
    }
  } finally {
    await close();
  }
});

Deno.test("GET /api/2.0/gateway/activity counts the client API requests served", async () => {
  const { send, chat, close } = gatewayWith();
  try {
    await chat("chat");
    await chat("chat");
    await chat("down");
    // The dashboard's own calls are not counted.
    await send("/api/2.0/gateway/status");
    const response = await send("/api/2.0/gateway/activity?window=24h");
    assertEquals(response.status, 200);
    const report = await response.json() as ActivityReport;
    assertEquals([report.window, report.points.length, report.step_seconds], ["24h", 96, 900]);
    assertEquals([report.totals.requests, report.totals.errors], [3, 1]);
    assert(report.totals.prompt_tokens > 0 && report.totals.cost_usd > 0);
    assert(report.totals.p50_ms !== null && report.totals.overhead_p50_ms !== null);
    const bad = await send("/api/2.0/gateway/activity?window=2h");
    assertEquals(bad.status, 400);
    assertStringIncludes(await bad.text(), "window must be one of 1h, 24h, 7d");
  } finally {
    await close();
  }
});

Deno.test("GET /api/2.0/gateway/requests lists the latest requests, filtered", async () => {
  const { send, chat, close } = gatewayWith();
  try {
    await chat("chat", USER);
    await chat("down", USER);
    await chat("safe", ADMIN);
    const list = async (query: string) => {
      const response = await send(`/api/2.0/gateway/requests${query}`);
      assertEquals(response.status, 200);
      return (await response.json() as { requests: RecentRequest[] }).requests;
    };
    const all = await list("");
    assertEquals(all.map((r) => [r.target, r.endpoint, r.status, r.key]), [
      ["safe", "chat", 200, "ops"],
      ["down", "down", 502, "user"],
      ["chat", "chat", 200, "user"],
    ]);
    assertEquals(all[0]?.attempts.map((a) => [a.endpoint, a.then ?? null]), [
      ["down", "fallback"],
      ["chat", null],
    ]);
    assertEquals((await list("?status=error")).map((r) => r.target), ["down"]);
    assertEquals((await list("?status=5xx&key=user")).map((r) => r.target), ["down"]);
    assertEquals((await list("?endpoint=chat")).map((r) => r.target), ["safe", "chat"]);
    assertEquals((await list("?key=ops&limit=1")).length, 1);
    assertEquals((await send("/api/2.0/gateway/requests?status=teapot")).status, 400);
    assertEquals((await send("/api/2.0/gateway/requests?limit=0")).status, 400);
  } finally {
    await close();
  }
});

Deno.test("GET /api/2.0/gateway/requests/{id} gives the record with its bodies, secrets out", async () => {
  const { send, chat, close } = gatewayWith();
  try {
    const response = await chat("chat", USER, `my key is ${ADMIN}`);
    const id = response.headers.get("x-request-id") ?? "";
    const detail = await send(`/api/2.0/gateway/requests/${id}`);
    assertEquals(detail.status, 200);
    const record = await detail.json() as RecentRequest & {
      request_body: { messages: { content: string }[] };
      response_body: unknown;
    };
    assertEquals([record.id, record.endpoint, record.key], [id, "chat", "user"]);
    assertEquals(record.usage !== null && record.cost_usd !== null, true);
    assert(record.response_body !== null);
    const asked = record.request_body.messages[0]?.content ?? "";
    assert(!asked.includes(ADMIN), `the admin key is redacted: ${asked}`);
    assertEquals((await send("/api/2.0/gateway/requests/nope")).status, 404);
  } finally {
    await close();
  }
});

Deno.test("GET /api/2.0/gateway/status shows limits used, budgets, circuits, health and routes", async () => {
  const { send, chat, close } = gatewayWith();
  try {
    await chat("chat");
    await chat("safe");
    await chat("safe");
    const status = await (await send("/api/2.0/gateway/status")).json() as GatewayStatus;
    assertEquals([status.version, status.auth, status.audit_bodies], ["9.9.9", true, true]);
    const chatStatus = status.endpoints.find((e) => e.name === "chat");
    const down = status.endpoints.find((e) => e.name === "down");
    assertEquals(chatStatus?.limit?.used?.calls, 3);
    assertEquals([chatStatus?.limit?.calls, chatStatus?.limit?.renewal_period], [10, "minute"]);
    assert((chatStatus?.budget?.spent_usd ?? 0) > 0);
    assertEquals([chatStatus?.health, chatStatus?.attempts, chatStatus?.failures], ["ok", 3, 0]);
    assertEquals([down?.health, down?.failures, down?.errors.length], ["failing", 2, 2]);
    assertEquals(down?.errors[0]?.status, 502);
    assertEquals(down?.circuit.consecutive_failures, 2);
    assertEquals(status.routes, [{
      name: "safe",
      task_type: "llm/v1/chat",
      routing_strategy: "FALLBACK",
      destinations: [
        { name: "down", weight: null, served: 0, failed_over: 2 },
        { name: "chat", weight: null, served: 2, failed_over: 0 },
      ],
    }]);
  } finally {
    await close();
  }
});

Deno.test("/ui is served without a key, with its policy, and its assets compressed and cached", async () => {
  const { send, close } = gatewayWith();
  try {
    const page = await send("/ui", null);
    assertEquals(page.status, 200);
    assertStringIncludes(page.headers.get("content-type") ?? "", "text/html");
    assertStringIncludes(page.headers.get("content-security-policy") ?? "", "default-src 'none'");
    assertEquals(page.headers.get("cache-control"), "no-cache");
    const html = await page.text();
    assertStringIncludes(html, '<meta name="gateway-auth" content="on">');
    assertStringIncludes(html, `/ui/assets/${UI_ASSETS.script.name}`);
    assertEquals((await send("/ui/", null)).status, 200);

    const script = await send(`/ui/assets/${UI_ASSETS.script.name}`, null, {
      headers: { "accept-encoding": "gzip" },
    });
    assertEquals(script.status, 200);
    assertEquals(script.headers.get("content-encoding"), "gzip");
    assertMatch(script.headers.get("cache-control") ?? "", /immutable/);
    assertStringIncludes(script.headers.get("content-type") ?? "", "text/javascript");
    const body = new Uint8Array(await script.arrayBuffer());
    assertEquals(new TextDecoder().decode(gunzipSync(body)), UI_ASSETS.script.text);
    const style = await send(`/ui/assets/${UI_ASSETS.style.name}`, null);
    assertEquals(style.headers.get("content-encoding"), null);
    assertEquals(await style.text(), UI_ASSETS.style.text);
    assertEquals((await send("/ui/assets/other.js", null)).status, 404);
  } finally {
    await close();
  }
});

Deno.test("server.ui: false turns /ui off (a 404) and leaves the admin APIs", async () => {
  const { send, close } = gatewayWith("", "  ui: false\n");
  try {
    assertEquals((await send("/ui", null)).status, 404);
    assertEquals((await send(`/ui/assets/${UI_ASSETS.script.name}`, null)).status, 404);
    assertEquals((await send("/api/2.0/gateway/status")).status, 200);
  } finally {
    await close();
  }
});
