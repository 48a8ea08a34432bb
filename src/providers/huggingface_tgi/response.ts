/** TGI responses as canonical chat and completions responses. */
import { TGI_NAME } from "./config.ts";
import type { CallContext } from "../../core/provider.ts";
import type { ChatResponse } from "../../schemas/chat.ts";
import type { CompletionsResponse } from "../../schemas/completions.ts";
import { type Usage, usageOf } from "../../schemas/common.ts";
import { parseWire } from "../parse_wire.ts";
import { unixNow } from "../shared/chunks.ts";
import { tokenUsage } from "../shared/usage.ts";
import { mapTgiFinishReason } from "./finish_reason.ts";
import { WireChatResponse, WireGenerateResponse, type WireUsage } from "./wire.ts";

/** Token counts as TGI's Messages API reports them. */
export function tgiUsage(usage: WireUsage | null | undefined): Usage {
  return tokenUsage(
    usage?.prompt_tokens ?? null,
    usage?.completion_tokens ?? null,
    usage?.total_tokens,
  );
}

/** A Messages API response; TGI's empty id becomes null, its finish reasons OpenAI's. */
export function parseTgiChat(json: unknown, ctx: CallContext<unknown>): ChatResponse {
  const wire = parseWire(WireChatResponse, json, TGI_NAME);
  return {
    id: wire.id || null,
    object: "chat.completion",
    created: wire.created ?? unixNow(),
    model: ctx.model ?? wire.model ?? "",
    choices: wire.choices.map((choice, index) => ({
      index,
      message: {
        role: "assistant",
        content: choice.message.content ?? null,
        tool_calls: null,
        refusal: null,
      },
      finish_reason: mapTgiFinishReason(choice.finish_reason),
    })),
    usage: tgiUsage(wire.usage),
  };
}

/** A `/generate` response: the text, the finish reason and token counts from `details`. */
export function parseTgiGenerate(json: unknown, ctx: CallContext<unknown>): CompletionsResponse {
  const wire = parseWire(WireGenerateResponse, json, TGI_NAME);
  const generations = Array.isArray(wire) ? wire : [wire];
  let prompt: number | null = null;
  let completion: number | null = null;
  for (const generation of generations) {
    const prefill = generation.details?.prefill;
    if (prefill && prefill.length > 0) prompt = prefill.length;
    const generated = generation.details?.generated_tokens;
    if (generated !== undefined && generated !== null) completion = (completion ?? 0) + generated;
  }
  return {
    id: null,
    object: "text_completion",
    created: unixNow(),
    model: ctx.model ?? "",
    choices: generations.map((generation, index) => ({
      index,
      text: generation.generated_text,
      finish_reason: mapTgiFinishReason(generation.details?.finish_reason),
    })),
    usage: usageOf(prompt, completion),
  };
}
