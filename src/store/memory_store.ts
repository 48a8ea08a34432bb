/**
 * The usage store when none is configured (`server.store: memory`): usage aggregated per hour,
 * endpoint, client key, model and provider as each request ends (no rows kept, no buffer, so a
 * gateway without a store pays a few map updates per request and its memory does not grow with
 * traffic), spending per key and endpoint per hour, and keys created at run time in a list (gone
 * at restart). Hours older than `keepHours` are dropped.
 */
import type { RecordSink, RequestRecord } from "../core/request_record.ts";
import {
  aggregateReport,
  durationBucket,
  type ReportOptions,
  type UsageAggregate,
  type UsageReport,
} from "./usage_report.ts";
import {
  hourOf,
  type StoredKey,
  StoreError,
  type UsageRow,
  type UsageSink,
  type UsageStore,
} from "./usage_store.ts";

/** What the memory store counts of one request (a record or a row). */
interface Counted {
  at: number;
  endpoint: string | null;
  client: string;
  model: string | null;
  provider: string | null;
  ok: boolean;
  prompt: number | null;
  completion: number | null;
  total: number | null;
  cost: number | null;
  ms: number;
}

interface Spending {
  hours: Map<number, number>;
  sum: { from: number; usd: number } | undefined;
}

export class MemoryUsageStore implements UsageStore, UsageSink, RecordSink {
  readonly kind = "memory" as const;
  readonly #aggregates = new Map<string, UsageAggregate>();
  /** The aggregate counted last: most requests in a row count into the same one. */
  #last: UsageAggregate | undefined;
  /**
   * USD by scope, then name: per hour, and the last sum asked for (a budget checks the same
   * period each time, so it is kept as spending comes instead of summed again).
   */
  readonly #spend = {
    client: new Map<string, Spending>(),
    endpoint: new Map<string, Spending>(),
  };
  readonly #keys: StoredKey[] = [];
  #hour = 0;
  onFlushed: undefined;

  constructor(private readonly keepHours = 31 * 24) {}

  /** Counts a completed record of a client API. */
  write(record: RequestRecord): void {
    if (record.ingress === undefined) return;
    const usage = record.usage;
    this.#count({
      at: record.startedAt,
      endpoint: record.endpoint ?? null,
      client: record.client,
      model: record.model ?? null,
      provider: record.provider ?? null,
      ok: record.outcome === "ok",
      prompt: usage?.prompt ?? null,
      completion: usage?.completion ?? null,
      total: usage?.total ?? null,
      cost: record.cost,
      ms: record.totalMs ?? 0,
    });
  }

  /** Counts rows (as the SQLite store would keep them). */
  insert(rows: readonly UsageRow[]): void {
    for (const row of rows) {
      this.#count({
        at: row.at,
        endpoint: row.endpoint,
        client: row.client,
        model: row.model,
        provider: row.provider,
        ok: row.outcome === "ok",
        prompt: row.prompt_tokens,
        completion: row.completion_tokens,
        total: row.total_tokens,
        cost: row.cost_usd,
        ms: row.total_ms,
      });
    }
  }

  #count(c: Counted): void {
    const hour = hourOf(c.at);
    if (hour > this.#hour) this.#turnHour(hour);
    let aggregate = this.#last;
    if (
      aggregate === undefined || aggregate.hour !== hour || aggregate.endpoint !== c.endpoint ||
      aggregate.client !== c.client || aggregate.model !== c.model ||
      aggregate.provider !== c.provider
    ) {
      const id = `${hour}\u0001${c.endpoint}\u0001${c.client}\u0001${c.model}\u0001${c.provider}`;
      aggregate = this.#aggregates.get(id);
    }
    if (aggregate === undefined) {
      aggregate = {
        hour,
        endpoint: c.endpoint,
        client: c.client,
        model: c.model,
        provider: c.provider,
        requests: 0,
        errors: 0,
        prompt: 0,
        completion: 0,
        total: 0,
        cost: 0,
        unpriced: 0,
        durations: new Map(),
      };
      this.#aggregates.set(
        `${hour}\u0001${c.endpoint}\u0001${c.client}\u0001${c.model}\u0001${c.provider}`,
        aggregate,
      );
    }
    this.#last = aggregate;
    aggregate.requests++;
    if (!c.ok) aggregate.errors++;
    aggregate.prompt += c.prompt ?? 0;
    aggregate.completion += c.completion ?? 0;
    aggregate.total += c.total ?? 0;
    if (c.cost !== null) aggregate.cost += c.cost;
    else if (c.total !== null) aggregate.unpriced++;
    const bucket = durationBucket(c.ms);
    aggregate.durations.set(bucket, (aggregate.durations.get(bucket) ?? 0) + 1);
    if (c.cost !== null && c.cost !== 0) {
      this.#addSpend("client", c.client, hour, c.cost);
      this.#addSpend("endpoint", c.endpoint ?? "", hour, c.cost);
    }
  }

  #addSpend(scope: "client" | "endpoint", name: string, hour: number, usd: number): void {
    let spending = this.#spend[scope].get(name);
    if (spending === undefined) {
      spending = { hours: new Map(), sum: undefined };
      this.#spend[scope].set(name, spending);
    }
    spending.hours.set(hour, (spending.hours.get(hour) ?? 0) + usd);
    const sum = spending.sum;
    if (sum !== undefined && hour >= sum.from) sum.usd += usd;
  }

  /** A new hour: what is older than `keepHours` goes. */
  #turnHour(hour: number): void {
    this.#hour = hour;
    const oldest = hour - this.keepHours * 3_600_000;
    for (const [id, aggregate] of this.#aggregates) {
      if (aggregate.hour < oldest) this.#aggregates.delete(id);
    }
    this.#last = undefined;
    for (const scope of ["client", "endpoint"] as const) {
      for (const spending of this.#spend[scope].values()) {
        for (const at of spending.hours.keys()) if (at < oldest) spending.hours.delete(at);
        spending.sum = undefined;
      }
    }
  }

  report(options: ReportOptions): UsageReport {
    const from = hourOf(options.start);
    const aggregates = [...this.#aggregates.values()]
      .filter((a) => a.hour >= from && a.hour < options.end)
      .sort((a, b) => a.hour - b.hour);
    return aggregateReport(aggregates, options);
  }

  spent(scope: "client" | "endpoint", name: string, since: number): number {
    const from = hourOf(since);
    const spending = this.#spend[scope].get(name);
    if (spending === undefined) return 0;
    if (spending.sum !== undefined && spending.sum.from === from) return spending.sum.usd;
    let usd = 0;
    for (const [hour, value] of spending.hours) if (hour >= from) usd += value;
    spending.sum = { from, usd };
    return usd;
  }

  createKey(key: StoredKey): void {
    if (this.#keys.some((k) => k.name === key.name)) {
      throw new StoreError(`a key named '${key.name}' exists already`);
    }
    this.#keys.push({ ...key });
  }

  keys(): StoredKey[] {
    return this.#keys.map((key) => ({ ...key }));
  }

  revokeKey(name: string, at: number): boolean {
    const key = this.#keys.find((k) => k.name === name && k.revoked_at === null);
    if (key === undefined) return false;
    key.revoked_at = at;
    return true;
  }

  // As a sink it keeps nothing back: every record is counted when it ends.
  flush(): void {}

  get buffered(): number {
    return 0;
  }

  get dropped(): number {
    return 0;
  }

  pendingUsd(): number {
    return 0;
  }

  close(): void {}
}
