/**
 * Fault injection against mock upstreams through the real gateway process: retries, fallback,
 * timeouts, circuit breaking, broken streams. For each: the status the client sees, the
 * attempts the mock counted and the destination used.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../assert.ts";
import { startMockOpenAI } from "../mocks/openai.ts";
import { startClosingServer } from "../mocks/fault.ts";
import { postJson, sseData, startGateway, UNDER_TEST } from "./harness.ts";
import { request as httpRequest } from "node:http";

const KEY = "sk-reliability-key-123456";
const chat = (model: string, extra: Record<string, unknown> = {}) => ({
  model,
  messages: [{ role: "user", content: "hello there" }],
  ...extra,
});

function endpoint(name: string, base: string, extra = ""): string {
  return `
  - name: ${name}
    endpoint_type: llm/v1/chat
    model:
      provider: openai
      name: gpt-4o-mini
      config: {openai_api_key: ${KEY}, openai_api_base: ${base}}${extra}`;
}

Deno.test(`reliability: retries, fallback, timeouts, circuit breaking (${UNDER_TEST})`, async (t) => {
  const primary = startMockOpenAI({ apiKey: KEY });
  const backup = startMockOpenAI({ apiKey: KEY });
  const closing = startClosingServer();
  const gateway = await startGateway({
    config: `
server:
  max_retry_after_seconds: 2
  circuit_breaker: {failures: 4, cooldown_seconds: 2}
endpoints:${
      endpoint(
        "primary",
        primary.baseUrl,
        "\n    retries: 2\n    timeout_seconds: 1\n    idle_timeout_seconds: 1",
      )
    }${endpoint("backup", backup.baseUrl, "\n    retries: 0")}${
      endpoint("breakable", primary.baseUrl, "\n    retries: 0")
    }${
      endpoint(
        "slow",
        primary.baseUrl,
        "\n    retries: 2\n    timeout_seconds: 1\n    idle_timeout_seconds: 1",
      )
    }${
      endpoint(
        "stalling",
        primary.baseUrl,
        "\n    retries: 1\n    timeout_seconds: 1\n    idle_timeout_seconds: 1",
      )
    }${endpoint("flaky", primary.baseUrl, "\n    retries: 2")}${
      endpoint("dropper", `${closing.url}/v1`, "\n    retries: 2")
    }
routes:
  - name: ha
    task_type: llm/v1/chat
    routing_strategy: FALLBACK
    destinations: [{name: primary}, {name: backup}]
`,
  });
  const url = `${gateway.url}/v1/chat/completions`;
  const reset = () => {
    primary.recorder.reset();
    backup.recorder.reset();
    primary.faults.clear();
    backup.faults.clear();
  };
  try {
    await t.step("two 500s then success: retried with backoff, 3 attempts, 200", async () => {
      reset();
      primary.faults.push({ kind: "status", status: 500, body: { error: { message: "boom" } } }, 2);
      const response = await postJson(url, chat("primary"));
      assertEquals(response.status, 200);
      assertEquals((await response.json()).choices[0].message.content, "Echo: hello there");
      assertEquals(primary.recorder.requests.length, 3);
    });

    await t.step("a 400 is not retried", async () => {
      reset();
      primary.faults.push({
        kind: "status",
        status: 400,
        body: { error: { message: "bad param" } },
      });
      const response = await postJson(url, chat("primary"));
      assertEquals(response.status, 400);
      await response.body?.cancel();
      assertEquals(primary.recorder.requests.length, 1);
    });

    await t.step(
      "429 with a short Retry-After is waited for; a long one goes to the client",
      async () => {
        reset();
        primary.faults.push({
          kind: "status",
          status: 429,
          body: { error: { message: "slow" } },
          headers: { "retry-after": "1" },
        });
        const started = Date.now();
        const waited = await postJson(url, chat("primary"));
        assertEquals(waited.status, 200);
        await waited.body?.cancel();
        assert(Date.now() - started >= 900, "the gateway waited for Retry-After");
        assertEquals(primary.recorder.requests.length, 2);
        reset();
        primary.faults.push({
          kind: "status",
          status: 429,
          body: { error: { message: "slow" } },
          headers: { "retry-after": "30" },
        });
        const passed = await postJson(url, chat("primary"));
        assertEquals(passed.status, 429);
        assertEquals(passed.headers.get("retry-after"), "30");
        await passed.body?.cancel();
        assertEquals(primary.recorder.requests.length, 1);
      },
    );

    await t.step("FALLBACK: the primary fails after its retries, the backup answers", async () => {
      reset();
      primary.faults.push({
        kind: "status",
        status: 503,
        body: { error: { message: "overloaded" } },
      }, 3);
      const response = await postJson(url, chat("ha"), { "x-request-id": "fallback-req-1" });
      assertEquals(response.status, 200);
      assertEquals(response.headers.get("x-gateway-endpoint"), "backup");
      await response.body?.cancel();
      assertEquals(primary.recorder.requests.length, 3);
      assertEquals(backup.recorder.requests.length, 1);
      const logs = gateway.output();
      assertMatch(logs, /retrying upstream call .*request_id=fallback-req-1/);
      assertMatch(logs, /falling back to the next destination .*request_id=fallback-req-1/);
    });

    await t.step("FALLBACK does not hide a client error", async () => {
      reset();
      primary.faults.push({
        kind: "status",
        status: 400,
        body: { error: { message: "bad request" } },
      });
      const response = await postJson(url, chat("ha"));
      assertEquals(response.status, 400);
      await response.body?.cancel();
      assertEquals(backup.recorder.requests.length, 0);
    });

    await t.step("FALLBACK works for streams until the first byte", async () => {
      reset();
      primary.faults.push({ kind: "status", status: 500, body: { error: { message: "down" } } }, 3);
      const response = await postJson(url, chat("ha", { stream: true }));
      assertEquals(response.status, 200);
      assertEquals(response.headers.get("x-gateway-endpoint"), "backup");
      const data = await sseData(response);
      assertEquals(data[data.length - 1], "[DONE]");
    });

    await t.step(
      "no first byte within timeout_seconds: 504 after each attempt timed out",
      async () => {
        reset();
        primary.faults.push({ kind: "hang" }, 3);
        const started = Date.now();
        const response = await postJson(url, chat("slow"));
        assertEquals(response.status, 504);
        await response.body?.cancel();
        assertEquals(primary.recorder.requests.length, 3);
        assert(Date.now() - started < 8000);
      },
    );

    await t.step(
      "a complete answer that stalls past idle_timeout_seconds: retried, then 504",
      async () => {
        reset();
        primary.faults.push({ kind: "stall", afterChunks: 0, ms: 2500 }, 2);
        // Its own endpoint, so that its circuit (4 failures) stays closed: the steps before leave
        // "slow"'s one failure from open, and this one adds three.
        const response = await postJson(url, chat("stalling"));
        assertEquals(response.status, 504);
        const body = await response.json();
        assertEquals(body.error.type, "timeout_error");
        assertStringIncludes(body.error.message, "did not send its whole answer within 1s");
        assertEquals(primary.recorder.requests.length, 2);
        reset();
        primary.faults.push({ kind: "stall", afterChunks: 0, ms: 2500 });
        const retried = await postJson(url, chat("stalling"));
        assertEquals(retried.status, 200);
        assertEquals((await retried.json()).choices[0].message.content, "Echo: hello there");
        assertEquals(primary.recorder.requests.length, 2);
      },
    );

    await t.step(
      "no chunk within idle_timeout_seconds: the stream ends with an error event",
      async () => {
        reset();
        primary.faults.push({ kind: "stall", afterChunks: 2, ms: 2500 });
        const response = await postJson(url, chat("slow", { stream: true }));
        assertEquals(response.status, 200);
        const data = await sseData(response);
        assert(!data.includes("[DONE]"));
        assertEquals(data.length, 3, "two chunks, then the error event");
        const last = JSON.parse(data[data.length - 1] ?? "{}");
        assertEquals(last.error.type, "timeout_error");
        assertStringIncludes(last.error.message, "sent nothing for 1s");
      },
    );

    await t.step(
      "circuit breaker: 4 failures open it (503 + Retry-After, no upstream call), a probe closes it",
      async () => {
        reset();
        primary.faults.push(
          { kind: "status", status: 500, body: { error: { message: "down" } } },
          4,
        );
        for (let i = 0; i < 4; i++) {
          const failed = await postJson(url, chat("breakable"));
          assertEquals(failed.status, 502);
          await failed.body?.cancel();
        }
        const open = await postJson(url, chat("breakable"));
        assertEquals(open.status, 503);
        assert(Number(open.headers.get("retry-after")) >= 1);
        assertEquals((await open.json()).error.code, "circuit_open");
        assertEquals(primary.recorder.requests.length, 4, "an open circuit sends nothing upstream");
        const details = await (await fetch(`${gateway.url}/health/details`)).json();
        assertEquals(
          details.endpoints.find((e: { name: string }) => e.name === "breakable").circuit.state,
          "open",
        );
        await new Promise((r) => setTimeout(r, 2100));
        const probe = await postJson(url, chat("breakable"));
        assertEquals(probe.status, 200, "the probe succeeds and closes the circuit");
        await probe.body?.cancel();
        const after = await postJson(url, chat("breakable"));
        assertEquals(after.status, 200);
        await after.body?.cancel();
      },
    );

    await t.step(
      "a connection dropped before any answer is retried, then 502 naming the endpoint",
      async () => {
        const response = await postJson(url, chat("dropper"));
        assertEquals(response.status, 502);
        assertEquals(response.headers.get("x-gateway-endpoint"), "dropper");
        await response.body?.cancel();
        assertEquals(closing.connections, 3, "one attempt and two retries");
      },
    );

    await t.step("an invalid JSON upstream body is retried, then 502", async () => {
      reset();
      primary.faults.push({ kind: "malformed" }, 3);
      const response = await postJson(url, chat("flaky"));
      assertEquals(response.status, 502);
      await response.body?.cancel();
      assertEquals(primary.recorder.requests.length, 3);
    });
  } finally {
    await gateway.stop();
    await primary.close();
    await backup.close();
    await closing.close();
  }
});

Deno.test(`reliability: rate limits count every path together, calls and tokens (${UNDER_TEST})`, async () => {
  const gateway = await startGateway({
    config: `
endpoints:
  - name: limited
    endpoint_type: llm/v1/chat
    model: {provider: mock}
    limit: {renewal_period: day, calls: 3}
  - name: tokens
    endpoint_type: llm/v1/chat
    model: {provider: mock}
    limit: {renewal_period: day, tokens: 20}
routes:
  - name: via-route
    task_type: llm/v1/chat
    destinations: [{name: limited, traffic_percentage: 100}]
`,
  });
  try {
    const body = { messages: [{ role: "user", content: "hi" }] };
    const statuses = [
      (await postJson(`${gateway.url}/v1/chat/completions`, { ...body, model: "limited" })).status,
      (await postJson(`${gateway.url}/gateway/limited/invocations`, body)).status,
      (await postJson(`${gateway.url}/endpoints/via-route/invocations`, body)).status,
    ];
    assertEquals(statuses, [200, 200, 200]);
    const limited = await postJson(`${gateway.url}/gateway/limited/invocations`, body);
    assertEquals(limited.status, 429);
    assertEquals(limited.headers.get("x-ratelimit-limit"), "3");
    assertEquals(limited.headers.get("x-ratelimit-remaining"), "0");
    assert(Number(limited.headers.get("x-ratelimit-reset")) > 0);
    assertEquals(limited.headers.get("retry-after"), limited.headers.get("x-ratelimit-reset"));
    assertEquals((await limited.json()).error.type, "rate_limit_error");

    const long = { messages: [{ role: "user", content: "one two three four five six seven" }] };
    let accepted = 0;
    for (let i = 0; i < 5; i++) {
      const response = await postJson(`${gateway.url}/gateway/tokens/invocations`, {
        ...long,
        stream: i % 2 === 0,
      });
      await response.body?.cancel();
      if (response.status === 200) accepted++;
      else assertEquals(response.status, 429);
    }
    assertEquals(
      accepted,
      2,
      "each answer spends 17 tokens; calls are admitted while under 20 are spent",
    );
  } finally {
    await gateway.stop();
  }
});

/** POSTs a chat body to `url` from the loopback address `from`; resolves with the status. */
function postFrom(url: string, from: string, body: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const text = JSON.stringify(body);
    const call = httpRequest(url, {
      method: "POST",
      localAddress: from,
      headers: { "content-type": "application/json", "content-length": String(text.length) },
    }, (response) => {
      response.resume();
      response.on("end", () => resolve(response.statusCode ?? 0));
    });
    call.on("error", reject);
    call.end(text);
  });
}

Deno.test(`reliability: key: client_ip counts each client address on its own (${UNDER_TEST})`, async () => {
  const gateway = await startGateway({
    config: `
endpoints:
  - name: per-client
    endpoint_type: llm/v1/chat
    model: {provider: mock}
    limit: {renewal_period: day, calls: 1, key: client_ip}
`,
  });
  try {
    const url = `${gateway.url}/gateway/per-client/invocations`;
    const body = { messages: [{ role: "user", content: "hi" }] };
    // Two clients on two loopback addresses: each has its own one call a day.
    assertEquals(await postFrom(url, "127.0.0.1", body), 200);
    assertEquals(await postFrom(url, "127.0.0.1", body), 429);
    assertEquals(await postFrom(url, "127.0.0.2", body), 200);
    assertEquals(await postFrom(url, "127.0.0.2", body), 429);
  } finally {
    await gateway.stop();
  }
});
