/**
 * Embeddings on a provider that takes fewer inputs a call than the client sent (Amazon Titan on
 * Bedrock: one): the inputs go out in batches of what it takes, a few calls at a time, and the
 * answers come back as one, vectors in input order and usage summed. LangChain and LlamaIndex
 * always embed documents in batches.
 */
import type { EmbeddingsRequest, EmbeddingsResponse } from "../schemas/embeddings.ts";

/** Calls made at once for one request's batches. */
export const FAN_OUT_CONCURRENCY = 4;

/** The inputs of a request, when it has several (token arrays count as inputs; a lone one not). */
function inputsOf(input: EmbeddingsRequest["input"]): unknown[] | undefined {
  if (!Array.isArray(input) || input.length === 0) return undefined;
  return typeof input[0] === "number" ? undefined : input;
}

/** The request split into batches of at most `max` inputs, or undefined when it fits in one. */
export function batchesOf(
  request: EmbeddingsRequest,
  max: number,
): EmbeddingsRequest[] | undefined {
  const inputs = inputsOf(request.input);
  if (inputs === undefined || inputs.length <= max) return undefined;
  const batches: EmbeddingsRequest[] = [];
  for (let at = 0; at < inputs.length; at += max) {
    batches.push({ ...request, input: inputs.slice(at, at + max) as EmbeddingsRequest["input"] });
  }
  return batches;
}

/** Runs `call` on each batch, at most `limit` at once; the answers in batch order. */
export async function inBatches<T, R>(
  batches: readonly T[],
  call: (batch: T) => Promise<R>,
  limit = FAN_OUT_CONCURRENCY,
): Promise<R[]> {
  const results: R[] = new Array(batches.length);
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const i = next++;
      results[i] = await call(batches[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, batches.length) }, worker));
  return results;
}

/** The batches' answers as one: every vector indexed by its input's place, usage summed. */
export function mergeEmbeddings(answers: readonly EmbeddingsResponse[]): EmbeddingsResponse {
  const first = answers[0] as EmbeddingsResponse;
  const data: EmbeddingsResponse["data"] = [];
  let prompt: number | null = 0;
  let total: number | null = 0;
  for (const answer of answers) {
    const offset = data.length;
    const sorted = [...answer.data].sort((a, b) => a.index - b.index);
    for (const item of sorted) data.push({ ...item, index: offset + item.index });
    const usage = answer.usage as { prompt_tokens?: number | null; total_tokens?: number | null };
    const promptTokens = usage?.prompt_tokens;
    const totalTokens = usage?.total_tokens;
    prompt = prompt === null || typeof promptTokens !== "number" ? null : prompt + promptTokens;
    total = total === null || typeof totalTokens !== "number" ? null : total + totalTokens;
  }
  return { ...first, data, usage: { ...first.usage, prompt_tokens: prompt, total_tokens: total } };
}
