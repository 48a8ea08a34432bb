/** `gateway usage`: usage and cost from a running gateway's usage API, as a table or JSON. */
import { parse } from "./args.ts";
import { print, table, UsageError } from "./output.ts";
import { ClientError, gatewayUrl, getJson } from "./client.ts";
import { printError } from "./output.ts";
import { GROUP_BY, INTERVALS, type UsageReport } from "../store/usage_report.ts";

export const USAGE_HELP =
  `Usage: gateway usage [--url U] [--since 7d] [--until T] [--by endpoint|key|model|provider]
                     [--interval hour|day] [--json] [--api-key K]

Prints requests, errors, tokens, cost (USD) and p50/p95 latency per endpoint, client key, model
or provider, from a running gateway's usage API (GET /api/2.0/gateway/usage).

Options:
  --url U          the gateway (default $GATEWAY_URL or http://127.0.0.1:5000)
  --since T        from T: an age (90m, 24h, 7d), ISO 8601 or Unix seconds (default 24h)
  --until T        up to T (default now)
  --by G           group by endpoint (default), key, model or provider
  --interval I     one line per hour or day as well
  --json           print the API's JSON
  --api-key K      an admin key when the gateway has server.auth (default $GATEWAY_API_KEY)

Exit codes: 0 on success, 1 when the gateway cannot be reached or refuses, 2 on bad options.`;

/** A USD amount as a table shows it: cents for large sums, more digits for tiny ones. */
function usd(value: number): string {
  if (value === 0) return "0";
  if (value >= 1) return value.toFixed(2);
  return value < 1e-6 ? "<0.000001" : String(Number(value.toPrecision(3)));
}

function usageTable(report: UsageReport): string {
  const byInterval = report.interval !== null;
  const header = [
    ...(byInterval ? [report.interval === "hour" ? "HOUR (UTC)" : "DAY (UTC)"] : []),
    report.group_by.toUpperCase(),
    "REQUESTS",
    "ERRORS",
    "PROMPT",
    "COMPLETION",
    "COST USD",
    "P50 MS",
    "P95 MS",
  ];
  const cells = (line: Omit<UsageReport["lines"][number], "group">) => [
    String(line.requests),
    String(line.errors),
    String(line.prompt_tokens),
    String(line.completion_tokens),
    usd(line.cost_usd) +
    (line.unpriced_requests > 0 ? ` (+${line.unpriced_requests} unpriced)` : ""),
    line.p50_ms === null ? "-" : String(line.p50_ms),
    line.p95_ms === null ? "-" : String(line.p95_ms),
  ];
  const when = (iso: string | undefined) =>
    iso === undefined ? "" : report.interval === "hour" ? iso.slice(0, 13) + "h" : iso.slice(0, 10);
  const rows = report.lines.map((line) => [
    ...(byInterval ? [when(line.interval_start)] : []),
    line.group,
    ...cells(line),
  ]);
  rows.push([...(byInterval ? [""] : []), "TOTAL", ...cells(report.totals)]);
  return table(header, rows);
}

export async function usageCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    url: { type: "string" },
    since: { type: "string", default: "24h" },
    until: { type: "string" },
    by: { type: "string", default: "endpoint" },
    interval: { type: "string" },
    json: { type: "boolean", default: false },
    "api-key": { type: "string" },
  }, { min: 0, max: 0 });
  if (!(GROUP_BY as readonly string[]).includes(values.by)) {
    throw new UsageError(`--by must be one of ${GROUP_BY.join(", ")}`);
  }
  if (
    values.interval !== undefined && !(INTERVALS as readonly string[]).includes(values.interval)
  ) {
    throw new UsageError(`--interval must be one of ${INTERVALS.join(", ")}`);
  }
  const query = new URLSearchParams({ start: values.since, group_by: values.by });
  if (values.until !== undefined) query.set("end", values.until);
  if (values.interval !== undefined) query.set("interval", values.interval);
  let report: UsageReport;
  try {
    report = await getJson<UsageReport>(
      gatewayUrl(values.url),
      `/api/2.0/gateway/usage?${query}`,
      values["api-key"],
    );
  } catch (error) {
    if (error instanceof ClientError) {
      printError(`gateway usage: ${error.message}`);
      return 1;
    }
    throw error;
  }
  if (values.json) {
    print(JSON.stringify(report, null, 2));
    return 0;
  }
  print(`usage from ${report.start} to ${report.end}`);
  print(usageTable(report));
  return 0;
}
