/**
 * A local mock of a Hugging Face TGI server: the Messages API (`/v1/chat/completions`, SSE with
 * `data:` frames and `[DONE]`), `/generate` and `/generate_stream` (token events, no `[DONE]`),
 * TGI's validation errors (`{"error","error_type"}` with 422, axum's plain-text 422 for bodies it
 * cannot deserialize), optional Bearer auth as on Inference Endpoints, and a fault queue.
 */
import {
  answerFault,
  FaultQueue,
  type MockServer,
  Recorder,
  serveMock,
  sseStream,
} from "./fault.ts";

export interface MockTgiOptions {
  /** When set, requests need `Authorization: Bearer <apiKey>` (an Inference Endpoint). */
  apiKey?: string;
  /** Milliseconds between streamed events. */
  chunkDelayMs?: number;
}

export interface MockTgi extends MockServer {
  recorder: Recorder;
  faults: FaultQueue;
  options: MockTgiOptions;
}

type Json = Record<string, unknown>;

const MODEL_ID = "meta-llama/Meta-Llama-3-8B-Instruct";
const MAX_STOP_SEQUENCES = 4;
/** TGI writes SSE as `data:{json}` with no space after the colon. */
const frame = (json: unknown) =>
  `data:${typeof json === "string" ? json : JSON.stringify(json)}\n\n`;

function validation(message: string): Response {
  return Response.json(
    { error: `Input validation error: ${message}`, error_type: "validation" },
    { status: 422 },
  );
}

/** axum's Json extractor rejection: 422 with a plain-text body. */
function deserializeError(field: string): Response {
  return new Response(
    `Failed to deserialize the JSON body into the target type: missing field \`${field}\` at line 1 column 2`,
    { status: 422, headers: { "content-type": "text/plain; charset=utf-8" } },
  );
}

function words(text: string): string[] {
  return text.match(/\s*\S+/g) ?? [];
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content.map((p) => (p && typeof p === "object" && "text" in p ? String(p.text) : ""))
      .join("");
  }
  return "";
}

/** TGI's checks shared by both routes (router/src/validation.rs). */
function checkSampling(p: Json, greedyTemperatureZero: boolean): Response | undefined {
  const temperature = p.temperature;
  if (typeof temperature === "number") {
    if (temperature < 0 || (temperature === 0 && !greedyTemperatureZero)) {
      return validation("`temperature` must be strictly positive");
    }
  }
  if (typeof p.top_p === "number" && (p.top_p <= 0 || p.top_p >= 1)) {
    return validation("`top_p` must be > 0.0 and < 1.0");
  }
  if (typeof p.top_k === "number" && p.top_k <= 0) {
    return validation("`top_k` must be strictly positive");
  }
  if (typeof p.frequency_penalty === "number" && Math.abs(p.frequency_penalty) > 2) {
    return validation("`frequency_penalty` must be >= -2.0 and <= 2.0");
  }
  const stop = p.stop;
  if (Array.isArray(stop) && stop.length > MAX_STOP_SEQUENCES) {
    return validation(
      `\`stop\` supports up to ${MAX_STOP_SEQUENCES} stop sequences. Given: ${stop.length}`,
    );
  }
  return undefined;
}

/** The generated words and why generation stopped, for an echo of `input` under a token limit. */
function generation(input: string, maxTokens: unknown) {
  const all = words(`Echo: ${input}`);
  const max = typeof maxTokens === "number" ? maxTokens : undefined;
  const cut = max !== undefined && all.length > max;
  return { tokens: cut ? all.slice(0, max) : all, finish: cut ? "length" : "eos_token" };
}

function chat(
  body: Json,
  streamOptions: { cutAfter?: number | undefined; delayMs: number; onAbort: () => void },
): Response {
  if (!Array.isArray(body.messages)) return deserializeError("messages");
  if (body.messages.length === 0) return validation("`inputs` cannot be empty");
  const problem = checkSampling(body, true);
  if (problem) return problem;
  const messages = body.messages as Json[];
  const last = messages[messages.length - 1] ?? {};
  const { tokens, finish } = generation(textOf(last.content), body.max_tokens);
  const usage = {
    prompt_tokens: 12,
    completion_tokens: tokens.length,
    total_tokens: 12 + tokens.length,
  };
  const base = {
    id: "",
    created: 1700000000,
    model: MODEL_ID,
    system_fingerprint: "2.4.1-native",
  };
  if (body.stream !== true) {
    return Response.json({
      object: "chat.completion",
      ...base,
      choices: [{
        index: 0,
        message: { role: "assistant", content: tokens.join("") },
        logprobs: null,
        finish_reason: finish,
      }],
      usage,
    });
  }
  const includeUsage = (body.stream_options as Json | undefined)?.include_usage === true;
  const events = tokens.map((token, i) =>
    frame({
      object: "chat.completion.chunk",
      ...base,
      choices: [{
        index: 0,
        delta: { role: "assistant", content: token },
        logprobs: null,
        finish_reason: i === tokens.length - 1 ? finish : null,
      }],
      usage: i === tokens.length - 1 && includeUsage ? usage : null,
    })
  );
  events.push(frame("[DONE]"));
  return new Response(sseStream(events, streamOptions), {
    headers: { "content-type": "text/event-stream" },
  });
}

function generate(
  body: Json,
  stream: boolean,
  streamOptions: { cutAfter?: number | undefined; delayMs: number; onAbort: () => void },
): Response {
  if (typeof body.inputs !== "string") return deserializeError("inputs");
  if (body.inputs === "") return validation("`inputs` cannot be empty");
  const p = (body.parameters ?? {}) as Json;
  const problem = checkSampling(p, false);
  if (problem) return problem;
  if (p.max_new_tokens === 0) return validation("`max_new_tokens` must be strictly positive");
  if (stream && p.decoder_input_details === true) {
    return validation("`decoder_input_details` == true is not supported when streaming tokens");
  }
  const { tokens, finish } = generation(body.inputs, p.max_new_tokens);
  const text = tokens.join("");
  const inputLength = words(body.inputs).length + 1;
  if (!stream) {
    const result: Json = {
      generated_text: p.return_full_text === true ? body.inputs + text : text,
    };
    if (p.details === true) {
      result.details = {
        finish_reason: finish,
        generated_tokens: tokens.length,
        seed: null,
        prefill: p.decoder_input_details === true
          ? Array.from({ length: inputLength }, (_, i) => ({ id: i + 1, text: "t", logprob: null }))
          : [],
        tokens: tokens.map((t, i) => ({ id: 100 + i, text: t, logprob: -0.1, special: false })),
      };
    }
    return Response.json(result);
  }
  const details = p.details === true
    ? {
      finish_reason: finish,
      generated_tokens: tokens.length,
      seed: null,
      input_length: inputLength,
    }
    : null;
  const events = tokens.map((t, i) => {
    const lastOfLength = finish === "length" && i === tokens.length - 1;
    return frame({
      index: i + 1,
      token: { id: 100 + i, text: t, logprob: -0.1, special: false },
      generated_text: lastOfLength ? text : null,
      details: lastOfLength ? details : null,
      top_tokens: null,
    });
  });
  if (finish === "eos_token") {
    events.push(frame({
      index: tokens.length + 1,
      token: { id: 2, text: "</s>", logprob: -0.01, special: true },
      generated_text: text,
      details,
      top_tokens: null,
    }));
  }
  return new Response(sseStream(events, streamOptions), {
    headers: { "content-type": "text/event-stream" },
  });
}

/** Starts the mock on a free loopback port; its URL is what `hf_server_url` expects. */
export function startMockTgi(options: MockTgiOptions = {}): MockTgi {
  const recorder = new Recorder();
  const faults = new FaultQueue();

  const handle = async (request: Request): Promise<Response> => {
    const entry = await recorder.record(request);
    const path = new URL(request.url).pathname;
    if (request.method !== "POST") return new Response(null, { status: 405 });
    if (
      options.apiKey !== undefined && entry.headers["authorization"] !== `Bearer ${options.apiKey}`
    ) {
      return Response.json({ error: "Authorization header is invalid or missing" }, {
        status: 401,
      });
    }
    const fault = faults.next();
    const faulted = await answerFault(fault, request.signal);
    if (faulted) return faulted;
    if (fault?.kind === "malformed") {
      return new Response('{"generated_text": "tru', {
        headers: { "content-type": "application/json" },
      });
    }
    const body = entry.body;
    if (!body || typeof body !== "object" || Array.isArray(body)) {
      return new Response(
        "Failed to parse the request body as JSON: expected value at line 1 column 1",
        { status: 400, headers: { "content-type": "text/plain; charset=utf-8" } },
      );
    }
    const streamOptions = {
      cutAfter: fault?.kind === "cut" ? fault.afterChunks : undefined,
      delayMs: options.chunkDelayMs ?? 0,
      onAbort: () => recorder.aborted++,
    };
    if (path === "/v1/chat/completions") return chat(body as Json, streamOptions);
    if (path === "/generate") return generate(body as Json, false, streamOptions);
    if (path === "/generate_stream") return generate(body as Json, true, streamOptions);
    return new Response(null, { status: 404 });
  };

  const server = serveMock(handle);
  return { ...server, recorder, faults, options };
}
