/**
 * The gateway's own JavaScript cost per request, without any network: the Hono app called
 * in-process for a chat request, its upstream `fetch` replaced by a canned OpenAI answer. Run with
 * the binary's runtime for comparable figures: `node_modules/.bin/bun bench/in_process.ts`
 * (or `deno run -A bench/in_process.ts`); add `--cpu-prof` (Bun) to profile it. `--team` runs
 * it as a team would: a client key checked on every request and a SQLite usage store.
 * `--info`: the access log at info, as a server runs by default (stderr to /dev/null).
 * `--large`: a 200 KB prompt (the benchmark's). `--fetch-answer`: the upstream answers as `fetch` does (a Response), not as the gateway's own
 * client does for plain-http upstreams (the bytes of a whole answer).
 */
import { loadConfigText } from "../src/config/load.ts";
import { Gateway } from "../src/core/gateway.ts";
import { createHandler } from "../src/api/pipeline.ts";
import { Logger } from "../src/observe/logs.ts";
import process from "node:process";
import { setImmediate } from "node:timers";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAuthenticator } from "../src/auth/authenticate.ts";
import type { WholeAnswer } from "../src/core/http1/client.ts";
import { largePromptRequest } from "./payloads.ts";

const ANSWER = JSON.stringify({
  id: "chatcmpl-1",
  object: "chat.completion",
  created: 1,
  model: "gpt-4o-mini",
  choices: [{
    index: 0,
    message: { role: "assistant", content: "The sea is wide." },
    finish_reason: "stop",
  }],
  usage: { prompt_tokens: 20, completion_tokens: 5, total_tokens: 25 },
});
// `--large`: the benchmark's 200 KB prompt instead of a small chat.
const REQUEST = process.argv.includes("--large") ? largePromptRequest("chat") : JSON.stringify({
  model: "chat",
  messages: [
    { role: "system", content: "You are a helpful assistant." },
    { role: "user", content: "Write one sentence about the sea." },
  ],
  temperature: 0.7,
  max_tokens: 64,
});

const TEAM = process.argv.includes("--team");
const CLIENT_KEY = "bench-client-key-0123456789";
const teamServer = `server:
  store: sqlite:${join(mkdtempSync(join(tmpdir(), "gateway-in-process-")), "usage.db")}
  auth:
    keys:
      - {name: bench, key: ${CLIENT_KEY}, budget: {usd: 1000000, period: month}}
`;

const { config } = loadConfigText(
  `endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    model:
      provider: openai
      name: gpt-4o-mini
      config: {openai_api_key: sk-bench, openai_api_base: "http://upstream.invalid/v1"}
${TEAM ? teamServer : ""}`,
  "in-process bench",
);
if (!config) throw new Error("bench config did not load");
const ANSWER_BYTES = new TextEncoder().encode(ANSWER);
// As the gateway's own HTTP/1.1 client answers a plain-http upstream (what the binary under the
// benchmark does): a whole answer's bytes with its head, no Response. `--fetch-answer` gives a
// Response instead, as fetch does for https upstreams.
const FETCH_ANSWER = process.argv.includes("--fetch-answer");
const cannedFetch = (() =>
  Promise.resolve(
    FETCH_ANSWER ? new Response(ANSWER, { headers: { "content-type": "application/json" } }) : {
      status: 200,
      headers: [["content-type", "application/json"]],
      bytes: ANSWER_BYTES,
    } satisfies WholeAnswer as unknown as Response,
  )) as typeof fetch;
// `--info`: each request's access-log line written as a server writes it (run with stderr to
// /dev/null), as the benchmark's gateway runs at its default level.
const INFO = process.argv.includes("--info");
const logger = new Logger({ level: INFO ? "info" : "warn" });
const gateway = new Gateway(config, { logger, fetch: cannedFetch });
// As `gateway start` makes it: the authentication step is always there (it admits everyone
// without server.auth).
const handle = createHandler({
  gateway,
  version: "bench",
  authenticate: createAuthenticator(gateway).authenticate,
});
const info = { remoteAddress: "127.0.0.1" };

async function once(): Promise<void> {
  const request = new Request("http://gateway.invalid/v1/chat/completions", {
    method: "POST",
    body: REQUEST,
    // As clients send it (the SDKs, curl, wrk): a declared length is read in one go.
    headers: {
      "content-type": "application/json",
      "content-length": String(REQUEST.length),
      ...(TEAM ? { authorization: `Bearer ${CLIENT_KEY}` } : {}),
    },
  });
  const response = await handle(request, info);
  if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
  await response.text();
}

/**
 * `count` requests one after the other, letting the event loop turn every 100 of them as a
 * server's does (else the deadline sweep's timer never runs and its list only grows).
 */
async function requests(count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await once();
    if (i % 100 === 99) await new Promise((resolve) => setImmediate(resolve));
  }
}

await requests(5_000);
// Several rounds: the fastest is the least disturbed by other work on the machine.
const rounds = 7;
const count = 5_000;
const figures: number[] = [];
for (let round = 0; round < rounds; round++) {
  const started = performance.now();
  await requests(count);
  figures.push(((performance.now() - started) / count) * 1000);
}
figures.sort((a, b) => a - b);
process.stdout.write(
  `in-process chat request${TEAM ? " (client key, SQLite store)" : ""}${
    INFO ? " (access log at info)" : ""
  }: best ${figures[0]!.toFixed(1)} µs, median ${
    figures[rounds >> 1]!.toFixed(1)
  } µs (${rounds} rounds of ${count} requests, canned upstream answering ${
    FETCH_ANSWER ? "as fetch" : "as the HTTP/1.1 client"
  })\n`,
);
await gateway.close();
