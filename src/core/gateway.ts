/**
 * The dispatcher: resolves an endpoint or route name against the current config snapshot,
 * picks destinations, applies circuit breakers and rate limits, makes upstream attempts
 * (attempt.ts) with retries and fallback, notes each in the request's record, and hands back a
 * canonical response or a stream of canonical chunks. It also owns the gateway's lifecycle: the
 * snapshot swapped on reload, the limiter's store, shutdown.
 */
import type { LoadedConfig, LoadedEndpoint } from "../config/load.ts";
import type { EndpointType } from "../config/schema.ts";
import type { Logger } from "../observe/logs.ts";
import { GatewayError, InvalidRequestError, ProviderError } from "./errors.ts";
import {
  type Operation,
  OPERATION_OF,
  type OperationTypes,
  type TranslationWarning,
} from "./provider.ts";
import { ClientClosedError } from "./http.ts";
import { chooseDestinations, type RoutingFigures } from "./routing.ts";
import { RouteStats } from "./route_stats.ts";
import {
  AnswerCache,
  assembled,
  cacheKey,
  type CacheSettings,
  type CacheStore,
  RedisAnswerCache,
  replay,
} from "./cache.ts";
import { RedisClient } from "./redis.ts";
import { SemanticIndex, semanticQuery } from "./semantic_cache.ts";
import type { ChatRequest } from "../schemas/chat.ts";
import { isRetryable, retryDelayMs, sleep } from "./retry.ts";
import { CircuitBreakers } from "./circuit.ts";
import { Metrics } from "../observe/metrics.ts";
import { type Attempt, type RecordSink, recordUsage, RequestRecord } from "./request_record.ts";
import { accessLogSink, metricsSink } from "../observe/sinks.ts";
import {
  type CounterStore,
  type LimitStatus,
  type LimitSubject,
  type LimitUsage,
  MemoryStore,
  RateLimiter,
  redactUrl,
  RedisStore,
} from "./limits.ts";
import { type EndpointRuntime, Snapshot } from "./snapshot.ts";
import {
  type InvokeOptions,
  notImplemented,
  type OpenStream,
  type StreamingOperation,
  UpstreamAttempts,
} from "./attempt.ts";
import { accountAnswer, accountStream } from "./accounting.ts";
import { Budgets } from "./budgets.ts";
import type { ClientKey } from "./client_key.ts";
import {
  SqliteUsageStore,
  StoreError,
  type UsageSink,
  type UsageStore,
} from "../store/usage_store.ts";
import { PostgresUsageStore } from "../store/postgres_store.ts";
import { MemoryUsageStore } from "../store/memory_store.ts";
import { UsageRecorder } from "../store/recorder.ts";
import { AuditLog } from "../observe/audit.ts";
import { OtelExporter } from "../observe/otel.ts";
import { Activity } from "../observe/activity.ts";
import { RecentRequests } from "../observe/recent.ts";

export { type EndpointRuntime, Snapshot, upstreamBodyOf } from "./snapshot.ts";
export type { InvokeOptions, OpenStream } from "./attempt.ts";

export interface Served<T> {
  value: T;
  /** The endpoint that answered (a route's chosen destination). */
  endpoint: string;
  warnings: TranslationWarning[];
  /** The endpoint's rate-limit state after this call, for x-ratelimit-* headers. */
  limit: LimitStatus | undefined;
}

export interface GatewayDeps {
  logger: Logger;
  fetch?: typeof fetch;
  random?: () => number;
  /** The environment lent to providers' authorize hooks (AWS credentials). */
  env?: Readonly<Record<string, string | undefined>>;
  /** More sinks for completed request records, after the metrics and the access log. */
  sinks?: readonly RecordSink[];
  /** How often buffered usage records are written (ms). */
  flushMs?: number;
  /** The usage store, opened by `openStore` (else a memory or SQLite store is opened here). */
  store?: SqliteUsageStore | MemoryUsageStore | PostgresUsageStore;
}

/** A store that opens at once: memory or a SQLite file (throws StoreError when it cannot). */
function openLocalStore(store: string): SqliteUsageStore | MemoryUsageStore {
  if (store === "memory") return new MemoryUsageStore();
  if (store.startsWith("sqlite:")) return new SqliteUsageStore(store.slice("sqlite:".length));
  throw new StoreError(`the store '${redactUrl(store)}' is opened with openStore()`);
}

/**
 * Opens the store `server.store` names (a StoreError says why it cannot). A server (`logger`
 * given) writes a SQLite store's records on a writer thread, or on the event loop, with a
 * warning, when the thread cannot start.
 */
export async function openStore(
  store: string,
  server?: { logger: Logger },
): Promise<SqliteUsageStore | MemoryUsageStore | PostgresUsageStore> {
  if (/^postgres(ql)?:\/\//.test(store)) return await PostgresUsageStore.open(store);
  const local = openLocalStore(store);
  if (server === undefined || !(local instanceof SqliteUsageStore)) return local;
  try {
    await local.startWriter();
    server.logger.info("usage store opened", { path: local.location, writes: "writer thread" });
  } catch (error) {
    server.logger.warn(
      "the usage store's writer thread did not start: records are written on the event loop",
      {
        path: local.location,
        error: (error as Error).message,
      },
    );
  }
  return local;
}

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
  #random: () => number;
  #attempts: UpstreamAttempts;
  #fetch: typeof fetch | undefined;
  #breakers: CircuitBreakers;
  #limiter: RateLimiter;
  readonly metrics = new Metrics();
  /** What LEAST_COST and LEAST_LATENCY routes learn from the records. */
  readonly routeStats = new RouteStats();
  /** The dashboard's figures: series, endpoints' attempts and errors, routes' destinations. */
  readonly activity = new Activity();
  /** The latest requests, for the dashboard's requests page. */
  readonly recent = new RecentRequests();
  /** The answer caches, by the endpoint or route name they serve (kept over reloads). */
  #caches = new Map<string, CacheStore>();
  /** The semantic caches' indexes, by the name they serve. */
  #semantic = new Map<string, { settings: string; index: SemanticIndex }>();
  /** The answer caches' Redis connection, when `server.redis_url` is set and a cache is asked. */
  #cacheRedis: { url: string; client: RedisClient } | undefined;
  /** Where completed request records go: the metrics, the access log and the usage store. */
  readonly sinks: readonly RecordSink[];
  /** Request records and run-time client keys (opened at start; a reload keeps it). */
  readonly store: UsageStore;
  /** Where records go on their way to the store (the memory store takes them itself). */
  readonly recorder: UsageSink;
  readonly budgets: Budgets;
  /** The audit log, when `server.audit` asks for one. */
  #audit: AuditLog | undefined;
  /** The trace exporter, when `server.otel` asks for one. */
  #otel: OtelExporter | undefined;

  constructor(config: LoadedConfig, deps: GatewayDeps) {
    this.#logger = deps.logger;
    this.#random = deps.random ?? Math.random;
    this.#attempts = new UpstreamAttempts({
      logger: deps.logger,
      fetch: deps.fetch,
      env: deps.env ?? {},
    });
    this.#snapshot = new Snapshot(config, 1);
    this.#learnDecays(config);
    this.#caches = this.#cachesFor(config, new Map());
    this.#breakers = new CircuitBreakers(circuitSettings(config));
    this.#limiter = new RateLimiter(storeFor(config, deps.logger), deps.logger);
    this.#logger.setSecrets(config.secrets);
    const store = deps.store ?? openLocalStore(config.server.store);
    this.store = store;
    this.recorder = store instanceof MemoryUsageStore
      ? store
      : new UsageRecorder(store, deps.logger, { flushMs: deps.flushMs ?? 250 });
    // A store in this process is always current; a file shared by workers is read again every
    // second; a database shared by instances is read at each budgeted request.
    this.budgets = new Budgets(
      store,
      this.recorder,
      store.kind === "memory" ? 0 : 1000,
      Date.now,
      store.kind === "postgres",
    );
    this.#audit = this.#auditFor(config);
    this.#otel = this.#otelFor(config, deps.fetch);
    this.#fetch = deps.fetch;
    this.sinks = [
      metricsSink(this.metrics),
      accessLogSink(this.#logger),
      this.recorder,
      this.routeStats,
      this.activity,
      this.recent,
      { write: (record) => this.#audit?.write(record) },
      { write: (record) => this.#otel?.write(record) },
      ...(deps.sinks ?? []),
    ];
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
    this.#learnDecays(config);
    this.#caches = this.#cachesFor(config, this.#caches);
    this.#attempts.cache = new Map();
    this.#breakers.configure(circuitSettings(config));
    if (config.server.redis_url !== previous.server.redis_url) {
      const old = this.#limiter.store;
      this.#limiter = new RateLimiter(storeFor(config, this.#logger), this.#logger);
      old.close();
    }
    this.#logger.setSecrets(config.secrets);
    if (JSON.stringify(config.server.otel) !== JSON.stringify(previous.server.otel)) {
      void this.#otel?.close();
      this.#otel = this.#otelFor(config, this.#fetch);
    }
    if (JSON.stringify(config.server.audit) !== JSON.stringify(previous.server.audit)) {
      void this.#audit?.close();
      this.#audit = this.#auditFor(config);
    }
    if (config.server.store !== previous.server.store) {
      this.#logger.warn("server.store changed: the new store is used after a restart", {
        store: previous.server.store,
      });
    }
    return this.#snapshot;
  }

  /**
   * The caches a config asks for: in Redis with `server.redis_url` (shared by instances), in
   * memory otherwise; those whose settings and place did not change keep their answers.
   */
  #cachesFor(config: LoadedConfig, previous: ReadonlyMap<string, CacheStore>) {
    const url = config.server.redis_url;
    const wanted = config.endpoints.some((e) => e.cache) || config.routes.some((r) => r.cache);
    if (this.#cacheRedis !== undefined && (this.#cacheRedis.url !== url || !wanted)) {
      this.#cacheRedis.client.close();
      this.#cacheRedis = undefined;
    }
    if (url !== undefined && wanted && this.#cacheRedis === undefined) {
      this.#cacheRedis = { url, client: new RedisClient(url) };
    }
    const redis = this.#cacheRedis?.client;
    const warn = (message: string, error: unknown) =>
      this.#logger.warn(message, { error: (error as Error).message });
    const caches = new Map<string, CacheStore>();
    const add = (name: string, settings: CacheSettings | null) => {
      if (settings === null) return;
      const kept = previous.get(name);
      const same = kept !== undefined &&
        JSON.stringify(kept.settings) === JSON.stringify(settings) &&
        (kept instanceof RedisAnswerCache) === (redis !== undefined);
      caches.set(
        name,
        same
          ? kept
          : redis !== undefined
          ? new RedisAnswerCache(settings, redis, warn)
          : new AnswerCache(settings),
      );
    };
    for (const endpoint of config.endpoints) add(endpoint.name, endpoint.cache);
    for (const route of config.routes) add(route.name, route.cache);
    return caches;
  }

  /** The semantic index of `name` (a new one when its cache settings changed). */
  #semanticIndex(name: string, settings: CacheSettings): SemanticIndex {
    const key = JSON.stringify(settings);
    const kept = this.#semantic.get(name);
    if (kept !== undefined && kept.settings === key) return kept.index;
    const index = new SemanticIndex(settings.max_entries, settings.ttl_seconds);
    this.#semantic.set(name, { settings: key, index });
    return index;
  }

  /**
   * The embedding of `text` by one of this gateway's embeddings endpoints, as an internal call
   * (its own record, seen by no sink: it is part of the request that asked). A failure is no
   * semantic lookup, never a failed request.
   */
  async #embed(endpoint: string, text: string, opts: InvokeOptions): Promise<number[] | undefined> {
    const internal = new RequestRecord(
      `${opts.id}.embed`,
      opts.connection,
      "POST",
      "/internal/embed",
    );
    internal.signal = opts.signal;
    try {
      const served = await this.invoke(
        "embeddings",
        endpoint,
        { input: text } as never,
        internal as InvokeOptions,
      );
      const vector = (served.value as { data?: { embedding?: unknown }[] }).data?.[0]?.embedding;
      return Array.isArray(vector) ? vector as number[] : undefined;
    } catch (error) {
      this.#logger.warn("semantic cache: the embedding failed; answering without it", {
        request_id: opts.id,
        embeddings_endpoint: endpoint,
        error: (error as Error).message,
      });
      return undefined;
    }
  }

  /** A cached answer as the call's answer: nothing upstream, usage as it was, no cost. */
  #fromCache(
    snapshot: Snapshot,
    endpoint: string,
    op: Operation,
    value: unknown,
    stream: boolean,
    opts: InvokeOptions,
  ): Served<unknown> {
    const spec = snapshot.endpoints.get(endpoint)?.spec;
    opts.endpoint = endpoint;
    opts.provider = spec?.providerLabel;
    opts.model = spec?.model ?? null;
    opts.usage = recordUsage((value as { usage?: unknown }).usage);
    opts.price = FREE;
    if (stream) opts.firstChunkMs = performance.now() - opts.started;
    const answer = stream ? { parts: replay(op, value), abort: () => {} } : value;
    return { value: answer, endpoint, warnings: [], limit: undefined };
  }

  /** Each endpoint's moving averages use the decay of the LEAST_LATENCY route it serves. */
  #learnDecays(config: LoadedConfig): void {
    const decays = new Map<string, number>();
    for (const route of config.routes) {
      if (route.strategy !== "LEAST_LATENCY") continue;
      for (const d of route.destinations) decays.set(d.name, route.latency.decay);
    }
    this.routeStats.decayOf = (endpoint) => decays.get(endpoint) ?? 0.2;
  }

  /** What cost and latency routing know of a request and the route's destinations. */
  #figures(snapshot: Snapshot, request: unknown, stream: boolean): RoutingFigures {
    const body = request as { max_tokens?: number; max_completion_tokens?: number };
    const stats = this.routeStats;
    return {
      priceOf: (endpoint) => snapshot.endpoints.get(endpoint)?.price,
      latencyOf: (endpoint) => stats.latencyOf(endpoint, stream),
      completionOf: (endpoint) => stats.completionOf(endpoint) ?? TYPICAL_COMPLETION_TOKENS,
      // About four characters a token: an estimate, the same for every destination.
      promptTokens: Math.ceil(JSON.stringify(request).length / 4),
      maxTokens: body.max_tokens ?? body.max_completion_tokens,
    };
  }

  #otelFor(config: LoadedConfig, fetcher: typeof fetch | undefined): OtelExporter | undefined {
    const settings = config.server.otel;
    return settings && new OtelExporter(settings, this.#logger, fetcher);
  }

  /** Whether requests are traced (the pipeline then reads their `traceparent`). */
  get tracing(): boolean {
    return this.#otel !== undefined;
  }

  #auditFor(config: LoadedConfig): AuditLog | undefined {
    const settings = config.server.audit;
    const store = this.store;
    const auditStore = store instanceof SqliteUsageStore || store instanceof PostgresUsageStore
      ? store
      : undefined;
    return settings &&
      new AuditLog(settings, () => this.#logger.redactor, this.#logger, auditStore);
  }

  /** A request's bodies as the audit log would write them (secrets and its patterns out). */
  redactBodies(bodies: unknown): unknown {
    return this.#audit?.redact(bodies) ?? this.#logger.redactor.redactDeep(bodies);
  }

  /** Whether requests keep their bodies for the audit log. */
  get auditsBodies(): boolean {
    return this.#audit?.settings.bodies === true;
  }

  /** The rate-limit store's state (memory, or Redis and whether it is connected). */
  rateLimitStore(): ReturnType<CounterStore["describe"]> {
    return this.#limiter.store.describe();
  }

  /**
   * How much of an endpoint's limit its current window used, when one counter serves every
   * client (a per-address limit has no single figure).
   */
  limitUsage(endpoint: string): Promise<LimitUsage | undefined> {
    const subject = this.#snapshot.endpoints.get(endpoint)?.sharedLimit;
    return subject === undefined ? Promise.resolve(undefined) : this.#limiter.used(subject);
  }

  /** Streams being relayed now. */
  get streamsInFlight(): number {
    return this.#attempts.streamsInFlight;
  }

  /** An endpoint's circuit. */
  circuit(endpoint: string): ReturnType<CircuitBreakers["state"]> {
    return this.#breakers.state(endpoint);
  }

  /** Ends every stream in flight with an error event carrying `reason` (graceful shutdown). */
  abortStreams(reason: GatewayError): number {
    return this.#attempts.abortStreams(reason);
  }

  /** Writes the usage records still buffered and releases connections (Redis, the store). */
  async close(): Promise<void> {
    await this.#audit?.close();
    await this.#otel?.close();
    await this.recorder.close();
    await this.store.close();
    this.#limiter.store.close();
    this.#cacheRedis?.client.close();
  }

  /**
   * The type of `name` when it serves `op`: an unknown name is a 404, a name of another type a
   * 400 (the API layer says which route to call instead).
   */
  check(name: string, op: Operation): EndpointType {
    const snapshot = this.#snapshot;
    const type = snapshot.typeOf(name);
    if (type === undefined) throw snapshot.notFound(name);
    if (OPERATION_OF[type] !== op) throw new WrongOperationError(name, type, op);
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
  ): Promise<Served<OpenStream>> {
    return this.#serve(op, name, true, request, opts) as Promise<Served<OpenStream>>;
  }

  /** The key's own checks: the endpoints it may call, its budget, its rate limit. */
  async #admitKey(key: ClientKey, name: string): Promise<void> {
    const refusal = keyRefusal(key, name);
    if (refusal !== undefined) throw refusal;
    if (key.budget !== null) {
      const checking = this.budgets.check("client", key.name, key.budget);
      if (checking !== undefined) await checking;
    }
    if (key.limit !== undefined) {
      const taken = this.#limiter.take(key.limit);
      if (taken instanceof Promise) await taken;
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
    const key = opts.key;
    if (key !== undefined) await this.#admitKey(key, name);
    // The answer cache, after the key's checks (a hit counts against its limit) and before any
    // destination's (a hit spends no provider's limit or budget).
    const cache = this.#caches.get(name);
    let storeAs: string | undefined;
    if (cache !== undefined) {
      const entry = cacheKey(name, op, request, cache.settings.all);
      const control = opts.cacheControl ?? "";
      if (entry === undefined || /no-cache/i.test(control)) opts.cache = "bypass";
      else {
        const found = cache.get(entry);
        const hit = found instanceof Promise ? await found : found;
        if (hit !== undefined && hit.op === op) {
          opts.cache = "hit";
          return this.#fromCache(snapshot, hit.endpoint, op, hit.value, stream, opts);
        }
        opts.cache = "miss";
      }
      if (entry !== undefined && !/no-store/i.test(control)) storeAs = entry;
    }
    // The semantic cache: a chat whose last question means nearly the same as one answered.
    let semanticWrite: { index: SemanticIndex; scope: string; vector: number[] } | undefined;
    const semantic = cache?.settings.semantic;
    if (semantic !== undefined && cache !== undefined && op === "chat" && opts.cache === "miss") {
      const query = semanticQuery(name, request as ChatRequest);
      const vector = query && await this.#embed(semantic.embeddings_endpoint, query.text, opts);
      if (query && vector) {
        const index = this.#semanticIndex(name, cache.settings);
        const found = index.find(query.scope, vector, semantic.threshold);
        if (found !== undefined) {
          opts.cache = "hit";
          opts.cacheSimilarity = found.similarity;
          return this.#fromCache(snapshot, found.endpoint, op, found.value, stream, opts);
        }
        if (storeAs !== undefined) semanticWrite = { index, scope: query.scope, vector };
      }
    }
    const route = snapshot.routes.get(name);
    let order = [name];
    if (route !== undefined) {
      const learnt = route.strategy === "LEAST_COST" || route.strategy === "LEAST_LATENCY";
      const choice = chooseDestinations(
        route,
        this.#random,
        learnt ? this.#figures(snapshot, request, stream) : undefined,
      );
      order = choice.order;
      const first = order[0];
      if (learnt && first !== undefined) {
        this.routeStats.picked(name, first);
        opts.routing = { strategy: route.strategy, chosen: first, ...choiceFigure(choice) };
      }
    }
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
      const budget = ep.spec.budget;
      if (budget !== null) {
        try {
          const checking = this.budgets.check("endpoint", ep.spec.name, budget);
          if (checking !== undefined) await checking;
        } catch (error) {
          if (admission.probe) this.#breakers.release(ep.spec.name);
          lastError = error;
          opts.attempt(attemptOf(ep, error, 0));
          this.#giveUp(error, "budget spent", order, position, ep, name, opts);
          continue;
        }
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
            ? await this.#attempts.openStream(
              ep,
              op as StreamingOperation,
              request as never,
              opts,
              warnings,
            )
            : await this.#attempts.invokeOnce(ep, op, request as never, opts, warnings);
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
          opts.price = ep.price;
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
        if (stream) opts.firstChunkMs = performance.now() - opts.started;
        if (storeAs !== undefined && cache !== undefined) {
          const answered = ep.spec.name;
          const written = semanticWrite;
          const keep = (answer: unknown) => {
            cache.set(storeAs as string, op, answer, answered);
            written?.index.add(written.scope, written.vector, answer, answered);
          };
          if (stream) {
            const open = served.value as OpenStream;
            open.parts = assembled(open.parts, op, keep);
          } else keep(served.value);
        }
        if (stream) {
          accountStream(served.value as OpenStream, subject, opts, this.#limiter);
        } else {
          const spending = accountAnswer(served.value, subject, opts, this.#limiter);
          if (spending) await spending;
        }
        return served;
      }
      this.#giveUp(lastError, "destination failed", order, position, ep, name, opts);
    }
    throw lastError ??
      new GatewayError(503, "service_unavailable", `no destination of '${name}' is available`);
  }
}

/** The price of an answer from the cache. */
const FREE = Object.freeze({ input: 0, output: 0, cachedInput: 0 });

/** Completion tokens expected of an endpoint before it answered any (for LEAST_COST). */
const TYPICAL_COMPLETION_TOKENS = 256;

/** A choice's figure and exploration, as the record keeps them. */
function choiceFigure(choice: { figure?: number | undefined; explored?: boolean }) {
  return {
    ...(choice.figure !== undefined ? { figure: choice.figure } : {}),
    ...(choice.explored ? { explored: true } : {}),
  };
}

/** The 403 for a key that may not call `name`; undefined when it may. */
function keyRefusal(key: ClientKey, name: string): GatewayError | undefined {
  if (key.endpoints === null || key.endpoints.has(name)) return undefined;
  return new GatewayError(
    403,
    "permission_error",
    `The client key '${key.name}' may not use '${name}'`,
    { code: "endpoint_not_allowed", param: "model" },
  );
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

/** A name of another endpoint type than the call's operation (400). */
export class WrongOperationError extends InvalidRequestError {
  constructor(
    readonly target: string,
    readonly endpointType: EndpointType,
    readonly op: Operation,
  ) {
    super(`'${target}' is an ${endpointType} endpoint, not ${op}`, {
      param: "model",
      code: "wrong_endpoint_type",
    });
  }
}
