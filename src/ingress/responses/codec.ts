/**
 * OpenAI's Responses API (`POST /v1/responses`) as a codec, served by any chat endpoint or route:
 * requests decoded into the internal chat request (request.ts), answers and streams encoded as
 * Response objects and events (response.ts, stream.ts), errors in OpenAI's envelope. Answers are
 * kept in the gateway's ResponseStore (unless `store: false`) for `GET /v1/responses/{id}` and
 * `previous_response_id`.
 */
import type { ChatResponse } from "../../schemas/chat.ts";
import type { IngressCall, IngressCodec } from "../codec.ts";
import { errorEnvelope } from "../openai/errors.ts";
import { decodeResponsesRequest } from "./request.ts";
import {
  assistantMessage,
  freshId,
  isIncomplete,
  type OutputItem,
  outputItems,
  responseObject,
  responsesUsage,
} from "./response.ts";
import { ResponsesStreamWriter } from "./stream.ts";
import type { ResponseKeeper, StoredResponse } from "./store.ts";
import type { ChatMessage } from "../../schemas/chat.ts";
import type { ResponsesRequest } from "./wire.ts";

/** A Responses call, with what its answer and its storing depend on. */
export interface ResponsesCall extends IngressCall {
  responseId: string;
  createdAt: number;
  requestedModel: string;
  echo: ResponsesRequest;
  store: boolean;
  conversation: ChatMessage[];
  client: string;
}

/** A Responses call from its body, `previous` being the stored response it continues, if any. */
function decodeCall(
  body: Record<string, unknown>,
  client: string,
  previous: StoredResponse | undefined,
): ResponsesCall {
  const decoded = decodeResponsesRequest(body, () => previous);
  return {
    op: "chat",
    name: decoded.name,
    request: decoded.request,
    stream: decoded.stream,
    warnings: decoded.warnings,
    responseId: freshId("resp"),
    createdAt: Math.floor(Date.now() / 1000),
    requestedModel: decoded.name,
    echo: decoded.echo,
    store: decoded.store,
    conversation: decoded.conversation,
    client,
  };
}

/** The Responses codec over `store` (one per gateway app). */
export function responsesCodec(store: ResponseKeeper): IngressCodec<ResponsesCall> {
  const keep = (call: ResponsesCall, response: Record<string, unknown>) => {
    if (!call.store) return;
    const output = response.output as OutputItem[];
    store.save(call.responseId, {
      response,
      conversation: [...call.conversation, assistantMessage(output)],
      client: call.client,
    });
  };
  return {
    name: "openai.responses",
    decode(body, _pathName, _snapshot, record) {
      const client = record?.client ?? "anonymous";
      const id = body.previous_response_id;
      const previous = typeof id === "string" ? store.get(id, client) : undefined;
      // A shared database answers later: the call is then decoded once it has.
      if (previous instanceof Promise) {
        return previous.then((found) => decodeCall(body, client, found));
      }
      return decodeCall(body, client, previous);
    },
    encodeAnswer(call, value) {
      const answer = value as ChatResponse;
      const finish = answer.choices[0]?.finish_reason ?? null;
      const response = responseObject(
        call.responseId,
        call.createdAt,
        call.requestedModel,
        call.echo,
        isIncomplete(finish) ? "incomplete" : "completed",
        outputItems(answer),
        responsesUsage(answer.usage),
        finish,
      );
      keep(call, response);
      return JSON.stringify(response);
    },
    streamWriter(call, redactor) {
      return new ResponsesStreamWriter(
        call.responseId,
        call.createdAt,
        call.requestedModel,
        call.echo,
        redactor,
        (response) => keep(call, response),
      );
    },
    streamContentType: "text/event-stream; charset=utf-8",
    encodeError: (error, redactor) => ({
      status: error.status,
      body: errorEnvelope(error, redactor),
    }),
  };
}
