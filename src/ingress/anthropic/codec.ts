/**
 * Anthropic's Messages API (`POST /v1/messages`) as a codec: its requests decoded into the
 * internal chat request (request.ts), answers, streams and errors encoded in Anthropic's shapes
 * and SSE framing (response.ts, stream.ts, errors.ts). Any chat endpoint or route serves it.
 */
import type { ChatResponse } from "../../schemas/chat.ts";
import type { IngressCall, IngressCodec } from "../codec.ts";
import { decodeMessagesRequest } from "./request.ts";
import { toAnthropicMessage } from "./response.ts";
import { AnthropicStreamWriter } from "./stream.ts";
import { anthropicError } from "./errors.ts";

/** A Messages call, with what its answer's encoding depends on. */
export interface AnthropicCall extends IngressCall {
  /** The name the client asked for, which Anthropic's answers repeat as `model`. */
  requestedModel: string;
  stopSequences: string[];
}

export const anthropicCodec: IngressCodec<AnthropicCall> = {
  name: "anthropic.messages",
  decode(body) {
    const decoded = decodeMessagesRequest(body);
    return {
      op: "chat",
      name: decoded.name,
      request: decoded.request,
      stream: decoded.stream,
      warnings: decoded.warnings,
      requestedModel: decoded.name,
      stopSequences: decoded.stopSequences,
    };
  },
  encodeAnswer(call, value) {
    return JSON.stringify(
      toAnthropicMessage(value as ChatResponse, call.requestedModel, call.stopSequences),
    );
  },
  streamWriter(call, redactor) {
    return new AnthropicStreamWriter(call.requestedModel, redactor, call.stopSequences);
  },
  streamContentType: "text/event-stream; charset=utf-8",
  encodeError: anthropicError,
};
