/**
 * Anthropic's Messages API (`POST /v1/messages`) as a codec: its requests decoded into the
 * internal chat request (request.ts), answers, streams and errors encoded in Anthropic's shapes
 * and SSE framing (response.ts, stream.ts, errors.ts). Any chat endpoint or route serves it; an
 * Anthropic endpoint gets the client's body as it came and its answer goes back as it came
 * (core/native.ts), so thinking signatures, `cache_control` and citations survive.
 */
import type { ChatResponse } from "../../schemas/chat.ts";
import type { Snapshot } from "../../core/snapshot.ts";
import {
  ANTHROPIC_ANSWER,
  ANTHROPIC_REQUEST,
  type AnthropicRequest,
  attachNative,
  nativeOf,
} from "../../core/native.ts";
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

/** Whether every destination `name` may reach is an Anthropic endpoint (so nothing is translated). */
function allAnthropic(snapshot: Snapshot, name: string): boolean {
  const route = snapshot.routes.get(name);
  const names = route ? route.destinations.map((d) => d.name) : [name];
  return names.every((n) => snapshot.endpoints.get(n)?.provider.name === "anthropic");
}

export const anthropicCodec: IngressCodec<AnthropicCall> = {
  name: "anthropic.messages",
  decode(body, _pathName, snapshot, _record, headers) {
    const decoded = decodeMessagesRequest(body);
    const { model: _model, stream: _stream, ...own } = decoded.body;
    const native: AnthropicRequest = { body: own, beta: headers?.get("anthropic-beta") ?? null };
    return {
      op: "chat",
      name: decoded.name,
      request: attachNative(decoded.request, ANTHROPIC_REQUEST, native),
      stream: decoded.stream,
      // What the internal request cannot carry is lost only on the way to another provider.
      warnings: allAnthropic(snapshot, decoded.name) ? [] : decoded.warnings,
      requestedModel: decoded.name,
      stopSequences: decoded.stopSequences,
    };
  },
  encodeAnswer(call, value) {
    const own = nativeOf<Record<string, unknown>>(value, ANTHROPIC_ANSWER);
    if (own !== undefined) return JSON.stringify({ ...own, model: call.requestedModel });
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
