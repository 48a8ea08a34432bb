/**
 * The latest completed requests of client APIs, in memory (a ring of fixed size), for the
 * dashboard's requests page: each one's record without its bodies, which are kept only when the
 * audit log keeps them, and then for the newest few.
 */
import type { Attempt, RecordSink, RecordUsage, RequestRecord } from "../core/request_record.ts";

/** One request as the requests API shows it. */
export interface RecentRequest {
  id: string;
  /** Arrival, ISO 8601. */
  at: string;
  method: string;
  path: string;
  ingress: string;
  /** The client key's name (`anonymous` without authentication). */
  key: string;
  /** The endpoint or route called. */
  target: string | null;
  /** The endpoint that served it (or whose failure is the answer). */
  endpoint: string | null;
  provider: string | null;
  model: string | null;
  stream: boolean;
  status: number;
  outcome: string;
  error_type: string | null;
  total_ms: number;
  upstream_ms: number;
  overhead_ms: number;
  first_chunk_ms: number | null;
  usage: RecordUsage | null;
  cost_usd: number | null;
  retries: number;
  fallbacks: number;
  attempts: Attempt[];
  routing: NonNullable<RequestRecord["routing"]> | null;
  cache: string | null;
}

/** Which requests to list. */
export interface RecentFilter {
  /** `ok`, `error` (any other outcome), a status class (`4xx`, `5xx`) or a status (`429`). */
  status?: string | undefined;
  /** The endpoint that served it or the endpoint or route called. */
  endpoint?: string | undefined;
  key?: string | undefined;
  limit?: number | undefined;
}

export const STATUS_FILTER = /^(ok|error|[1-5]xx|[1-5]\d\d)$/;

type Bodies = { request?: unknown; response?: unknown } | undefined;

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/**
 * One kept request: its record's figures copied into a slot reused in place, its summary built
 * only when asked for, so that little a request allocated outlives it (bench/README.md, "The
 * dashboard's sinks").
 */
class Slot {
  id = "";
  startedAt = 0;
  method = "";
  path = "";
  ingress = "";
  key = "";
  target: string | null = null;
  endpoint: string | null = null;
  provider: string | null = null;
  model: string | null = null;
  stream = false;
  status = 0;
  outcome = "";
  errorType: string | null = null;
  totalMs = 0;
  upstreamMs = 0;
  overheadMs = 0;
  firstChunkMs: number | null = null;
  hasUsage = false;
  prompt = 0;
  completion = 0;
  total = 0;
  cached = 0;
  reasoning = 0;
  cost: number | null = null;
  retries = 0;
  fallbacks = 0;
  /** The one attempt nearly every request makes, inline. */
  attemptEndpoint = "";
  attemptProvider = "";
  attemptModel: string | null = null;
  attemptOutcome = "";
  attemptStatus = 0;
  attemptMs = 0;
  /** Several attempts (retries, fallbacks: rare), copied. */
  attempts: Attempt[] | null = null;
  attemptCount = 0;
  routingStrategy: string | null = null;
  routingChosen = "";
  routingFigure: number | undefined = undefined;
  routingExplored: boolean | undefined = undefined;
  cache: string | null = null;
  bodies: Bodies = undefined;

  fill(record: RequestRecord): void {
    this.id = record.id;
    this.startedAt = record.startedAt;
    this.method = record.method;
    this.path = record.path;
    this.ingress = record.ingress ?? "";
    this.key = record.client;
    this.target = record.target ?? null;
    this.endpoint = record.endpoint ?? null;
    this.provider = record.provider ?? null;
    this.model = record.model ?? null;
    this.stream = record.stream;
    this.status = record.status;
    this.outcome = record.outcome ?? "error";
    this.errorType = record.errorType ?? null;
    this.totalMs = record.totalMs ?? 0;
    this.upstreamMs = record.upstreamMs;
    this.overheadMs = record.overheadMs ?? 0;
    this.firstChunkMs = record.firstChunkMs ?? null;
    const usage = record.usage;
    this.hasUsage = usage !== undefined;
    if (usage !== undefined) {
      this.prompt = usage.prompt;
      this.completion = usage.completion;
      this.total = usage.total;
      this.cached = usage.cached;
      this.reasoning = usage.reasoning;
    }
    this.cost = record.cost;
    this.retries = record.retries;
    this.fallbacks = record.fallbacks;
    const attempts = record.attempts;
    this.attemptCount = attempts?.length ?? 0;
    this.attempts = null;
    if (attempts !== undefined && attempts.length === 1) {
      const only = attempts[0] as Attempt;
      this.attemptEndpoint = only.endpoint;
      this.attemptProvider = only.provider;
      this.attemptModel = only.model;
      this.attemptOutcome = only.outcome;
      this.attemptStatus = only.status;
      this.attemptMs = only.ms;
    } else if (attempts !== undefined && attempts.length > 1) {
      this.attempts = attempts.map((a) => ({ ...a }));
    }
    const routing = record.routing;
    this.routingStrategy = routing?.strategy ?? null;
    if (routing !== undefined) {
      this.routingChosen = routing.chosen;
      this.routingFigure = routing.figure;
      this.routingExplored = routing.explored;
    }
    this.cache = record.cache ?? null;
    this.bodies = record.bodies;
  }

  summary(): RecentRequest {
    let attempts: Attempt[] = [];
    if (this.attempts !== null) attempts = this.attempts.map((a) => ({ ...a }));
    else if (this.attemptCount === 1) {
      attempts = [{
        endpoint: this.attemptEndpoint,
        provider: this.attemptProvider,
        model: this.attemptModel,
        outcome: this.attemptOutcome,
        status: this.attemptStatus,
        ms: this.attemptMs,
      }];
    }
    let routing: RecentRequest["routing"] = null;
    if (this.routingStrategy !== null) {
      routing = { strategy: this.routingStrategy, chosen: this.routingChosen };
      if (this.routingFigure !== undefined) routing.figure = this.routingFigure;
      if (this.routingExplored !== undefined) routing.explored = this.routingExplored;
    }
    return {
      id: this.id,
      at: new Date(this.startedAt).toISOString(),
      method: this.method,
      path: this.path,
      ingress: this.ingress,
      key: this.key,
      target: this.target,
      endpoint: this.endpoint,
      provider: this.provider,
      model: this.model,
      stream: this.stream,
      status: this.status,
      outcome: this.outcome,
      error_type: this.errorType,
      total_ms: round(this.totalMs),
      upstream_ms: round(this.upstreamMs),
      overhead_ms: round(this.overheadMs),
      first_chunk_ms: this.firstChunkMs === null ? null : round(this.firstChunkMs),
      usage: this.hasUsage
        ? {
          prompt: this.prompt,
          completion: this.completion,
          total: this.total,
          cached: this.cached,
          reasoning: this.reasoning,
        }
        : null,
      cost_usd: this.cost,
      retries: this.retries,
      fallbacks: this.fallbacks,
      attempts,
      routing,
      cache: this.cache,
    };
  }
}

/** Whether a request's status matches a status filter (see RecentFilter). */
export function statusMatches(filter: string, outcome: string, status: number): boolean {
  if (filter === "ok") return outcome === "ok";
  if (filter === "error") return outcome !== "ok";
  if (filter.endsWith("xx")) return Math.floor(status / 100) === Number(filter[0]);
  return status === Number(filter);
}

export class RecentRequests implements RecordSink {
  readonly #ring: Slot[];
  /** Slots filled so far (up to `size`). */
  #filled = 0;
  #next = 0;

  /** `size`: requests kept; `withBodies`: how many of the newest keep their bodies. */
  constructor(readonly size = 1000, readonly withBodies = 50) {
    this.#ring = Array.from({ length: size }, () => new Slot());
  }

  write(record: RequestRecord): void {
    if (record.ingress === undefined) return;
    const slot = this.#next;
    (this.#ring[slot] as Slot).fill(record);
    this.#next = (slot + 1) % this.size;
    if (this.#filled < this.size) this.#filled++;
    // Bodies may be large: only the newest few keep theirs.
    if (this.withBodies < this.#filled) {
      (this.#ring[(slot - this.withBodies + this.size) % this.size] as Slot).bodies = undefined;
    }
  }

  /** The kept slots, newest first. */
  *#newest(): Generator<Slot> {
    for (let n = 1; n <= this.#filled; n++) {
      yield this.#ring[(this.#next - n + this.size) % this.size] as Slot;
    }
  }

  /** The newest requests first, filtered. */
  list(filter: RecentFilter = {}): RecentRequest[] {
    const limit = filter.limit ?? 100;
    const out: RecentRequest[] = [];
    for (const r of this.#newest()) {
      if (out.length >= limit) break;
      if (filter.status !== undefined && !statusMatches(filter.status, r.outcome, r.status)) {
        continue;
      }
      if (
        filter.endpoint !== undefined && r.endpoint !== filter.endpoint &&
        r.target !== filter.endpoint
      ) continue;
      if (filter.key !== undefined && r.key !== filter.key) continue;
      out.push(r.summary());
    }
    return out;
  }

  /** One request by its id, with its bodies when they are still kept. */
  find(id: string): { summary: RecentRequest; bodies: Bodies } | undefined {
    for (const slot of this.#newest()) {
      if (slot.id === id) return { summary: slot.summary(), bodies: slot.bodies };
    }
    return undefined;
  }
}
