/**
 * Budgets: USD per calendar period (UTC) for a client key or an endpoint, enforced from the
 * recorded costs. What has been spent is the store's sum for the period (read again at most
 * every `refreshMs`, so other processes sharing the store are seen) plus this process's records
 * not yet written. A request that would start once the budget is spent is refused; one in
 * flight finishes.
 */
import { type Budget, BUDGET_PERIODS } from "../config/schema.ts";
import { GatewayError } from "./errors.ts";
import type { UsageRow, UsageSink, UsageStore } from "../store/usage_store.ts";

type Scope = "client" | "endpoint";

/** The start and end (ms) of the UTC calendar period that holds `now`. */
export function periodOf(period: Budget["period"], now: number): { start: number; end: number } {
  const d = new Date(now);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  const day = d.getUTCDate();
  switch (period) {
    case "hour": {
      const start = Date.UTC(y, m, day, d.getUTCHours());
      return { start, end: start + 3_600_000 };
    }
    case "day": {
      const start = Date.UTC(y, m, day);
      return { start, end: start + 86_400_000 };
    }
    case "week": {
      // Weeks start on Monday (ISO 8601).
      const start = Date.UTC(y, m, day - ((d.getUTCDay() + 6) % 7));
      return { start, end: start + 7 * 86_400_000 };
    }
    case "month":
      return { start: Date.UTC(y, m, 1), end: Date.UTC(y, m + 1, 1) };
  }
}

interface Spent {
  periodStart: number;
  periodEnd: number;
  /** USD in the store for the period when last read, plus batches written since. */
  stored: number;
  readAt: number;
  /** A read of a remote store under way. */
  reading: boolean;
}

/** A name's sums, by period (only the periods its budgets use). */
type SpentByPeriod = Partial<Record<Budget["period"], Spent>>;

/** A written row's USD, added to each of a name's sums whose period it falls in. */
function addWritten(periods: SpentByPeriod | undefined, at: number, usd: number): void {
  if (periods === undefined) return;
  for (const period of BUDGET_PERIODS) {
    const entry = periods[period];
    if (entry !== undefined && at >= entry.periodStart) entry.stored += usd;
  }
}

export class Budgets {
  /** By scope, then name: a row's own strings find its sums, with no key string built per row. */
  readonly #spent: Record<Scope, Map<string, SpentByPeriod>> = {
    client: new Map(),
    endpoint: new Map(),
  };

  /**
   * `refreshMs`: how long a sum read from the store serves (0 for a store in this process,
   * whose sums are always current). A remote store (a promise) is read again in the
   * background, and only the first read of a period is waited for, unless `fresh` asks to
   * read it at every check (several instances holding one budget).
   */
  constructor(
    private readonly store: Pick<UsageStore, "spent">,
    private readonly sink: UsageSink,
    private readonly refreshMs = 1000,
    private readonly now: () => number = Date.now,
    /** Read the store at every check and wait for it (a store shared by instances). */
    private readonly fresh = false,
  ) {
    sink.onFlushed = (rows) => this.#written(rows);
  }

  /** USD spent in the current period by a key (`client`) or on an endpoint. */
  spent(scope: Scope, name: string, budget: Budget): number | Promise<number> {
    const now = this.now();
    let periods = this.#spent[scope].get(name);
    if (periods === undefined) {
      periods = {};
      this.#spent[scope].set(name, periods);
    }
    const entry = periods[budget.period];
    if (
      !this.fresh && entry !== undefined && now >= entry.periodStart && now < entry.periodEnd
    ) {
      if (now - entry.readAt >= this.refreshMs && !entry.reading) this.#read(entry, scope, name);
      return entry.stored + this.sink.pendingUsd(scope, name);
    }
    const period = periodOf(budget.period, now);
    const fresh: Spent = {
      periodStart: period.start,
      periodEnd: period.end,
      stored: 0,
      readAt: now,
      reading: false,
    };
    periods[budget.period] = fresh;
    const read = this.#read(fresh, scope, name);
    const total = () => fresh.stored + this.sink.pendingUsd(scope, name);
    return read === undefined ? total() : read.then(total);
  }

  /** Reads an entry's sum from the store: at once, or with a promise (in the background). */
  #read(entry: Spent, scope: Scope, name: string): Promise<void> | undefined {
    entry.readAt = this.now();
    const usd = this.store.spent(scope, name, entry.periodStart);
    if (!(usd instanceof Promise)) {
      entry.stored = usd;
      return undefined;
    }
    entry.reading = true;
    return usd.then(
      (value) => {
        entry.stored = value;
      },
      () => {
        // The store is away: the last sum (and what this process adds) serves meanwhile.
      },
    ).finally(() => {
      entry.reading = false;
    });
  }

  /** Throws a 429 when the budget of a key or an endpoint is spent for this period. */
  check(scope: Scope, name: string, budget: Budget): void | Promise<void> {
    const spent = this.spent(scope, name, budget);
    if (spent instanceof Promise) {
      return spent.then((usd) => this.#judge(usd, scope, name, budget));
    }
    this.#judge(spent, scope, name, budget);
  }

  #judge(spent: number, scope: Scope, name: string, budget: Budget): void {
    // Sums of float costs: a budget spent to within a nano-dollar is spent.
    if (spent < budget.usd - 1e-9) return;
    const { end } = periodOf(budget.period, this.now());
    const retryAfter = Math.max(1, Math.ceil((end - this.now()) / 1000));
    const who = scope === "client" ? `client key '${name}'` : `endpoint '${name}'`;
    throw new GatewayError(
      429,
      "insufficient_quota",
      `The budget of ${who} is spent: $${
        spent.toFixed(4)
      } of $${budget.usd} this ${budget.period}; it renews at ${new Date(end).toISOString()}`,
      { code: "budget_exceeded", retryable: scope === "endpoint", retryAfter },
    );
  }

  /** A batch the store took moves from pending into the stored sums already read. */
  #written(rows: readonly UsageRow[]): void {
    const { client, endpoint } = this.#spent;
    if (client.size === 0 && endpoint.size === 0) return;
    for (const row of rows) {
      const usd = row.cost_usd;
      if (usd === null || usd === 0) continue;
      addWritten(client.get(row.client), row.at, usd);
      if (row.endpoint !== null) addWritten(endpoint.get(row.endpoint), row.at, usd);
    }
  }
}
