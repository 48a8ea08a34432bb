/**
 * One upstream attempt on one endpoint: build the provider's request, run its authorize hook
 * (signing, token fetches), call the upstream through core/http.ts, and read a complete answer or
 * open a stream up to its first chunk. The dispatcher (gateway.ts) decides which endpoint, how
 * often and in which order.
 */
import type { Logger } from "../observe/logs.ts";
import { GatewayError, UnsupportedFeatureError } from "./errors.ts";
import {
  type CallContext,
  type HttpOperation,
  type LocalOperation,
  type Operation,
  operationOf,
  type OperationTypes,
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
} from "./http.ts";
import { oneByOne, relay, resume, STREAM_DECODERS } from "./streaming.ts";
import type { AnswerReader, EndpointRuntime } from "./snapshot.ts";
import type { RequestRecord } from "./request_record.ts";
import type { StreamPart } from "./stream_parts.ts";
import { batchesOf, inBatches, mergeEmbeddings } from "./fan_out.ts";
import type { EmbeddingsRequest, EmbeddingsResponse } from "../schemas/embeddings.ts";

/**
 * What a call needs of its request: its record (id, client connection; the call notes its
 * attempts, retries, fallbacks and usage there) with the client's abort signal.
 */
export type InvokeOptions = RequestRecord & { signal: AbortSignal };

/**
 * A stream whose first parts have already arrived (so errors before them kept their status).
 * Parts come in batches: the parts one upstream read produced, written to the client at once.
 */
export interface OpenStream {
  parts: AsyncIterator<StreamPart[]>;
  /** Stops the upstream call at once (client gone). */
  abort(): void;
}

export type StreamingOperation = "chat" | "completions";

export interface AttemptDeps {
  logger: Logger;
  fetch: typeof fetch | undefined;
  /** The environment lent to providers' authorize hooks (AWS credentials). */
  env: Readonly<Record<string, string | undefined>>;
}

/** Makes upstream attempts; holds what they share (the streams in flight, the token cache). */
export class UpstreamAttempts {
  #logger: Logger;
  #fetch: typeof fetch | undefined;
  #env: Readonly<Record<string, string | undefined>>;
  /** Streams in flight, so shutdown can end them with an error event. */
  #streams = new Set<AbortController>();
  /** Providers' cache (role credentials, tokens); emptied on each reload. */
  cache = new Map<string, unknown>();

  constructor(deps: AttemptDeps) {
    this.#logger = deps.logger;
    this.#fetch = deps.fetch;
    this.#env = deps.env;
  }

  get streamsInFlight(): number {
    return this.#streams.size;
  }

  /** Ends every stream in flight with an error event carrying `reason` (graceful shutdown). */
  abortStreams(reason: GatewayError): number {
    const count = this.#streams.size;
    for (const controller of this.#streams) controller.abort(reason);
    return count;
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
      cache: this.cache,
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
      limits: ep.limits,
      redactor: this.#logger.redactor,
    };
    if (this.#fetch) options.fetch = this.#fetch;
    return options;
  }

  /**
   * One attempt at a complete answer. Not async itself: with no authorize hook to wait for, the
   * promise is the upstream call's (one async layer fewer per request).
   */
  invokeOnce<O extends Operation>(
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
    if (impl.maxInputs !== undefined) {
      const max = impl.maxInputs(ctx);
      const batches = max === undefined
        ? undefined
        : batchesOf(request as EmbeddingsRequest, Math.max(1, max));
      if (batches !== undefined) return this.#fanOut(ep, op, batches, opts, warnings);
    }
    return this.#callOnce(ep, op, request, opts, warnings);
  }

  /** One upstream call for `request` (signed first when the provider asks for it). */
  #callOnce<O extends Operation>(
    ep: EndpointRuntime,
    op: O,
    request: OperationTypes[O]["request"],
    opts: InvokeOptions,
    warnings: TranslationWarning[],
  ): Promise<unknown> {
    const impl = operationOf(ep.provider, op) as HttpOperation<never, unknown, unknown>;
    const ctx = ep.calls.answer;
    const upstream = this.#authorize(
      ep,
      impl.buildRequest(request as never, ctx),
      ctx,
      opts.signal,
    );
    if (upstream instanceof Promise) return this.#callAuthorized(ep, op, upstream, opts, warnings);
    return this.#callUpstream(ep, op, upstream, opts, warnings);
  }

  /** Embeddings in batches the provider takes, their answers merged in input order. */
  async #fanOut(
    ep: EndpointRuntime,
    op: Operation,
    batches: EmbeddingsRequest[],
    opts: InvokeOptions,
    warnings: TranslationWarning[],
  ): Promise<unknown> {
    const answers = await inBatches(batches, (batch) => {
      const own: TranslationWarning[] = [];
      return this.#callOnce(ep, op as "embeddings", batch, opts, own).then((answer) => {
        for (const warning of own) {
          if (!warnings.some((w) => w.param === warning.param)) warnings.push(warning);
        }
        return answer as EmbeddingsResponse;
      });
    });
    return mergeEmbeddings(answers);
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

  async openStream<O extends StreamingOperation>(
    ep: EndpointRuntime,
    op: O,
    request: OperationTypes[O]["request"],
    opts: InvokeOptions,
    warnings: TranslationWarning[],
  ): Promise<OpenStream> {
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
    let source: AsyncIterable<StreamPart[]>;
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
        const body = await callUpstream(upstream, callOptions);
        source = relay(
          bodyChunks(body, callOptions),
          STREAM_DECODERS[impl.streamFormat ?? "sse"](callOptions.limits.eventBytes),
          impl.streamParser(ctx),
          () => controller.abort(),
        );
      }
      const iterator = source[Symbol.asyncIterator]();
      const first = await iterator.next();
      return { parts: resume(first, iterator, controller, done), abort: () => controller.abort() };
    } catch (error) {
      done();
      controller.abort();
      if (controller.signal.reason instanceof GatewayError) throw controller.signal.reason;
      if (opts.signal.aborted) throw new ClientClosedError();
      throw error;
    }
  }
}

/** A local provider's answer; its failure once the client has gone is the client leaving. */
async function invokeLocal(
  impl: LocalOperation<never, unknown, unknown>,
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

/** A 501: the endpoint's provider cannot serve this operation (or not as a stream). */
export function notImplemented(
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
