import { assertEquals } from "../../../tests/assert.ts";
import { csvField, usageCsv, usageCsvName } from "./csv.ts";
import type { UsageReport } from "../../store/usage_report.ts";

const line = {
  requests: 3,
  errors: 1,
  prompt_tokens: 30,
  completion_tokens: 12,
  total_tokens: 42,
  cost_usd: 0.000123,
  unpriced_requests: 0,
  p50_ms: 12.5,
  p95_ms: null,
};

const report: UsageReport = {
  start: "2025-03-04T10:00:00.000Z",
  end: "2025-03-05T10:00:00.000Z",
  group_by: "key",
  interval: null,
  lines: [
    { group: "alice", ...line },
    { group: 'team "b", west', ...line, requests: 1 },
  ],
  totals: { ...line, requests: 4 },
};

Deno.test("csvField() quotes commas, quotes and line breaks", () => {
  assertEquals(csvField("plain"), "plain");
  assertEquals(csvField('say "hi", then go'), '"say ""hi"", then go"');
  assertEquals(csvField("two\nlines"), '"two\nlines"');
  assertEquals(csvField(1.5), "1.5");
  assertEquals(csvField(null), "");
});

Deno.test("csvField() defuses text a spreadsheet would run as a formula", () => {
  assertEquals(csvField("=HYPERLINK(1)"), "'=HYPERLINK(1)");
  assertEquals(csvField("+1"), "'+1");
  assertEquals(csvField("@sum"), "'@sum");
  assertEquals(csvField(-1), "-1", "numbers stay numbers");
});

Deno.test("usageCsv() writes a header, a row per group and the totals", () => {
  assertEquals(
    usageCsv(report).split("\r\n"),
    [
      "key,requests,errors,prompt_tokens,completion_tokens,total_tokens,cost_usd," +
      "unpriced_requests,p50_ms,p95_ms",
      "alice,3,1,30,12,42,0.000123,0,12.5,",
      '"team ""b"", west",1,1,30,12,42,0.000123,0,12.5,',
      "(total),4,1,30,12,42,0.000123,0,12.5,",
      "",
    ],
  );
});

Deno.test("usageCsv() adds an interval_start column to a report by interval", () => {
  const byHour: UsageReport = {
    ...report,
    interval: "hour",
    lines: [{ group: "alice", interval_start: "2025-03-04T10:00:00.000Z", ...line }],
  };
  const [header, row, total] = usageCsv(byHour).split("\r\n");
  assertEquals(header?.startsWith("interval_start,key,requests"), true);
  assertEquals(row?.startsWith("2025-03-04T10:00:00.000Z,alice,3"), true);
  assertEquals(total?.startsWith(",(total),4"), true);
});

Deno.test("usageCsvName() names the grouping and the range", () => {
  assertEquals(usageCsvName(report), "usage-by-key-2025-03-04T10-00-to-2025-03-05T10-00.csv");
});
