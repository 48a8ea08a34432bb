/**
 * The dispatcher: resolves an endpoint or route name against the current config snapshot,
 * picks destinations, runs the provider call with retries and fallback, and hands back a
 * canonical response or a stream of canonical chunks.
 */
import type { LoadedConfig, LoadedEndpoint, LoadedRoute } from "../config/load.ts";
import type { EndpointType } from "../config/schema.ts";
import { providerFor } from "../providers/registry.ts";
import type { Logger } from "../observe/logs.ts";
import { closest } from "../config/suggest.ts";
import {
  GatewayError,
  InvalidRequestError,
  NotFoundError,
  UnsupportedFeatureError,
} from "./errors.ts";
import {
  type CallContext,
  type Operation,
  OPERATION_OF,
  operationOf,
  type OperationTypes,
  type Provider,
  type StreamEvent,
  type StreamFormat,
  type StreamParser,
  type TranslationWarning,
  type UpstreamRequest,
} from "./provider.ts";
import { bodyChunks, type CallOptions, callUpstream, ClientClosedError, readJson } from "./http.ts";
import { parseNdjson, parseSse } from "./sse.ts";
import { parseAwsEventStream } from "./eventstream.ts";
import { destinationOrder } from "./routing.ts";
import { isRetryable, retryDelayMs, sleep } from "./retry.ts";

/** An endpoint with its provider implementation. */
export interface EndpointRuntime {
  spec: LoadedEndpoint;
  provider: Provider;
}

/** One immutable view of the config; a reload swaps the whole snapshot. */
export class Snapshot {
  readonly endpoints = new Map<string, EndpointRuntime>();
  readonly routes = new Map<string, LoadedRoute>();
  readonly loadedAt = new Date();

  constructor(readonly config: LoadedConfig, readonly version: number) {
    for (const spec of config.endpoints) {
      this.endpoints.set(spec.name, { spec, provider: providerFor(spec.provider) });
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

export interface InvokeOptions {
  /** Aborts when the client goes away. */
  signal: AbortSignal;
  requestId: string;
}

export interface Served<T> {
  value: T;
  /** The endpoint that answered (a route's chosen destination). */
  endpoint: string;
  warnings: TranslationWarning[];
}

/** A stream whose first chunk has already arrived (so errors before it kept their status). */
export interface OpenStream<Chunk> {
  chunks: AsyncIterator<Chunk>;
  /** Stops the upstream call at once (client gone). */
  abort(): void;
}

export interface GatewayDeps {
  logger: Logger;
  fetch?: typeof fetch;
  random?: () => number;
  /** The environment lent to providers' authorize hooks (AWS credentials). */
  env?: Readonly<Record<string, string | undefined>>;
}

const OPERATION_PATHS: Record<Operation, string> = {
  chat: "POST /v1/chat/completions",
  completions: "POST /v1/completions",
  embeddings: "POST /v1/embeddings",
};

type StreamingOperation = "chat" | "completions";

/** Decoders of each upstream stream framing into events. */
const STREAM_DECODERS: Record<
  StreamFormat,
  (bytes: AsyncIterable<Uint8Array>) => AsyncIterable<StreamEvent>
> = {
  sse: parseSse,
  ndjson: parseNdjson,
  "aws-eventstream": parseAwsEventStream,
};

async function* relay<Chunk>(
  events: AsyncIterable<StreamEvent>,
  parser: StreamParser<Chunk>,
): AsyncGenerator<Chunk> {
  for await (const event of events) yield* parser.push(event);
  yield* parser.end();
}

export class Gateway {
  #snapshot: Snapshot;
  #logger: Logger;
  #fetch: typeof fetch | undefined;
  #random: () => number;
  #env: Readonly<Record<string, string | undefined>>;
  #cache = new Map<string, unknown>();

  constructor(config: LoadedConfig, deps: GatewayDeps) {
    this.#logger = deps.logger;
    this.#env = deps.env ?? {};
    this.#fetch = deps.fetch;
    this.#random = deps.random ?? Math.random;
    this.#snapshot = new Snapshot(config, 1);
    this.#logger.setSecrets(config.secrets);
  }

  get snapshot(): Snapshot {
    return this.#snapshot;
  }

  get logger(): Logger {
    return this.#logger;
  }

  /** Swaps in a new config; requests in flight finish on the snapshot they started with. */
  reload(config: LoadedConfig): Snapshot {
    this.#logger.setSecrets([...config.secrets, ...this.#snapshot.config.secrets]);
    this.#snapshot = new Snapshot(config, this.#snapshot.version + 1);
    this.#cache = new Map();
    this.#logger.setSecrets(config.secrets);
    return this.#snapshot;
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
        `'${name}' is a ${type} endpoint, not ${op}; call ${
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
    return this.#serve(
      op,
      name,
      false,
      opts,
      (ep, warnings) => this.#invokeOnce(ep, op, request, opts, warnings),
    );
  }

  /** A stream, returned once its first chunk has arrived. */
  stream<O extends StreamingOperation>(
    op: O,
    name: string,
    request: OperationTypes[O]["request"],
    opts: InvokeOptions,
  ): Promise<Served<OpenStream<OperationTypes[O]["chunk"]>>> {
    return this.#serve(
      op,
      name,
      true,
      opts,
      (ep, warnings) => this.#openStream(ep, op, request, opts, warnings),
    );
  }

  /** Runs the provider's authorize hook (signing, token fetches), if it has one. */
  #authorize(
    ep: EndpointRuntime,
    request: UpstreamRequest,
    ctx: CallContext<unknown>,
    signal: AbortSignal,
  ): Promise<UpstreamRequest> | UpstreamRequest {
    if (!ep.provider.authorize) return request;
    return ep.provider.authorize(request, ctx, {
      fetch: this.#fetch ?? fetch,
      env: this.#env,
      now: Date.now,
      cache: this.#cache,
      signal,
    });
  }

  #context(ep: EndpointRuntime, stream: boolean): CallContext<unknown> {
    return { endpoint: ep.spec.name, model: ep.spec.model, config: ep.spec.config, stream };
  }

  #callOptions(ep: EndpointRuntime, signal: AbortSignal): CallOptions {
    const options: CallOptions = {
      signal,
      timeoutMs: ep.spec.timeoutSeconds * 1000,
      idleTimeoutMs: ep.spec.idleTimeoutSeconds * 1000,
      provider: ep.provider,
      endpoint: ep.spec.name,
    };
    if (this.#fetch) options.fetch = this.#fetch;
    return options;
  }

  async #invokeOnce<O extends Operation>(
    ep: EndpointRuntime,
    op: O,
    request: OperationTypes[O]["request"],
    opts: InvokeOptions,
    warnings: TranslationWarning[],
  ): Promise<OperationTypes[O]["response"]> {
    const impl = operationOf(ep.provider, op);
    if (!impl) throw notImplemented(ep, op, false);
    const ctx = this.#context(ep, false);
    if (impl.kind === "local") {
      try {
        return await impl.invoke(request, ctx, opts.signal);
      } catch (error) {
        if (opts.signal.aborted) throw new ClientClosedError();
        throw error;
      }
    }
    const upstream = await this.#authorize(ep, impl.buildRequest(request, ctx), ctx, opts.signal);
    warnings.push(...upstream.warnings);
    const callOptions = this.#callOptions(ep, opts.signal);
    const response = await callUpstream(upstream, callOptions);
    const json = await readJson(response, callOptions);
    return impl.parseResponse(json, ctx);
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
    const ctx = this.#context(ep, true);
    let source: AsyncIterable<Chunk>;
    try {
      if (impl.kind === "local") {
        if (!impl.stream) throw notImplemented(ep, op, true);
        source = impl.stream(request, ctx, controller.signal);
      } else {
        if (!impl.streamParser) throw notImplemented(ep, op, true);
        const upstream = await this.#authorize(
          ep,
          impl.buildRequest(request, ctx),
          ctx,
          controller.signal,
        );
        warnings.push(...upstream.warnings);
        const callOptions = this.#callOptions(ep, controller.signal);
        const response = await callUpstream(upstream, callOptions);
        const events = STREAM_DECODERS[impl.streamFormat ?? "sse"](
          bodyChunks(response, callOptions),
        );
        source = relay(events, impl.streamParser(ctx));
      }
      const iterator = source[Symbol.asyncIterator]();
      const first = await iterator.next();
      return {
        chunks: resume(first, iterator, controller, opts.signal, onClientGone),
        abort: () => controller.abort(),
      };
    } catch (error) {
      opts.signal.removeEventListener("abort", onClientGone);
      controller.abort();
      if (opts.signal.aborted) throw new ClientClosedError();
      throw error;
    }
  }

  async #serve<T>(
    op: Operation,
    name: string,
    stream: boolean,
    opts: InvokeOptions,
    attempt: (ep: EndpointRuntime, warnings: TranslationWarning[]) => Promise<T>,
  ): Promise<Served<T>> {
    const snapshot = this.#snapshot;
    this.check(name, op);
    const route = snapshot.routes.get(name);
    const order = route ? destinationOrder(route, this.#random) : [name];
    const maxRetryAfter = snapshot.config.server.max_retry_after_seconds;
    let lastError: unknown = new GatewayError(
      503,
      "service_unavailable",
      `no destination of '${name}' is available`,
    );
    for (const [position, endpointName] of order.entries()) {
      const ep = snapshot.endpoints.get(endpointName);
      if (!ep) continue;
      const isLast = position === order.length - 1;
      const impl = ep.provider[op];
      const streams = impl &&
        (impl.kind === "local" ? impl.stream !== undefined : impl.streamParser !== undefined);
      if (!impl || (stream && !streams)) {
        lastError = notImplemented(ep, op, stream && impl !== undefined);
        if (isLast) throw lastError;
        continue;
      }
      for (let tryNumber = 0;; tryNumber++) {
        const warnings: TranslationWarning[] = [];
        try {
          const value = await attempt(ep, warnings);
          if (warnings.length > 0) {
            this.#logger.warn("parameters not honoured", {
              request_id: opts.requestId,
              endpoint: ep.spec.name,
              warnings,
            });
          }
          return { value, endpoint: ep.spec.name, warnings };
        } catch (error) {
          if (error instanceof ClientClosedError || opts.signal.aborted) {
            throw new ClientClosedError();
          }
          if (!isRetryable(error)) throw error;
          lastError = error;
          const delay = retryDelayMs(error, tryNumber, maxRetryAfter, this.#random);
          if (tryNumber >= ep.spec.retries || delay === undefined) break;
          this.#logger.warn("retrying upstream call", {
            request_id: opts.requestId,
            endpoint: ep.spec.name,
            attempt: tryNumber + 2,
            delay_ms: delay,
            error: (error as Error).message,
          });
          try {
            await sleep(delay, opts.signal);
          } catch {
            throw new ClientClosedError();
          }
        }
      }
      if (!isLast) {
        this.#logger.warn("falling back to the next destination", {
          request_id: opts.requestId,
          route: name,
          failed: ep.spec.name,
          next: order[position + 1],
          error: (lastError as Error).message,
        });
      }
    }
    throw lastError;
  }
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

/** Yields the already-received first chunk, then the rest; aborts upstream when stopped early. */
async function* resume<Chunk>(
  first: IteratorResult<Chunk>,
  rest: AsyncIterator<Chunk>,
  controller: AbortController,
  clientSignal: AbortSignal,
  onClientGone: () => void,
): AsyncGenerator<Chunk> {
  let finished = false;
  try {
    if (first.done) {
      finished = true;
      return;
    }
    yield first.value;
    for (;;) {
      const next = await rest.next();
      if (next.done) {
        finished = true;
        return;
      }
      yield next.value;
    }
  } finally {
    clientSignal.removeEventListener("abort", onClientGone);
    if (!finished) {
      controller.abort();
      await rest.return?.().catch(() => {});
    }
  }
}
