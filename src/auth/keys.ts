/**
 * The client keys a gateway knows: those of the config (`server.auth.keys`) and those created at
 * run time (the store's, only their hashes). A presented secret is found by its SHA-256, and the
 * digests compared in constant time. Keys in the store are read again every `refreshMs` (and on
 * an unknown secret, at most four times as often), so a key created or revoked by another
 * process or `gateway keys` takes effect without a restart. A remote store (PostgreSQL) is read
 * in the background while the keys known serve; only an unknown secret waits for a read.
 */
import type { LoadedKey } from "../config/load.ts";
import type { Budget, Limit } from "../config/schema.ts";
import type { ClientKey } from "../core/client_key.ts";
import type { StoredKey, UsageStore } from "../store/usage_store.ts";
import { sameDigest, sha256Hex } from "./secrets.ts";

function keyLimit(name: string, limit: Limit | null): ClientKey["limit"] {
  if (limit === null) return undefined;
  return Object.freeze({
    endpoint: `key:${name}`,
    limit,
    client: "",
    label: `client key '${name}'`,
  });
}

/** A config key as the core applies it. */
export function configKey(key: LoadedKey): ClientKey {
  return Object.freeze({
    name: key.name,
    sha256: key.sha256,
    admin: key.admin,
    endpoints: key.endpoints === null ? null : new Set(key.endpoints),
    limit: keyLimit(key.name, key.limit),
    budget: key.budget,
    source: "config" as const,
  });
}

/** A key found by a digest, confirmed by comparing the digests in constant time. */
function verified(key: ClientKey | undefined, digest: string): ClientKey | undefined {
  return key !== undefined && sameDigest(key.sha256, digest) ? key : undefined;
}

/** The active keys of the store, by the digest of their secret. */
function keysByDigest(rows: readonly StoredKey[]): Map<string, ClientKey> {
  const keys = new Map<string, ClientKey>();
  for (const row of rows) {
    if (row.revoked_at !== null) continue;
    const budget: Budget | null = row.budget_usd === null
      ? null
      : { usd: row.budget_usd, period: (row.budget_period ?? "month") as Budget["period"] };
    keys.set(
      row.sha256,
      Object.freeze({
        name: row.name,
        sha256: row.sha256,
        admin: false,
        endpoints: row.endpoints === null ? null : new Set<string>(row.endpoints),
        limit: undefined,
        budget,
        source: "store" as const,
      }),
    );
  }
  return keys;
}

export class KeyRing {
  #config = new Map<string, ClientKey>();
  #stored = new Map<string, ClientKey>();
  #readAt = -Infinity;
  #reading: Promise<void> | undefined;

  constructor(
    private readonly store: Pick<UsageStore, "keys">,
    private readonly refreshMs = 2000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes the config's keys (at start and on each reload). */
  configure(keys: readonly LoadedKey[]): void {
    this.#config = new Map(keys.map((key) => [key.sha256, configKey(key)]));
  }

  /**
   * The key whose secret this is, if any: at once, or with a promise when an unknown secret
   * makes it read a remote store (a key created a moment ago).
   */
  find(secret: string): ClientKey | undefined | Promise<ClientKey | undefined> {
    const digest = sha256Hex(secret);
    const known = this.#config.get(digest);
    if (known !== undefined) return verified(known, digest);
    const now = this.now();
    let reading = now - this.#readAt >= this.refreshMs ? this.#read(now) : undefined;
    const stored = this.#stored.get(digest);
    // A key known already serves while a remote store is read again.
    if (stored !== undefined) return verified(stored, digest);
    // Unknown: a key created a moment ago? Read again, at most a few times a refresh.
    if (reading === undefined && now - this.#readAt >= this.refreshMs / 4) {
      reading = this.#read(now);
    }
    if (reading instanceof Promise) {
      return reading.then(() => verified(this.#stored.get(digest), digest));
    }
    return verified(this.#stored.get(digest), digest);
  }

  /** Reads the store's keys: at once, or with a promise (a store that fails keeps the last). */
  #read(now: number): void | Promise<void> {
    this.#readAt = now;
    if (this.#reading !== undefined) return this.#reading;
    let rows: StoredKey[] | Promise<StoredKey[]>;
    try {
      rows = this.store.keys();
    } catch {
      return;
    }
    if (!(rows instanceof Promise)) {
      this.#stored = keysByDigest(rows);
      return;
    }
    this.#reading = rows.then(
      (read) => {
        this.#stored = keysByDigest(read);
      },
      () => {},
    ).finally(() => {
      this.#reading = undefined;
    });
    return this.#reading;
  }

  /** Reads the store's keys at the next lookup (after a change through this process). */
  invalidate(): void {
    this.#readAt = -Infinity;
  }
}
