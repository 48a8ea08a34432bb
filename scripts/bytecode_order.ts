/**
 * Records the order in which a freshly built binary first runs its functions while it starts and
 * serves a few requests of each everyday kind, for `bun build --bytecode-order`: the bytecode a
 * running server uses is then laid out together at the front of the binary's embedded bundle
 * instead of spread over all of it, so fewer of its pages are read and kept resident. Measured
 * (bench/README.md, "Bytecode in the order it runs"): the bundle's resident pages 4.8 -> 2.1-2.8
 * MiB, RSS under c=64 chat load ~1.4 MiB less. The requests go to a throwaway OpenAI-shaped
 * upstream served here, on loopback only; nothing leaves the machine.
 */

const CHAT = {
  id: "chatcmpl-order",
  object: "chat.completion",
  created: 1700000000,
  model: "gpt-4o-mini",
  choices: [{
    index: 0,
    message: { role: "assistant", content: "Hello!" },
    finish_reason: "stop",
  }],
  usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
};

function chunk(delta: Record<string, unknown>, finish: string | null, usage?: unknown): string {
  const choices = usage === undefined ? [{ index: 0, delta, finish_reason: finish }] : [];
  return `data: ${
    JSON.stringify({
      id: "chatcmpl-order",
      object: "chat.completion.chunk",
      created: 1700000000,
      model: "gpt-4o-mini",
      choices,
      ...(usage === undefined ? {} : { usage }),
    })
  }\n\n`;
}

/** The upstream: chat (whole or streamed), completions and embeddings, as OpenAI answers them. */
async function answer(request: Request): Promise<Response> {
  const path = new URL(request.url).pathname;
  const body = await request.json().catch(() => ({})) as { stream?: boolean };
  if (path.endsWith("/chat/completions") && body.stream === true) {
    const events = chunk({ role: "assistant", content: "Hel" }, null) +
      chunk({ content: "lo!" }, null) + chunk({}, "stop") +
      chunk({}, null, CHAT.usage) + "data: [DONE]\n\n";
    return new Response(events, { headers: { "content-type": "text/event-stream" } });
  }
  if (path.endsWith("/chat/completions")) return Response.json(CHAT);
  if (path.endsWith("/completions")) {
    return Response.json({
      id: "cmpl-order",
      object: "text_completion",
      created: 1700000000,
      model: "gpt-3.5-turbo-instruct",
      choices: [{ index: 0, text: "Hello!", finish_reason: "stop", logprobs: null }],
      usage: CHAT.usage,
    });
  }
  if (path.endsWith("/embeddings")) {
    return Response.json({
      object: "list",
      data: [0, 1].map((index) => ({ object: "embedding", index, embedding: [0.1, -0.2, 0.3] })),
      model: "text-embedding-3-small",
      usage: { prompt_tokens: 4, total_tokens: 4 },
    });
  }
  return Response.json({ error: { message: "not found", type: "invalid_request_error" } }, {
    status: 404,
  });
}

function config(upstream: string): string {
  const endpoint = (name: string, type: string, model: string) =>
    [
      `  - name: ${name}`,
      `    endpoint_type: llm/v1/${type}`,
      `    model:`,
      `      provider: openai`,
      `      name: ${model}`,
      `      config:`,
      `        openai_api_key: sk-bytecode-order`,
      `        openai_api_base: ${upstream}/v1`,
    ].join("\n");
  return [
    "endpoints:",
    endpoint("chat", "chat", "gpt-4o-mini"),
    endpoint("completions", "completions", "gpt-3.5-turbo-instruct"),
    endpoint("embeddings", "embeddings", "text-embedding-3-small"),
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
  const post = async (path: string, body: unknown, status = 200) => {
    const response = await fetch(`${url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
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
  for (let round = 0; round < 20; round++) {
    await Promise.all([
      post("/v1/chat/completions", { model: "chat", messages, max_tokens: 16 }),
      post("/v1/chat/completions", { model: "chat", messages, temperature: null, user: "u" }),
      post("/v1/chat/completions", { model: "chat", messages, stream: true }),
      post("/v1/completions", { model: "completions", prompt: "Hello" }),
      post("/v1/embeddings", { model: "embeddings", input: ["a", "b"] }),
      post("/gateway/chat/invocations", { messages }),
      post("/v1/chat/completions", { model: "no-such-endpoint", messages }, 404),
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
