/** @jsxImportSource hono/jsx/dom */
/** Small pieces the pages share: figures, badges, choices, messages. */
import type { Child } from "hono/jsx";
import { formatAgo, formatClock } from "./format.ts";

/** One headline figure. */
export function Stat(props: { label: string; value: string; hint?: string; id: string }) {
  return (
    <div class="stat" data-stat={props.id}>
      <div class="stat-label">{props.label}</div>
      <div class="stat-value">{props.value}</div>
      {props.hint === undefined ? null : <div class="stat-hint">{props.hint}</div>}
    </div>
  );
}

export type Tone = "good" | "bad" | "warn" | "neutral";

export function Badge(props: { tone: Tone; children: Child }) {
  return <span class={`badge ${props.tone}`}>{props.children}</span>;
}

/** A request's status as a badge. */
export function StatusBadge(props: { status: number; outcome: string }) {
  const tone: Tone = props.outcome === "ok"
    ? "good"
    : props.status === 429 || props.outcome === "client_closed"
    ? "warn"
    : "bad";
  return (
    <Badge tone={tone}>
      {props.status}
      {props.outcome === "ok" || props.outcome === "error" ? "" : ` ${props.outcome}`}
    </Badge>
  );
}

/** A row of buttons choosing one value. */
export function Choice<T extends string>(props: {
  label: string;
  value: T;
  options: readonly { value: T; label: string }[];
  onChange: (value: T) => void;
}) {
  return (
    <div class="choice" role="radiogroup" aria-label={props.label}>
      {props.options.map((option) => (
        <button
          type="button"
          role="radio"
          aria-checked={option.value === props.value ? "true" : "false"}
          class={option.value === props.value ? "on" : ""}
          onClick={() => props.onChange(option.value)}
        >
          {option.label}
        </button>
      ))}
    </div>
  );
}

export function ErrorNote(props: { error: Error | undefined }) {
  if (props.error === undefined) return null;
  return <p class="note bad" role="alert">{props.error.message}</p>;
}

/** "Updated 14:05:09 (5 s ago)" with a dot that says whether the page is live. */
export function Freshness(props: { at: Date | undefined; live: boolean; loading: boolean }) {
  if (props.at === undefined) {
    return <span class="fresh muted">{props.loading ? "Loading…" : ""}</span>;
  }
  return (
    <span class="fresh muted" title={formatAgo(props.at, new Date())}>
      <span class={`dot ${props.live ? "live" : ""}`} />
      {props.live ? "Live · " : ""}updated {formatClock(props.at, true)}
    </span>
  );
}

export function PageHead(props: { title: string; children?: Child }) {
  return (
    <div class="page-head">
      <h1>{props.title}</h1>
      <div class="page-tools">{props.children}</div>
    </div>
  );
}

/** A table that scrolls sideways on a narrow screen rather than squeezing its columns. */
export function TableBox(props: { children: Child; label: string }) {
  return (
    <div class="table-box" role="region" aria-label={props.label} tabindex={0}>
      {props.children}
    </div>
  );
}
