import { assertEquals } from "../../../tests/assert.ts";
import {
  formatAgo,
  formatCount,
  formatMs,
  formatPercent,
  formatRate,
  formatStep,
  formatUsd,
} from "./format.ts";

Deno.test("formatCount() writes small counts whole and large ones with k, M, G", () => {
  assertEquals(
    [0, 7, 950, 1234, 12_345, 999_999, 3_400_000, 2e9].map(formatCount),
    ["0", "7", "950", "1.2k", "12k", "1M", "3.4M", "2G"],
  );
  assertEquals(formatCount(null), "–");
  assertEquals(formatCount(Number.NaN), "–");
});

Deno.test("formatMs() writes milliseconds, seconds and minutes", () => {
  assertEquals(
    [0.44, 4.25, 12.6, 999, 1250, 59_999, 90_000].map(formatMs),
    ["0.4 ms", "4.3 ms", "13 ms", "999 ms", "1.25 s", "60 s", "1.5 min"],
  );
  assertEquals(formatMs(null), "–");
});

Deno.test("formatUsd() keeps three significant digits below a cent", () => {
  assertEquals(
    [0, 0.000123456, 0.0045, 0.05, 1.234, 1234.5].map(formatUsd),
    ["$0", "$0.000123", "$0.0045", "$0.05", "$1.23", "$1,235"],
  );
  assertEquals(formatUsd(undefined), "–");
});

Deno.test("formatPercent() and formatRate() round for reading", () => {
  assertEquals([0, 0.025, 0.333, 1].map(formatPercent), ["0%", "2.5%", "33%", "100%"]);
  assertEquals(formatPercent(null), "–");
  assertEquals([0, 0.0123, 0.25, 12.345, 2500].map(formatRate), [
    "0/s",
    "0.012/s",
    "0.25/s",
    "12.35/s",
    "2.5k/s",
  ]);
});

Deno.test("formatStep() shows the time of day for short steps, the day and hour for hours", () => {
  const at = new Date(2025, 2, 4, 9, 5);
  assertEquals(formatStep(at, 60_000), "09:05");
  assertEquals(formatStep(at, 3_600_000), "03-04 09h");
});

Deno.test("formatAgo() says how long ago in the largest whole unit", () => {
  const now = new Date(2025, 0, 2, 12);
  const ago = (ms: number) => formatAgo(new Date(now.getTime() - ms), now);
  assertEquals([ago(5_000), ago(180_000), ago(7_200_000), ago(2 * 86_400_000)], [
    "5 s ago",
    "3 min ago",
    "2 h ago",
    "2 d ago",
  ]);
});
