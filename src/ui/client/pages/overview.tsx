/** @jsxImportSource hono/jsx/dom */
/** Overview: rates, errors, latency, overhead, tokens and cost of the last hour, day or week. */
import { useState } from "hono/jsx/dom";
import { type ActivityReport, api, query } from "../api.ts";
import { usePoll } from "../hooks.ts";
import { TimeChart } from "../charts.tsx";
import { Choice, ErrorNote, Freshness, PageHead, Stat } from "../parts.tsx";
import {
  formatCount,
  formatDateTime,
  formatMs,
  formatPercent,
  formatRate,
  formatUsd,
} from "../format.ts";

type Window = ActivityReport["window"];

const WINDOWS: { value: Window; label: string }[] = [
  { value: "1h", label: "Hour" },
  { value: "24h", label: "Day" },
  { value: "7d", label: "Week" },
];

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

export function Overview() {
  const [window, setWindow] = useState<Window>("1h");
  const report = usePoll(
    (signal) => api<ActivityReport>(`/api/2.0/gateway/activity${query({ window })}`, { signal }),
    [window],
  );
  const data = report.data;
  return (
    <section class="page">
      <PageHead title="Overview">
        <Freshness at={report.at} live loading={report.loading} />
        <Choice label="Window" value={window} options={WINDOWS} onChange={setWindow} />
      </PageHead>
      <ErrorNote error={report.error} />
      {data === undefined ? null : <Figures report={data} />}
    </section>
  );
}

function Figures({ report }: { report: ActivityReport }) {
  const t = report.totals;
  const points = report.points;
  const times = points.map((p) => Date.parse(p.start));
  const stepMs = report.step_seconds * 1000;
  const ok = points.map((p) => p.requests - p.errors);
  const errors = points.map((p) => p.errors);
  const prompt = points.map((p) => p.prompt_tokens);
  const completion = points.map((p) => p.completion_tokens);
  const stepName = report.step_seconds === 60
    ? "minute"
    : report.step_seconds === 900
    ? "15 minutes"
    : "hour";
  return (
    <div class="contents">
      <div class="stats">
        <Stat id="requests" label="Requests" value={formatCount(t.requests)} />
        <Stat id="rate" label="Requests/s" value={formatRate(t.requests_per_second)} />
        <Stat
          id="error-rate"
          label="Error rate"
          value={formatPercent(t.error_rate)}
          hint={`${formatCount(t.errors)} errors`}
        />
        <Stat id="p50" label="Latency p50" value={formatMs(t.p50_ms)} />
        <Stat id="p95" label="Latency p95" value={formatMs(t.p95_ms)} />
        <Stat
          id="overhead"
          label="Overhead p50"
          value={formatMs(t.overhead_p50_ms)}
          hint={`p95 ${formatMs(t.overhead_p95_ms)}`}
        />
        <Stat
          id="tokens"
          label="Tokens"
          value={formatCount(t.prompt_tokens + t.completion_tokens)}
          hint={`${formatCount(t.prompt_tokens)} in · ${formatCount(t.completion_tokens)} out`}
        />
        <Stat id="cost" label="Cost" value={formatUsd(t.cost_usd)} />
      </div>
      <div class="charts">
        <TimeChart
          id="requests"
          title={`Requests per ${stepName}`}
          times={times}
          stepMs={stepMs}
          bars={[
            { label: "ok", values: ok, total: formatCount(sum(ok)) },
            { label: "errors", values: errors, total: formatCount(sum(errors)) },
          ]}
          format={formatCount}
        />
        <TimeChart
          id="rate"
          title="Requests per second"
          times={times}
          stepMs={stepMs}
          lines={[{
            label: "req/s",
            values: points.map((p) => p.requests_per_second),
            total: formatRate(t.requests_per_second),
          }]}
          format={(n) => formatRate(n).replace("/s", "")}
        />
        <TimeChart
          id="latency"
          title="Latency"
          times={times}
          stepMs={stepMs}
          lines={[
            { label: "p50", values: points.map((p) => p.p50_ms), total: formatMs(t.p50_ms) },
            { label: "p95", values: points.map((p) => p.p95_ms), total: formatMs(t.p95_ms) },
          ]}
          format={formatMs}
        />
        <TimeChart
          id="overhead"
          title="Gateway overhead"
          times={times}
          stepMs={stepMs}
          lines={[
            {
              label: "p50",
              values: points.map((p) => p.overhead_p50_ms),
              total: formatMs(t.overhead_p50_ms),
            },
            {
              label: "p95",
              values: points.map((p) => p.overhead_p95_ms),
              total: formatMs(t.overhead_p95_ms),
            },
          ]}
          format={formatMs}
        />
        <TimeChart
          id="tokens"
          title={`Tokens per ${stepName}`}
          times={times}
          stepMs={stepMs}
          bars={[
            { label: "prompt", values: prompt, total: formatCount(t.prompt_tokens) },
            { label: "completion", values: completion, total: formatCount(t.completion_tokens) },
          ]}
          format={formatCount}
        />
        <TimeChart
          id="cost"
          title={`Cost per ${stepName}`}
          times={times}
          stepMs={stepMs}
          bars={[{
            label: "USD",
            values: points.map((p) => p.cost_usd),
            total: formatUsd(t.cost_usd),
          }]}
          format={formatUsd}
        />
      </div>
      <p class="muted small">
        Counted by this gateway process since {formatDateTime(new Date(report.since))}{" "}
        (client API requests; with several workers, the one that answered). Stored usage, by key and
        model, is on the <a href="#/usage">Usage</a> page.
      </p>
    </div>
  );
}
