import { DatabaseSync } from "node:sqlite";
import { assert, assertEquals, assertThrows } from "../../tests/assert.ts";
import { SqliteUsageStore, type StoredKey, StoreError, type UsageRow } from "./usage_store.ts";
import { MemoryUsageStore } from "./memory_store.ts";

function row(overrides: Partial<UsageRow> = {}): UsageRow {
  return {
    id: "req-1",
    at: 1_000,
    method: "POST",
    path: "/v1/chat/completions",
    ingress: "openai.chat",
    client: "alice",
    target: "chat",
    endpoint: "chat",
    provider: "openai",
    model: "gpt-4o",
    stream: false,
    status: 200,
    outcome: "ok",
    error_type: null,
    total_ms: 12.5,
    upstream_ms: 10.25,
    first_chunk_ms: null,
    prompt_tokens: 10,
    completion_tokens: 5,
    cached_tokens: 0,
    total_tokens: 15,
    cost_usd: 0.5,
    retries: 0,
    fallbacks: 0,
    ...overrides,
  };
}

function key(overrides: Partial<StoredKey> = {}): StoredKey {
  return {
    name: "ci",
    sha256: "a".repeat(64),
    endpoints: null,
    budget_usd: null,
    budget_period: null,
    created_at: 1_000,
    revoked_at: null,
    ...overrides,
  };
}

Deno.test("UsageStore on a file runs its migrations once and keeps the data across opens", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/usage.db`;
    const first = new SqliteUsageStore(path);
    assertEquals(first.kind, "sqlite");
    first.insert([row()]);
    first.close();

    const second = new SqliteUsageStore(path);
    assertEquals(second.count(), 1);
    assertEquals(second.rows(0, 2_000), [row()]);
    second.close();

    const db = new DatabaseSync(path);
    const versions = db.prepare("SELECT version FROM gateway_schema").all();
    db.close();
    assertEquals(versions.map((v) => Number(v.version)), [1, 2, 3]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("UsageStore.insert() and rows() round-trip every column, booleans and nulls included", () => {
  const store = new SqliteUsageStore(":memory:");
  assertEquals(store.kind, "sqlite");
  const full = row({
    id: "full",
    at: 5_000,
    stream: true,
    status: 502,
    outcome: "broken",
    error_type: "api_error",
    first_chunk_ms: 3.5,
    cached_tokens: 4,
    retries: 2,
    fallbacks: 1,
    cost_usd: 0.125,
  });
  const empty = row({
    id: "empty",
    at: 6_000,
    ingress: null,
    client: "anonymous",
    target: null,
    endpoint: null,
    provider: null,
    model: null,
    status: 401,
    outcome: "error",
    error_type: "invalid_request_error",
    first_chunk_ms: null,
    prompt_tokens: null,
    completion_tokens: null,
    cached_tokens: null,
    total_tokens: null,
    cost_usd: null,
  });
  store.insert([empty, full]);
  assertEquals(store.rows(0, 10_000), [full, empty]);
  store.insert([]);
  assertEquals(store.count(), 2);
  store.close();
});

Deno.test("UsageStore.rows() returns the records that arrived in [start, end), oldest first", () => {
  const store = new SqliteUsageStore(":memory:");
  store.insert([300, 100, 200, 400].map((at) => row({ id: `r${at}`, at })));
  assertEquals(store.rows(100, 300).map((r) => r.id), ["r100", "r200"]);
  assertEquals(store.rows(101, 401).map((r) => r.id), ["r200", "r300", "r400"]);
  assertEquals(store.rows(500, 600), []);
  store.close();
});

const HOUR = 3_600_000;

/** Both stores keep the same contract. */
const STORES: [string, () => SqliteUsageStore | MemoryUsageStore][] = [
  ["SqliteUsageStore", () => new SqliteUsageStore(":memory:")],
  ["MemoryUsageStore", () => new MemoryUsageStore()],
];

for (const [name, open] of STORES) {
  Deno.test(`${name}.spent() sums a client's costs by the hour since a time, ignoring unpriced requests`, () => {
    const store = open();
    store.insert([
      row({ id: "old", at: 1 * HOUR + 50, client: "alice", cost_usd: 100 }),
      row({ id: "a", at: 2 * HOUR, client: "alice", cost_usd: 0.5 }),
      row({ id: "b", at: 3 * HOUR + 10, client: "alice", cost_usd: 0.25 }),
      row({ id: "unpriced", at: 3 * HOUR + 20, client: "alice", cost_usd: null }),
      row({ id: "bob", at: 3 * HOUR + 30, client: "bob", cost_usd: 8 }),
    ]);
    assertEquals(store.spent("client", "alice", 2 * HOUR), 0.75);
    // Spending is kept per hour: a time within an hour counts that whole hour.
    assertEquals(store.spent("client", "alice", 3 * HOUR + 20), 0.25);
    assertEquals(store.spent("client", "bob", 0), 8);
    assertEquals(store.spent("client", "nobody", 0), 0);
    store.close();
  });

  Deno.test(`${name}.spent() sums the costs on an endpoint, across batches`, () => {
    const store = open();
    store.insert([
      row({ id: "a", at: 10, endpoint: "chat", client: "alice", cost_usd: 1 }),
      row({ id: "c", at: 30, endpoint: "embed", cost_usd: 4 }),
      row({ id: "d", at: 40, endpoint: null, cost_usd: null }),
    ]);
    store.insert([row({ id: "b", at: HOUR + 20, endpoint: "chat", client: "bob", cost_usd: 2 })]);
    assertEquals(store.spent("endpoint", "chat", 0), 3);
    assertEquals(store.spent("endpoint", "chat", HOUR), 2);
    assertEquals(store.spent("endpoint", "embed", HOUR), 0);
    // Asked again after more spending, the same sum has grown by it (and only by what counts).
    store.insert([
      row({ id: "e", at: HOUR + 30, endpoint: "chat", cost_usd: 0.5 }),
      row({ id: "f", at: 40, endpoint: "chat", cost_usd: 8 }),
    ]);
    assertEquals(store.spent("endpoint", "chat", HOUR), 2.5);
    assertEquals(store.spent("endpoint", "chat", 0), 11.5);
    store.close();
  });

  Deno.test(`${name}.report() counts requests, errors, tokens and cost per group and hour`, () => {
    const store = open();
    store.insert([
      row({ id: "a", at: 10, total_ms: 10 }),
      row({ id: "b", at: 20, outcome: "error", total_ms: 20, cost_usd: null, total_tokens: null }),
      row({ id: "c", at: HOUR + 5, client: "bob", total_ms: 100, cost_usd: null }),
      row({ id: "late", at: 5 * HOUR }),
    ]);
    const report = store.report({ start: 0, end: 2 * HOUR, groupBy: "key", interval: "hour" });
    const lines = report.lines.map((l) => [l.interval_start, l.group, l.requests, l.errors]);
    assertEquals(lines, [
      [new Date(0).toISOString(), "alice", 2, 1],
      [new Date(HOUR).toISOString(), "bob", 1, 0],
    ]);
    assertEquals(report.totals.requests, 3);
    assertEquals(report.totals.prompt_tokens, 30);
    assertEquals(report.totals.cost_usd, 0.5);
    assertEquals(report.totals.unpriced_requests, 1);
    // Exact from rows, within 5% from the memory store's histogram.
    const p95 = report.totals.p95_ms as number;
    assert(Math.abs(p95 - 100) <= 5, `p95 ${p95}`);
    store.close();
  });
}

Deno.test("SqliteUsageStore.rows() gives the records of a time range, oldest first", () => {
  const store = new SqliteUsageStore(":memory:");
  const many = Array.from({ length: 70 }, (_, i) => row({ id: `r${i}`, at: 1000 + i }));
  store.insert(many);
  assertEquals(store.count(), 70);
  assertEquals(store.rows(1010, 1020).map((r) => r.id), many.slice(10, 20).map((r) => r.id));
  store.close();
});

Deno.test("UsageStore.createKey() and keys() keep a key's fields; a taken name is refused", () => {
  const store = new SqliteUsageStore(":memory:");
  const scoped = key({
    name: "scoped",
    sha256: "b".repeat(64),
    endpoints: ["chat", "embed"],
    budget_usd: 12.5,
    budget_period: "day",
    created_at: 2_000,
  });
  store.createKey(scoped);
  store.createKey(key());
  assertEquals(store.keys(), [key(), scoped]);
  const error = assertThrows(
    () => store.createKey(key({ sha256: "c".repeat(64) })),
    /a key named 'ci' exists already/,
  );
  assert(error instanceof StoreError);
  store.close();
});

Deno.test("UsageStore.revokeKey() revokes an active key once, and is false for an unknown one", () => {
  const store = new SqliteUsageStore(":memory:");
  store.createKey(key());
  assertEquals(store.revokeKey("nobody", 5_000), false);
  assertEquals(store.revokeKey("ci", 5_000), true);
  assertEquals(store.revokeKey("ci", 6_000), false);
  assertEquals(store.keys(), [key({ revoked_at: 5_000 })]);
  // A revoked key's name stays taken.
  assertThrows(() => store.createKey(key({ sha256: "d".repeat(64) })), /exists already/);
  store.close();
});

Deno.test("UsageStore in memory with maxRows prunes to the last maxRows every 1000 inserts", () => {
  const store = new SqliteUsageStore(":memory:", 100);
  for (let batch = 0; batch < 9; batch++) {
    store.insert(Array.from({ length: 100 }, (_, i) => row({ id: `${batch}-${i}`, at: batch })));
  }
  assertEquals(store.count(), 900);
  store.insert(Array.from({ length: 100 }, (_, i) => row({ id: `9-${i}`, at: 9 })));
  assertEquals(store.count(), 100);
  assertEquals(
    store.rows(0, 100).map((r) => r.id),
    Array.from({ length: 100 }, (_, i) => `9-${i}`),
  );
  store.insert(Array.from({ length: 50 }, (_, i) => row({ id: `10-${i}`, at: 10 })));
  assertEquals(store.count(), 150);
  store.close();
});

Deno.test("SqliteUsageStore brings a store of an older schema up to date, keeping its data", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/usage.db`;
    const store = new SqliteUsageStore(path);
    store.insert([row({ id: "kept" })]);
    store.close();
    // As a gateway before the audit table left it: schema version 1.
    const db = new DatabaseSync(path);
    db.exec(
      "DROP TABLE audit; DROP TABLE responses; DELETE FROM gateway_schema WHERE version > 1;",
    );
    db.close();
    const reopened = new SqliteUsageStore(path);
    reopened.insertAudit([{ at: 1, request_id: "r", entry: "{}" }]);
    assertEquals(reopened.rows(0, 10_000).map((r) => r.id), ["kept"]);
    reopened.close();
    const check = new DatabaseSync(path);
    const versions = check.prepare("SELECT version FROM gateway_schema ORDER BY version").all();
    assertEquals(versions.map((v) => Number(v.version)), [1, 2, 3]);
    check.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("UsageStore refuses a store whose schema version is newer than it knows", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/usage.db`;
    new SqliteUsageStore(path).close();
    const db = new DatabaseSync(path);
    db.prepare("INSERT INTO gateway_schema (version) VALUES (?)").run(99);
    db.close();
    const error = assertThrows(() => new SqliteUsageStore(path), /version 99, newer than/);
    assert(error instanceof StoreError);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
