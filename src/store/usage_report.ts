/**
 * Usage by endpoint, client key, model or provider (and by hour or day when asked): requests,
 * errors, tokens, cost and latency percentiles — from a store's rows (exact percentiles) or from
 * hourly aggregates kept in memory (percentiles from a histogram of 5% wide buckets). Pure, so
 * the API and the CLI print the same figures.
 */
import type { UsageRow } from "./usage_store.ts";

/** One hour's usage of one endpoint, client key, model and provider (the memory store's unit). */
export interface UsageAggregate {
  hour: number;
  endpoint: string | null;
  client: string;
  model: string | null;
  provider: string | null;
  requests: number;
  errors: number;
  prompt: number;
  completion: number;
  total: number;
  cost: number;
  unpriced: number;
  /** Request durations: histogram bucket (see `durationBucket`) → count. */
  durations: Map<number, number>;
}

/** Each bucket is 5% wider than the one before, from 0.01 ms. */
const BUCKET_GROWTH = Math.log(1.05);
const BUCKET_BASE_MS = 0.01;

/** The histogram bucket of a duration. */
export function durationBucket(ms: number): number {
  return ms <= BUCKET_BASE_MS ? 0 : Math.ceil(Math.log(ms / BUCKET_BASE_MS) / BUCKET_GROWTH);
}

/** A bucket's representative duration: the geometric middle of its bounds. */
export function bucketMs(bucket: number): number {
  return BUCKET_BASE_MS * Math.exp((bucket - 0.5) * BUCKET_GROWTH);
}

export const GROUP_BY = ["endpoint", "key", "model", "provider"] as const;
export type GroupBy = (typeof GROUP_BY)[number];
export const INTERVALS = ["hour", "day"] as const;
export type Interval = (typeof INTERVALS)[number];

export interface UsageLine {
  /** The group's value (`(none)` for requests refused before any endpoint was chosen). */
  group: string;
  /** The interval's start (ISO 8601), when the report is by interval. */
  interval_start?: string;
  requests: number;
  errors: number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** USD of the priced requests. */
  cost_usd: number;
  /** Requests with usage whose model has no known price (their cost is not in `cost_usd`). */
  unpriced_requests: number;
  p50_ms: number | null;
  p95_ms: number | null;
}

export interface UsageReport {
  start: string;
  end: string;
  group_by: GroupBy;
  interval: Interval | null;
  lines: UsageLine[];
  totals: Omit<UsageLine, "group" | "interval_start">;
}

function groupOf(item: UsageRow | UsageAggregate, by: GroupBy): string {
  const value = by === "key" ? item.client : by === "endpoint" ? item.endpoint : item[by];
  return value ?? "(none)";
}

function intervalStart(at: number, interval: Interval): number {
  const size = interval === "hour" ? 3_600_000 : 86_400_000;
  return Math.floor(at / size) * size;
}

/** The `q` quantile of sorted values (nearest rank). */
function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return Math.round((sorted[rank - 1] as number) * 10) / 10;
}

class Tally {
  requests = 0;
  errors = 0;
  prompt = 0;
  completion = 0;
  total = 0;
  cost = 0;
  unpriced = 0;
  readonly durations: number[] = [];
  readonly buckets = new Map<number, number>();

  add(row: UsageRow): void {
    this.requests++;
    if (row.outcome !== "ok") this.errors++;
    this.prompt += row.prompt_tokens ?? 0;
    this.completion += row.completion_tokens ?? 0;
    this.total += row.total_tokens ?? 0;
    if (row.cost_usd !== null) this.cost += row.cost_usd;
    else if (row.total_tokens !== null) this.unpriced++;
    this.durations.push(row.total_ms);
  }

  merge(aggregate: UsageAggregate): void {
    this.requests += aggregate.requests;
    this.errors += aggregate.errors;
    this.prompt += aggregate.prompt;
    this.completion += aggregate.completion;
    this.total += aggregate.total;
    this.cost += aggregate.cost;
    this.unpriced += aggregate.unpriced;
    for (const [bucket, count] of aggregate.durations) {
      this.buckets.set(bucket, (this.buckets.get(bucket) ?? 0) + count);
    }
  }

  /** The `q` quantile of the histogram (nearest rank). */
  #bucketQuantile(q: number): number | null {
    if (this.requests === 0 || this.buckets.size === 0) return null;
    const rank = Math.max(1, Math.ceil(q * this.requests));
    let seen = 0;
    for (const [bucket, count] of [...this.buckets].sort(([a], [b]) => a - b)) {
      seen += count;
      if (seen >= rank) return Math.round(bucketMs(bucket) * 10) / 10;
    }
    return null;
  }

  line(): Omit<UsageLine, "group" | "interval_start"> {
    const sorted = this.durations.sort((a, b) => a - b);
    const fromBuckets = this.durations.length === 0 && this.buckets.size > 0;
    return {
      requests: this.requests,
      errors: this.errors,
      prompt_tokens: this.prompt,
      completion_tokens: this.completion,
      total_tokens: this.total,
      cost_usd: Math.round(this.cost * 1e8) / 1e8,
      unpriced_requests: this.unpriced,
      p50_ms: fromBuckets ? this.#bucketQuantile(0.5) : quantile(sorted, 0.5),
      p95_ms: fromBuckets ? this.#bucketQuantile(0.95) : quantile(sorted, 0.95),
    };
  }
}

export interface ReportOptions {
  start: number;
  end: number;
  groupBy: GroupBy;
  interval: Interval | null;
}

/** The report of `rows` (those that arrived in [start, end)). */
export function usageReport(rows: readonly UsageRow[], options: ReportOptions): UsageReport {
  return report(rows, (row) => row.at, (tally, row) => tally.add(row), options);
}

/** The report of hourly aggregates (those of the hours in [start, end)). */
export function aggregateReport(
  aggregates: readonly UsageAggregate[],
  options: ReportOptions,
): UsageReport {
  return report(aggregates, (a) => a.hour, (tally, a) => tally.merge(a), options);
}

function report<T extends UsageRow | UsageAggregate>(
  items: readonly T[],
  atOf: (item: T) => number,
  add: (tally: Tally, item: T) => void,
  options: ReportOptions,
): UsageReport {
  const groups = new Map<string, { group: string; at: number | undefined; tally: Tally }>();
  const totals = new Tally();
  for (const item of items) {
    const group = groupOf(item, options.groupBy);
    const at = options.interval === null ? undefined : intervalStart(atOf(item), options.interval);
    const id = at === undefined ? group : `${at}\u0000${group}`;
    let entry = groups.get(id);
    if (entry === undefined) {
      entry = { group, at, tally: new Tally() };
      groups.set(id, entry);
    }
    add(entry.tally, item);
    add(totals, item);
  }
  const lines = [...groups.values()]
    .sort((a, b) =>
      (a.at ?? 0) - (b.at ?? 0) || b.tally.requests - a.tally.requests ||
      a.group.localeCompare(b.group)
    )
    .map(({ group, at, tally }) => ({
      group,
      ...(at === undefined ? {} : { interval_start: new Date(at).toISOString() }),
      ...tally.line(),
    }));
  return {
    start: new Date(options.start).toISOString(),
    end: new Date(options.end).toISOString(),
    group_by: options.groupBy,
    interval: options.interval,
    lines,
    totals: totals.line(),
  };
}

/**
 * A time as the usage API and CLI take it: ISO 8601, Unix seconds, or an age before `now` such
 * as `90m`, `24h`, `7d`. Undefined when it is none of these.
 */
export function parseTime(value: string, now: number): number | undefined {
  const age = /^(\d+(?:\.\d+)?)\s*(s|m|h|d|w)$/.exec(value.trim());
  if (age) {
    const unit = { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7, w: 6.048e8 }[age[2] as "s"];
    return now - Number(age[1]) * unit;
  }
  if (/^\d{9,11}(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  // Only ISO 8601 dates: Date.parse reads almost anything ("7" is July 2001).
  if (!/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value.trim())) {
    return undefined;
  }
  const parsed = Date.parse(value.trim());
  return Number.isNaN(parsed) ? undefined : parsed;
}
