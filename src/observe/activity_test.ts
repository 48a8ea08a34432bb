import { assert, assertEquals } from "../../tests/assert.ts";
import { type Attempt, RequestRecord } from "../core/request_record.ts";
import { Activity, histogramQuantile } from "./activity.ts";
import { durationBucket } from "../store/usage_report.ts";

const MINUTE = 60_000;
/** A fixed start: 2025-01-01T00:00:00Z, a whole hour. */
const T0 = Date.UTC(2025, 0, 1);

function record(options: {
  ok?: boolean;
  ms?: number;
  upstreamMs?: number;
  tokens?: [number, number];
  target?: string;
  endpoint?: string;
  attempts?: Attempt[];
  ingress?: string | undefined;
  stream?: boolean;
} = {}): RequestRecord {
  const r = new RequestRecord(crypto.randomUUID(), { remoteAddress: "" }, "POST", "/v1/x");
  r.ingress = "ingress" in options ? options.ingress : "openai.chat";
  r.status = options.ok === false ? 502 : 200;
  r.outcome = options.ok === false ? "error" : "ok";
  r.totalMs = options.ms ?? 100;
  r.upstreamMs = options.upstreamMs ?? 90;
  r.target = options.target ?? options.endpoint ?? "chat";
  r.endpoint = options.endpoint ?? "chat";
  r.attempts = options.attempts;
  r.stream = options.stream ?? false;
  if (options.tokens) {
    const [prompt, completion] = options.tokens;
    r.usage = { prompt, completion, total: prompt + completion, cached: 0, reasoning: 0 };
    r.price = { input: 1e-6, output: 2e-6, cachedInput: 1e-6 };
  }
  return r;
}

function attempt(endpoint: string, ok: boolean, then?: "fallback" | "retry"): Attempt {
  return {
    endpoint,
    provider: "openai",
    model: "m",
    outcome: ok ? "ok" : "upstream_error",
    status: ok ? 200 : 502,
    ms: 5,
    ...(then ? { then } : {}),
  };
}

Deno.test("Activity.report() counts requests, errors, tokens and cost per minute of the last hour", () => {
  let now = T0 + 30 * MINUTE + 5_000;
  const activity = new Activity(() => now);
  activity.write(record({ tokens: [10, 20] }));
  activity.write(record({ ok: false }));
  now += MINUTE;
  activity.write(record({ tokens: [1, 2] }));
  const report = activity.report("1h");
  assertEquals(report.points.length, 60);
  assertEquals(report.step_seconds, 60);
  const last = report.points[59]!;
  const before = report.points[58]!;
  assertEquals(last.start, new Date(T0 + 31 * MINUTE).toISOString());
  assertEquals([before.requests, before.errors, before.prompt_tokens], [2, 1, 10]);
  assertEquals([last.requests, last.errors, last.completion_tokens], [1, 0, 2]);
  assertEquals(report.totals.requests, 3);
  assertEquals(report.totals.errors, 3 - 2);
  assertEquals(report.totals.error_rate, 1 / 3);
  assertEquals(report.totals.cost_usd, (10 + 40 + 1 + 4) / 1e6);
  assertEquals(report.points[0]!.p50_ms, null, "an empty minute has no percentiles");
});

Deno.test("Activity.report() gives latency and overhead percentiles from 5% histogram buckets", () => {
  const now = T0;
  const activity = new Activity(() => now);
  for (let i = 1; i <= 100; i++) activity.write(record({ ms: i * 10, upstreamMs: i * 10 - 2 }));
  const totals = activity.report("1h").totals;
  // Within a bucket's width (5%) of the exact nearest-rank values.
  assert(Math.abs(totals.p50_ms! - 500) / 500 < 0.05, `p50 ${totals.p50_ms}`);
  assert(Math.abs(totals.p95_ms! - 950) / 950 < 0.05, `p95 ${totals.p95_ms}`);
  assert(Math.abs(totals.overhead_p50_ms! - 2) / 2 < 0.05, `overhead ${totals.overhead_p50_ms}`);
});

Deno.test("Activity counts the overhead of complete answers only (a stream's includes its relay)", () => {
  const activity = new Activity(() => T0);
  activity.write(record({ ms: 100, upstreamMs: 98 }));
  activity.write(record({ ms: 5000, upstreamMs: 100, stream: true }));
  const totals = activity.report("1h").totals;
  assert(Math.abs(totals.overhead_p95_ms! - 2) / 2 < 0.05, `overhead ${totals.overhead_p95_ms}`);
  assert(totals.p95_ms! > 4000, "the stream's total is a latency all the same");
});

Deno.test("Activity.report() rolls finished minutes into the day's and week's steps", () => {
  let now = T0 + 2 * MINUTE;
  const activity = new Activity(() => now);
  activity.write(record());
  now += MINUTE;
  activity.write(record());
  activity.write(record());
  now += 20 * MINUTE; // the next quarter hour
  activity.write(record({ tokens: [5, 5] }));
  const day = activity.report("24h");
  assertEquals(day.points.length, 96);
  assertEquals(day.step_seconds, 900);
  assertEquals(day.points.at(-2)!.requests, 3, "the quarter hour of the three first");
  assertEquals(day.points.at(-1)!.requests, 1, "the current minute is counted in its quarter");
  const week = activity.report("7d");
  assertEquals(week.points.length, 168);
  assertEquals(week.points.at(-1)!.requests, 4);
  assertEquals(week.points.at(-1)!.prompt_tokens, 5);
  assertEquals(week.totals.requests, 4);
});

Deno.test("Activity.report() drops steps older than its window", () => {
  let now = T0;
  const activity = new Activity(() => now);
  activity.write(record());
  now += 61 * MINUTE;
  activity.write(record());
  assertEquals(activity.report("1h").totals.requests, 1);
  assertEquals(activity.report("24h").totals.requests, 2);
});

Deno.test("Activity requests per second are over the time counted, not the whole window", () => {
  let now = T0;
  const activity = new Activity(() => now);
  now += 10_000;
  for (let i = 0; i < 20; i++) activity.write(record());
  const report = activity.report("1h");
  assertEquals(report.totals.requests_per_second, 2);
  assertEquals(report.points.at(-1)!.requests_per_second, 2, "the current minute's so far");
  assertEquals(report.points.at(-2)!.requests_per_second, null, "before the process started");
});

Deno.test("Activity skips records of the gateway's own APIs (no ingress)", () => {
  const activity = new Activity(() => T0);
  activity.write(record({ ingress: undefined }));
  assertEquals(activity.report("1h").totals.requests, 0);
});

Deno.test("Activity.endpoint() keeps attempts, failures and the last five errors, newest first", () => {
  let now = T0;
  const activity = new Activity(() => now);
  for (let i = 0; i < 7; i++) {
    now += 1000;
    activity.write(record({ ok: false, endpoint: "bad", attempts: [attempt("bad", false)] }));
  }
  activity.write(record({ endpoint: "bad", attempts: [attempt("bad", true)] }));
  const bad = activity.endpoint("bad");
  assertEquals([bad.attempts, bad.failures, bad.last_ok], [8, 7, true]);
  assertEquals(bad.errors.length, 5);
  assertEquals(bad.errors[0]!.at, new Date(T0 + 7000).toISOString());
  assertEquals([bad.errors[0]!.status, bad.errors[0]!.error_type], [502, "upstream_error"]);
  assertEquals(activity.endpoint("unknown").last_ok, null);
});

Deno.test("Activity.route() counts which destination served a route and which it moved on from", () => {
  const activity = new Activity(() => T0);
  const fallback = [attempt("first", false, "fallback"), attempt("second", true)];
  activity.write(record({ target: "r", endpoint: "second", attempts: fallback }));
  activity.write(record({ target: "r", endpoint: "first", attempts: [attempt("first", true)] }));
  activity.write(record({ target: "r", endpoint: "second", attempts: fallback }));
  activity.write(record({ endpoint: "second", attempts: [attempt("second", true)] }));
  assertEquals(activity.route("r"), {
    first: { served: 1, failed_over: 2 },
    second: { served: 2, failed_over: 0 },
  });
  assertEquals(activity.route("second"), {}, "a direct call is no route's");
});

Deno.test("histogramQuantile() takes the nearest rank's bucket", () => {
  const histogram = new Map([[durationBucket(1), 9], [durationBucket(100), 1]]);
  const near = (value: number | null, expected: number) =>
    assert(Math.abs(value! - expected) / expected < 0.05, `${value} is not near ${expected}`);
  near(histogramQuantile(histogram, 10, 0.5), 1);
  near(histogramQuantile(histogram, 10, 0.95), 100);
  assertEquals(histogramQuantile(new Map(), 0, 0.5), null);
});
