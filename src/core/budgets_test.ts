import { assert, assertEquals, assertThrows } from "../../tests/assert.ts";
import { Budgets, periodOf } from "./budgets.ts";
import { GatewayError } from "./errors.ts";
import { RequestRecord } from "./request_record.ts";
import { silentLogger } from "../observe/logs.ts";
import { UsageRecorder } from "../store/recorder.ts";
import { SqliteUsageStore, type UsageRow } from "../store/usage_store.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function row(id: string, at: number, cost: number, client = "alice", endpoint = "chat"): UsageRow {
  return {
    id,
    at,
    method: "POST",
    path: "/v1/chat/completions",
    ingress: "openai.chat",
    client,
    target: endpoint,
    endpoint,
    provider: "openai",
    model: "gpt-4o",
    stream: false,
    status: 200,
    outcome: "ok",
    error_type: null,
    total_ms: 10,
    upstream_ms: 8,
    first_chunk_ms: null,
    prompt_tokens: 1,
    completion_tokens: 1,
    cached_tokens: 0,
    total_tokens: 2,
    cost_usd: cost,
    retries: 0,
    fallbacks: 0,
  };
}

/** A completed chat record of `alice` on `chat` costing $2 (2×0.5 + 4×0.25). */
function record(id: string): RequestRecord {
  const r = new RequestRecord(id, { remoteAddress: "127.0.0.1" }, "POST", "/v1/chat/completions");
  r.ingress = "openai.chat";
  r.client = "alice";
  r.attempt({
    endpoint: "chat",
    provider: "openai",
    model: "gpt-4o",
    outcome: "ok",
    status: 200,
    ms: 1,
  });
  r.status = 200;
  r.usage = { prompt: 2, completion: 4, total: 6, cached: 0, reasoning: 0 };
  r.price = { input: 0.5, output: 0.25, cachedInput: 0.125 };
  r.complete();
  return r;
}

/** A store, a recorder that never flushes by itself, and budgets on a clock the test moves. */
function setup(start: number, refreshMs = 1000) {
  const store = new SqliteUsageStore(":memory:");
  const recorder = new UsageRecorder(store, silentLogger(), { flushMs: 60_000 });
  const clock = { t: start };
  const budgets = new Budgets(store, recorder, refreshMs, () => clock.t);
  const done = () => {
    recorder.close();
    store.close();
  };
  return { store, recorder, clock, budgets, done };
}

Deno.test("periodOf() gives the UTC hour and day that hold a time", () => {
  const now = Date.UTC(2025, 2, 12, 14, 35, 10, 500);
  assertEquals(periodOf("hour", now), {
    start: Date.UTC(2025, 2, 12, 14),
    end: Date.UTC(2025, 2, 12, 15),
  });
  assertEquals(periodOf("day", now), { start: Date.UTC(2025, 2, 12), end: Date.UTC(2025, 2, 13) });
  const midnight = Date.UTC(2025, 2, 12);
  assertEquals(periodOf("day", midnight), { start: midnight, end: midnight + DAY });
});

Deno.test("periodOf() starts weeks on Monday, UTC", () => {
  const monday = Date.UTC(2025, 2, 10);
  const week = { start: monday, end: monday + 7 * DAY };
  assertEquals(periodOf("week", monday), week);
  assertEquals(periodOf("week", Date.UTC(2025, 2, 12, 9)), week); // a Wednesday
  assertEquals(periodOf("week", Date.UTC(2025, 2, 16, 23, 59)), week); // Sunday night
  assertEquals(periodOf("week", Date.UTC(2025, 2, 17)).start, Date.UTC(2025, 2, 17));
  // A week across a month's and a year's end.
  assertEquals(periodOf("week", Date.UTC(2025, 0, 1)).start, Date.UTC(2024, 11, 30));
});

Deno.test("periodOf() gives the calendar month, December ending on January 1st", () => {
  assertEquals(periodOf("month", Date.UTC(2025, 1, 14, 8)), {
    start: Date.UTC(2025, 1, 1),
    end: Date.UTC(2025, 2, 1),
  });
  assertEquals(periodOf("month", Date.UTC(2025, 11, 31, 23, 59, 59)), {
    start: Date.UTC(2025, 11, 1),
    end: Date.UTC(2026, 0, 1),
  });
});

Deno.test("Budgets.check() refuses with a 429 budget_exceeded once the store's rows reach the budget", () => {
  const now = Date.UTC(2025, 2, 12, 12);
  const t = setup(now);
  t.store.insert([row("old", Date.UTC(2025, 1, 27), 50), row("a", now - HOUR, 3)]);
  const budget = { usd: 5, period: "month" as const };
  t.budgets.check("client", "alice", budget);
  t.store.insert([row("b", now - 1, 2)]);
  t.clock.t += 1000;
  const error = assertThrows(
    () => t.budgets.check("client", "alice", budget),
    /client key 'alice' is spent: \$5\.0000 of \$5 this month/,
  );
  assert(error instanceof GatewayError);
  assertEquals([error.status, error.type, error.code], [
    429,
    "insufficient_quota",
    "budget_exceeded",
  ]);
  assertEquals(error.retryAfter, (Date.UTC(2025, 3, 1) - t.clock.t) / 1000);
  assertEquals(error.retryable, false);
  t.done();
});

Deno.test("Budgets.check() counts the recorder's rows not yet written to the store", () => {
  const now = Date.UTC(2025, 2, 12, 12);
  const t = setup(now);
  t.store.insert([row("a", now - HOUR, 3)]);
  const budget = { usd: 5, period: "day" as const };
  t.budgets.check("client", "alice", budget);
  t.budgets.check("endpoint", "chat", budget);
  t.recorder.write(record("pending"));
  assertEquals(t.budgets.spent("client", "alice", budget), 5);
  const error = assertThrows(() => t.budgets.check("endpoint", "chat", budget), /endpoint 'chat'/);
  assert(error instanceof GatewayError);
  assertEquals(error.retryable, true);
  assertEquals(error.retryAfter, 12 * 3600);
  // Once flushed, the row counts once: in the stored sum, no longer as pending.
  t.recorder.flush();
  assertEquals(t.recorder.pendingUsd("client", "alice"), 0);
  assertEquals(t.budgets.spent("client", "alice", budget), 5);
  t.done();
});

Deno.test("Budgets sees rows another process wrote to the store only after refreshMs", () => {
  const now = Date.UTC(2025, 2, 12, 12);
  const t = setup(now, 1000);
  const budget = { usd: 5, period: "hour" as const };
  t.budgets.check("client", "alice", budget);
  t.store.insert([row("elsewhere", now + 10, 7)]);
  t.clock.t = now + 999;
  t.budgets.check("client", "alice", budget);
  assertEquals(t.budgets.spent("client", "alice", budget), 0);
  t.clock.t = now + 1000;
  assertThrows(() => t.budgets.check("client", "alice", budget), /\$7\.0000 of \$5 this hour/);
  t.done();
});

Deno.test("Budgets starts each period afresh", () => {
  const now = Date.UTC(2025, 2, 12, 12, 59);
  const t = setup(now, 60 * HOUR);
  const budget = { usd: 1, period: "hour" as const };
  t.store.insert([row("a", now, 2)]);
  assertThrows(() => t.budgets.check("client", "alice", budget), /this hour/);
  t.clock.t = Date.UTC(2025, 2, 12, 13);
  t.budgets.check("client", "alice", budget);
  t.done();
});
