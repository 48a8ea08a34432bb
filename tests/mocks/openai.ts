/**
 * A local mock of OpenAI's API (and Azure OpenAI's deployment paths), faithful where the gateway
 * depends on it: auth and required-field checks with OpenAI's error bodies, SSE framing with
 * `data: [DONE]`, usage in the last chunk when asked, tool calls (whole and streamed).
 *
 * `flavor` switches to the behaviour of an OpenAI-compatible server, as its API reference
 * describes it: which paths exist, the parameters it rejects (with its own error body), where it
 * puts stream usage (Mistral and Together: in the last chunk; Groq: under `x_groq`), and how it
 * streams tool calls. `apiKey: null` serves without auth (Ollama, vLLM); `azure` pins the
 * deployment, API version and auth style an Azure endpoint must use.
 */
import {
  FaultQueue,
  hangingResponse,
  type MockServer,
  Recorder,
  serveMock,
  sseStream,
  stalledJson,
} from "./fault.ts";

export type MockFlavor = "openai" | "mistral" | "together" | "groq" | "ollama" | "vllm";

export interface MockOpenAIOptions {
  /** The key to require; `null` for a server without auth. */
  apiKey?: string | null;
  /** Milliseconds between streamed chunks. */
  chunkDelayMs?: number;
  flavor?: MockFlavor;
  /** Azure deployment URLs must name this deployment and API version, with this auth style. */
  azure?: { deployment: string; apiVersion: string; auth: "api-key" | "bearer" };
}

export interface MockOpenAI extends MockServer {
  recorder: Recorder;
  faults: FaultQueue;
  /** Base URL as `openai_api_base` (or `<provider>_api_base`) expects it (with /v1). */
  baseUrl: string;
  options: MockOpenAIOptions;
}

type Json = Record<string, unknown>;

function error(
  status: number,
  message: string,
  extra: Json = {},
  headers: Record<string, string> = {},
): Response {
  return Response.json(
    { error: { message, type: "invalid_request_error", param: null, code: null, ...extra } },
    { status, headers },
  );
}

/** Mistral's documented error body: the fields at the top level. */
function mistralError(status: number, message: string, param: string | null = null): Response {
  return Response.json(
    { object: "error", message, type: "invalid_request_error", param, code: null },
    { status },
  );
}

/** Mistral's chat request fields (its API reference); anything else is a 422. */
const MISTRAL_CHAT_FIELDS = new Set([
  "model",
  "messages",
  "temperature",
  "top_p",
  "max_tokens",
  "stream",
  "stop",
  "random_seed",
  "response_format",
  "tools",
  "tool_choice",
  "presence_penalty",
  "frequency_penalty",
  "n",
  "prediction",
  "parallel_tool_calls",
  "prompt_mode",
  "safe_prompt",
  "metadata",
]);
const MISTRAL_MESSAGE_FIELDS = new Set([
  "role",
  "content",
  "name",
  "tool_calls",
  "tool_call_id",
  "prefix",
]);
const MISTRAL_ROLES = new Set(["system", "user", "assistant", "tool"]);

/** The request problems a flavored server reports, before it answers. */
function flavorRejects(flavor: MockFlavor, path: string, body: Json): Response | undefined {
  if (flavor === "mistral" && path === "/v1/chat/completions") {
    const extra = Object.keys(body).find((key) => !MISTRAL_CHAT_FIELDS.has(key));
    if (extra) return mistralError(422, `${extra}: Extra inputs are not permitted`, extra);
    for (const m of body.messages as Json[]) {
      const bad = Object.keys(m).find((key) => !MISTRAL_MESSAGE_FIELDS.has(key));
      if (bad) return mistralError(422, `messages.${bad}: Extra inputs are not permitted`);
      if (!MISTRAL_ROLES.has(String(m.role))) {
        return mistralError(422, `messages.role: Input should be 'system', 'user', ...`);
      }
    }
  }
  if (flavor === "mistral" && path === "/v1/embeddings" && "dimensions" in body) {
    return mistralError(422, "dimensions: Extra inputs are not permitted", "dimensions");
  }
  if (flavor === "groq") {
    for (const key of ["logprobs", "logit_bias", "top_logprobs"]) {
      if (key in body) return error(400, `'${key}' : property '${key}' is unsupported`);
    }
    if (typeof body.n === "number" && body.n !== 1) {
      return error(400, "'n' : number must be at most 1");
    }
    if ((body.messages as Json[]).some((m) => "name" in m)) {
      return error(
        400,
        "'messages.0' : for 'role:user' the following must be satisfied[('messages.0.name' : property 'name' is unsupported)]",
      );
    }
  }
  if (flavor === "together" && "logprobs" in body && typeof body.logprobs !== "number") {
    return error(400, "logprobs must be an integer between 0 and 20", { param: "logprobs" });
  }
  return undefined;
}

/** The paths each flavor serves (the others answer 404 as that server does). */
const PATHS: Record<MockFlavor, readonly string[]> = {
  openai: ["/v1/chat/completions", "/v1/completions", "/v1/embeddings"],
  mistral: ["/v1/chat/completions", "/v1/embeddings"],
  together: ["/v1/chat/completions", "/v1/completions", "/v1/embeddings"],
  groq: ["/v1/chat/completions"],
  ollama: ["/v1/chat/completions", "/v1/completions", "/v1/embeddings"],
  vllm: ["/v1/chat/completions", "/v1/completions", "/v1/embeddings"],
};

function notFound(flavor: MockFlavor, pathname: string): Response {
  if (flavor === "mistral") return Response.json({ detail: "Not Found" }, { status: 404 });
  if (flavor === "groq") {
    return error(404, `Unknown request URL: POST ${pathname}. Please check the URL for typos.`, {
      code: "unknown_url",
    });
  }
  return error(404, `Invalid URL (POST ${pathname})`);
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content.map((
      part,
    ) => (part && typeof part === "object" && "text" in part ? String(part.text) : "")).join("");
  }
  return "";
}

function words(text: string): string[] {
  return text.match(/\s*\S+/g) ?? [];
}

interface Reply {
  content: string | null;
  toolCall?: { id: string; name: string; arguments: string };
}

/** What the mock answers: a tool call when tools are offered, else an echo of the last message. */
function chatReply(body: Json, flavor: MockFlavor): Reply {
  const messages = body.messages as Json[];
  const last = messages[messages.length - 1] ?? {};
  const tools = body.tools as { function: { name: string } }[] | undefined;
  if (last.role === "tool") return { content: `Tool said: ${textOf(last.content)}` };
  if (tools && tools.length > 0 && body.tool_choice !== "none") {
    const name = tools[0]?.function.name ?? "tool";
    // Mistral's tool call ids are 9 letters and digits.
    const id = flavor === "mistral" ? "Ab3dE6gH9" : "call_mock_1";
    return {
      content: flavor === "mistral" ? "" : null,
      toolCall: { id, name, arguments: JSON.stringify({ q: textOf(last.content) }) },
    };
  }
  return { content: `Echo: ${textOf(last.content)}` };
}

function base64Floats(vector: number[]): string {
  const bytes = new Uint8Array(new Float32Array(vector).buffer);
  return btoa(String.fromCharCode(...bytes));
}

const usage = (prompt: number, completion: number) => ({
  prompt_tokens: prompt,
  completion_tokens: completion,
  total_tokens: prompt + completion,
});

/** OpenAI's usage: the counts and their breakdowns (other servers send the counts alone). */
function usageOf(flavor: MockFlavor, prompt: number, completion: number): Json {
  if (flavor !== "openai") return usage(prompt, completion);
  return {
    ...usage(prompt, completion),
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

/** A chat choice's `logprobs` for `tokens` when the request asked for them (`null` otherwise). */
function logprobsOf(body: Json, tokens: string[]): Json | null {
  if (body.logprobs !== true) return null;
  const top = typeof body.top_logprobs === "number" ? body.top_logprobs : 0;
  const entry = (token: string, rank: number) => ({
    token,
    logprob: -0.25 * (rank + 1),
    bytes: [...new TextEncoder().encode(token)],
  });
  return {
    content: tokens.map((token) => ({
      ...entry(token, 0),
      top_logprobs: Array.from(
        { length: top },
        (_, rank) => entry(rank === 0 ? token : `${token}~${rank}`, rank),
      ),
    })),
    refusal: null,
  };
}

/** How the flavor says "done": Together's `eos`, everyone else's `stop`. */
function stopReason(flavor: MockFlavor): string {
  return flavor === "together" ? "eos" : "stop";
}

function sse(value: unknown): string {
  return `data: ${JSON.stringify(value)}\n\n`;
}

function chatEvents(body: Json, reply: Reply, flavor: MockFlavor): string[] {
  const base = {
    id: "chatcmpl-mock",
    object: "chat.completion.chunk",
    created: 1700000000,
    model: body.model ?? "azure-deployment",
    ...(flavor === "openai" ? { service_tier: "default" } : {}),
    system_fingerprint: "fp_mock",
  };
  // OpenAI pads each chunk unless the client turns it off (stream_options.include_obfuscation).
  const obfuscate = flavor === "openai" &&
    (body.stream_options as Json | undefined)?.include_obfuscation !== false;
  let padding = 0;
  const chunk = (delta: Json, finish: string | null = null, extra: Json = {}) =>
    sse({
      ...base,
      ...(obfuscate ? { obfuscation: "p".repeat(1 + (padding++ % 7)) } : {}),
      choices: [{
        index: 0,
        delta,
        logprobs: typeof delta.content === "string" && delta.content !== ""
          ? logprobsOf(body, [delta.content])
          : null,
        finish_reason: finish,
        ...(flavor === "together" ? { text: delta.content ?? "" } : {}),
      }],
      ...(flavor === "together" ? { usage: null } : {}),
      ...extra,
    });
  const events = [chunk({ role: "assistant", content: "", refusal: null })];
  let finish: string;
  if (reply.toolCall) {
    const { id, name, arguments: args } = reply.toolCall;
    if (flavor === "mistral") {
      // Mistral streams each tool call whole, in one delta.
      events.push(chunk({ tool_calls: [{ id, function: { name, arguments: args } }] }));
    } else {
      events.push(
        chunk({
          tool_calls: [{ index: 0, id, type: "function", function: { name, arguments: "" } }],
        }),
      );
      const half = Math.floor(args.length / 2);
      events.push(
        chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(0, half) } }] }),
      );
      events.push(
        chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(half) } }] }),
      );
    }
    finish = "tool_calls";
  } else {
    for (const word of words(reply.content ?? "")) events.push(chunk({ content: word }));
    finish = stopReason(flavor);
  }
  const total = usageOf(flavor, 10, events.length - 1);
  if (flavor === "mistral" || flavor === "together") {
    events.push(chunk({ content: "" }, finish, { usage: total }));
  } else if (flavor === "groq") {
    events.push(
      chunk({}, finish, { x_groq: { id: "req_mock", usage: { ...total, queue_time: 0.01 } } }),
    );
  } else {
    events.push(chunk({}, finish));
  }
  const streamOptions = body.stream_options as { include_usage?: boolean } | undefined;
  if (streamOptions?.include_usage && flavor !== "mistral" && flavor !== "together") {
    events.push(sse({ ...base, choices: [], usage: total }));
  }
  events.push("data: [DONE]\n\n");
  return events;
}

function chatResponse(body: Json, reply: Reply, flavor: MockFlavor): Json {
  return {
    id: "chatcmpl-mock",
    object: "chat.completion",
    created: 1700000000,
    model: body.model ?? "azure-deployment",
    ...(flavor === "openai" ? { service_tier: "default" } : {}),
    system_fingerprint: "fp_mock",
    choices: [{
      index: 0,
      message: {
        role: "assistant",
        content: reply.content,
        ...(flavor === "openai" ? { refusal: null, annotations: [] } : {}),
        ...(reply.toolCall
          ? {
            tool_calls: [{
              id: reply.toolCall.id,
              type: "function",
              function: { name: reply.toolCall.name, arguments: reply.toolCall.arguments },
            }],
          }
          : {}),
      },
      logprobs: reply.toolCall ? null : logprobsOf(body, words(reply.content ?? "")),
      finish_reason: reply.toolCall ? "tool_calls" : stopReason(flavor),
    }],
    usage: usageOf(flavor, 10, words(reply.content ?? "").length || 5),
  };
}

function completionEvents(body: Json, text: string, flavor: MockFlavor): string[] {
  const base = {
    id: "cmpl-mock",
    object: flavor === "together" ? "completion.chunk" : "text_completion",
    created: 1700000000,
    model: body.model ?? "azure-deployment",
  };
  const total = usage(5, words(text).length);
  const inLast = flavor === "together";
  const events = words(text).map((w) =>
    sse({
      ...base,
      choices: [{ index: 0, text: w, logprobs: null, finish_reason: null }],
      ...(inLast ? { usage: null } : {}),
    })
  );
  events.push(sse({
    ...base,
    choices: [{ index: 0, text: "", logprobs: null, finish_reason: stopReason(flavor) }],
    ...(inLast ? { usage: total } : {}),
  }));
  if (!inLast && (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage) {
    events.push(sse({ ...base, choices: [], usage: total }));
  }
  events.push("data: [DONE]\n\n");
  return events;
}

function embeddingOf(text: string, dimensions: number): number[] {
  return Array.from(
    { length: dimensions },
    (_, i) => ((text.charCodeAt(i % Math.max(text.length, 1)) || 0) % 100) / 100 + i / 1000,
  );
}

/** Checks an Azure deployment request: API version, deployment name and auth style. */
function azureRejects(
  url: URL,
  headers: Record<string, string>,
  apiKey: string | null,
  pinned: MockOpenAIOptions["azure"],
): Response | undefined {
  const version = url.searchParams.get("api-version");
  if (!version || (pinned && version !== pinned.apiVersion)) {
    return error(404, "Resource not found", { code: "404" });
  }
  const deployment = decodeURIComponent(url.pathname.split("/")[3] ?? "");
  if (pinned && deployment !== pinned.deployment) {
    return Response.json({
      error: {
        code: "DeploymentNotFound",
        message: "The API deployment for this resource does not exist.",
      },
    }, { status: 404 });
  }
  const byKey = headers["api-key"] === apiKey;
  const byBearer = headers["authorization"] === `Bearer ${apiKey}`;
  const ok = pinned === undefined
    ? byKey || byBearer
    : pinned.auth === "api-key"
    ? byKey && !headers["authorization"]
    : byBearer && !headers["api-key"];
  if (apiKey !== null && !ok) {
    return Response.json({
      error: {
        code: "401",
        message: "Access denied due to invalid subscription key or wrong API endpoint.",
      },
    }, { status: 401 });
  }
  return undefined;
}

/** Starts the mock on a free loopback port. */
export function startMockOpenAI(options: MockOpenAIOptions = {}): MockOpenAI {
  const recorder = new Recorder();
  const faults = new FaultQueue();
  const apiKey = options.apiKey === undefined ? "sk-mock-openai-key" : options.apiKey;
  const flavor = options.flavor ?? "openai";
  // Groq serves its OpenAI-compatible API under /openai/v1.
  const prefix = flavor === "groq" ? "/openai" : "";

  const handle = async (request: Request): Promise<Response> => {
    const entry = await recorder.record(request);
    const url = new URL(request.url);
    const azure = /^\/openai\/deployments\/[^/]+\//.test(url.pathname);
    const path = azure
      ? url.pathname.replace(/^\/openai\/deployments\/[^/]+/, "/v1")
      : url.pathname.startsWith(prefix)
      ? url.pathname.slice(prefix.length)
      : url.pathname;
    if (request.method !== "POST") {
      return error(405, `Invalid method for URL (${request.method} ${url.pathname})`);
    }
    if (azure) {
      const rejected = azureRejects(url, entry.headers, apiKey, options.azure);
      if (rejected) return rejected;
    } else if (apiKey !== null && entry.headers["authorization"] !== `Bearer ${apiKey}`) {
      const given = (entry.headers["authorization"] ?? "").replace(/^Bearer /, "");
      if (flavor === "mistral") {
        return Response.json({ message: "Unauthorized", request_id: "req-mock" }, { status: 401 });
      }
      // The real API echoes (part of) the key it was given; the gateway must not pass it on.
      return error(
        401,
        `Incorrect API key provided: ${given}. You can find your API key at https://platform.openai.com/account/api-keys.`,
        { code: "invalid_api_key" },
      );
    }
    if (!azure && !PATHS[flavor].includes(path)) return notFound(flavor, url.pathname);
    const fault = faults.next();
    if (fault?.kind === "status") {
      return Response.json(fault.body, { status: fault.status, headers: fault.headers ?? {} });
    }
    if (fault?.kind === "hang") return hangingResponse(request.signal);
    if (fault?.kind === "delay") await new Promise((r) => setTimeout(r, fault.ms));
    if (fault?.kind === "malformed") {
      return new Response('{"id": "chatcmpl-broken", "choices": [', {
        headers: { "content-type": "application/json" },
      });
    }
    const body = entry.body as Json | undefined;
    if (!body || typeof body !== "object") {
      return error(400, "We could not parse the JSON body of your request.");
    }
    if (!azure && typeof body.model !== "string") {
      return error(400, "you must provide a model parameter");
    }
    const cut = fault?.kind === "cut" ? fault.afterChunks : undefined;
    const stream = (events: string[]) =>
      new Response(
        sseStream(events, {
          cutAfter: cut,
          stall: fault?.kind === "stall" ? { after: fault.afterChunks, ms: fault.ms } : undefined,
          delayMs: options.chunkDelayMs ?? 0,
          onAbort: () => recorder.aborted++,
        }),
        { headers: { "content-type": "text/event-stream; charset=utf-8" } },
      );

    if (path === "/v1/chat/completions") {
      if (!Array.isArray(body.messages) || body.messages.length === 0) {
        return error(400, "Missing required parameter: 'messages'.", {
          param: "messages",
          code: "missing_required_parameter",
        });
      }
      const rejected = flavorRejects(flavor, path, body);
      if (rejected) return rejected;
      const reply = chatReply(body, flavor);
      if (body.stream === true) return stream(chatEvents(body, reply, flavor));
      const answer = chatResponse(body, reply, flavor);
      // A complete answer stalls half-way through its body (`afterChunks` is for streams).
      if (fault?.kind === "stall") return stalledJson(answer, fault.ms);
      return Response.json(answer);
    }
    if (path === "/v1/completions") {
      // One prompt per request, as the gateway sends: text, or token ids (echoed as numbers).
      const ids = Array.isArray(body.prompt) && body.prompt.length > 0 &&
          body.prompt.every((id: unknown) => Number.isInteger(id))
        ? body.prompt as number[]
        : null;
      if (typeof body.prompt !== "string" && ids === null) {
        return error(400, "Missing required parameter: 'prompt'.", { param: "prompt" });
      }
      const rejected = flavorRejects(flavor, path, body);
      if (rejected) return rejected;
      const text = ids ? `Echo: tokens ${ids.join(" ")}` : `Echo: ${body.prompt}`;
      if (body.stream === true) return stream(completionEvents(body, text, flavor));
      return Response.json({
        id: "cmpl-mock",
        object: flavor === "together" ? "text.completion" : "text_completion",
        created: 1700000000,
        model: body.model ?? "azure-deployment",
        choices: [{ index: 0, text, logprobs: null, finish_reason: stopReason(flavor) }],
        usage: usage(ids ? ids.length : 5, words(text).length),
      });
    }
    if (path === "/v1/embeddings") {
      const rejected = flavorRejects(flavor, path, body);
      if (rejected) return rejected;
      const input = body.input;
      const items = typeof input === "string"
        ? [input]
        : Array.isArray(input)
        ? input.map((x) => (typeof x === "string" ? x : JSON.stringify(x)))
        : null;
      if (!items || items.length === 0) {
        return error(400, "'input' is a required property", { param: "input" });
      }
      const size = body.dimensions ?? body.output_dimension;
      const dimensions = typeof size === "number" ? size : 8;
      return Response.json({
        object: "list",
        data: items.map((text, index) => ({
          object: "embedding",
          index,
          // OpenAI's base64: the vector's little-endian float32 bytes (what its SDKs ask for).
          embedding: body.encoding_format === "base64"
            ? base64Floats(embeddingOf(text, dimensions))
            : embeddingOf(text, dimensions),
        })),
        model: body.model ?? "azure-deployment",
        usage: { prompt_tokens: items.length * 2, total_tokens: items.length * 2 },
      });
    }
    return notFound(flavor, url.pathname);
  };

  const server = serveMock(handle);
  return { ...server, baseUrl: `${server.url}${prefix}/v1`, recorder, faults, options };
}
