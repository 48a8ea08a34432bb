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

interface Kept {
  summary: RecentRequest;
  bodies: { request?: unknown; response?: unknown } | undefined;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/** The record as the API shows it (its arrays and objects shared, not copied). */
function summaryOf(record: RequestRecord): RecentRequest {
  return {
    id: record.id,
    at: new Date(record.startedAt).toISOString(),
    method: record.method,
    path: record.path,
    ingress: record.ingress ?? "",
    key: record.client,
    target: record.target ?? null,
    endpoint: record.endpoint ?? null,
    provider: record.provider ?? null,
    model: record.model ?? null,
    stream: record.stream,
    status: record.status,
    outcome: record.outcome ?? "error",
    error_type: record.errorType ?? null,
    total_ms: round(record.totalMs ?? 0),
    upstream_ms: round(record.upstreamMs),
    overhead_ms: round(record.overheadMs ?? 0),
    first_chunk_ms: record.firstChunkMs === undefined ? null : round(record.firstChunkMs),
    usage: record.usage ?? null,
    cost_usd: record.cost,
    retries: record.retries,
    fallbacks: record.fallbacks,
    attempts: record.attempts ?? [],
    routing: record.routing ?? null,
    cache: record.cache ?? null,
  };
}

/** Whether a request's status matches a status filter (see RecentFilter). */
export function statusMatches(filter: string, outcome: string, status: number): boolean {
  if (filter === "ok") return outcome === "ok";
  if (filter === "error") return outcome !== "ok";
  if (filter.endsWith("xx")) return Math.floor(status / 100) === Number(filter[0]);
  return status === Number(filter);
}

export class RecentRequests implements RecordSink {
  readonly #ring: (Kept | undefined)[];
  #next = 0;

  /** `size`: requests kept; `withBodies`: how many of the newest keep their bodies. */
  constructor(readonly size = 1000, readonly withBodies = 50) {
    this.#ring = new Array(size);
  }

  write(record: RequestRecord): void {
    if (record.ingress === undefined) return;
    const slot = this.#next;
    this.#ring[slot] = { summary: summaryOf(record), bodies: record.bodies };
    this.#next = (slot + 1) % this.size;
    // Bodies may be large: only the newest few keep theirs.
    const old = this.#ring[(slot - this.withBodies + this.size) % this.size];
    if (old !== undefined && this.withBodies < this.size) old.bodies = undefined;
  }

  /** The newest requests first, filtered. */
  list(filter: RecentFilter = {}): RecentRequest[] {
    const limit = filter.limit ?? 100;
    const out: RecentRequest[] = [];
    for (let n = 1; n <= this.size && out.length < limit; n++) {
      const kept = this.#ring[(this.#next - n + this.size) % this.size];
      if (kept === undefined) break;
      const r = kept.summary;
      if (filter.status !== undefined && !statusMatches(filter.status, r.outcome, r.status)) {
        continue;
      }
      if (
        filter.endpoint !== undefined && r.endpoint !== filter.endpoint &&
        r.target !== filter.endpoint
      ) continue;
      if (filter.key !== undefined && r.key !== filter.key) continue;
      out.push(r);
    }
    return out;
  }

  /** One request by its id, with its bodies when they are still kept. */
  find(id: string): { summary: RecentRequest; bodies: Kept["bodies"] } | undefined {
    for (let n = 1; n <= this.size; n++) {
      const kept = this.#ring[(this.#next - n + this.size) % this.size];
      if (kept === undefined) return undefined;
      if (kept.summary.id === id) return kept;
    }
    return undefined;
  }
}
