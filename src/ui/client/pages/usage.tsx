/** @jsxImportSource hono/jsx/dom */
/** Usage from the store: by key, endpoint, model or provider over a range; chart, table, CSV. */
import { useState } from "hono/jsx/dom";
import { api, query, type UsageReport } from "../api.ts";
import { usePoll } from "../hooks.ts";
import { BarList, type Series, TimeChart } from "../charts.tsx";
import { Choice, ErrorNote, Freshness, PageHead, TableBox } from "../parts.tsx";
import { formatCount, formatMs, formatStep, formatUsd } from "../format.ts";
import { usageCsv, usageCsvName } from "../csv.ts";
import { document, valueOf } from "../dom.ts";

type GroupBy = UsageReport["group_by"];
type Metric = "requests" | "total_tokens" | "cost_usd";
type Interval = "none" | "hour" | "day";

const GROUPS: { value: GroupBy; label: string }[] = [
  { value: "endpoint", label: "Endpoint" },
  { value: "key", label: "Key" },
  { value: "model", label: "Model" },
  { value: "provider", label: "Provider" },
];

const RANGES = [
  { value: "1h", label: "1 hour" },
  { value: "24h", label: "24 hours" },
  { value: "7d", label: "7 days" },
  { value: "30d", label: "30 days" },
  { value: "custom", label: "Custom" },
] as const;
type Range = (typeof RANGES)[number]["value"];

const METRICS: { value: Metric; label: string }[] = [
  { value: "requests", label: "Requests" },
  { value: "total_tokens", label: "Tokens" },
  { value: "cost_usd", label: "Cost" },
];

const INTERVALS: { value: Interval; label: string }[] = [
  { value: "none", label: "Whole range" },
  { value: "hour", label: "By hour" },
  { value: "day", label: "By day" },
];

/** How many groups the chart over time shows by name; the rest are summed as "other". */
const NAMED_GROUPS = 6;

const formatOf = (metric: Metric) => metric === "cost_usd" ? formatUsd : formatCount;

/** A datetime-local input's value for a time (the viewer's zone). */
function localInput(at: Date): string {
  const shifted = new Date(at.getTime() - at.getTimezoneOffset() * 60_000);
  return shifted.toISOString().slice(0, 16);
}

export function Usage() {
  const [groupBy, setGroupBy] = useState<GroupBy>("endpoint");
  const [range, setRange] = useState<Range>("24h");
  const [interval, setStep] = useState<Interval>("none");
  const [metric, setMetric] = useState<Metric>("requests");
  const [from, setFrom] = useState(localInput(new Date(Date.now() - 86_400_000)));
  const [to, setTo] = useState(localInput(new Date()));
  const start = range === "custom" ? new Date(from).toISOString() : range;
  const end = range === "custom" ? new Date(to).toISOString() : undefined;
  const report = usePoll(
    (signal) =>
      api<UsageReport>(
        `/api/2.0/gateway/usage${
          query({
            start,
            end,
            group_by: groupBy,
            interval: interval === "none" ? undefined : interval,
          })
        }`,
        { signal },
      ),
    [groupBy, start, end, interval],
    range === "custom" ? null : 15_000,
  );
  const data = report.data;
  const download = () => {
    if (data === undefined) return;
    const url = URL.createObjectURL(new Blob([usageCsv(data)], { type: "text/csv" }));
    const link = document.createElement("a");
    link.href = url;
    link.download = usageCsvName(data);
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };
  return (
    <section class="page">
      <PageHead title="Usage">
        <Freshness at={report.at} live={range !== "custom"} loading={report.loading} />
        <button type="button" class="button" onClick={download} disabled={data === undefined}>
          Download CSV
        </button>
      </PageHead>
      <div class="controls">
        <label>
          Range
          <select
            name="range"
            value={range}
            onChange={(e: Event) => setRange(valueOf(e) as Range)}
          >
            {RANGES.map((r) => (
              <option value={r.value} selected={r.value === range}>{r.label}</option>
            ))}
          </select>
        </label>
        {range === "custom"
          ? (
            <span class="contents">
              <label>
                From
                <input
                  type="datetime-local"
                  value={from}
                  onChange={(e: Event) => setFrom(valueOf(e))}
                />
              </label>
              <label>
                To
                <input
                  type="datetime-local"
                  value={to}
                  onChange={(e: Event) => setTo(valueOf(e))}
                />
              </label>
            </span>
          )
          : null}
        <Choice label="Group by" value={groupBy} options={GROUPS} onChange={setGroupBy} />
        <Choice label="Interval" value={interval} options={INTERVALS} onChange={setStep} />
        <Choice label="Chart" value={metric} options={METRICS} onChange={setMetric} />
      </div>
      <ErrorNote error={report.error} />
      {data === undefined ? null : (
        <div class="contents">
          {data.interval === null
            ? (
              <BarList
                id="usage"
                title={`${METRICS.find((m) => m.value === metric)?.label} by ${data.group_by}`}
                items={data.lines.map((l) => ({ label: l.group, value: l[metric] })).sort((a, b) =>
                  b.value - a.value
                )}
                format={formatOf(metric)}
              />
            )
            : <OverTime report={data} metric={metric} />}
          <UsageTable report={data} />
          <p class="muted small">
            From the usage store ({data.store.kind}
            {data.store.buffered > 0 ? `, ${data.store.buffered} records being written` : ""}).
          </p>
        </div>
      )}
    </section>
  );
}

/** Stacked bars per interval, one colour per group (the largest few by name). */
function OverTime({ report, metric }: { report: UsageReport; metric: Metric }) {
  const stepMs = report.interval === "day" ? 86_400_000 : 3_600_000;
  const startStep = Math.floor(Date.parse(report.start) / stepMs) * stepMs;
  const steps = Math.min(
    24 * 60,
    Math.max(1, Math.ceil((Date.parse(report.end) - startStep) / stepMs)),
  );
  const times = Array.from({ length: steps }, (_, i) => startStep + i * stepMs);
  const totals = new Map<string, number>();
  for (const line of report.lines) {
    totals.set(line.group, (totals.get(line.group) ?? 0) + line[metric]);
  }
  const named = [...totals].sort((a, b) => b[1] - a[1]).slice(0, NAMED_GROUPS).map(([g]) => g);
  const other = totals.size > named.length;
  const series: Series[] = [...named, ...(other ? ["other"] : [])].map((label) => ({
    label,
    values: times.map(() => 0),
  }));
  for (const line of report.lines) {
    const i = Math.floor((Date.parse(line.interval_start ?? report.start) - startStep) / stepMs);
    const s = named.indexOf(line.group);
    const target = series[s >= 0 ? s : series.length - 1];
    if (target !== undefined && i >= 0 && i < steps) {
      target.values[i] = (target.values[i] ?? 0) + line[metric];
    }
  }
  const format = formatOf(metric);
  for (const s of series) s.total = format(s.values.reduce<number>((a, b) => a + (b ?? 0), 0));
  return (
    <TimeChart
      id="usage"
      title={`${
        METRICS.find((m) => m.value === metric)?.label
      } by ${report.group_by}, per ${report.interval}`}
      times={times}
      stepMs={stepMs}
      bars={series}
      format={format}
    />
  );
}

function UsageTable({ report }: { report: UsageReport }) {
  const byInterval = report.interval !== null;
  const stepMs = report.interval === "day" ? 86_400_000 : 3_600_000;
  const t = report.totals;
  return (
    <TableBox label="Usage">
      <table class="grid" data-table="usage">
        <thead>
          <tr>
            {byInterval ? <th>{report.interval}</th> : null}
            <th>{report.group_by}</th>
            <th class="num">Requests</th>
            <th class="num">Errors</th>
            <th class="num">Prompt</th>
            <th class="num">Completion</th>
            <th class="num">Total tokens</th>
            <th class="num">Cost</th>
            <th class="num">p50</th>
            <th class="num">p95</th>
          </tr>
        </thead>
        <tbody>
          {report.lines.map((line) => (
            <tr data-group={line.group}>
              {byInterval
                ? <td>{formatStep(new Date(line.interval_start ?? report.start), stepMs)}</td>
                : null}
              <td>{line.group}</td>
              <td class="num" data-col="requests">{formatCount(line.requests)}</td>
              <td class="num">{formatCount(line.errors)}</td>
              <td class="num">{formatCount(line.prompt_tokens)}</td>
              <td class="num">{formatCount(line.completion_tokens)}</td>
              <td class="num" data-col="tokens">{formatCount(line.total_tokens)}</td>
              <td class="num" data-col="cost">
                {formatUsd(line.cost_usd)}
                {line.unpriced_requests > 0
                  ? <span class="muted small" title="requests without a known price">*</span>
                  : null}
              </td>
              <td class="num">{formatMs(line.p50_ms)}</td>
              <td class="num">{formatMs(line.p95_ms)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr data-group="(total)">
            {byInterval ? <td /> : null}
            <td>Total</td>
            <td class="num" data-col="requests">{formatCount(t.requests)}</td>
            <td class="num">{formatCount(t.errors)}</td>
            <td class="num">{formatCount(t.prompt_tokens)}</td>
            <td class="num">{formatCount(t.completion_tokens)}</td>
            <td class="num" data-col="tokens">{formatCount(t.total_tokens)}</td>
            <td class="num" data-col="cost">{formatUsd(t.cost_usd)}</td>
            <td class="num">{formatMs(t.p50_ms)}</td>
            <td class="num">{formatMs(t.p95_ms)}</td>
          </tr>
        </tfoot>
      </table>
    </TableBox>
  );
}
