/** The usage page's CSV download, from a usage report. Pure. */
import type { UsageReport } from "../../store/usage_report.ts";

const COLUMNS = [
  "requests",
  "errors",
  "prompt_tokens",
  "completion_tokens",
  "total_tokens",
  "cost_usd",
  "unpriced_requests",
  "p50_ms",
  "p95_ms",
] as const;

/**
 * One CSV field: quoted when it holds a comma, a quote or a line break; a text starting like a
 * formula (`=`, `+`, `-`, `@`) gets a leading `'`, so a spreadsheet shows it rather than runs it.
 */
export function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "";
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The report's lines as CSV (an `interval_start` column when it is by interval), then totals. */
export function usageCsv(report: UsageReport): string {
  const byInterval = report.interval !== null;
  const header = [...(byInterval ? ["interval_start"] : []), report.group_by, ...COLUMNS];
  const rows = [header.map(csvField).join(",")];
  for (const line of report.lines) {
    rows.push(
      [
        ...(byInterval ? [line.interval_start ?? ""] : []),
        line.group,
        ...COLUMNS.map((c) => line[c]),
      ].map(csvField).join(","),
    );
  }
  rows.push(
    [...(byInterval ? [""] : []), "(total)", ...COLUMNS.map((c) => report.totals[c])]
      .map(csvField).join(","),
  );
  return rows.join("\r\n") + "\r\n";
}

/** A file name for the report: usage-by-endpoint-2025-03-04T10-00-to-2025-03-05T10-00.csv. */
export function usageCsvName(report: UsageReport): string {
  const stamp = (iso: string) => iso.slice(0, 16).replace(/:/g, "-");
  return `usage-by-${report.group_by}-${stamp(report.start)}-to-${stamp(report.end)}.csv`;
}
