/**
 * What the dashboard's overview and endpoints pages show, kept in this process from completed
 * records of client APIs: requests, errors, tokens, cost and latency and overhead histograms per
 * minute (the last hour), per quarter hour (the last day) and per hour (the last week); each
 * endpoint's upstream attempts and its last errors; and which destination served each route.
 * A record costs one minute bucket's counters; a finished minute is added to its quarter and
 * hour once, when the next one begins.
 */
import type { RecordSink, RequestRecord } from "../core/request_record.ts";
import { bucketMs, durationBucket } from "../store/usage_report.ts";

/** The windows the overview offers, with their step. */
export const ACTIVITY_WINDOWS = {
  "1h": { stepMs: 60_000, steps: 60 },
  "24h": { stepMs: 900_000, steps: 96 },
  "7d": { stepMs: 3_600_000, steps: 168 },
} as const;
export type ActivityWindow = keyof typeof ACTIVITY_WINDOWS;

/** Figures of one step (or a whole window). */
export interface ActivityFigures {
  requests: number;
  errors: number;
  prompt_tokens: number;
  completion_tokens: number;
  cost_usd: number;
  p50_ms: number | null;
  p95_ms: number | null;
  /**
   * The gateway's own time (total less the upstreams'), of complete answers: a stream's total
   * includes the upstream's generation, which its relay waits on.
   */
  overhead_p50_ms: number | null;
  overhead_p95_ms: number | null;
}

export interface ActivityPoint extends ActivityFigures {
  /** The step's start, ISO 8601. */
  start: string;
  /** Over the part of the step this process counted (null: before it started). */
  requests_per_second: number | null;
}

export interface ActivityReport {
  window: ActivityWindow;
  step_seconds: number;
  /** When this process began counting. */
  since: string;
  start: string;
  end: string;
  points: ActivityPoint[];
  totals: ActivityFigures & { error_rate: number | null; requests_per_second: number };
}

/** One upstream failure, as the endpoints page lists it. */
export interface EndpointError {
  at: string;
  request_id: string;
  status: number;
  error_type: string;
}

export interface EndpointActivity {
  /** Upstream attempts on it since this process started, and how many failed. */
  attempts: number;
  failures: number;
  /** Whether its latest attempt succeeded (null: none yet). */
  last_ok: boolean | null;
  last_at: string | null;
  /** Its latest failures, newest first. */
  errors: EndpointError[];
}

/** How often a route's destination served it, and how often the route moved on from it. */
export interface DestinationActivity {
  served: number;
  failed_over: number;
}

const KEPT_ERRORS = 5;

/** Counters of one step. Reused in place when its slot comes round again. */
class Bucket {
  index = -1;
  requests = 0;
  errors = 0;
  prompt = 0;
  completion = 0;
  cost = 0;
  /** Complete (not streamed) answers, whose overhead is counted. */
  answers = 0;
  /** Duration histograms: bucket (see `durationBucket`) → count. */
  readonly latency = new Map<number, number>();
  readonly overhead = new Map<number, number>();

  reset(index: number): void {
    this.index = index;
    this.requests = 0;
    this.errors = 0;
    this.prompt = 0;
    this.completion = 0;
    this.cost = 0;
    this.answers = 0;
    this.latency.clear();
    this.overhead.clear();
  }

  merge(other: Bucket): void {
    this.requests += other.requests;
    this.errors += other.errors;
    this.prompt += other.prompt;
    this.completion += other.completion;
    this.cost += other.cost;
    this.answers += other.answers;
    for (const [k, n] of other.latency) this.latency.set(k, (this.latency.get(k) ?? 0) + n);
    for (const [k, n] of other.overhead) this.overhead.set(k, (this.overhead.get(k) ?? 0) + n);
  }

  figures(): ActivityFigures {
    return {
      requests: this.requests,
      errors: this.errors,
      prompt_tokens: this.prompt,
      completion_tokens: this.completion,
      cost_usd: Math.round(this.cost * 1e8) / 1e8,
      p50_ms: histogramQuantile(this.latency, this.requests, 0.5),
      p95_ms: histogramQuantile(this.latency, this.requests, 0.95),
      overhead_p50_ms: histogramQuantile(this.overhead, this.answers, 0.5),
      overhead_p95_ms: histogramQuantile(this.overhead, this.answers, 0.95),
    };
  }
}

/** The `q` quantile (nearest rank) of a histogram holding `count` values. */
export function histogramQuantile(
  histogram: ReadonlyMap<number, number>,
  count: number,
  q: number,
): number | null {
  if (count === 0 || histogram.size === 0) return null;
  const rank = Math.max(1, Math.ceil(q * count));
  let seen = 0;
  let last = 0;
  for (const [bucket, n] of [...histogram].sort(([a], [b]) => a - b)) {
    seen += n;
    last = bucket;
    if (seen >= rank) break;
  }
  return Math.round(bucketMs(last) * 10) / 10;
}

/** Fixed slots of one step size; a slot holds the latest step that fell in it. */
class Ring {
  readonly #slots: Bucket[];

  constructor(readonly stepMs: number, readonly size: number) {
    this.#slots = Array.from({ length: size }, () => new Bucket());
  }

  /** The bucket of step `index`, emptied first when its slot held an older step. */
  at(index: number): Bucket {
    const slot = this.#slots[index % this.size] as Bucket;
    if (slot.index !== index) slot.reset(index);
    return slot;
  }

  /** The bucket of step `index`, if it is still kept. */
  get(index: number): Bucket | undefined {
    const slot = this.#slots[index % this.size] as Bucket;
    return slot.index === index ? slot : undefined;
  }
}

const MINUTE_MS = 60_000;

export class Activity implements RecordSink {
  readonly #since: number;
  readonly #minutes = new Ring(MINUTE_MS, ACTIVITY_WINDOWS["1h"].steps + 1);
  readonly #coarse = [
    new Ring(ACTIVITY_WINDOWS["24h"].stepMs, ACTIVITY_WINDOWS["24h"].steps + 1),
    new Ring(ACTIVITY_WINDOWS["7d"].stepMs, ACTIVITY_WINDOWS["7d"].steps + 1),
  ] as const;
  /** The minute being counted (not yet in the coarse rings). */
  #current: Bucket | undefined;
  /** Per endpoint; the latest attempt's time kept as a number (formatted when asked for). */
  readonly #endpoints = new Map<string, Omit<EndpointActivity, "last_at"> & { lastAt: number }>();
  readonly #routes = new Map<string, Map<string, DestinationActivity>>();

  constructor(private readonly now: () => number = Date.now) {
    this.#since = now();
  }

  /** Counts a completed record of a client API (at its completion). */
  write(record: RequestRecord): void {
    if (record.ingress === undefined) return;
    const at = this.now();
    const bucket = this.#minute(Math.floor(at / MINUTE_MS));
    bucket.requests++;
    if (record.outcome !== "ok") bucket.errors++;
    const usage = record.usage;
    if (usage !== undefined) {
      bucket.prompt += usage.prompt;
      bucket.completion += usage.completion;
      const cost = record.cost;
      if (cost !== null) bucket.cost += cost;
    }
    const total = durationBucket(record.totalMs ?? 0);
    bucket.latency.set(total, (bucket.latency.get(total) ?? 0) + 1);
    if (!record.stream) {
      bucket.answers++;
      const overhead = durationBucket(record.overheadMs ?? 0);
      bucket.overhead.set(overhead, (bucket.overhead.get(overhead) ?? 0) + 1);
    }
    const attempts = record.attempts;
    if (attempts !== undefined) {
      for (const attempt of attempts) this.#attempt(attempt, record, at);
    }
    const target = record.target;
    const endpoint = record.endpoint;
    if (target !== undefined && endpoint !== undefined && target !== endpoint) {
      this.#routed(target, record);
    }
  }

  /** The bucket of minute `index`; the minute before it goes into the coarse rings first. */
  #minute(index: number): Bucket {
    const current = this.#current;
    // A clock that stepped back counts into the current minute.
    if (current !== undefined && current.index >= index) return current;
    if (current !== undefined) {
      const at = current.index * MINUTE_MS;
      for (const ring of this.#coarse) ring.at(Math.floor(at / ring.stepMs)).merge(current);
    }
    const next = this.#minutes.at(index);
    this.#current = next;
    return next;
  }

  #attempt(
    attempt: NonNullable<RequestRecord["attempts"]>[number],
    record: RequestRecord,
    at: number,
  ): void {
    let stats = this.#endpoints.get(attempt.endpoint);
    if (stats === undefined) {
      stats = { attempts: 0, failures: 0, last_ok: null, lastAt: 0, errors: [] };
      this.#endpoints.set(attempt.endpoint, stats);
    }
    stats.attempts++;
    const ok = attempt.outcome === "ok";
    stats.last_ok = ok;
    stats.lastAt = at;
    if (ok) return;
    stats.failures++;
    stats.errors.unshift({
      at: new Date(at).toISOString(),
      request_id: record.id,
      status: attempt.status,
      error_type: attempt.outcome,
    });
    if (stats.errors.length > KEPT_ERRORS) stats.errors.length = KEPT_ERRORS;
  }

  #routed(route: string, record: RequestRecord): void {
    let destinations = this.#routes.get(route);
    if (destinations === undefined) {
      destinations = new Map();
      this.#routes.set(route, destinations);
    }
    const of = (name: string) => {
      let counts = destinations.get(name);
      if (counts === undefined) {
        counts = { served: 0, failed_over: 0 };
        destinations.set(name, counts);
      }
      return counts;
    };
    if (record.outcome === "ok") of(record.endpoint as string).served++;
    for (const attempt of record.attempts ?? []) {
      if (attempt.then === "fallback") of(attempt.endpoint).failed_over++;
    }
  }

  /** The series and totals of the last `window`, up to now. */
  report(window: ActivityWindow): ActivityReport {
    const now = this.now();
    const minute = Math.floor(now / MINUTE_MS);
    const current = this.#minute(minute);
    const { stepMs, steps } = ACTIVITY_WINDOWS[window];
    const ring = stepMs === MINUTE_MS
      ? this.#minutes
      : this.#coarse.find((r) => r.stepMs === stepMs) as Ring;
    const last = Math.floor(now / stepMs);
    /** Requests per second over the counted part of [from, to); at least a second of it. */
    const rate = (requests: number, from: number, to: number) => {
      if (to <= this.#since) return null;
      const counted = Math.min(to, now) - Math.max(from, this.#since);
      return Math.round(requests / (Math.max(1000, counted) / 1000) * 1000) / 1000;
    };
    const totals = new Bucket();
    const points: ActivityPoint[] = [];
    for (let index = last - steps + 1; index <= last; index++) {
      const step = new Bucket();
      const kept = ring.get(index);
      if (kept !== undefined) step.merge(kept);
      // The current minute is not in the coarse rings yet.
      if (ring !== this.#minutes && index === Math.floor(current.index * MINUTE_MS / stepMs)) {
        step.merge(current);
      }
      totals.merge(step);
      points.push({
        start: new Date(index * stepMs).toISOString(),
        ...step.figures(),
        requests_per_second: rate(step.requests, index * stepMs, (index + 1) * stepMs),
      });
    }
    const start = (last - steps + 1) * stepMs;
    const figures = totals.figures();
    return {
      window,
      step_seconds: stepMs / 1000,
      since: new Date(this.#since).toISOString(),
      start: new Date(start).toISOString(),
      end: new Date(now).toISOString(),
      points,
      totals: {
        ...figures,
        error_rate: figures.requests === 0 ? null : figures.errors / figures.requests,
        requests_per_second: rate(figures.requests, start, now) ?? 0,
      },
    };
  }

  /** What an endpoint's upstream attempts were since this process started. */
  endpoint(name: string): EndpointActivity {
    const stats = this.#endpoints.get(name);
    if (stats === undefined) {
      return { attempts: 0, failures: 0, last_ok: null, last_at: null, errors: [] };
    }
    return {
      attempts: stats.attempts,
      failures: stats.failures,
      last_ok: stats.last_ok,
      last_at: new Date(stats.lastAt).toISOString(),
      errors: [...stats.errors],
    };
  }

  /** How often each destination served a route (and the route moved on from it). */
  route(name: string): Record<string, DestinationActivity> {
    const out: Record<string, DestinationActivity> = {};
    for (const [dest, counts] of this.#routes.get(name) ?? []) out[dest] = { ...counts };
    return out;
  }
}
