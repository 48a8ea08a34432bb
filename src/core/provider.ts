/**
 * The provider interface. A provider is translation only: canonical (OpenAI-shaped) requests to
 * its wire format and back. No fetch, no env, no files, no globals: core/http.ts does the I/O.
 */
import type { z } from "zod";
import type { ChatRequest, ChatResponse } from "../schemas/chat.ts";
import type { CompletionsRequest, CompletionsResponse } from "../schemas/completions.ts";
import type { EmbeddingsRequest, EmbeddingsResponse } from "../schemas/embeddings.ts";
import type { EndpointType, ProviderName } from "../config/schema.ts";
import type { StreamPart } from "./stream_parts.ts";

export type Operation = "chat" | "completions" | "embeddings";

/** Every operation, in the order endpoints list them. */
export const OPERATIONS: readonly Operation[] = ["chat", "completions", "embeddings"];

/** The operation that serves each endpoint type. */
export const OPERATION_OF: Readonly<Record<EndpointType, Operation>> = {
  "llm/v1/chat": "chat",
  "llm/v1/completions": "completions",
  "llm/v1/embeddings": "embeddings",
};

/**
 * The request and response types of each operation. Streams of every operation carry
 * `StreamPart`s (core/stream_parts.ts); the client's codec turns them into its chunks.
 */
export interface OperationTypes {
  chat: { request: ChatRequest; response: ChatResponse };
  completions: { request: CompletionsRequest; response: CompletionsResponse };
  embeddings: { request: EmbeddingsRequest; response: EmbeddingsResponse };
}

/** A parameter the provider could not honour as given: never dropped or clamped silently. */
export interface TranslationWarning {
  type: "unsupported" | "clamped";
  param: string;
  message: string;
}

/** What a provider needs to know about the call it translates. */
export interface CallContext<C> {
  /** The endpoint name (for messages). */
  endpoint: string;
  /** `model.name` from the config, sent upstream as the model id. */
  model: string | null;
  /** The provider's parsed `model.config`, secrets resolved. */
  config: C;
  /** Whether the client asked for a stream. */
  stream: boolean;
}

/** One HTTP request to the upstream, built by a provider. */
export interface UpstreamRequest {
  url: string;
  headers: Record<string, string>;
  body: string | Uint8Array;
  warnings: TranslationWarning[];
}

/** One event of an upstream stream: an SSE event, an NDJSON line or an AWS eventstream frame. */
export interface StreamEvent {
  event: string | undefined;
  data: string;
  /**
   * The read the event came in, when its bytes there (`from` to `to`) are exactly
   * `data: <data>\n\n` (one SSE `data:` line in ASCII, nothing else): a chunk relayed unchanged
   * is written as those bytes.
   */
  source?: Uint8Array | undefined;
  from?: number;
  to?: number;
}

/** Turns upstream stream events into stream parts; one instance per stream. */
export interface StreamParser<Part = StreamPart> {
  push(event: StreamEvent): Part[];
  /** Called once the upstream stream ended; may flush parts or throw if it ended too early. */
  end(): Part[];
  /**
   * Whether the stream's own end event has come (OpenAI's `[DONE]`, Anthropic's `message_stop`,
   * Cohere's `message-end`, Bedrock's metadata after `messageStop`): the answer is complete
   * whether or not the upstream's body ends then.
   */
  finished?(): boolean;
}

/** How an upstream stream is framed on the wire. */
export type StreamFormat = "sse" | "ndjson" | "aws-eventstream";

/** An operation served by calling an HTTP API. */
export interface HttpOperation<Req, Res, C> {
  kind: "http";
  buildRequest(request: Req, ctx: CallContext<C>): UpstreamRequest;
  parseResponse(json: unknown, ctx: CallContext<C>): Res;
  /** Present when the provider can stream this operation. */
  streamParser?(ctx: CallContext<C>): StreamParser<StreamPart>;
  streamFormat?: StreamFormat;
  /**
   * Embeddings only: the most inputs one call takes, when the API takes fewer than a client may
   * send (Amazon Titan: one). The core then sends them in batches and merges the answers.
   */
  maxInputs?(ctx: CallContext<C>): number | undefined;
  /**
   * Whether this upstream body is already what the client would get, so the gateway may send the
   * upstream bytes instead of re-serialising the parsed answer (large embeddings).
   */
  sendsUpstreamBody?(json: unknown): boolean;
  /**
   * The answer read from its bytes alone, when they are in a form recognised without decoding or
   * parsing them (OpenAI's float embeddings: see plain_embeddings.ts); they are then sent as they
   * are. Undefined: the body is parsed and read by `parseResponse` as usual.
   */
  readBytes?(bytes: Uint8Array, ctx: CallContext<C>): Res | undefined;
}

/** An operation answered in-process (the mock provider). */
export interface LocalOperation<Req, Res, C> {
  kind: "local";
  invoke(request: Req, ctx: CallContext<C>, signal: AbortSignal): Promise<Res>;
  stream?(request: Req, ctx: CallContext<C>, signal: AbortSignal): AsyncIterable<StreamPart>;
}

export type ProviderOperation<O extends Operation, C> =
  | HttpOperation<OperationTypes[O]["request"], OperationTypes[O]["response"], C>
  | LocalOperation<OperationTypes[O]["request"], OperationTypes[O]["response"], C>;

/** The provider's reading of an upstream error body. */
export interface ProviderErrorInfo {
  message: string;
  code?: string | null;
  param?: string | null;
  /** Seconds to wait, when the provider puts it in the body rather than a header. */
  retryAfter?: number;
  /**
   * The provider rejected the gateway's credentials under another status (Gemini answers
   * a bad key with 400): mapped like 401/403, to a 502 that names the credentials.
   */
  authFailure?: boolean;
}

/**
 * What the core lends a provider's `authorize` hook: the only I/O a provider may do, through
 * objects owned by the Gateway (so tests can replace them and nothing is global).
 */
export interface ProviderIO {
  fetch: typeof fetch;
  /** The process environment (e.g. AWS's standard credential variables). */
  env: Readonly<Record<string, string | undefined>>;
  /** Milliseconds since the epoch. */
  now(): number;
  /** Per-gateway cache for credentials and tokens (cleared on config reload). */
  cache: Map<string, unknown>;
  signal: AbortSignal;
  /** Registers credentials obtained at run time (env, STS) so logs and errors never show them. */
  addSecret(value: string): void;
}

/** A provider: its config schema and one translator per operation it serves. */
export interface Provider<C = unknown> {
  name: ProviderName;
  /** The name used in messages, e.g. "OpenAI". */
  displayName: string;
  /** Schema of its `model.config` block (unknown keys are reported as warnings by the loader). */
  configSchema: z.ZodType<C>;
  /** Keys of `model.config` that hold credentials: resolved from env or file, redacted in output. */
  secretKeys: readonly string[];
  /** Whether chat requests may carry tools. */
  supportsTools: boolean;
  chat?: ProviderOperation<"chat", C>;
  completions?: ProviderOperation<"completions", C>;
  embeddings?: ProviderOperation<"embeddings", C>;
  /** Reads the provider's error body; the core maps the status. */
  parseError?(status: number, body: string, headers: Headers): ProviderErrorInfo;
  /**
   * Adds credentials that need I/O or the clock (AWS SigV4 signing, STS role assumption),
   * after `buildRequest` and before the call.
   */
  authorize?(
    request: UpstreamRequest,
    ctx: CallContext<C>,
    io: ProviderIO,
  ): Promise<UpstreamRequest>;
  /**
   * Set for providers whose API was shut down: `validate` warns, `start` refuses, and the
   * message names the replacement.
   */
  retired?: { replacement: string };
}

/** What a provider is, apart from its operations: shared by its info and its implementation. */
export type ProviderIdentity<C = unknown> = Pick<
  Provider<C>,
  "name" | "displayName" | "configSchema" | "secretKeys" | "supportsTools" | "retired"
>;

/**
 * A provider as the registry knows it before its implementation is loaded: what checking a
 * config and describing the provider need, and how to load the rest. Implementations are loaded
 * only for the providers a served config uses, so that the live heap (which every collection
 * marks) holds no translator a config does not need.
 */
export interface ProviderInfo<C = unknown> extends ProviderIdentity<C> {
  /** The operations it serves, and whether it streams each. */
  serves: Partial<Record<Operation, { stream: boolean }>>;
  load(): Promise<Provider<C>>;
}

/** The identity fields of an info (for its implementation to spread) or of an implementation. */
export function identityOf<C>(info: ProviderIdentity<C>): ProviderIdentity<C> {
  const { name, displayName, configSchema, secretKeys, supportsTools, retired } = info;
  return {
    name,
    displayName,
    configSchema,
    secretKeys,
    supportsTools,
    ...(retired !== undefined ? { retired } : {}),
  };
}

/** What a loaded implementation serves, in the shape of `ProviderInfo.serves`. */
export function servesOf(provider: Provider): ProviderInfo["serves"] {
  const { operations, streaming } = capabilitiesOf(provider);
  return Object.fromEntries(operations.map((op) => [op, { stream: streaming.includes(op) }]));
}

/** The info of an implementation that is loaded with the registry (nothing to defer). */
export function infoOf<C>(provider: Provider<C>): ProviderInfo<C> {
  return {
    ...identityOf(provider),
    serves: servesOf(provider as Provider),
    load: () => Promise.resolve(provider),
  };
}

/** What an endpoint can do, derived from the provider's operations. */
export function capabilitiesOf(provider: Provider): {
  operations: Operation[];
  streaming: Operation[];
  tools: boolean;
} {
  const operations: Operation[] = [];
  const streaming: Operation[] = [];
  for (const op of OPERATIONS) {
    const impl = provider[op];
    if (!impl) continue;
    operations.push(op);
    if (impl.kind === "http" ? impl.streamParser !== undefined : impl.stream !== undefined) {
      streaming.push(op);
    }
  }
  return { operations, streaming, tools: provider.supportsTools };
}

/** The provider's implementation of one operation, typed for that operation. */
export function operationOf<O extends Operation>(
  provider: Provider,
  op: O,
): ProviderOperation<O, unknown> | undefined {
  return provider[op] as ProviderOperation<O, unknown> | undefined;
}
