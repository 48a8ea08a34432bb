/**
 * An ingress API is a codec: it decodes its client's request into the gateway's internal call,
 * and encodes answers, stream parts and errors in its own shape and framing. One generic handler
 * (src/api/invoke.ts) serves every codec; adding a client API takes a codec folder under
 * src/ingress/ and one route line, nothing in core.
 */
import type { GatewayError } from "../core/errors.ts";
import type { Operation } from "../core/provider.ts";
import type { Snapshot } from "../core/snapshot.ts";
import type { StreamWriter } from "../core/sse.ts";
import type { StreamPart } from "../core/stream_parts.ts";
import type { Redactor } from "../observe/redact.ts";
import type { RequestRecord } from "../core/request_record.ts";

/** What a client asked for, in the gateway's terms. */
export interface IngressCall {
  op: Operation;
  /** The endpoint or route named by the client. */
  name: string;
  /** The internal (OpenAI-shaped, validated) request. */
  request: unknown;
  stream: boolean;
  /** Fields of the client's request the internal request could not carry (logged). */
  warnings?: string[];
  /**
   * Several internal requests answered as one (OpenAI's completions with a list of prompts):
   * each is served on its own, and the codec's `mergeAnswers` makes the one answer.
   */
  requests?: unknown[];
}

/** An error as the client's API shapes it. */
export interface EncodedError {
  status: number;
  body: unknown;
}

export interface IngressCodec<Call extends IngressCall = IngressCall> {
  /** The client API's name, as request records name it (`openai.chat`, `mlflow.invocations`). */
  name: string;
  /**
   * The call a parsed JSON body asks for; `pathName` is the endpoint the path named, if the
   * route has one. Refuses a bad request with a 4xx GatewayError.
   */
  decode(
    body: Record<string, unknown>,
    pathName: string | undefined,
    snapshot: Snapshot,
    /** The request's record: who the client is (stored answers are per client key). */
    record?: RequestRecord,
    /** The request's headers (Anthropic's `anthropic-beta`, relayed to Anthropic upstreams). */
    headers?: Headers,
  ): Call | Promise<Call>;
  /** The answers of a call's several `requests` as one internal response. */
  mergeAnswers?(call: Call, values: unknown[]): unknown;
  /**
   * A complete answer (the internal response) as the response body: its text, or the upstream's
   * own bytes when they need no change.
   */
  encodeAnswer(call: Call, value: unknown): string | Uint8Array<ArrayBuffer>;
  /** How a stream of parts is written for this call (framing, chunks, end, error event). */
  streamWriter(call: Call, redactor: Redactor): StreamWriter<StreamPart>;
  /** The content type of a stream. */
  streamContentType: string;
  /** An error answer: its status and body (secrets removed). */
  encodeError(error: GatewayError, redactor: Redactor): EncodedError;
}
