/**
 * A hostile upstream against the real gateway process: huge and endless bodies, gzip bombs, SSE
 * lines that never end, redirects, the API key in every field of an error, and clients that
 * leave before the first byte. For each: what the client gets, that the gateway's peak RSS stays
 * under a stated bound, that the upstream connection is closed, that the redirect target hears
 * nothing, and that no reply and no log line holds the key or a piece of it.
 */
import { assert, assertEquals, assertMatch, assertNotIncludes, eventually } from "../assert.ts";
import { startCapture, startHostile } from "../mocks/hostile.ts";
import { postJson, startGateway, UNDER_TEST } from "./harness.ts";

/**
 * The gateway's peak resident memory may not pass this, whatever the upstream sends. (Before the
 * caps one such upstream took it past 8 GiB. Measured with them, over every step below: 305–340
 * MiB under Deno and 315–325 MiB for the Bun binary, which read these plain-http upstreams with
 * the gateway's own client; 420–440 MiB when they read them with the runtimes' fetch.)
 */
const PEAK_RSS_BOUND_MIB = 512;

const SECRET = crypto.randomUUID().replaceAll("-", "");
const KEY = `sk-hostile-${SECRET}`;

const OPENAI_BEHAVIOURS = [
  "ok",
  "huge-json",
  "declared-huge-json",
  "endless-json",
  "gzip-json",
  "gzip-error",
  "gzip-stream",
  "huge-error",
  "long-sse-line",
  "sse-then-long-line",
  "endless-sse-line",
  "redirect-302",
  "redirect-307",
  "redirect-308",
  "redirect-metadata",
  "key-in-error",
  "key-in-text-error",
  "key-at-error-cap",
  "silent-stream",
  "silent-json",
  "done-then-silent",
  "error-500",
];

function config(hostile: string): string {
  const openai = OPENAI_BEHAVIOURS.map((name) => `
  - name: ${name}
    endpoint_type: llm/v1/chat
    model:
      provider: openai
      name: gpt-4o-mini
      config: {openai_api_key: ${KEY}, openai_api_base: "${hostile}/${name}/v1"}
    retries: ${name === "error-500" ? 5 : 0}
    timeout_seconds: 20
    idle_timeout_seconds: 20`).join("");
  return `
server:
  max_retry_after_seconds: 5
endpoints:${openai}
  - name: anthropic-redirect
    endpoint_type: llm/v1/chat
    model:
      provider: anthropic
      name: claude-sonnet-4-5
      config: {anthropic_api_key: ${KEY}, anthropic_api_base: "${hostile}/redirect-307"}
    retries: 0
  - name: azure-redirect
    endpoint_type: llm/v1/chat
    model:
      provider: openai
      name: gpt-4o
      config:
        openai_api_type: azure
        openai_api_key: ${KEY}
        openai_api_base: "${hostile}/redirect-308"
        openai_deployment_name: gpt4o
        openai_api_version: "2024-10-21"
    retries: 0
  - name: gemini-redirect
    endpoint_type: llm/v1/chat
    model:
      provider: gemini
      name: gemini-2.0-flash
      config: {gemini_api_key: ${KEY}, gemini_api_base: "${hostile}/redirect-302"}
    retries: 0
routes:
  - name: fallback-to-silent
    task_type: llm/v1/chat
    routing_strategy: FALLBACK
    destinations: [{name: error-500}, {name: silent-stream}]
`;
}

const chat = (model: string, stream = false) => ({
  model,
  messages: [{ role: "user", content: "hello" }],
  ...(stream ? { stream: true } : {}),
});

/** Every 6-character piece of the key's random part: none may appear anywhere. */
function assertNoKey(text: string, where: string) {
  assertNotIncludes(text, KEY, `${where} holds the key`);
  for (let i = 0; i + 6 <= SECRET.length; i++) {
    const piece = SECRET.slice(i, i + 6);
    assert(
      !text.includes(piece),
      `${where} holds a piece of the key ('${piece}'): ${text.slice(0, 2000)}`,
    );
  }
}

/** The gateway's peak resident set size (VmHWM), in MiB. */
function peakRssMiB(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const match = /VmHWM:\s+(\d+) kB/.exec(status);
  return Number(match?.[1] ?? 0) / 1024;
}

Deno.test({
  name: `hostile upstreams cannot exhaust, redirect or leak through the gateway (${UNDER_TEST})`,
  ignore: Deno.build.os !== "linux",
  async fn(t) {
    const capture = startCapture();
    const hostile = await startHostile({ key: KEY, capture: capture.url });
    const gateway = await startGateway({
      config: config(hostile.url),
      args: ["--log-level", "debug", "--log-format", "json"],
    });
    const pid = gateway.child.pid;
    const replies: string[] = [];
    const call = async (model: string, stream = false) => {
      const response = await postJson(`${gateway.url}/v1/chat/completions`, chat(model, stream));
      const text = await response.text();
      replies.push(text);
      return { status: response.status, text, headers: response.headers };
    };
    const errorOf = (text: string) =>
      JSON.parse(text).error as { message: string; code: string | null };
    const checkMemory = (after: string) => {
      const peak = peakRssMiB(pid);
      assert(peak < PEAK_RSS_BOUND_MIB, `peak RSS ${peak.toFixed(0)} MiB after ${after}`);
    };
    try {
      await t.step("a well-behaved answer still passes", async () => {
        const { status, text } = await call("ok");
        assertEquals(status, 200, text);
      });

      for (const name of ["huge-json", "declared-huge-json", "endless-json", "gzip-json"]) {
        await t.step(
          `${name}: 502 at the answer cap, the upstream let go, memory bounded`,
          async () => {
            const { status, text } = await call(name);
            assertEquals(status, 502, text);
            assertEquals(errorOf(text).code, "upstream_answer_too_large");
            assertMatch(errorOf(text).message, /larger than 33554432 bytes/);
            await eventually(
              "the upstream connection to close",
              () => hostile.openConnections() === 0,
            );
            checkMemory(name);
          },
        );
      }

      for (const name of ["huge-error", "gzip-error"]) {
        await t.step(
          `${name}: 502 naming the status, the rest of the body never read`,
          async () => {
            const { status, text } = await call(name);
            assertEquals(status, 502, text);
            assertMatch(errorOf(text).message, /returned HTTP 500/);
            assert(text.length < 8000, `reply of ${text.length} bytes`);
            await eventually(
              "the upstream connection to close",
              () => hostile.openConnections() === 0,
            );
            checkMemory(name);
          },
        );
      }

      for (const name of ["long-sse-line", "endless-sse-line", "gzip-stream"]) {
        await t.step(
          `${name}: a stream line over the cap is a 502 before the stream starts`,
          async () => {
            const { status, text } = await call(name, true);
            assertEquals(status, 502, text);
            assertEquals(errorOf(text).code, "upstream_event_too_large");
            await eventually(
              "the upstream connection to close",
              () => hostile.openConnections() === 0,
            );
            checkMemory(name);
          },
        );
      }

      await t.step(
        "a line over the cap after the first chunk ends the stream with an error event",
        async () => {
          const { status, text } = await call("sse-then-long-line", true);
          assertEquals(status, 200);
          const events = text.split("\n\n").filter((e) => e.startsWith("data: ")).map((e) =>
            e.slice(6)
          );
          assertEquals(JSON.parse(events[0] as string).choices[0].delta.content, "first");
          const last = JSON.parse(events[events.length - 1] as string);
          assertEquals(last.error.code, "upstream_event_too_large");
          assert(!text.includes("[DONE]"), "a broken stream must not end with [DONE]");
          await eventually(
            "the upstream connection to close",
            () => hostile.openConnections() === 0,
          );
          checkMemory("sse-then-long-line");
        },
      );

      await t.step("redirects are never followed, with any provider's credentials", async () => {
        for (
          const name of [
            "redirect-302",
            "redirect-307",
            "redirect-308",
            "anthropic-redirect",
            "azure-redirect",
            "gemini-redirect",
          ]
        ) {
          const { status, text } = await call(name);
          assertEquals(status, 502, `${name}: ${text}`);
          assertEquals(errorOf(text).code, "upstream_redirect", name);
          assertMatch(errorOf(text).message, /does not follow redirects/);
          assertMatch(errorOf(text).message, new RegExp(`${capture.url}/captured/`));
        }
        const { status, text } = await call("redirect-metadata");
        assertEquals(status, 502, text);
        assertMatch(errorOf(text).message, /169\.254\.169\.254/);
        await new Promise((r) => setTimeout(r, 200));
        assertEquals(capture.received, [], "the redirect target was called");
      });

      await t.step(
        "the key in every field of an error body reaches no field of the reply",
        async () => {
          const json = await call("key-in-error");
          assertEquals(json.status, 400, json.text);
          assertMatch(errorOf(json.text).message, /\[REDA/);
          const text = await call("key-in-text-error");
          assertEquals(text.status, 400, text.text);
          const capped = await call("key-at-error-cap");
          assertEquals(capped.status, 502, capped.text);
          for (const reply of [json, text, capped]) assertNoKey(reply.text, "a reply");
        },
      );

      await t.step(
        "a client that leaves before the first chunk closes the upstream at once",
        async () => {
          for (const [name, stream] of [["silent-stream", true], ["silent-json", false]] as const) {
            const before = hostile.opened.get(name) ?? 0;
            const clients = Array.from({ length: 20 }, () => new AbortController());
            const calls = clients.map((client) =>
              fetch(`${gateway.url}/v1/chat/completions`, {
                method: "POST",
                headers: { "content-type": "application/json" },
                body: JSON.stringify(chat(name, stream)),
                signal: client.signal,
              }).then((r) => r.body?.cancel(), () => {})
            );
            await eventually(
              `20 upstream calls to ${name}`,
              () =>
                (hostile.opened.get(name) ?? 0) - before === 20 && hostile.openConnections() === 20,
            );
            for (const client of clients) {
              client.abort();
            }
            await Promise.all(calls);
            await eventually(
              `the 20 upstream connections to close (${name})`,
              () => hostile.openConnections() === 0,
              3000,
            );
          }
        },
      );

      await t.step(
        "a stream ends at the upstream's [DONE] even when its body does not, and lets it go",
        async () => {
          // Waiting for the body's end would hold the client until the idle timeout (20 s), then
          // send an error event after a complete answer.
          const { status, text } = await call("done-then-silent", true);
          assertEquals(status, 200, text);
          assert(text.endsWith("data: [DONE]\n\n"), text);
          assertNotIncludes(text, '"error"');
          assertMatch(text, /"content":"all"[\s\S]*"content":" said"[\s\S]*"finish_reason":"stop"/);
          await eventually(
            "the upstream connection to close",
            () => hostile.openConnections() === 0,
          );
          const line = gateway.output().split("\n").find((entry) =>
            entry.includes('"msg":"request"') && entry.includes('"endpoint":"done-then-silent"')
          );
          assert(
            line !== undefined && !line.includes('"outcome"'),
            `recorded as complete: ${line}`,
          );
          assertMatch(line, /"prompt_tokens":3,"completion_tokens":2/);
        },
      );

      await t.step("a client that leaves during retries stops them", async () => {
        const before = hostile.opened.get("error-500") ?? 0;
        const client = new AbortController();
        const pending = fetch(`${gateway.url}/v1/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(chat("error-500")),
          signal: client.signal,
        }).catch(() => {});
        await eventually("a first attempt", () => (hostile.opened.get("error-500") ?? 0) > before);
        client.abort();
        await pending;
        const attempts = hostile.opened.get("error-500") ?? 0;
        // The backoff before a third attempt is over a second: none may start once it left.
        await new Promise((r) => setTimeout(r, 3000));
        assertEquals(hostile.opened.get("error-500"), attempts);
      });

      await t.step("a client that leaves while a fallback waits closes that upstream", async () => {
        const before = hostile.opened.get("silent-stream") ?? 0;
        const client = new AbortController();
        const pending = fetch(`${gateway.url}/v1/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(chat("fallback-to-silent", true)),
          signal: client.signal,
        }).catch(() => {});
        await eventually(
          "the fallback destination's call",
          () =>
            (hostile.opened.get("silent-stream") ?? 0) > before && hostile.openConnections() === 1,
          20_000,
        );
        client.abort();
        await pending;
        await eventually(
          "the upstream connection to close",
          () => hostile.openConnections() === 0,
          3000,
        );
      });

      await t.step("no reply, listing or log line holds the key or a piece of it", async () => {
        const listing = await (await fetch(`${gateway.url}/api/2.0/endpoints/`)).text();
        const openapi = await (await fetch(`${gateway.url}/openapi.json`)).text();
        const details = await (await fetch(`${gateway.url}/health/details`)).text();
        assertNoKey(listing, "the endpoints listing");
        assertNoKey(openapi, "the OpenAPI document");
        assertNoKey(details, "/health/details");
        for (const reply of replies) assertNoKey(reply, "a reply");
        const log = gateway.output();
        assert(log.includes('"level":"warn"'), "the gateway logged its failures as JSON lines");
        assertNoKey(log, "the log");
      });

      await t.step(
        "the gateway still serves, and its peak RSS stayed under the bound",
        async () => {
          const { status } = await call("ok");
          assertEquals(status, 200);
          checkMemory("all of the above");
        },
      );
    } finally {
      await gateway.stop();
      hostile.close();
      capture.close();
    }
  },
});
