/**
 * Records the order in which a freshly built binary first runs its functions while it starts and
 * serves a few requests of each everyday kind, for `bun build --bytecode-order`: the bytecode a
 * running server uses is then laid out together at the front of the binary's embedded bundle
 * instead of spread over all of it, so fewer of its pages are read and kept resident. Measured
 * (bench/README.md, "Bytecode in the order it runs"): the bundle's resident pages 4.8 -> 2.1-2.8
 * MiB, RSS under c=64 chat load ~1.4 MiB less. The requests go to a throwaway OpenAI-shaped
 * upstream served here (with the benchmark's answers and requests), on loopback only; nothing
 * leaves the machine.
 */
import {
  chatRequest,
  chatResponse,
  embeddingsRequest,
  embeddingsResponse,
  streamEvents,
  UPSTREAM_MODEL,
} from "../bench/payloads.ts";
import { endpoint } from "../bench/setup.ts";
import { joinBytes } from "../src/core/bytes.ts";

/** The bench mock's answers (bench/payloads.ts), made once. */
const CHAT = chatResponse();
const STREAM = joinBytes(streamEvents(3));
const EMBEDDINGS = embeddingsResponse();
const JSON_TYPE = { "content-type": "application/json" };

/** The upstream: chat (whole or streamed), completions and embeddings, as OpenAI answers them. */
async function answer(request: Request): Promise<Response> {
  const path = new URL(request.url).pathname;
  const body = await request.json().catch(() => ({})) as { stream?: boolean };
  if (path.endsWith("/chat/completions") && body.stream === true) {
    return new Response(STREAM, { headers: { "content-type": "text/event-stream" } });
  }
  if (path.endsWith("/chat/completions")) return new Response(CHAT, { headers: JSON_TYPE });
  if (path.endsWith("/completions")) {
    return Response.json({
      id: "cmpl-order",
      object: "text_completion",
      created: 1700000000,
      model: "gpt-3.5-turbo-instruct",
      choices: [{ index: 0, text: "Hello!", finish_reason: "stop", logprobs: null }],
      usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
    });
  }
  if (path.endsWith("/embeddings")) return new Response(EMBEDDINGS, { headers: JSON_TYPE });
  return Response.json({ error: { message: "not found", type: "invalid_request_error" } }, {
    status: 404,
  });
}

function config(upstream: string): string {
  return [
    "endpoints:",
    endpoint("chat", "chat", UPSTREAM_MODEL, `${upstream}/v1`),
    endpoint("completions", "completions", "gpt-3.5-turbo-instruct", `${upstream}/v1`),
    endpoint("embeddings", "embeddings", "text-embedding-3-small", `${upstream}/v1`),
    "",
  ].join("\n");
}

/** The URL the gateway prints once it listens (it must within 20 s). */
async function waitForListening(child: Deno.ChildProcess): Promise<string> {
  const decoder = new TextDecoder();
  let output = "";
  const reader = child.stdout.getReader();
  const timer = setTimeout(() => reader.cancel().catch(() => {}), 20_000);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      output += decoder.decode(value, { stream: true });
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        // Keep reading, so the gateway never blocks on a full pipe.
        reader.releaseLock();
        child.stdout.pipeTo(new WritableStream()).catch(() => {});
        return match[1] as string;
      }
    }
  } finally {
    clearTimeout(timer);
  }
  throw new Error(`the binary did not start listening within 20 s:\n${output}`);
}

/** Sends each kind of request a few times; every answer must be what a working gateway sends. */
async function exercise(url: string): Promise<void> {
  const post = async (path: string, body: string, status = 200) => {
    const response = await fetch(`${url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    await response.arrayBuffer();
    if (response.status !== status) {
      throw new Error(`POST ${path}: HTTP ${response.status}, expected ${status}`);
    }
  };
  const get = async (path: string) => {
    const response = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(10_000) });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`GET ${path}: HTTP ${response.status}`);
  };
  const messages = [{ role: "user", content: "Hello" }];
  const json = JSON.stringify;
  for (let round = 0; round < 20; round++) {
    await Promise.all([
      post("/v1/chat/completions", chatRequest("chat")),
      post("/v1/chat/completions", json({ model: "chat", messages, temperature: null, user: "u" })),
      post("/v1/chat/completions", chatRequest("chat", true)),
      post("/v1/completions", json({ model: "completions", prompt: "Hello" })),
      post("/v1/embeddings", embeddingsRequest("embeddings")),
      post("/gateway/chat/invocations", json({ messages })),
      post("/v1/chat/completions", json({ model: "no-such-endpoint", messages }), 404),
      get("/health"),
      get("/v1/models"),
    ]);
  }
}

/** Builds nothing: runs `binary` under load and writes the order it ran its code in. */
export async function recordBytecodeOrder(binary: string, orderFile: string): Promise<void> {
  const upstream = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    answer,
  );
  const configFile = await Deno.makeTempFile({ suffix: ".yaml" });
  try {
    await Deno.remove(orderFile).catch(() => {});
    await Deno.writeTextFile(configFile, config(`http://127.0.0.1:${upstream.addr.port}`));
    const child = new Deno.Command(binary, {
      args: ["start", "--config-path", configFile, "--port", "0", "--no-watch"],
      // Only what it needs: a proxy in this environment would take its upstream calls elsewhere.
      clearEnv: true,
      env: {
        PATH: Deno.env.get("PATH") ?? "",
        HOME: Deno.env.get("HOME") ?? "",
        BUN_BYTECODE_ORDER_OUT: orderFile,
        GATEWAY_LOG_LEVEL: "info",
        NO_COLOR: "1",
      },
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    try {
      await exercise(await waitForListening(child));
    } finally {
      // The order is written as the process exits; a gateway that does not stop is killed.
      try {
        child.kill("SIGTERM");
      } catch {
        // it has exited already
      }
      const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await child.status;
      clearTimeout(killer);
    }
    const written = await Deno.stat(orderFile).catch(() => undefined);
    if (written === undefined || written.size === 0) {
      throw new Error(`the binary wrote no bytecode order to ${orderFile}`);
    }
  } finally {
    await upstream.shutdown();
    await Deno.remove(configFile).catch(() => {});
  }
}
