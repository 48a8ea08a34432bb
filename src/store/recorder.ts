/**
 * The usage store's sink: completed records of API requests become rows, buffered and written
 * in batches off the request path (one transaction every `flushMs`). When the store refuses a
 * batch (its file locked, the disk full) the rows wait for the next try; the buffer is bounded,
 * and what it cannot hold is dropped and counted in the log. `close()` writes what is left.
 */
import type { RequestRecord } from "../core/request_record.ts";
import type { Logger } from "../observe/logs.ts";
import type { RowStore, UsageRow, UsageSink } from "./usage_store.ts";

/** Rows that make a batch worth writing at once rather than at the next tick of the timer. */
const BATCH_ROWS = 256;

export interface RecorderOptions {
  flushMs?: number;
  /** Rows held at most while the store cannot take them. */
  maxBuffered?: number;
}

/** The row of a completed record. */
export function usageRowOf(record: RequestRecord): UsageRow {
  const usage = record.usage;
  return {
    id: record.id,
    at: Math.round(record.startedAt),
    method: record.method,
    path: record.path,
    ingress: record.ingress ?? null,
    client: record.client,
    target: record.target ?? null,
    endpoint: record.endpoint ?? null,
    provider: record.provider ?? null,
    model: record.model ?? null,
    stream: record.stream,
    status: record.status,
    outcome: record.outcome ?? "error",
    error_type: record.errorType ?? null,
    total_ms: record.totalMs ?? 0,
    upstream_ms: record.upstreamMs,
    first_chunk_ms: record.firstChunkMs ?? null,
    prompt_tokens: usage?.prompt ?? null,
    completion_tokens: usage?.completion ?? null,
    cached_tokens: usage?.cached ?? null,
    total_tokens: usage?.total ?? null,
    cost_usd: record.cost,
    retries: record.retries,
    fallbacks: record.fallbacks,
  };
}

/** Adds `usd` to a name's sum (dropping sums back at zero). */
function addTo(sums: Map<string, number>, name: string, usd: number): void {
  const next = (sums.get(name) ?? 0) + usd;
  if (Math.abs(next) < 1e-12) sums.delete(name);
  else sums.set(name, next);
}

export class UsageRecorder implements UsageSink {
  #buffer: UsageRow[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** A write at the next turn of the event loop is scheduled (a full batch). */
  #soon = false;
  /** The batch being written to a remote store. */
  #writing: Promise<void> | undefined;
  /** Spending being written to a shared store. */
  readonly #spending = new Set<Promise<void>>();
  #dropped = 0;
  /** Drops already told in the log. */
  #droppedTold = 0;
  #failingSince: number | undefined;
  /** USD of the buffered rows by client key and by endpoint (for budgets). */
  readonly #pendingUsd = { client: new Map<string, number>(), endpoint: new Map<string, number>() };
  readonly #flushMs: number;
  readonly #maxBuffered: number;
  /** Called with each batch the store took. */
  onFlushed: ((rows: readonly UsageRow[]) => void) | undefined;

  constructor(
    readonly store: RowStore,
    private readonly logger: Logger,
    options: RecorderOptions = {},
  ) {
    this.#flushMs = options.flushMs ?? 250;
    this.#maxBuffered = options.maxBuffered ?? 100_000;
  }

  /** Records of the client APIs only: health checks and the docs are not usage. */
  write(record: RequestRecord): void {
    if (record.ingress === undefined) return;
    const row = usageRowOf(record);
    if (this.#buffer.length >= this.#maxBuffered) {
      const lost = this.#buffer.shift() as UsageRow;
      this.#dropped++;
      if (this.store.addSpend === undefined) this.#addPending(lost, -1);
    }
    this.#buffer.push(row);
    if (this.store.addSpend === undefined) this.#addPending(row, 1);
    else this.#spendNow(row, this.store.addSpend.bind(this.store));
    // A batch being written is followed by what came meanwhile once it is taken.
    if (this.#writing === undefined) this.#plan();
  }

  /**
   * Schedules the next write: a full batch at the next turn of the event loop (a SQLite write on
   * the event loop blocks it, so batches stay small enough, about 1 ms, not to show in the other
   * requests' latency), fewer rows after `flushMs`.
   */
  #plan(): void {
    if (this.#buffer.length < BATCH_ROWS) {
      this.#timer ??= this.#schedule(this.#flushMs);
      return;
    }
    if (this.#soon) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#soon = true;
    this.#timer = this.#schedule(0);
  }

  /** What a row spent, written at once to a shared store; pending until it is in. */
  #spendNow(row: UsageRow, addSpend: NonNullable<RowStore["addSpend"]>): void {
    const usd = row.cost_usd;
    if (usd === null || usd === 0) return;
    this.#addPending(row, 1);
    const writing = addSpend(row.client, row.endpoint ?? "", row.at, usd).catch((error) => {
      this.#failed(error);
    }).finally(() => {
      this.#addPending(row, -1);
      this.#spending.delete(writing);
    });
    this.#spending.add(writing);
  }

  #schedule(ms = this.#flushMs): ReturnType<typeof setTimeout> {
    const timer = setTimeout(() => {
      this.#timer = undefined;
      this.#soon = false;
      this.flush();
    }, ms);
    // A pending write never keeps the process alive; shutdown flushes explicitly.
    (timer as { unref?: () => void }).unref?.();
    return timer;
  }

  #addPending(row: UsageRow, sign: 1 | -1): void {
    const usd = row.cost_usd;
    if (usd === null || usd === 0) return;
    addTo(this.#pendingUsd.client, row.client, sign * usd);
    addTo(this.#pendingUsd.endpoint, row.endpoint ?? "", sign * usd);
  }

  /** USD of records not yet in the store, by a key's or an endpoint's name. */
  pendingUsd(scope: "client" | "endpoint", name: string): number {
    return this.#pendingUsd[scope].get(name) ?? 0;
  }

  /** Rows waiting for the store. */
  get buffered(): number {
    return this.#buffer.length;
  }

  /** Rows dropped because the store could not take them in time. */
  get dropped(): number {
    return this.#dropped;
  }

  /**
   * Writes the buffered rows now. With a store that answers at once it is done on return; with
   * a remote one the promise settles when the batch was taken or refused (then kept for the next
   * try). One batch is written at a time.
   */
  flush(): void | Promise<void> {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#soon = false;
    }
    if (this.#writing !== undefined) return this.#writing;
    const rows = this.#buffer;
    if (rows.length === 0) return;
    this.#buffer = [];
    let writing: void | Promise<void>;
    try {
      writing = this.store.insert(rows);
    } catch (error) {
      this.#refused(rows, error);
      return;
    }
    if (writing === undefined) return this.#taken(rows);
    this.#writing = writing.then(
      () => this.#taken(rows),
      (error) => this.#refused(rows, error),
    ).finally(() => {
      this.#writing = undefined;
    });
    return this.#writing;
  }

  #taken(rows: UsageRow[]): void {
    if (this.store.addSpend === undefined) { for (const row of rows) this.#addPending(row, -1); }
    if (this.#failingSince !== undefined || this.#dropped > this.#droppedTold) {
      this.logger.warn("usage store writes again", {
        store: this.store.kind,
        dropped_records: this.#dropped,
      });
      this.#failingSince = undefined;
      this.#droppedTold = this.#dropped;
    }
    this.onFlushed?.(rows);
    if (this.#buffer.length > 0) this.#plan();
  }

  /** A batch the store refused goes back in front of what came since, within the bound. */
  #refused(rows: UsageRow[], error: unknown): void {
    const all = rows.concat(this.#buffer);
    const over = all.length - this.#maxBuffered;
    if (over > 0) {
      const lost = all.splice(0, over);
      if (this.store.addSpend === undefined) { for (const row of lost) this.#addPending(row, -1); }
      this.#dropped += over;
    }
    this.#buffer = all;
    this.#failed(error);
    this.#timer ??= this.#schedule();
  }

  #failed(error: unknown): void {
    const now = Date.now();
    if (this.#failingSince === undefined || now - this.#failingSince > 10_000) {
      this.#failingSince = now;
      this.logger.warn("usage store cannot write; records are kept in memory and retried", {
        store: this.store.kind,
        buffered: this.#buffer.length,
        dropped_records: this.#dropped,
        error: (error as Error).message,
      });
    }
  }

  /** Writes what is left; the store stays open (its owner closes it). */
  close(): void | Promise<void> {
    const lost = () => {
      if (this.#timer !== undefined) {
        clearTimeout(this.#timer);
        this.#timer = undefined;
      }
      if (this.#buffer.length === 0) return;
      this.logger.error("usage records lost at shutdown: the store would not take them", {
        lost: this.#buffer.length,
      });
    };
    const first = this.flush();
    if (first === undefined && this.#spending.size === 0) return lost();
    // A batch was being written: then what came after it.
    return Promise.all([first, ...this.#spending]).then(() => this.flush()).then(lost);
  }
}
