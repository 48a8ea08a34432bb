/** How the dashboard writes numbers, durations, money and times. Pure. */

const DASH = "–";

/** A count: 950, 1.2k, 3.4M. */
export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return DASH;
  const abs = Math.abs(n);
  // The bounds are where rounding would write 1000k rather than 1M.
  if (abs < 999.5) return String(Math.round(n * 100) / 100);
  if (abs < 999_500) return `${trim(n / 1e3)}k`;
  if (abs < 999_500_000) return `${trim(n / 1e6)}M`;
  return `${trim(n / 1e9)}G`;
}

/** One decimal below 10, none above (12.3k, 123k). */
function trim(n: number): string {
  return Math.abs(n) < 10 ? String(Math.round(n * 10) / 10) : String(Math.round(n));
}

/** A duration: 0.4 ms, 12 ms, 1.25 s. */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return DASH;
  if (ms < 10) return `${Math.round(ms * 10) / 10} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${Math.round(ms / 10) / 100} s`;
  return `${Math.round(ms / 6000) / 10} min`;
}

/** US dollars: $0, $0.000123 (three significant digits below a cent), $1.23, $1,234. */
export function formatUsd(usd: number | null | undefined): string {
  if (usd === null || usd === undefined || !Number.isFinite(usd)) return DASH;
  if (usd === 0) return "$0";
  const abs = Math.abs(usd);
  if (abs < 0.01) return `$${Number(usd.toPrecision(3))}`;
  if (abs < 1000) return `$${usd.toFixed(2)}`;
  return `$${Math.round(usd).toLocaleString("en-US")}`;
}

/** A ratio as a percentage: 0.025 → 2.5%. */
export function formatPercent(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return DASH;
  const percent = ratio * 100;
  return `${percent < 10 && percent !== 0 ? Math.round(percent * 10) / 10 : Math.round(percent)}%`;
}

/** Requests per second: 0.25/s, 12/s. */
export function formatRate(perSecond: number | null | undefined): string {
  if (perSecond === null || perSecond === undefined || !Number.isFinite(perSecond)) return DASH;
  if (perSecond === 0) return "0/s";
  if (perSecond < 0.1) return `${Number(perSecond.toPrecision(2))}/s`;
  return `${formatCount(Math.round(perSecond * 100) / 100)}/s`;
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/** A time of day in the viewer's zone, to the second when asked: 14:05 or 14:05:09. */
export function formatClock(at: Date, seconds = false): string {
  const hm = `${pad(at.getHours())}:${pad(at.getMinutes())}`;
  return seconds ? `${hm}:${pad(at.getSeconds())}` : hm;
}

/** A date and time in the viewer's zone: 2025-03-04 14:05. */
export function formatDateTime(at: Date): string {
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${formatClock(at)}`;
}

/** A chart's time label for a step of `stepMs`: the time of day, or the day and hour. */
export function formatStep(at: Date, stepMs: number): string {
  if (stepMs < 3_600_000) return formatClock(at);
  return `${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${pad(at.getHours())}h`;
}

/** How long ago: 5 s ago, 3 min ago, 2 h ago, 4 d ago. */
export function formatAgo(at: Date, now: Date): string {
  const s = Math.max(0, Math.round((now.getTime() - at.getTime()) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}
