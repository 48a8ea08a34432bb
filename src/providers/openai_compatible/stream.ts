/** Translates OpenAI-wire SSE events into canonical chunks. */
import type { CallContext, StreamEvent, StreamParser } from "../../core/provider.ts";
import type { ChatChunk } from "../../schemas/chat.ts";
import type { CompletionsChunk } from "../../schemas/completions.ts";
import { ProviderError } from "../../core/errors.ts";
import { parseWire } from "../parse_wire.ts";
import { wireUsage } from "./response.ts";
import { WireChatChunk, WireCompletionsChunk } from "./wire.ts";
import { errorMessageOf } from "./errors.ts";

const now = () => Math.floor(Date.now() / 1000);

/** Parses one data payload; `[DONE]` gives undefined, an in-stream error throws. */
function payload(event: StreamEvent, provider: string): unknown {
  const data = event.data.trim();
  if (data === "" || data === "[DONE]") return undefined;
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    throw new ProviderError(
      502,
      "upstream_error",
      `${provider} sent a stream event that is not JSON`,
    );
  }
  if (json !== null && typeof json === "object" && "error" in json && json.error) {
    throw new ProviderError(
      502,
      "upstream_error",
      `${provider} reported an error mid-stream: ${errorMessageOf(json)}`,
    );
  }
  return json;
}

/** Chat chunks relayed as they come, with the canonical always-present fields. */
export function chatStreamParser(
  ctx: CallContext<unknown>,
  provider: string,
): StreamParser<ChatChunk> {
  return {
    push(event) {
      const json = payload(event, provider);
      if (json === undefined) return [];
      const wire = parseWire(WireChatChunk, json, provider);
      const chunk: ChatChunk = {
        id: wire.id ?? null,
        object: "chat.completion.chunk",
        created: wire.created ?? now(),
        model: wire.model ?? ctx.model ?? "",
        choices: (wire.choices ?? []).map((choice, i) => ({
          index: choice.index ?? i,
          delta: (choice.delta ?? {}) as ChatChunk["choices"][number]["delta"],
          finish_reason: choice.finish_reason ?? null,
        })),
      };
      if (wire.usage) chunk.usage = wireUsage(wire.usage);
      return [chunk];
    },
    end: () => [],
  };
}

/** Completion chunks relayed as they come. */
export function completionsStreamParser(
  ctx: CallContext<unknown>,
  provider: string,
): StreamParser<CompletionsChunk> {
  return {
    push(event) {
      const json = payload(event, provider);
      if (json === undefined) return [];
      const wire = parseWire(WireCompletionsChunk, json, provider);
      const chunk: CompletionsChunk = {
        id: wire.id ?? null,
        object: "text_completion",
        created: wire.created ?? now(),
        model: wire.model ?? ctx.model ?? "",
        choices: (wire.choices ?? []).map((choice, i) => ({
          index: choice.index ?? i,
          text: choice.text ?? "",
          finish_reason: choice.finish_reason ?? null,
        })),
      };
      if (wire.usage) chunk.usage = wireUsage(wire.usage);
      return [chunk];
    },
    end: () => [],
  };
}
