import { assert, assertEquals } from "../../tests/assert.ts";
import { RequestRecord } from "../core/request_record.ts";
import { Logger } from "../observe/logs.ts";
import { UsageRecorder, usageRowOf } from "./recorder.ts";
import { SqliteUsageStore, type UsageRow } from "./usage_store.ts";

type UsageStore = SqliteUsageStore;

const quiet = () => new Logger({ level: "error", format: "json", write: () => {} });

/** A completed chat record; with the default price its cost is $2 (2×0.5 + 4×0.25). */
function record(
  id: string,
  options: { client?: string; endpoint?: string; ingress?: string | null; price?: boolean } = {},
): RequestRecord {
  const r = new RequestRecord(id, { remoteAddress: "127.0.0.1" }, "POST", "/v1/chat/completions");
  if (options.ingress !== null) r.ingress = options.ingress ?? "openai.chat";
  r.client = options.client ?? "alice";
  r.target = options.endpoint ?? "chat";
  r.attempt({
    endpoint: options.endpoint ?? "chat",
    provider: "openai",
    model: "gpt-4o",
    outcome: "ok",
    status: 200,
    ms: 5,
  });
  r.status = 200;
  r.usage = { prompt: 2, completion: 4, total: 6, cached: 0, reasoning: 0 };
  if (options.price !== false) r.price = { input: 0.5, output: 0.25, cachedInput: 0.125 };
  r.complete();
  return r;
}

function recorder(store: UsageStore, maxBuffered?: number): UsageRecorder {
  return new UsageRecorder(store, quiet(), {
    flushMs: 60_000,
    ...(maxBuffered === undefined ? {} : { maxBuffered }),
  });
}

/** A store whose writes fail while `failing` is set, and which keeps what it took. */
function flakyStore(): { store: UsageStore; failing: boolean; taken: UsageRow[] } {
  const state = {
    failing: true,
    taken: [] as UsageRow[],
    store: undefined as unknown as UsageStore,
  };
  state.store = {
    kind: "memory",
    insert(rows: readonly UsageRow[]) {
      if (state.failing) throw new Error("database is locked");
      state.taken.push(...rows);
    },
  } as unknown as UsageStore;
  return state;
}

Deno.test("usageRowOf() makes a store row of a completed record, its cost included", () => {
  const r = record("req-1");
  const row = usageRowOf(r);
  assertEquals(row.id, "req-1");
  assertEquals(row.method, "POST");
  assertEquals(row.path, "/v1/chat/completions");
  assertEquals(row.ingress, "openai.chat");
  assertEquals(row.client, "alice");
  assertEquals([row.target, row.endpoint, row.provider, row.model], [
    "chat",
    "chat",
    "openai",
    "gpt-4o",
  ]);
  assertEquals([row.status, row.outcome, row.stream], [200, "ok", false]);
  assertEquals([row.prompt_tokens, row.completion_tokens, row.total_tokens], [2, 4, 6]);
  assertEquals([row.cost_usd, row.upstream_ms, row.first_chunk_ms], [2, 5, null]);
  assertEquals(usageRowOf(record("req-2", { price: false })).cost_usd, null);
});

Deno.test("UsageRecorder.write() skips records that came through no client API", () => {
  const store = new SqliteUsageStore(":memory:");
  const sink = recorder(store);
  sink.write(record("health", { ingress: null }));
  assertEquals(sink.buffered, 0);
  sink.flush();
  assertEquals(store.count(), 0);
  store.close();
});

Deno.test("UsageRecorder.flush() writes the buffered rows in one batch and reports them", () => {
  const store = new SqliteUsageStore(":memory:");
  const sink = recorder(store);
  const batches: string[][] = [];
  sink.onFlushed = (rows) => batches.push(rows.map((row) => row.id));
  sink.write(record("a"));
  sink.write(record("b"));
  assertEquals(sink.buffered, 2);
  assertEquals(store.count(), 0);
  sink.flush();
  assertEquals(batches, [["a", "b"]]);
  assertEquals(sink.buffered, 0);
  assertEquals(store.count(), 2);
  sink.flush();
  assertEquals(batches.length, 1);
  store.close();
});

Deno.test("UsageRecorder writes to a store that answers with a promise, one batch at a time", async () => {
  const taken: string[][] = [];
  let release: () => void = () => {};
  const slow = {
    kind: "postgres" as const,
    insert: (rows: readonly UsageRow[]) =>
      new Promise<void>((resolve) => {
        taken.push(rows.map((row) => row.id));
        release = resolve;
      }),
  };
  const sink = new UsageRecorder(slow, quiet(), { flushMs: 60_000 });
  sink.write(record("a"));
  const first = sink.flush();
  sink.write(record("b"));
  // The first batch is still being written: a second flush waits for it.
  assertEquals(sink.flush(), first);
  assertEquals(sink.pendingUsd("client", "alice"), 4);
  release();
  await first;
  assertEquals(sink.pendingUsd("client", "alice"), 2);
  const closing = sink.close();
  release();
  await closing;
  assertEquals(taken, [["a"], ["b"]]);
  assertEquals(sink.pendingUsd("client", "alice"), 0);
});

Deno.test("UsageRecorder.pendingUsd() counts the cost of buffered rows until they are flushed", () => {
  const store = new SqliteUsageStore(":memory:");
  const sink = recorder(store);
  sink.write(record("a", { client: "alice", endpoint: "chat" }));
  sink.write(record("b", { client: "bob", endpoint: "chat" }));
  sink.write(record("c", { client: "alice", endpoint: "other", price: false }));
  assertEquals(sink.pendingUsd("client", "alice"), 2);
  assertEquals(sink.pendingUsd("client", "bob"), 2);
  assertEquals(sink.pendingUsd("endpoint", "chat"), 4);
  assertEquals(sink.pendingUsd("endpoint", "other"), 0);
  sink.flush();
  assertEquals(sink.pendingUsd("client", "alice"), 0);
  assertEquals(sink.pendingUsd("endpoint", "chat"), 0);
  assertEquals(store.spent("endpoint", "chat", 0), 4);
  store.close();
});

Deno.test("UsageRecorder keeps the rows a failing store refuses and writes them at a later flush", () => {
  const flaky = flakyStore();
  const sink = recorder(flaky.store);
  let flushed = 0;
  sink.onFlushed = (rows) => (flushed += rows.length);
  sink.write(record("a"));
  sink.write(record("b"));
  sink.flush();
  assertEquals(sink.buffered, 2);
  assertEquals(sink.pendingUsd("client", "alice"), 4);
  assertEquals(flushed, 0);
  flaky.failing = false;
  sink.flush();
  assertEquals(flaky.taken.map((row) => row.id), ["a", "b"]);
  assertEquals([sink.buffered, sink.dropped, flushed], [0, 0, 2]);
  assertEquals(sink.pendingUsd("client", "alice"), 0);
});

Deno.test("UsageRecorder holds at most maxBuffered rows, dropping the oldest and counting them", () => {
  const flaky = flakyStore();
  const sink = recorder(flaky.store, 3);
  for (const id of ["a", "b", "c", "d", "e"]) sink.write(record(id));
  assertEquals(sink.buffered, 3);
  assertEquals(sink.dropped, 2);
  // The dropped rows' cost no longer counts as pending.
  assertEquals(sink.pendingUsd("client", "alice"), 6);
  flaky.failing = false;
  sink.flush();
  assertEquals(flaky.taken.map((row) => row.id), ["c", "d", "e"]);
});

Deno.test("UsageRecorder.close() writes the rows still buffered", () => {
  const store = new SqliteUsageStore(":memory:");
  const sink = recorder(store);
  sink.write(record("a"));
  sink.close();
  assertEquals(store.count(), 1);
  assertEquals(sink.buffered, 0);
  assert(store.rows(0, Date.now() + 1_000).some((row) => row.id === "a"));
  store.close();
});

Deno.test("UsageRecorder writes a full batch at the next turn of the event loop, not at the timer", async () => {
  const store = new SqliteUsageStore(":memory:");
  const sink = recorder(store);
  for (let i = 0; i < 255; i++) sink.write(record(`r${i}`));
  await new Promise((resolve) => setTimeout(resolve, 5));
  // Below a batch the 60 s timer decides.
  assertEquals(store.count(), 0);
  sink.write(record("r255"));
  assertEquals(store.count(), 0);
  await new Promise((resolve) => setTimeout(resolve, 5));
  assertEquals(store.count(), 256);
  assertEquals(sink.buffered, 0);
  await sink.close();
  store.close();
});

Deno.test("UsageRecorder writes the full batch that came during a write once it is taken, not at the timer", async () => {
  const taken: number[] = [];
  let release: () => void = () => {};
  const slow = {
    kind: "postgres" as const,
    insert: (rows: readonly UsageRow[]) =>
      new Promise<void>((resolve) => {
        taken.push(rows.length);
        release = resolve;
      }),
  };
  const sink = new UsageRecorder(slow, quiet(), { flushMs: 60_000 });
  sink.write(record("first"));
  const first = sink.flush();
  for (let i = 0; i < 300; i++) sink.write(record(`r${i}`));
  await new Promise((resolve) => setTimeout(resolve, 5));
  // Nothing more while the first batch is being written.
  assertEquals(taken, [1]);
  release();
  await first;
  await new Promise((resolve) => setTimeout(resolve, 5));
  assertEquals(taken, [1, 300]);
  release();
  await sink.close();
  assertEquals(sink.buffered, 0);
});

Deno.test("UsageRecorder on a SQLite store with a writer thread: rows, spending and budgets' sums exact", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "recorder-writer-" });
  const store = new SqliteUsageStore(`${dir}/usage.db`);
  try {
    await store.startWriter();
    assert(store.writesOnThread);
    const sink = recorder(store);
    for (let i = 0; i < 300; i++) sink.write(record(`w${i}`));
    // A batch is on its way: until it is taken it counts as pending, and the sum read on the
    // thread after it includes it; never both.
    const writing = sink.flush();
    assertEquals(sink.pendingUsd("client", "alice"), 600);
    const spent = await store.spent("client", "alice", 0);
    assertEquals(spent, 600);
    await writing;
    assertEquals(sink.pendingUsd("client", "alice"), 0);
    sink.write(record("last"));
    await sink.close();
    assertEquals(await store.spent("endpoint", "chat", 0), 602);
    assertEquals(store.count(), 301);
  } finally {
    await store.close();
    Deno.removeSync(dir, { recursive: true });
  }
});
