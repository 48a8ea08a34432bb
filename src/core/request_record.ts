/**
 * The record of one request, from its arrival until its response body ends: who asked, through
 * which API, which endpoint or route, each upstream attempt and its outcome, the final status,
 * durations and token usage. The pipeline opens it, the core fills in the attempts and usage,
 * and once the response is over it goes to the sinks (access log, metrics, usage store).
 * One plain object per request, filled in place: it is also what the request carries through
 * the app (its id, its client's connection).
 */

import type { ClientKey } from "./client_key.ts";
import type { Operation } from "./provider.ts";
import { costOf, type Price } from "./prices.ts";

/** How a request ended. */
export type Outcome =
  /** The whole answer was sent (a stream: up to its end). */
  | "ok"
  /** An error answer was sent (any 4xx/5xx before the answer began). */
  | "error"
  /** A stream that had begun ended with an error event (upstream cut, shutdown, a cap). */
  | "broken"
  /** The client went away before the answer was complete. */
  | "client_closed";

/** One upstream attempt on one destination. */
export interface Attempt {
  endpoint: string;
  provider: string;
  model: string | null;
  /** `ok`, or the error type that ended it (`timeout_error`, `rate_limit_error`, ...). */
  outcome: string;
  /** The status the attempt gave (200 when it answered; the mapped error status otherwise). */
  status: number;
  /** Milliseconds from its start to its answer's headers (or its failure). */
  ms: number;
  /** What followed it: another try of the same endpoint, or the route's next destination. */
  then?: "retry" | "fallback";
}

/** Token counts, as far as the provider reported them. */
export interface RecordUsage {
  prompt: number;
  completion: number;
  total: number;
  cached: number;
  reasoning: number;
}

/** The connection a request came on; its address is read only when needed. */
export interface ClientConnection {
  readonly remoteAddress: string;
}

export class RequestRecord {
  /** When it arrived, in `performance.now()` milliseconds. */
  readonly started: number;
  /** Aborts when the client goes away (set by the pipeline from the request). */
  signal: AbortSignal | undefined;
  /** The client API it came through (`openai.chat`, `mlflow.invocations`, `ops`...). */
  ingress: string | undefined;
  /** What was asked of the endpoint (chat, completions, embeddings). */
  operation: Operation | undefined;
  /** The caller's W3C trace context, read only when traces are exported. */
  traceparent: string | null | undefined;
  /** Who the client is: its key's name, or `anonymous` without authentication. */
  client = "anonymous";
  /** The client key that authenticated it (unset without authentication). */
  key: ClientKey | undefined;
  /** The endpoint or route the client named. */
  target: string | undefined;
  /**
   * A LEAST_COST or LEAST_LATENCY route's choice and why: its expected USD or average ms, and
   * whether it explored a destination other than the best.
   */
  routing:
    | { strategy: string; chosen: string; figure?: number; explored?: boolean }
    | undefined;
  /** The endpoint that served it (a route's chosen destination), with its provider and model. */
  endpoint: string | undefined;
  provider: string | undefined;
  model: string | null | undefined;
  /** Whether the answer is a stream. */
  stream = false;
  /** Every upstream attempt, in order (undefined until the first). */
  attempts: Attempt[] | undefined;
  retries = 0;
  fallbacks = 0;
  /** The HTTP status sent (0 until the answer's headers), and how it ended. */
  status = 0;
  outcome: Outcome | undefined;
  /** The error type of a failed or broken request. */
  errorType: string | undefined;
  /** Milliseconds spent waiting on upstreams (to each attempt's headers), summed. */
  upstreamMs = 0;
  /** Milliseconds from arrival to a stream's first chunk. */
  firstChunkMs: number | undefined;
  /** Milliseconds from arrival until the response body ended. */
  totalMs: number | undefined;
  usage: RecordUsage | undefined;
  /** Its request and response bodies, kept only for an audit log that asks for them. */
  bodies: { request?: unknown; response?: unknown } | undefined;
  /** The client's `Cache-Control` request header (no-cache, no-store). */
  cacheControl: string | null | undefined;
  /** What the answer cache did: `hit`, `miss` or `bypass` (unset: no cache configured). */
  cache: "hit" | "miss" | "bypass" | undefined;
  /** A semantic hit's cosine similarity. */
  cacheSimilarity: number | undefined;
  /** The price of the endpoint that served it, when known. */
  price: Price | undefined;
  /** Set when the answer was built with `x-request-id` already among its headers. */
  idInHeaders = false;
  /** The answer is a stream still being sent: whoever sends it completes the record. */
  streaming = false;
  /** The sinks it goes to once complete (undefined: nowhere, e.g. a unit test). */
  #sinks: readonly RecordSink[] | undefined;

  /** The request's path and query, as it came; `path` cuts the query off when asked. */
  readonly #target: string;

  constructor(
    readonly id: string,
    readonly connection: ClientConnection,
    readonly method: string,
    target: string,
    sinks?: readonly RecordSink[],
  ) {
    this.#target = target;
    this.started = performance.now();
    this.#sinks = sinks;
  }

  /** The request's path, without its query (cut only when a sink or a message reads it). */
  get path(): string {
    const query = this.#target.indexOf("?");
    return query < 0 ? this.#target : this.#target.slice(0, query);
  }

  /** When it arrived, in wall-clock milliseconds (derived: one clock read per request). */
  get startedAt(): number {
    return Date.now() - (performance.now() - this.started);
  }

  /**
   * Notes one upstream attempt. The endpoint of the latest attempt is the request's: the one that
   * served it, or the one whose failure is the answer.
   */
  attempt(attempt: Attempt): void {
    (this.attempts ??= []).push(attempt);
    this.upstreamMs += attempt.ms;
    this.endpoint = attempt.endpoint;
    this.provider = attempt.provider;
    this.model = attempt.model;
  }

  /** Marks the last attempt as followed by `then` (counting retries and fallbacks). */
  followedBy(then: "retry" | "fallback"): void {
    const last = this.attempts?.[this.attempts.length - 1];
    if (last) last.then = then;
    if (then === "retry") this.retries++;
    else this.fallbacks++;
  }

  /** What it cost in USD; null when the price or the usage is unknown. */
  get cost(): number | null {
    const usage = this.usage;
    const price = this.price;
    return usage === undefined || price === undefined ? null : costOf(usage, price);
  }

  /** The gateway's own time: the total less the time spent waiting on upstreams. */
  get overheadMs(): number | undefined {
    return this.totalMs === undefined ? undefined : Math.max(0, this.totalMs - this.upstreamMs);
  }

  /**
   * Ends the record: its outcome (from the status unless given) and total time; then it goes to
   * the sinks. Only the first call counts.
   */
  complete(outcome?: Outcome, errorType?: string): void {
    if (this.totalMs !== undefined) return;
    this.totalMs = performance.now() - this.started;
    this.outcome = outcome ??
      (this.status === 499
        ? "client_closed"
        : this.status >= 400 || this.status === 0
        ? "error"
        : "ok");
    // A client that left gets nothing more: recorded as 499, whatever was sent before.
    if (this.outcome === "client_closed") this.status = 499;
    if (errorType !== undefined) this.errorType = errorType;
    const sinks = this.#sinks;
    if (sinks === undefined) return;
    for (const sink of sinks) sink.write(this);
  }
}

/** Where completed records go (the access log, metrics, a usage store). */
export interface RecordSink {
  write(record: RequestRecord): void;
}

/**
 * Usage counts as an OpenAI-shaped usage block reports them; undefined when it reports none (a
 * provider that counts no tokens), so unknown counts are never taken for zeros.
 */
export function recordUsage(usage: unknown): RecordUsage | undefined {
  if (typeof usage !== "object" || usage === null) return undefined;
  const u = usage as {
    prompt_tokens?: number | null;
    completion_tokens?: number | null;
    total_tokens?: number | null;
    prompt_tokens_details?: { cached_tokens?: number | null } | null;
    completion_tokens_details?: { reasoning_tokens?: number | null } | null;
  };
  if (
    (u.prompt_tokens ?? null) === null && (u.completion_tokens ?? null) === null &&
    (u.total_tokens ?? null) === null
  ) {
    return undefined;
  }
  const prompt = u.prompt_tokens ?? 0;
  const completion = u.completion_tokens ?? 0;
  return {
    prompt,
    completion,
    total: u.total_tokens ?? prompt + completion,
    cached: u.prompt_tokens_details?.cached_tokens ?? 0,
    reasoning: u.completion_tokens_details?.reasoning_tokens ?? 0,
  };
}
