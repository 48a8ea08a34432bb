import { assertEquals } from "../../tests/assert.ts";
import { parseTime, usageReport } from "./usage_report.ts";
import type { UsageRow } from "./usage_store.ts";

const T0 = Date.UTC(2025, 2, 12, 10);
const HOUR = 3_600_000;

function row(overrides: Partial<UsageRow> = {}): UsageRow {
  return {
    id: "r",
    at: T0,
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
    total_ms: 100,
    upstream_ms: 90,
    first_chunk_ms: null,
    prompt_tokens: 10,
    completion_tokens: 5,
    cached_tokens: 0,
    total_tokens: 15,
    cost_usd: 0.25,
    retries: 0,
    fallbacks: 0,
    ...overrides,
  };
}

const ROWS: UsageRow[] = [
  row({ total_ms: 40 }),
  row({ total_ms: 10, client: "bob", outcome: "error", status: 500 }),
  row({ total_ms: 30, endpoint: "claude", provider: "anthropic", model: "claude-sonnet-4" }),
  row({ total_ms: 20, outcome: "client_closed", status: 499, cost_usd: null }),
  row({
    endpoint: null,
    provider: null,
    model: null,
    status: 401,
    outcome: "error",
    prompt_tokens: null,
    completion_tokens: null,
    total_tokens: null,
    cost_usd: null,
    total_ms: 1,
  }),
];

const options = { start: T0, end: T0 + 24 * HOUR, interval: null };

Deno.test("usageReport() groups by endpoint, the busiest first and '(none)' for no endpoint", () => {
  const report = usageReport(ROWS, { ...options, groupBy: "endpoint" });
  assertEquals(report.start, "2025-03-12T10:00:00.000Z");
  assertEquals(report.end, "2025-03-13T10:00:00.000Z");
  assertEquals([report.group_by, report.interval], ["endpoint", null]);
  assertEquals(report.lines.map((l) => [l.group, l.requests]), [
    ["chat", 3],
    ["(none)", 1],
    ["claude", 1],
  ]);
  const chat = report.lines[0];
  assertEquals(chat, {
    group: "chat",
    requests: 3,
    errors: 2,
    prompt_tokens: 30,
    completion_tokens: 15,
    total_tokens: 45,
    cost_usd: 0.5,
    unpriced_requests: 1,
    p50_ms: 20,
    p95_ms: 40,
  });
});

Deno.test("usageReport() groups by key, model and provider", () => {
  const byKey = usageReport(ROWS, { ...options, groupBy: "key" });
  assertEquals(byKey.lines.map((l) => [l.group, l.requests, l.errors]), [
    ["alice", 4, 2],
    ["bob", 1, 1],
  ]);
  const byModel = usageReport(ROWS, { ...options, groupBy: "model" });
  assertEquals(byModel.lines.map((l) => [l.group, l.requests]), [
    ["gpt-4o", 3],
    ["(none)", 1],
    ["claude-sonnet-4", 1],
  ]);
  const byProvider = usageReport(ROWS, { ...options, groupBy: "provider" });
  assertEquals(byProvider.lines.map((l) => [l.group, l.requests, l.cost_usd]), [
    ["openai", 3, 0.5],
    ["(none)", 1, 0],
    ["anthropic", 1, 0.25],
  ]);
});

Deno.test("usageReport() counts errors as every outcome but 'ok', and unpriced requests with tokens", () => {
  const { totals } = usageReport(ROWS, { ...options, groupBy: "endpoint" });
  assertEquals(totals, {
    requests: 5,
    errors: 3,
    prompt_tokens: 40,
    completion_tokens: 20,
    total_tokens: 60,
    cost_usd: 0.75,
    unpriced_requests: 1,
    p50_ms: 20,
    p95_ms: 40,
  });
});

Deno.test("usageReport() by hour puts each row in its hour's bucket, oldest first", () => {
  const rows = [
    row({ at: T0 + HOUR + 5, client: "bob" }),
    row({ at: T0 + 59 * 60_000 }),
    row({ at: T0 }),
    row({ at: T0 + 2 * HOUR - 1, client: "carol" }),
    row({ at: T0 + 10, client: "bob" }),
  ];
  const report = usageReport(rows, { ...options, groupBy: "key", interval: "hour" });
  assertEquals(report.interval, "hour");
  assertEquals(report.lines.map((l) => [l.interval_start, l.group, l.requests]), [
    ["2025-03-12T10:00:00.000Z", "alice", 2],
    ["2025-03-12T10:00:00.000Z", "bob", 1],
    ["2025-03-12T11:00:00.000Z", "bob", 1],
    ["2025-03-12T11:00:00.000Z", "carol", 1],
  ]);
  assertEquals(report.totals.requests, 5);
});

Deno.test("usageReport() takes p50 and p95 by nearest rank, to a tenth of a millisecond", () => {
  const durations = Array.from({ length: 20 }, (_, i) => (i + 1) * 10 + 0.04);
  const report = usageReport(durations.reverse().map((ms) => row({ total_ms: ms })), {
    ...options,
    groupBy: "endpoint",
  });
  assertEquals([report.totals.p50_ms, report.totals.p95_ms], [100, 190]);
  const one = usageReport([row({ total_ms: 12.36 })], { ...options, groupBy: "endpoint" });
  assertEquals([one.totals.p50_ms, one.totals.p95_ms], [12.4, 12.4]);
});

Deno.test("usageReport() of no rows has no lines, zero totals and no percentiles", () => {
  const report = usageReport([], { ...options, groupBy: "model" });
  assertEquals(report.lines, []);
  assertEquals(report.totals, {
    requests: 0,
    errors: 0,
    prompt_tokens: 0,
    completion_tokens: 0,
    total_tokens: 0,
    cost_usd: 0,
    unpriced_requests: 0,
    p50_ms: null,
    p95_ms: null,
  });
});

Deno.test("parseTime() takes an age before now, ISO 8601 or Unix seconds", () => {
  const now = Date.UTC(2025, 2, 12, 10);
  assertEquals(parseTime("7d", now), now - 7 * 86_400_000);
  assertEquals(parseTime("90m", now), now - 90 * 60_000);
  assertEquals(parseTime(" 24h ", now), now - 24 * HOUR);
  assertEquals(parseTime("1.5h", now), now - 1.5 * HOUR);
  assertEquals(parseTime("2w", now), now - 14 * 86_400_000);
  assertEquals(parseTime("30s", now), now - 30_000);
  assertEquals(parseTime("2025-01-02T03:04:05Z", now), Date.UTC(2025, 0, 2, 3, 4, 5));
  assertEquals(parseTime("1700000000", now), 1_700_000_000_000);
  assertEquals(parseTime("1700000000.5", now), 1_700_000_000_500);
});

Deno.test("parseTime() is undefined for text that is no time", () => {
  const now = Date.UTC(2025, 2, 12, 10);
  // Date.parse alone would read "7" as July 2001 and "12345" as a year.
  for (const text of ["abc", "7x", "-7d", "7 days", "yesterday", "", "7", "1", "week 1", "12345"]) {
    assertEquals(parseTime(text, now), undefined, text);
  }
});
