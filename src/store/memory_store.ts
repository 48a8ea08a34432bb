/**
 * The usage store when none is configured (`server.store: memory`): this process's last
 * `maxRows` records in a ring, spending per client key and endpoint per hour in a map, keys
 * created at run time in a list (gone at restart). Plain JavaScript, so a gateway that keeps no
 * store pays next to nothing per request for usage and budgets.
 */
import {
  hourOf,
  spendOf,
  type StoredKey,
  StoreError,
  type UsageRow,
  type UsageStore,
} from "./usage_store.ts";

export class MemoryUsageStore implements UsageStore {
  readonly kind = "memory" as const;
  /** The newest rows, oldest first once the ring has wrapped (`#next` is the oldest). */
  readonly #rows: UsageRow[] = [];
  #next = 0;
  /** USD by scope, then name, then hour. */
  readonly #spend = {
    client: new Map<string, Map<number, number>>(),
    endpoint: new Map<string, Map<number, number>>(),
  };
  readonly #keys: StoredKey[] = [];

  constructor(private readonly maxRows: number) {}

  insert(rows: readonly UsageRow[]): void {
    for (const row of rows) {
      if (this.#rows.length < this.maxRows) this.#rows.push(row);
      else {
        this.#rows[this.#next] = row;
        this.#next = (this.#next + 1) % this.maxRows;
      }
    }
    for (const { scope, name, hour, usd } of spendOf(rows)) {
      let hours = this.#spend[scope].get(name);
      if (hours === undefined) {
        hours = new Map();
        this.#spend[scope].set(name, hours);
      }
      hours.set(hour, (hours.get(hour) ?? 0) + usd);
    }
  }

  rows(start: number, end: number): UsageRow[] {
    const ordered = [...this.#rows.slice(this.#next), ...this.#rows.slice(0, this.#next)];
    return ordered.filter((row) => row.at >= start && row.at < end).sort((a, b) => a.at - b.at);
  }

  count(): number {
    return this.#rows.length;
  }

  spent(scope: "client" | "endpoint", name: string, since: number): number {
    const from = hourOf(since);
    let usd = 0;
    for (const [hour, value] of this.#spend[scope].get(name) ?? []) if (hour >= from) usd += value;
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

  close(): void {}
}
