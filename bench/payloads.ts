/**
 * Request and response bodies of the benchmark, built once: the mock upstream answers with
 * precomputed bytes and the load generator sends precomputed bodies, so neither shows up in
 * what is measured. Shared by the mock (run under Bun or Deno) and the orchestrator.
 */

const encoder = new TextEncoder();

/** The model name the mock reports and direct/proxy requests send. */
export const UPSTREAM_MODEL = "gpt-4o-mini";
/** Inputs and dimensions of the embeddings scenario. */
export const EMBEDDING_INPUTS = 16;
export const EMBEDDING_DIMENSIONS = 1536;
/** Size of the large-prompt scenario's user message. */
export const LARGE_PROMPT_BYTES = 200 * 1024;

const CREATED = 1_700_000_000;
const ANSWER =
  "Hello! I am a mock model answering a benchmark. This reply is about as long as a short chat " +
  "answer, so the gateway parses, validates and re-serialises a realistic body on every request.";

/** A non-streaming chat completion, as OpenAI sends it. */
export function chatResponse(): Uint8Array<ArrayBuffer> {
  return encoder.encode(JSON.stringify({
    id: "chatcmpl-bench0000000000000000000",
    object: "chat.completion",
    created: CREATED,
    model: UPSTREAM_MODEL,
    choices: [{
      index: 0,
      message: { role: "assistant", content: ANSWER, refusal: null },
      logprobs: null,
      finish_reason: "stop",
    }],
    usage: { prompt_tokens: 24, completion_tokens: 42, total_tokens: 66 },
    system_fingerprint: "fp_bench",
  }));
}

function chunk(delta: Record<string, unknown>, finish: string | null): Record<string, unknown> {
  return {
    id: "chatcmpl-bench0000000000000000000",
    object: "chat.completion.chunk",
    created: CREATED,
    model: UPSTREAM_MODEL,
    system_fingerprint: "fp_bench",
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  };
}

/**
 * The SSE events of a chat stream with `n` content chunks (the first carries the role), then a
 * finish chunk, a usage-only chunk and `[DONE]`: one Uint8Array per event.
 */
export function streamEvents(n: number): Uint8Array<ArrayBuffer>[] {
  const events: string[] = [];
  for (let i = 0; i < n; i++) {
    const delta = i === 0 ? { role: "assistant", content: "Hello" } : { content: ` tok${i}` };
    events.push(JSON.stringify(chunk(delta, null)));
  }
  events.push(JSON.stringify(chunk({}, "stop")));
  events.push(JSON.stringify({
    ...chunk({}, null),
    choices: [],
    usage: { prompt_tokens: 24, completion_tokens: n, total_tokens: 24 + n },
  }));
  events.push("[DONE]");
  return events.map((data) => encoder.encode(`data: ${data}\n\n`));
}

/** Deterministic pseudo-random floats in [-0.1, 0.1), printed like OpenAI's (~10 digits). */
function vector(seed: number, dimensions: number): number[] {
  let state = seed * 2654435761 % 4294967296 || 1;
  const values: number[] = [];
  for (let i = 0; i < dimensions; i++) {
    state = (state * 1664525 + 1013904223) % 4294967296;
    values.push(Number(((state / 4294967296 - 0.5) / 5).toFixed(10)));
  }
  return values;
}

/** An embeddings response of EMBEDDING_INPUTS vectors of EMBEDDING_DIMENSIONS floats. */
export function embeddingsResponse(): Uint8Array<ArrayBuffer> {
  return encoder.encode(JSON.stringify({
    object: "list",
    data: Array.from({ length: EMBEDDING_INPUTS }, (_, index) => ({
      object: "embedding",
      index,
      embedding: vector(index + 1, EMBEDDING_DIMENSIONS),
    })),
    model: "text-embedding-3-small",
    usage: { prompt_tokens: 16 * 40, total_tokens: 16 * 40 },
  }));
}

const SYSTEM = { role: "system", content: "You are a helpful assistant." };

/** A small chat request (what most chat traffic looks like). */
export function chatRequest(model: string, stream = false): string {
  return JSON.stringify({
    model,
    messages: [SYSTEM, { role: "user", content: "Say hello to the benchmark in one sentence." }],
    temperature: 0.2,
    max_tokens: 64,
    ...(stream ? { stream: true } : {}),
  });
}

/** A chat request whose user message is LARGE_PROMPT_BYTES of text. */
export function largePromptRequest(model: string): string {
  const words = "the quick brown fox jumps over the lazy dog while the gateway relays it ";
  const text = words.repeat(Math.ceil(LARGE_PROMPT_BYTES / words.length)).slice(
    0,
    LARGE_PROMPT_BYTES,
  );
  return JSON.stringify({
    model,
    messages: [SYSTEM, { role: "user", content: `Summarise this:\n${text}` }],
    max_tokens: 64,
  });
}

/** An embeddings request with EMBEDDING_INPUTS sentences. */
export function embeddingsRequest(model: string): string {
  return JSON.stringify({
    model,
    input: Array.from(
      { length: EMBEDDING_INPUTS },
      (_, i) => `Sentence number ${i} of the embeddings benchmark, about a dozen words long.`,
    ),
  });
}
