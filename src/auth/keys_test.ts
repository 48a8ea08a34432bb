import type { ClientKey } from "../core/client_key.ts";
import { assert, assertEquals, assertThrows } from "../../tests/assert.ts";
import { presentedSecret } from "./authenticate.ts";
import { createStoredKey, parseBudget } from "./key_admin.ts";
import { KeyRing } from "./keys.ts";
import { sha256Hex } from "./secrets.ts";
import type { LoadedKey } from "../config/load.ts";
import { InvalidRequestError } from "../core/errors.ts";
import { SqliteUsageStore } from "../store/usage_store.ts";

function loadedKey(name: string, secret: string, overrides: Partial<LoadedKey> = {}): LoadedKey {
  return {
    name,
    sha256: sha256Hex(secret),
    admin: false,
    endpoints: null,
    limit: null,
    budget: null,
    ...overrides,
  };
}

Deno.test("presentedSecret() reads a bearer token, whatever the scheme's case", () => {
  assertEquals(presentedSecret(new Headers({ authorization: "Bearer sk-1" })), "sk-1");
  assertEquals(presentedSecret(new Headers({ authorization: "bearer sk-2" })), "sk-2");
  assertEquals(presentedSecret(new Headers({ Authorization: "  BEARER   sk-3  " })), "sk-3");
});

Deno.test("presentedSecret() reads x-api-key, api-key and x-goog-api-key", () => {
  assertEquals(presentedSecret(new Headers({ "x-api-key": "anthropic" })), "anthropic");
  assertEquals(presentedSecret(new Headers({ "api-key": "azure" })), "azure");
  assertEquals(presentedSecret(new Headers({ "x-goog-api-key": "google" })), "google");
  assertEquals(
    presentedSecret(new Headers({ authorization: "Bearer first", "x-api-key": "second" })),
    "first",
  );
});

/** A lookup in a ring on a SQLite store, which answers at once. */
function findNow(ring: KeyRing, secret: string): ClientKey | undefined {
  const found = ring.find(secret);
  if (found instanceof Promise) throw new Error("a SQLite store answers at once");
  return found;
}

Deno.test("presentedSecret() is undefined without a key, or for a Basic authorization", () => {
  assertEquals(presentedSecret(new Headers()), undefined);
  assertEquals(presentedSecret(new Headers({ authorization: "Basic dXNlcjpwYXNz" })), undefined);
  assertEquals(presentedSecret(new Headers({ authorization: "Bearer" })), undefined);
  // A Basic authorization does not hide a key sent in another header.
  assertEquals(
    presentedSecret(new Headers({ authorization: "Basic dXNlcjpwYXNz", "x-api-key": "k" })),
    "k",
  );
});

Deno.test("KeyRing.find() finds a config key by its secret, and nothing for a wrong one", () => {
  const store = new SqliteUsageStore(":memory:");
  const ring = new KeyRing(store);
  ring.configure([
    loadedKey("admin", "secret-admin", { admin: true }),
    loadedKey("ci", "secret-ci", {
      endpoints: ["chat"],
      budget: { usd: 5, period: "day" },
      limit: { calls: 10, renewal_period: "minute" },
    }),
  ]);
  const admin = findNow(ring, "secret-admin");
  assertEquals([admin?.name, admin?.admin, admin?.source], ["admin", true, "config"]);
  const ci = findNow(ring, "secret-ci");
  assertEquals(ci?.name, "ci");
  assertEquals(ci?.endpoints, new Set(["chat"]));
  assertEquals(ci?.budget, { usd: 5, period: "day" });
  assertEquals(ci?.limit?.label, "client key 'ci'");
  assertEquals(findNow(ring, "secret-wrong"), undefined);
  assertEquals(findNow(ring, "SECRET-CI"), undefined);
  // A reload replaces the config's keys.
  ring.configure([loadedKey("other", "secret-other")]);
  assertEquals(findNow(ring, "secret-ci"), undefined);
  assertEquals(findNow(ring, "secret-other")?.name, "other");
  store.close();
});

Deno.test("KeyRing.find() finds a key just created in the store, and not once it is revoked", async () => {
  const store = new SqliteUsageStore(":memory:");
  let now = 1_000_000;
  const ring = new KeyRing(store, 2000, () => now);
  ring.configure([]);
  assertEquals(findNow(ring, "gw-nothing"), undefined);
  const secret = await createStoredKey(store, {
    name: "runtime",
    endpoints: ["chat"],
    budget: { usd: 12.5, period: "week" },
  }, now);
  assert(secret.startsWith("gw-"));
  assertEquals(store.keys()[0]?.sha256, sha256Hex(secret));
  // An unknown secret reads the store again, at most every refreshMs / 4.
  now += 100;
  assertEquals(findNow(ring, secret), undefined);
  now += 400;
  const key = findNow(ring, secret);
  assertEquals([key?.name, key?.admin, key?.source], ["runtime", false, "store"]);
  assertEquals(key?.endpoints, new Set(["chat"]));
  assertEquals(key?.budget, { usd: 12.5, period: "week" });

  assertEquals(store.revokeKey("runtime", now), true);
  ring.invalidate();
  assertEquals(findNow(ring, secret), undefined);
  store.close();
});

Deno.test("KeyRing.find() reads the store's keys at its first lookup", async () => {
  const store = new SqliteUsageStore(":memory:");
  const secret = await createStoredKey(store, { name: "early", endpoints: null, budget: null });
  const ring = new KeyRing(store);
  assertEquals(findNow(ring, secret)?.name, "early");
  store.close();
});

Deno.test("createStoredKey() refuses a name the store has already", async () => {
  const store = new SqliteUsageStore(":memory:");
  await createStoredKey(store, { name: "dup", endpoints: null, budget: null });
  const error = await createStoredKey(store, { name: "dup", endpoints: null, budget: null })
    .then(() => undefined, (e: Error) => e);
  assert(error !== undefined && /'dup' exists already/.test(error.message));
  assert(error instanceof InvalidRequestError);
  assertEquals((error as InvalidRequestError).code, "key_exists");
  store.close();
});

Deno.test("parseBudget() reads USD per period, a month when no period is given", () => {
  assertEquals(parseBudget("50/month"), { usd: 50, period: "month" });
  assertEquals(parseBudget("$5/day"), { usd: 5, period: "day" });
  assertEquals(parseBudget("12.5"), { usd: 12.5, period: "month" });
  assertEquals(parseBudget(" 3 / Hour "), { usd: 3, period: "hour" });
  assertEquals(parseBudget("100/week"), { usd: 100, period: "week" });
});

Deno.test("parseBudget() refuses zero, text that is no amount and unknown periods", () => {
  for (const text of ["0", "0/day", "abc", "5/fortnight", "-5", "5/"]) {
    const error = assertThrows(() => parseBudget(text), /invalid budget/);
    assert(error instanceof InvalidRequestError, text);
    assertEquals(error.param, "budget");
  }
});
