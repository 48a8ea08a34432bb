/**
 * MLflow scoring answers as canonical responses. `predictions` is required (MLflow's 502
 * otherwise); text comes as a list of strings, or a dict holding `choices` or a single key;
 * embeddings as a list of float lists, or one flat list.
 */
import { SERVING_NAME } from "./config.ts";
import { ProviderError } from "../../core/errors.ts";
import type { CallContext } from "../../core/provider.ts";
import type { ChatResponse } from "../../schemas/chat.ts";
import type { CompletionsResponse } from "../../schemas/completions.ts";
import type { EmbeddingsResponse } from "../../schemas/embeddings.ts";
import { usageOf } from "../../schemas/common.ts";
import { parseWire } from "../parse_wire.ts";
import { unixNow } from "../shared/chunks.ts";
import { WirePredictions } from "./wire.ts";

function invalid(message: string): ProviderError {
  return new ProviderError(502, "upstream_error", `${SERVING_NAME} returned ${message}`);
}

/** `predictions`, or MLflow's 502 when the key is missing. */
export function predictionsOf(json: unknown): unknown {
  const wire = parseWire(WirePredictions, json, SERVING_NAME);
  if (!("predictions" in wire)) {
    throw new ProviderError(
      502,
      "upstream_error",
      "The response is missing the required key: predictions.",
    );
  }
  return wire.predictions;
}

/** One text result: a string, or (beyond MLflow) an OpenAI-style `{text}` / `{message}` choice. */
function textOf(item: unknown): string | undefined {
  if (typeof item === "string") return item;
  if (item === null || typeof item !== "object") return undefined;
  const choice = item as { text?: unknown; message?: { content?: unknown } };
  if (typeof choice.text === "string") return choice.text;
  if (typeof choice.message?.content === "string") return choice.message.content;
  return undefined;
}

/** The text results of `predictions`, one per choice. */
export function predictionTexts(predictions: unknown): string[] {
  let list = predictions;
  if (typeof list === "string") list = [list];
  if (list !== null && typeof list === "object" && !Array.isArray(list)) {
    const dict = list as Record<string, unknown>;
    const keys = Object.keys(dict);
    if ("choices" in dict) list = dict.choices;
    else if (keys.length === 1) list = dict[keys[0]!];
    else {
      throw invalid(
        "a dict the gateway cannot read as text: ensure the served model returns a dict key containing 'choices'",
      );
    }
    if (typeof list === "string") list = [list];
  }
  if (!Array.isArray(list)) throw invalid("predictions that are not a list of strings");
  if (list.length === 0) throw invalid("an empty list of predictions");
  return list.map((item, i) => {
    const text = textOf(item);
    if (text === undefined) throw invalid(`a prediction that is not a string at index ${i}`);
    return text;
  });
}

/** The vectors of `predictions`: a list of float lists, or one flat list for one input. */
export function predictionVectors(predictions: unknown): number[][] {
  if (!Array.isArray(predictions) || predictions.length === 0) {
    throw invalid("no embeddings: 'predictions' must be a non-empty list");
  }
  const isVector = (v: unknown): v is number[] =>
    Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === "number");
  if (predictions.every((x) => typeof x === "number")) return [predictions as number[]];
  if (predictions.every(isVector)) return predictions;
  throw invalid("embeddings that are not lists of numbers (one or more lists are empty or mixed)");
}

/** A chat response: one assistant message per text result. */
export function parseServingChat(json: unknown, ctx: CallContext<unknown>): ChatResponse {
  return {
    id: null,
    object: "chat.completion",
    created: unixNow(),
    model: ctx.model ?? "",
    choices: predictionTexts(predictionsOf(json)).map((content, index) => ({
      index,
      message: { role: "assistant", content, tool_calls: null, refusal: null },
      finish_reason: null,
    })),
    usage: usageOf(null, null),
  };
}

/** A completions response: one choice per text result. */
export function parseServingCompletions(
  json: unknown,
  ctx: CallContext<unknown>,
): CompletionsResponse {
  return {
    id: null,
    object: "text_completion",
    created: unixNow(),
    model: ctx.model ?? "",
    choices: predictionTexts(predictionsOf(json)).map((text, index) => ({
      index,
      text,
      finish_reason: null,
    })),
    usage: usageOf(null, null),
  };
}

/** An embeddings response, one vector per input in order. */
export function parseServingEmbeddings(
  json: unknown,
  ctx: CallContext<unknown>,
): EmbeddingsResponse {
  return {
    object: "list",
    data: predictionVectors(predictionsOf(json)).map((embedding, index) => ({
      object: "embedding" as const,
      embedding,
      index,
    })),
    model: ctx.model ?? "",
    usage: { prompt_tokens: null, total_tokens: null },
  };
}
