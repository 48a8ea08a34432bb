/**
 * Stream parts as `streamGenerateContent?alt=sse`: each batch of text is one
 * `data: {GenerateContentResponse}` event with the new text as a part; function calls go out
 * whole (Gemini never splits a call's arguments), in the event that carries the finish reason;
 * the last event has the usage. No `[DONE]`; an error is Google's error body as a last event.
 */
import { GatewayError } from "../../core/errors.ts";
import { sseEvent, type StreamWriter } from "../../core/sse.ts";
import { partsOfChunk, type StreamPart } from "../../core/stream_parts.ts";
import type { Redactor } from "../../observe/redact.ts";
import type { Usage } from "../../schemas/common.ts";
import {
  argsOf,
  geminiErrorBody,
  geminiFinishReason,
  type GeminiPart,
  usageMetadata,
} from "./response.ts";

export class GeminiStreamWriter implements StreamWriter<StreamPart> {
  #done = false;
  #id: string | null = null;
  readonly #calls = new Map<number, { id: string; name: string; arguments: string }>();
  #finish: string | null | undefined;
  #usage: Usage | undefined;

  constructor(readonly model: string, readonly redactor: Redactor) {}

  #event(parts: GeminiPart[], finish?: string, usage?: Usage): string {
    const candidate: Record<string, unknown> = { content: { role: "model", parts }, index: 0 };
    if (finish !== undefined) candidate.finishReason = finish;
    const body: Record<string, unknown> = { candidates: [candidate], modelVersion: this.model };
    const metadata = usageMetadata(usage);
    if (metadata) body.usageMetadata = metadata;
    if (this.#id) body.responseId = this.#id;
    return sseEvent(JSON.stringify(body));
  }

  batch(parts: readonly StreamPart[]): string {
    let text = "";
    for (const part of parts) this.#part(part, (t) => (text += t));
    return text === "" ? "" : this.#event([{ text }]);
  }

  #part(part: StreamPart, addText: (text: string) => void): void {
    if (this.#done) return;
    switch (part.type) {
      case "openai_chunk":
        for (const inner of partsOfChunk(part.chunk)) this.#part(inner, addText);
        return;
      case "start":
        this.#id = part.id;
        return;
      case "usage":
        this.#usage = part.usage;
        return;
      case "anthropic_event": // its content arrives as parts beside it
        return;
    }
    if ((part.choice ?? 0) !== 0) return;
    switch (part.type) {
      case "text":
        addText(part.text);
        return;
      case "tool_call":
        this.#calls.set(part.index, { id: part.id, name: part.name, arguments: "" });
        return;
      case "tool_arguments": {
        const call = this.#calls.get(part.index);
        if (call) call.arguments += part.arguments;
        return;
      }
      case "finish":
        this.#finish = part.reason;
        return;
    }
  }

  end(): string {
    if (this.#done) return "";
    this.#done = true;
    const calls: GeminiPart[] = [...this.#calls.values()].map((call) => ({
      functionCall: { id: call.id, name: call.name, args: argsOf(call.arguments) },
    }));
    return this.#event(calls, geminiFinishReason(this.#finish) ?? "STOP", this.#usage);
  }

  error(error: unknown): string {
    if (this.#done) return "";
    this.#done = true;
    const gatewayError = error instanceof GatewayError
      ? error
      : new GatewayError(502, "upstream_error", "the upstream stream failed");
    return sseEvent(JSON.stringify(geminiErrorBody(gatewayError, this.redactor)));
  }
}
