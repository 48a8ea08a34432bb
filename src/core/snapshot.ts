/**
 * One immutable view of the config: each endpoint with its provider, the contexts its calls
 * share, its answer readers and its limit subject, made once per config. A reload swaps the
 * whole snapshot; requests in flight keep the one they started with.
 */
import type { LoadedConfig, LoadedEndpoint, LoadedRoute } from "../config/load.ts";
import type { EndpointType } from "../config/schema.ts";
import { providerFor } from "../providers/registry.ts";
import { closest } from "../config/suggest.ts";
import { NotFoundError } from "./errors.ts";
import {
  type CallContext,
  type Operation,
  operationOf,
  OPERATIONS,
  type Provider,
} from "./provider.ts";
import type { UpstreamLimits } from "./http.ts";
import type { LimitSubject } from "./limits.ts";
import { type Price, priceOf } from "./prices.ts";

/** Upstream bodies that may be sent to the client as they are (see `sendsUpstreamBody`). */
const UPSTREAM_BODIES = new WeakMap<object, Uint8Array<ArrayBuffer>>();

/** The upstream's own bytes for an answer, when they can be sent unchanged. */
export function upstreamBodyOf(value: unknown): Uint8Array<ArrayBuffer> | undefined {
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
  /** What may be read from its upstream (the snapshot's `server.max_upstream_*`). */
  limits: UpstreamLimits;
  /** Its model's price (its own `model.cost` or the price table); undefined when unknown. */
  price: Price | undefined;
}

/** Reads an upstream answer (its bytes, and how to parse them) into the canonical response. */
export type AnswerReader = (bytes: Uint8Array<ArrayBuffer>, parse: () => unknown) => unknown;

/**
 * The reader of one operation's answers: the provider's parser, and the upstream's own bytes
 * kept for relaying when the provider says they need no change.
 */
function answerReader(provider: Provider, op: Operation, ctx: CallContext<unknown>) {
  const impl = operationOf(provider, op);
  if (impl?.kind !== "http") return undefined;
  return (bytes: Uint8Array<ArrayBuffer>, parse: () => unknown): unknown => {
    const read = impl.readBytes?.(bytes, ctx);
    if (read !== undefined) {
      UPSTREAM_BODIES.set(read as object, bytes);
      return read;
    }
    const json = parse();
    const value = impl.parseResponse(json, ctx);
    // Not bytes that open with a byte order mark (0xef starts no JSON text): the parse dropped it,
    // and a client's parser may not.
    if (impl.sendsUpstreamBody?.(json) && bytes[0] !== 0xef) {
      UPSTREAM_BODIES.set(value as object, bytes);
    }
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
        limits: this.limits,
        price: priceOf(spec.provider, spec.model, spec.cost),
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
