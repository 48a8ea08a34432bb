/**
 * Stream parts as the Responses API's events: `response.created` and `response.in_progress`,
 * then each output item in turn (`response.output_item.added`; a message's
 * `response.content_part.added`, `response.output_text.delta`s and their `...done` events; a
 * function call's `response.function_call_arguments.delta`s and `...done`;
 * `response.output_item.done`), and `response.completed` (or `response.incomplete`) with the
 * whole response and its usage. Each event is framed `event: <type>` + `data: <json>` and carries
 * a `sequence_number`. Only the first choice is written: a response has one.
 */
import { GatewayError } from "../../core/errors.ts";
import { sseEvent, type StreamWriter } from "../../core/sse.ts";
import { partsOfChunk, type StreamPart } from "../../core/stream_parts.ts";
import type { Redactor } from "../../observe/redact.ts";
import type { Usage } from "../../schemas/common.ts";
import { errorEnvelope } from "../openai/errors.ts";
import {
  freshId,
  isIncomplete,
  type OutputItem,
  responseObject,
  responsesUsage,
} from "./response.ts";
import type { ResponsesRequest } from "./wire.ts";

export class ResponsesStreamWriter implements StreamWriter<StreamPart> {
  #sequence = 0;
  #started = false;
  #done = false;
  readonly #items: OutputItem[] = [];
  /** The output index of the item open now (its events may still come). */
  #open: number | undefined;
  /** Output index of each tool call, by its index among the answer's tool calls. */
  readonly #calls = new Map<number, number>();
  #usage: Usage | undefined;
  #finish: string | null = null;

  constructor(
    readonly id: string,
    readonly createdAt: number,
    readonly model: string,
    readonly echo: ResponsesRequest,
    readonly redactor: Redactor,
    /** Told the whole response once the stream completed (to store it). */
    readonly onComplete: (response: Record<string, unknown>) => void,
  ) {}

  batch(parts: readonly StreamPart[]): string {
    let text = "";
    for (const part of parts) text += this.#part(part);
    return text;
  }

  end(): string {
    if (this.#done) return "";
    let text = this.#start();
    text += this.#close();
    this.#done = true;
    const incomplete = isIncomplete(this.#finish);
    const response = responseObject(
      this.id,
      this.createdAt,
      this.model,
      this.echo,
      incomplete ? "incomplete" : "completed",
      this.#items,
      responsesUsage(this.#usage),
      this.#finish,
    );
    this.onComplete(response);
    return text +
      this.#event(incomplete ? "response.incomplete" : "response.completed", { response });
  }

  /** The `error` event; nothing follows it. */
  error(error: unknown): string {
    if (this.#done) return "";
    this.#done = true;
    const gatewayError = error instanceof GatewayError
      ? error
      : new GatewayError(502, "upstream_error", "the upstream stream failed");
    const { error: body } = errorEnvelope(gatewayError, this.redactor);
    return this.#event("error", {
      code: body.code ?? body.type,
      message: body.message,
      param: body.param,
    });
  }

  #event(type: string, fields: Record<string, unknown>): string {
    return sseEvent(JSON.stringify({ type, sequence_number: this.#sequence++, ...fields }), type);
  }

  #start(): string {
    if (this.#started) return "";
    this.#started = true;
    const response = responseObject(
      this.id,
      this.createdAt,
      this.model,
      this.echo,
      "in_progress",
      [],
      null,
      null,
    );
    return this.#event("response.created", { response }) +
      this.#event("response.in_progress", { response });
  }

  #part(part: StreamPart): string {
    // A relayed Anthropic event's content arrives as parts beside it.
    if (this.#done || part.type === "anthropic_event") return "";
    if (part.type === "openai_chunk") {
      let text = "";
      for (const inner of partsOfChunk(part.chunk)) text += this.#part(inner);
      return text;
    }
    let text = this.#start();
    if (part.type === "start") return text;
    if (part.type === "usage") {
      this.#usage = part.usage;
      return text;
    }
    if ((part.choice ?? 0) !== 0) return text;
    switch (part.type) {
      case "text": {
        if (part.text === "") return text;
        let index = this.#open;
        if (index === undefined || this.#items[index]?.type !== "message") {
          text += this.#close();
          index = this.#items.length;
          const item: OutputItem = {
            type: "message",
            id: freshId("msg"),
            status: "in_progress",
            role: "assistant",
            content: [],
          };
          this.#items.push(item);
          this.#open = index;
          text += this.#event("response.output_item.added", { output_index: index, item });
          text += this.#event("response.content_part.added", {
            item_id: item.id,
            output_index: index,
            content_index: 0,
            part: { type: "output_text", text: "", annotations: [] },
          });
          item.content.push({ type: "output_text", text: "", annotations: [] });
        }
        const message = this.#items[index] as Extract<OutputItem, { type: "message" }>;
        (message.content[0] as { text: string }).text += part.text;
        return text + this.#event("response.output_text.delta", {
          item_id: message.id,
          output_index: index,
          content_index: 0,
          delta: part.text,
          logprobs: [],
        });
      }
      case "tool_call": {
        text += this.#close();
        const index = this.#items.length;
        const item: OutputItem = {
          type: "function_call",
          id: freshId("fc"),
          call_id: part.id,
          name: part.name,
          arguments: "",
          status: "in_progress",
        };
        this.#items.push(item);
        this.#calls.set(part.index, index);
        this.#open = index;
        return text + this.#event("response.output_item.added", { output_index: index, item });
      }
      case "tool_arguments": {
        const index = this.#calls.get(part.index);
        const item = index === undefined ? undefined : this.#items[index];
        if (item?.type !== "function_call" || part.arguments === "") return text;
        item.arguments += part.arguments;
        return text + this.#event("response.function_call_arguments.delta", {
          item_id: item.id,
          output_index: index,
          delta: part.arguments,
        });
      }
      case "finish":
        this.#finish = part.reason;
        return text;
      default:
        // Reasoning text: no output item carries it here.
        return text;
    }
  }

  /** The `...done` events of the item open now. */
  #close(): string {
    const index = this.#open;
    if (index === undefined) return "";
    this.#open = undefined;
    const item = this.#items[index] as OutputItem;
    item.status = isIncomplete(this.#finish) ? "incomplete" : "completed";
    let text = "";
    if (item.type === "message") {
      const part = item.content[0] ?? { type: "output_text", text: "", annotations: [] };
      text += this.#event("response.output_text.done", {
        item_id: item.id,
        output_index: index,
        content_index: 0,
        text: part.text,
        logprobs: [],
      });
      text += this.#event("response.content_part.done", {
        item_id: item.id,
        output_index: index,
        content_index: 0,
        part,
      });
    } else {
      text += this.#event("response.function_call_arguments.done", {
        item_id: item.id,
        output_index: index,
        name: item.name,
        arguments: item.arguments,
      });
    }
    return text + this.#event("response.output_item.done", { output_index: index, item });
  }
}
