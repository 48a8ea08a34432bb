/**
 * Creating, listing and revoking client keys kept in the store: shared by the admin HTTP API and
 * `gateway keys`. A new key's secret is returned once; the store keeps only its SHA-256.
 */
import { type Budget, BUDGET_PERIODS, NAME_PATTERN } from "../config/schema.ts";
import type { LoadedKey } from "../config/load.ts";
import { InvalidRequestError } from "../core/errors.ts";
import type { UsageStore } from "../store/usage_store.ts";
import { newSecret, sha256Hex } from "./secrets.ts";

/** What a new key may be given. */
export interface NewKey {
  name: string;
  endpoints: string[] | null;
  budget: Budget | null;
}

/** A key as listings show it (never its secret or hash). */
export interface KeyInfo {
  name: string;
  source: "config" | "store";
  admin: boolean;
  endpoints: string[] | null;
  budget: Budget | null;
  created_at: string | null;
  revoked_at: string | null;
}

/** `50`, `50/month`, `$12.5/day` → a budget (a month when no period is given). */
export function parseBudget(text: string): Budget {
  const match = /^\s*\$?(\d+(?:\.\d+)?)\s*(?:\/\s*([a-z]+))?\s*$/i.exec(text);
  const period = (match?.[2] ?? "month").toLowerCase();
  if (!match || !(BUDGET_PERIODS as readonly string[]).includes(period) || Number(match[1]) <= 0) {
    throw new InvalidRequestError(
      `invalid budget '${text}': write USD per period, like '50/month' (periods: ${
        BUDGET_PERIODS.join(", ")
      })`,
      { param: "budget" },
    );
  }
  return { usd: Number(match[1]), period: period as Budget["period"] };
}

/** Checks a new key's fields against the names the config already uses. */
export function checkNewKey(key: NewKey, configKeys: readonly LoadedKey[], targets: Set<string>) {
  if (!NAME_PATTERN.test(key.name) || key.name.length > 100) {
    throw new InvalidRequestError(
      `invalid key name '${key.name.slice(0, 100)}': use letters, digits, '-', '_' and '.'`,
      { param: "name" },
    );
  }
  if (configKeys.some((k) => k.name === key.name)) {
    throw new InvalidRequestError(`a key named '${key.name}' is defined in the config`, {
      param: "name",
      code: "key_exists",
    });
  }
  for (const name of key.endpoints ?? []) {
    if (!targets.has(name)) {
      throw new InvalidRequestError(`'${name}' is not an endpoint or route`, {
        param: "endpoints",
      });
    }
  }
}

/** Adds a key to the store; resolves to its secret (shown once). */
export async function createStoredKey(
  store: UsageStore,
  key: NewKey,
  now = Date.now(),
): Promise<string> {
  const secret = newSecret();
  try {
    await store.createKey({
      name: key.name,
      sha256: sha256Hex(secret),
      endpoints: key.endpoints,
      budget_usd: key.budget?.usd ?? null,
      budget_period: key.budget?.period ?? null,
      created_at: now,
      revoked_at: null,
    });
  } catch (error) {
    throw new InvalidRequestError((error as Error).message, { param: "name", code: "key_exists" });
  }
  return secret;
}

/** The config's keys, then the store's. */
export async function listKeys(
  configKeys: readonly LoadedKey[],
  store: UsageStore,
): Promise<KeyInfo[]> {
  const stored = await store.keys();
  const iso = (ms: number | null) => ms === null ? null : new Date(ms).toISOString();
  return [
    ...configKeys.map((key) => ({
      name: key.name,
      source: "config" as const,
      admin: key.admin,
      endpoints: key.endpoints,
      budget: key.budget,
      created_at: null,
      revoked_at: null,
    })),
    ...stored.map((key) => ({
      name: key.name,
      source: "store" as const,
      admin: false,
      endpoints: key.endpoints,
      budget: key.budget_usd === null
        ? null
        : { usd: key.budget_usd, period: (key.budget_period ?? "month") as Budget["period"] },
      created_at: iso(key.created_at),
      revoked_at: iso(key.revoked_at),
    })),
  ];
}
