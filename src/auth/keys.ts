/**
 * The client keys a gateway knows: those of the config (`server.auth.keys`) and those created at
 * run time (the store's, only their hashes). A presented secret is found by its SHA-256, and the
 * digests compared in constant time. Keys in the store are read again every `refreshMs` (and on
 * an unknown secret, at most that often), so a key created or revoked by another process or
 * `gateway keys` takes effect without a restart.
 */
import type { LoadedKey } from "../config/load.ts";
import type { Budget, Limit } from "../config/schema.ts";
import type { ClientKey } from "../core/client_key.ts";
import type { UsageStore } from "../store/usage_store.ts";
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

export class KeyRing {
  #config = new Map<string, ClientKey>();
  #stored = new Map<string, ClientKey>();
  #readAt = -Infinity;

  constructor(
    private readonly store: UsageStore,
    private readonly refreshMs = 2000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes the config's keys (at start and on each reload). */
  configure(keys: readonly LoadedKey[]): void {
    this.#config = new Map(keys.map((key) => [key.sha256, configKey(key)]));
  }

  /** The key whose secret this is, if any. */
  find(secret: string): ClientKey | undefined {
    const digest = sha256Hex(secret);
    const now = this.now();
    let key = this.#config.get(digest) ?? this.#storedKeys(now).get(digest);
    if (key === undefined && now - this.#readAt >= this.refreshMs / 4) {
      // A key created a moment ago: read the store again (at most a few times a refresh).
      this.#read(now);
      key = this.#stored.get(digest);
    }
    return key !== undefined && sameDigest(key.sha256, digest) ? key : undefined;
  }

  #storedKeys(now: number): Map<string, ClientKey> {
    if (now - this.#readAt >= this.refreshMs) this.#read(now);
    return this.#stored;
  }

  #read(now: number): void {
    this.#readAt = now;
    const stored = new Map<string, ClientKey>();
    for (const row of this.store.keys()) {
      if (row.revoked_at !== null) continue;
      const budget: Budget | null = row.budget_usd === null
        ? null
        : { usd: row.budget_usd, period: (row.budget_period ?? "month") as Budget["period"] };
      stored.set(
        row.sha256,
        Object.freeze({
          name: row.name,
          sha256: row.sha256,
          admin: false,
          endpoints: row.endpoints === null ? null : new Set(row.endpoints),
          limit: undefined,
          budget,
          source: "store" as const,
        }),
      );
    }
    this.#stored = stored;
  }

  /** Reads the store's keys at the next lookup (after a change through this process). */
  invalidate(): void {
    this.#readAt = -Infinity;
  }
}
