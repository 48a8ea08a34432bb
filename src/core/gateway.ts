/**
 * The dispatcher: resolves an endpoint or route name against the current config snapshot,
 * picks destinations, applies circuit breakers and rate limits, runs the provider call with
 * retries and fallback, and hands back a canonical response or a stream of canonical chunks.
 */
import process from "node:process";
import type { LoadedConfig, LoadedEndpoint, LoadedRoute } from "../config/load.ts";
import type { EndpointType } from "../config/schema.ts";
import { providerFor } from "../providers/registry.ts";
import type { Logger } from "../observe/logs.ts";
import { closest } from "../config/suggest.ts";
import {
  GatewayError,
  InvalidRequestError,
  NotFoundError,
  ProviderError,
  UnsupportedFeatureError,
} from "./errors.ts";
import {
  type CallContext,
  type LocalOperation,
  type Operation,
  OPERATION_OF,
  operationOf,
  OPERATIONS,
  type OperationTypes,
  type Provider,
  type TranslationWarning,
  type UpstreamRequest,
} from "./provider.ts";
import {
  abortError,
  bodyChunks,
  type CallOptions,
  callUpstream,
  callUpstreamJson,
  ClientClosedError,
  type UpstreamLimits,
} from "./http.ts";
import {
  observeUsage,
  oneByOne,
  relay,
  resume,
  STREAM_DECODERS,
  totalTokens,
  usageOf,
} from "./streaming.ts";
import { destinationOrder } from "./routing.ts";
import { isRetryable, retryDelayMs, sleep } from "./retry.ts";
import { CircuitBreakers } from "./circuit.ts";
import { Metrics } from "../observe/metrics.ts";
import {
  type Attempt,
  type RecordSink,
  recordUsage,
  type RequestRecord,
} from "./request_record.ts";
import { accessLogSink, metricsSink } from "../observe/sinks.ts";
import {
  type CounterStore,
  type LimitStatus,
  type LimitSubject,
  MemoryStore,
  RateLimiter,
  RedisStore,
} from "./limits.ts";

/** Upstream bodies that may be sent to the client as they are (see `sendsUpstreamBody`). */
const UPSTREAM_BODIES = new WeakMap<object, string>();

/** The upstream's own bytes for an answer, when they can be sent unchanged. */
export function upstreamBodyOf(value: unknown): string | undefined {
  return typeof value === "object" && value !== null ? UPSTREAM_BODIES.get(value) : undefined;
}

/** An endpoint with its provider implementation. */
export interface EndpointRuntime {
  spec: LoadedEndpoint;
  provider: Provider;
  /** What its provider is told about a call, for a complete answer and for a stream. */
  calls: { answer: CallContext<unknown>; stream: CallContext<unknown> };
  /** What its limit counts, when one counter serves every client (no per-request subject). */
  sharedLimit: LimitSubject | undefined;
  /** How each upstream operation's answer is read (made once per config, not per request). */
  readers: Partial<Record<Operation, AnswerReader>>;
}

/** Reads an upstream answer (parsed JSON and its text) into the canonical response. */
type AnswerReader = (json: unknown, text: string) => unknown;

/**
 * The reader of one operation's answers: the provider's parser, and the upstream's own bytes
 * kept for relaying when the provider says they need no change.
 */
function answerReader(provider: Provider, op: Operation, ctx: CallContext<unknown>) {
  const impl = operationOf(provider, op);
  if (impl?.kind !== "http") return undefined;
  return (json: unknown, text: string): unknown => {
    const value = impl.parseResponse(json, ctx);
    if (impl.sendsUpstreamBody?.(json)) UPSTREAM_BODIES.set(value as object, text);
    return value;
  };
}

function answerReaders(provider: Provider, ctx: CallContext<unknown>) {
  const readers: Partial<Record<Operation, AnswerReader>> = {};
  for (const op of OPERATIONS) {
    const reader = answerReader(provider, op, ctx);
    if (reader) readers[op] = reader;
  }
  return readers;
}

function callContext(spec: LoadedEndpoint, stream: boolean): CallContext<unknown> {
  // Shared by every call of the endpoint (made once per config, not per request): frozen.
  return Object.freeze({ endpoint: spec.name, model: spec.model, config: spec.config, stream });
}

/** One immutable view of the config; a reload swaps the whole snapshot. */
export class Snapshot {
  readonly endpoints = new Map<string, EndpointRuntime>();
  readonly routes = new Map<string, LoadedRoute>();
  readonly loadedAt = new Date();
  /** What may be read from an upstream (server.max_upstream_*). */
  readonly limits: UpstreamLimits;

  constructor(readonly config: LoadedConfig, readonly version: number) {
    this.limits = Object.freeze({
      answerBytes: config.server.max_upstream_answer_bytes,
      errorBytes: config.server.max_upstream_error_bytes,
      eventBytes: config.server.max_upstream_event_bytes,
    });
    for (const spec of config.endpoints) {
      const provider = providerFor(spec.provider);
      const answer = callContext(spec, false);
      this.endpoints.set(spec.name, {
        spec,
        provider,
        calls: { answer, stream: callContext(spec, true) },
        sharedLimit: spec.limit && spec.limit.key !== "client_ip"
          ? Object.freeze({ endpoint: spec.name, limit: spec.limit, client: "" })
          : undefined,
        readers: answerReaders(provider, answer),
      });
    }
    for (const route of config.routes) this.routes.set(route.name, route);
  }

  /** The type of an endpoint or route, if the name exists. */
  typeOf(name: string): EndpointType | undefined {
    return this.endpoints.get(name)?.spec.type ?? this.routes.get(name)?.type;
  }

  /** A 404 for an unknown name, suggesting a close one. */
  notFound(name: string): NotFoundError {
    const guess = closest(name, [...this.endpoints.keys(), ...this.routes.keys()]);
    const hint = guess === undefined ? "" : ` Did you mean '${guess}'?`;
    return new NotFoundError(
      `The endpoint '${name}' is not present or active on the server.${hint}`,
      {
        code: "endpoint_not_found",
        param: "model",
      },
    );
  }
}

/**
 * What a call needs of its request: its record (id, client connection; the call notes its
 * attempts, retries, fallbacks and usage there) with the client's abort signal.
 */
export type InvokeOptions = RequestRecord & { signal: AbortSignal };

export interface Served<T> {
  value: T;
  /** The endpoint that answered (a route's chosen destination). */
  endpoint: string;
  warnings: TranslationWarning[];
  /** The endpoint's rate-limit state after this call, for x-ratelimit-* headers. */
  limit: LimitStatus | undefined;
}

/**
 * A stream whose first chunks have already arrived (so errors before them kept their status).
 * Chunks come in batches: the chunks one upstream read produced, written to the client at once.
 */
export interface OpenStream<Chunk> {
  chunks: AsyncIterator<Chunk[]>;
  /** Stops the upstream call at once (client gone). */
  abort(): void;
}

export interface GatewayDeps {
  logger: Logger;
  fetch?: typeof fetch;
  random?: () => number;
  /** The environment lent to providers' authorize hooks (AWS credentials). */
  env?: Readonly<Record<string, string | undefined>>;
  /** More sinks for completed request records, after the metrics and the access log. */
  sinks?: readonly RecordSink[];
}

const OPERATION_PATHS: Record<Operation, string> = {
  chat: "POST /v1/chat/completions",
  completions: "POST /v1/completions",
  embeddings: "POST /v1/embeddings",
};

type StreamingOperation = "chat" | "completions";

/** Whether an error says the upstream is unhealthy (counts towards its circuit). */
function isUpstreamFailure(error: unknown): boolean {
  return error instanceof GatewayError && error.retryable && error.status !== 429;
}

function storeFor(config: LoadedConfig, logger: Logger): CounterStore {
  return config.server.redis_url
    ? new RedisStore(config.server.redis_url, logger)
    : new MemoryStore();
}

export class Gateway {
  #snapshot: Snapshot;
  #logger: Logger;
  #fetch: typeof fetch | undefined;
  #random: () => number;
  #env: Readonly<Record<string, string | undefined>>;
  #cache = new Map<string, unknown>();
  #breakers: CircuitBreakers;
  #limiter: RateLimiter;
  /** Streams in flight, so shutdown can end them with an error event. */
  #streams = new Set<AbortController>();
  readonly metrics = new Metrics();
  /** Where completed request records go: the metrics and the access log. */
  readonly sinks: readonly RecordSink[];

  constructor(config: LoadedConfig, deps: GatewayDeps) {
    this.#logger = deps.logger;
    this.#fetch = deps.fetch;
    this.#random = deps.random ?? Math.random;
    this.#env = deps.env ?? {};
    this.#snapshot = new Snapshot(config, 1);
    this.#breakers = new CircuitBreakers(circuitSettings(config));
    this.#limiter = new RateLimiter(storeFor(config, deps.logger), deps.logger);
    this.#logger.setSecrets(config.secrets);
    this.sinks = [metricsSink(this.metrics), accessLogSink(this.#logger), ...(deps.sinks ?? [])];
  }

  get snapshot(): Snapshot {
    return this.#snapshot;
  }

  get logger(): Logger {
    return this.#logger;
  }

  /** Swaps in a new config; requests in flight finish on the snapshot they started with. */
  reload(config: LoadedConfig): Snapshot {
    const previous = this.#snapshot.config;
    this.#snapshot = new Snapshot(config, this.#snapshot.version + 1);
    this.#cache = new Map();
    this.#breakers.configure(circuitSettings(config));
    if (config.server.redis_url !== previous.server.redis_url) {
      const old = this.#limiter.store;
      this.#limiter = new RateLimiter(storeFor(config, this.#logger), this.#logger);
      old.close();
    }
    this.#logger.setSecrets(config.secrets);
    return this.#snapshot;
  }

  /** Live state for GET /health/details. */
  details(): Record<string, unknown> {
    const snapshot = this.#snapshot;
    return {
      status: "OK",
      pid: process.pid,
      config: {
        source: snapshot.config.source,
        version: snapshot.version,
        loaded_at: snapshot.loadedAt.toISOString(),
      },
      rate_limits: this.#limiter.store.describe(),
      streams_in_flight: this.#streams.size,
      endpoints: [...snapshot.endpoints.values()].map((ep) => ({
        name: ep.spec.name,
        endpoint_type: ep.spec.type,
        provider: ep.spec.providerLabel,
        circuit: this.#breakers.state(ep.spec.name),
      })),
    };
  }

  /** Ends every stream in flight with an error event carrying `reason` (graceful shutdown). */
  abortStreams(reason: GatewayError): number {
    const count = this.#streams.size;
    for (const controller of this.#streams) controller.abort(reason);
    return count;
  }

  /** Releases connections (Redis). */
  close(): void {
    this.#limiter.store.close();
  }

  /**
   * Checks that `name` exists and serves `op`; a wrong type is a 400 that names the right route.
   */
  check(name: string, op: Operation): EndpointType {
    const snapshot = this.#snapshot;
    const type = snapshot.typeOf(name);
    if (type === undefined) throw snapshot.notFound(name);
    const actual = OPERATION_OF[type];
    if (actual !== op) {
      throw new InvalidRequestError(
        `'${name}' is an ${type} endpoint, not ${op}; call ${
          OPERATION_PATHS[actual]
        } with it instead`,
        { param: "model", code: "wrong_endpoint_type" },
      );
    }
    return type;
  }

  /** A complete (non-streaming) answer. */
  invoke<O extends Operation>(
    op: O,
    name: string,
    request: OperationTypes[O]["request"],
    opts: InvokeOptions,
  ): Promise<Served<OperationTypes[O]["response"]>> {
    return this.#serve(op, name, false, request, opts) as Promise<
      Served<OperationTypes[O]["response"]>
    >;
  }

  /** A stream, returned once its first chunk has arrived. */
  stream<O extends StreamingOperation>(
    op: O,
    name: string,
    request: OperationTypes[O]["request"],
    opts: InvokeOptions,
  ): Promise<Served<OpenStream<OperationTypes[O]["chunk"]>>> {
    return this.#serve(op, name, true, request, opts) as Promise<
      Served<OpenStream<OperationTypes[O]["chunk"]>>
    >;
  }

  /**
   * Notes a served call's usage in its record and spends its tokens from its limit: at once for
   * an answer, as the usage arrives for a stream.
   */
  #account(
    served: Served<unknown>,
    stream: boolean,
    subject: LimitSubject | undefined,
    record: RequestRecord,
  ): Promise<void> | undefined {
    if (stream) {
      this.#accountStream(served as Served<OpenStream<{ usage?: unknown }>>, subject, record);
      return undefined;
    }
    const usage = usageOf(served.value);
    if (usage) record.usage = recordUsage(usage);
    return subject ? this.#limiter.spend(subject, totalTokens(served.value)) : undefined;
  }

  // Its own method: a function that creates a closure allocates its scope on every call, and
  // answers (the common case) need none.
  #accountStream(
    served: Served<OpenStream<{ usage?: unknown }>>,
    subject: LimitSubject | undefined,
    record: RequestRecord,
  ): void {
    const limiter = this.#limiter;
    served.value.chunks = observeUsage(served.value.chunks, async (usage) => {
      if (usage) record.usage = recordUsage(usage);
      if (subject) await limiter.spend(subject, usage?.total_tokens ?? 0);
    });
  }

  /** Runs the provider's authorize hook (signing, token fetches), if it has one. */
  #authorize(
    ep: EndpointRuntime,
    request: UpstreamRequest,
    ctx: CallContext<unknown>,
    signal: AbortSignal,
  ): Promise<UpstreamRequest> | UpstreamRequest {
    if (!ep.provider.authorize) return request;
    return this.#runAuthorize(ep, request, ctx, signal);
  }

  // Apart from #authorize, which most calls leave at once: the hook's closure would make the
  // runtime allocate a scope on every call.
  #runAuthorize(
    ep: EndpointRuntime,
    request: UpstreamRequest,
    ctx: CallContext<unknown>,
    signal: AbortSignal,
  ): Promise<UpstreamRequest> | UpstreamRequest {
    const send = this.#fetch ?? fetch;
    return ep.provider.authorize!(request, ctx, {
      // Token services are upstreams too: their redirects are never followed.
      fetch: (input, init) => send(input, { ...init, redirect: "manual" }),
      env: this.#env,
      now: Date.now,
      cache: this.#cache,
      signal,
      addSecret: (value) => this.#logger.addSecret(value),
    });
  }

  #callOptions(ep: EndpointRuntime, signal: AbortSignal): CallOptions {
    const options: CallOptions = {
      signal,
      timeoutMs: ep.spec.timeoutSeconds * 1000,
      idleTimeoutMs: ep.spec.idleTimeoutSeconds * 1000,
      provider: ep.provider,
      endpoint: ep.spec.name,
      limits: this.#snapshot.limits,
      redactor: this.#logger.redactor,
    };
    if (this.#fetch) options.fetch = this.#fetch;
    return options;
  }

  /**
   * One attempt at a complete answer. Not async itself: with no authorize hook to wait for, the
   * promise is the upstream call's (one async layer fewer per request).
   */
  #invokeOnce<O extends Operation>(
    ep: EndpointRuntime,
    op: O,
    request: OperationTypes[O]["request"],
    opts: InvokeOptions,
    warnings: TranslationWarning[],
  ): Promise<unknown> {
    const impl = operationOf(ep.provider, op);
    if (!impl) throw notImplemented(ep, op, false);
    const ctx = ep.calls.answer;
    if (impl.kind === "local") return invokeLocal(impl, request, ctx, opts);
    const upstream = this.#authorize(ep, impl.buildRequest(request, ctx), ctx, opts.signal);
    if (upstream instanceof Promise) return this.#callAuthorized(ep, op, upstream, opts, warnings);
    return this.#callUpstream(ep, op, upstream, opts, warnings);
  }

  async #callAuthorized(
    ep: EndpointRuntime,
    op: Operation,
    authorized: Promise<UpstreamRequest>,
    opts: InvokeOptions,
    warnings: TranslationWarning[],
  ): Promise<unknown> {
    return await this.#callUpstream(ep, op, await authorized, opts, warnings);
  }

  #callUpstream(
    ep: EndpointRuntime,
    op: Operation,
    upstream: UpstreamRequest,
    opts: InvokeOptions,
    warnings: TranslationWarning[],
  ): Promise<unknown> {
    if (upstream.warnings.length > 0) warnings.push(...upstream.warnings);
    return callUpstreamJson(
      upstream,
      this.#callOptions(ep, opts.signal),
      ep.readers[op] as AnswerReader,
    );
  }

  async #openStream<O extends StreamingOperation>(
    ep: EndpointRuntime,
    op: O,
    request: OperationTypes[O]["request"],
    opts: InvokeOptions,
    warnings: TranslationWarning[],
  ): Promise<OpenStream<OperationTypes[O]["chunk"]>> {
    type Chunk = OperationTypes[O]["chunk"];
    const impl = operationOf(ep.provider, op);
    if (!impl) throw notImplemented(ep, op, false);
    const controller = new AbortController();
    const onClientGone = () => controller.abort();
    opts.signal.addEventListener("abort", onClientGone, { once: true });
    this.#streams.add(controller);
    const done = () => {
      opts.signal.removeEventListener("abort", onClientGone);
      this.#streams.delete(controller);
    };
    const ctx = ep.calls.stream;
    let source: AsyncIterable<Chunk[]>;
    try {
      if (impl.kind === "local") {
        if (!impl.stream) throw notImplemented(ep, op, true);
        source = oneByOne(impl.stream(request, ctx, controller.signal));
      } else {
        if (!impl.streamParser) throw notImplemented(ep, op, true);
        const upstream = await this.#authorize(
          ep,
          impl.buildRequest(request, ctx),
          ctx,
          controller.signal,
        );
        if (upstream.warnings.length > 0) warnings.push(...upstream.warnings);
        const callOptions = this.#callOptions(ep, controller.signal);
        const response = await callUpstream(upstream, callOptions);
        source = relay(
          bodyChunks(response, callOptions),
          STREAM_DECODERS[impl.streamFormat ?? "sse"](callOptions.limits.eventBytes),
          impl.streamParser(ctx),
        );
      }
      const iterator = source[Symbol.asyncIterator]();
      const first = await iterator.next();
      return { chunks: resume(first, iterator, controller, done), abort: () => controller.abort() };
    } catch (error) {
      done();
      controller.abort();
      if (controller.signal.reason instanceof GatewayError) throw controller.signal.reason;
      if (opts.signal.aborted) throw new ClientClosedError();
      throw error;
    }
  }

  /**
   * Gives up on a destination (an error it cannot get past): the error is the answer when it was
   * the last destination, otherwise the route falls back to the next one.
   */
  #giveUp(
    error: unknown,
    why: string,
    order: readonly string[],
    position: number,
    ep: EndpointRuntime,
    route: string,
    record: RequestRecord,
  ): void {
    if (position === order.length - 1) throw error;
    record.followedBy("fallback");
    this.#logger.warn(`${why}; falling back to the next destination`, {
      ...logFields(record.id, route),
      failed: ep.spec.name,
      next: order[position + 1],
      error: (error as Error).message,
    });
  }

  /**
   * Serves one call: the destinations in order, each with its circuit, limit and retries, until
   * one answers (or opens its stream). One async function for the whole call: each async layer
   * costs the runtime a generator, a promise and scopes per request.
   */
  async #serve(
    op: Operation,
    name: string,
    stream: boolean,
    request: unknown,
    opts: InvokeOptions,
  ): Promise<Served<unknown>> {
    const snapshot = this.#snapshot;
    opts.target = name;
    opts.stream = stream;
    this.check(name, op);
    const route = snapshot.routes.get(name);
    const order = route ? destinationOrder(route, this.#random) : [name];
    const maxRetryAfter = snapshot.config.server.max_retry_after_seconds;
    const routeName = route ? name : undefined;
    // Created only when needed: building an Error (and its stack) on every request is not free.
    let lastError: unknown;
    for (let position = 0; position < order.length; position++) {
      const ep = snapshot.endpoints.get(order[position] as string);
      if (!ep) continue;
      const impl = ep.provider[op];
      const streams = impl &&
        (impl.kind === "local" ? impl.stream !== undefined : impl.streamParser !== undefined);
      if (!impl || (stream && !streams)) {
        lastError = notImplemented(ep, op, stream && impl !== undefined);
        opts.attempt(attemptOf(ep, lastError, 0));
        this.#giveUp(lastError, "destination cannot serve this", order, position, ep, name, opts);
        continue;
      }
      const admission = this.#breakers.admit(ep.spec.name);
      if (!admission.allowed) {
        lastError = circuitOpen(ep, admission.retryAfter);
        opts.attempt(attemptOf(ep, lastError, 0));
        this.#giveUp(lastError, "circuit open", order, position, ep, name, opts);
        continue;
      }
      const subject: LimitSubject | undefined = ep.sharedLimit ??
        (ep.spec.limit ? clientSubject(ep.spec.name, ep.spec.limit, opts.connection) : undefined);
      let limit: LimitStatus | undefined;
      try {
        const taken = subject ? this.#limiter.take(subject) : undefined;
        limit = taken instanceof Promise ? await taken : taken;
      } catch (error) {
        if (admission.probe) this.#breakers.release(ep.spec.name);
        lastError = error;
        opts.attempt(attemptOf(ep, error, 0));
        this.#giveUp(error, "rate limited", order, position, ep, name, opts);
        continue;
      }
      let retry = true;
      for (let tryNumber = 0; retry; tryNumber++) {
        const warnings: TranslationWarning[] = [];
        let served: Served<unknown>;
        const began = performance.now();
        try {
          const value = stream
            ? await this.#openStream(ep, op as StreamingOperation, request as never, opts, warnings)
            : await this.#invokeOnce(ep, op, request as never, opts, warnings);
          opts.attempt(attemptOf(ep, undefined, performance.now() - began));
          this.#breakers.success(ep.spec.name);
          if (warnings.length > 0) {
            this.#logger.warn("parameters not honoured", {
              ...logFields(opts.id, routeName),
              endpoint: ep.spec.name,
              warnings,
            });
          }
          served = { value, endpoint: ep.spec.name, warnings, limit };
        } catch (error) {
          opts.attempt(attemptOf(ep, error, performance.now() - began));
          if (error instanceof ClientClosedError || opts.signal.aborted) {
            this.#breakers.release(ep.spec.name);
            throw new ClientClosedError();
          }
          // Say which endpoint failed, as successful answers do.
          if (error instanceof GatewayError) error.headers["x-gateway-endpoint"] = ep.spec.name;
          if (isUpstreamFailure(error)) this.#breakers.failure(ep.spec.name);
          else if (error instanceof ProviderError) this.#breakers.success(ep.spec.name);
          else this.#breakers.release(ep.spec.name);
          if (!isRetryable(error)) throw error;
          lastError = error;
          const delay = retryDelayMs(error, tryNumber, maxRetryAfter, this.#random);
          retry = tryNumber < ep.spec.retries && delay !== undefined &&
            this.#breakers.state(ep.spec.name).state === "closed";
          if (!retry) break;
          opts.followedBy("retry");
          this.#logger.warn("retrying upstream call", {
            ...logFields(opts.id, routeName),
            endpoint: ep.spec.name,
            attempt: tryNumber + 2,
            delay_ms: delay,
            error: (error as Error).message,
          });
          try {
            await sleep(delay as number, opts.signal);
          } catch {
            throw new ClientClosedError();
          }
          continue;
        }
        // Outside the try: accounting is not the upstream's failure, and never a retry.
        opts.endpoint = ep.spec.name;
        opts.provider = ep.spec.providerLabel;
        opts.model = ep.spec.model;
        if (stream) opts.firstChunkMs = performance.now() - opts.started;
        const spending = this.#account(served, stream, subject, opts);
        if (spending) await spending;
        return served;
      }
      this.#giveUp(lastError, "destination failed", order, position, ep, name, opts);
    }
    throw lastError ??
      new GatewayError(503, "service_unavailable", `no destination of '${name}' is available`);
  }
}

/** What a limit keyed by client counts: the client's address is read only if the limit asks. */
function clientSubject(
  endpoint: string,
  limit: NonNullable<LoadedEndpoint["limit"]>,
  connection: InvokeOptions["connection"],
): LimitSubject {
  return {
    endpoint,
    limit,
    get client() {
      return connection?.remoteAddress ?? "unknown";
    },
  };
}

/** A local provider's answer; its failure once the client has gone is the client leaving. */
async function invokeLocal(
  impl: LocalOperation<never, unknown, unknown, unknown>,
  request: unknown,
  ctx: CallContext<unknown>,
  opts: InvokeOptions,
): Promise<unknown> {
  try {
    return await impl.invoke(request as never, ctx, opts.signal);
  } catch (error) {
    if (opts.signal.aborted) throw abortError(opts.signal);
    throw error;
  }
}

/** One attempt on `ep` for the request's record: its outcome (`ok` or the error's type). */
function attemptOf(ep: EndpointRuntime, error: unknown, ms: number): Attempt {
  return {
    endpoint: ep.spec.name,
    provider: ep.spec.providerLabel,
    model: ep.spec.model,
    outcome: error === undefined
      ? "ok"
      : error instanceof ClientClosedError
      ? "client_closed"
      : error instanceof GatewayError
      ? (error.code ?? error.type)
      : "server_error",
    status: error === undefined ? 200 : error instanceof GatewayError ? error.status : 500,
    ms,
  };
}

function logFields(requestId: string, route: string | undefined): Record<string, unknown> {
  return route === undefined ? { request_id: requestId } : { request_id: requestId, route };
}

function circuitSettings(config: LoadedConfig) {
  return {
    failures: config.server.circuit_breaker.failures,
    cooldownSeconds: config.server.circuit_breaker.cooldown_seconds,
  };
}

function circuitOpen(ep: EndpointRuntime, retryAfter: number): GatewayError {
  return new GatewayError(
    503,
    "service_unavailable",
    `endpoint '${ep.spec.name}' is temporarily unavailable: its upstream failed repeatedly (circuit open; retry in ${retryAfter}s)`,
    { code: "circuit_open", retryable: true, retryAfter },
  );
}

function notImplemented(
  ep: EndpointRuntime,
  op: Operation,
  streaming: boolean,
): UnsupportedFeatureError {
  const what = streaming ? `${op} streaming` : op;
  return new UnsupportedFeatureError(
    `The ${what} route is not implemented for ${ep.provider.displayName} models (endpoint '${ep.spec.name}').`,
    { code: "not_implemented" },
  );
}
