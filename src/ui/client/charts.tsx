/** @jsxImportSource hono/jsx/dom */
/**
 * Charts drawn as SVG by hand (no library): stacked bars and lines over time, and bars by group.
 * Each is sized to its box, names its figures in a legend, and reads out the step under the
 * pointer (mouse or touch).
 */
import { useState } from "hono/jsx/dom";
import { useWidth } from "./hooks.ts";
import { labelIndexes, linear, linePath, niceTicks, stack, stackedMax } from "./chart_math.ts";
import { formatStep } from "./format.ts";
import { type DomElement, type PointerMove } from "./dom.ts";

export interface Series {
  label: string;
  values: (number | null)[];
  /** The legend's figure for the series (e.g. its sum). */
  total?: string;
}

const HEIGHT = 190;
const MARGIN = { top: 10, right: 10, bottom: 24, left: 54 };

/** Stacked bars and lines over evenly spaced steps. */
export function TimeChart(props: {
  id: string;
  title: string;
  /** Each step's start, in ms. */
  times: number[];
  stepMs: number;
  bars?: Series[];
  lines?: Series[];
  format: (n: number) => string;
}) {
  const { id, title, times, stepMs, format } = props;
  const bars = props.bars ?? [];
  const lines = props.lines ?? [];
  const [box, width] = useWidth();
  const [hover, setHover] = useState<number | null>(null);
  const max = Math.max(
    stackedMax(bars.map((s) => s.values)),
    ...lines.flatMap((s) => s.values.map((v) => v ?? 0)),
  );
  const ticks = niceTicks(max);
  const top = ticks[ticks.length - 1] as number;
  const innerWidth = Math.max(10, width - MARGIN.left - MARGIN.right);
  const y = linear(0, top, HEIGHT - MARGIN.bottom, MARGIN.top);
  const slot = innerWidth / Math.max(1, times.length);
  const x = (i: number) => MARGIN.left + i * slot;
  const barWidth = Math.max(1, slot * 0.8);
  const stacked = stack(bars.map((s) => s.values));
  const series = [...bars, ...lines];
  const readout = hover === null ? null : [
    <strong key="time">{formatStep(new Date(times[hover] ?? 0), stepMs)}</strong>,
    ...series.map((s, i) => (
      <span key={s.label} class={`key c${i}`}>
        {s.label} {s.values[hover] === null ? "–" : format(s.values[hover] ?? 0)}
      </span>
    )),
  ];
  const onPointer = (event: PointerMove) => {
    const rect = (event.currentTarget as unknown as DomElement).getBoundingClientRect();
    const i = Math.floor((event.clientX - rect.left - MARGIN.left) / slot);
    setHover(i >= 0 && i < times.length ? i : null);
  };
  return (
    <figure class="chart" data-chart={id}>
      <figcaption>
        <span class="chart-title">{title}</span>
        <span class="legend">
          {series.map((s, i) => (
            <span class={`key c${i}`} data-series={s.label}>
              {s.label}
              {s.total === undefined ? "" : <b>{s.total}</b>}
            </span>
          ))}
        </span>
      </figcaption>
      <div class="chart-box" ref={box}>
        <svg
          width={width}
          height={HEIGHT}
          viewBox={`0 0 ${width} ${HEIGHT}`}
          role="img"
          aria-label={title}
          onPointerMove={onPointer}
          onPointerLeave={() => setHover(null)}
        >
          {ticks.map((t) => (
            <g class="tick">
              <line x1={MARGIN.left} x2={width - MARGIN.right} y1={y(t)} y2={y(t)} />
              <text x={MARGIN.left - 6} y={y(t) + 4} text-anchor="end">{format(t)}</text>
            </g>
          ))}
          {stacked.map((points, s) =>
            points.map(([from, to], i) =>
              to > from
                ? (
                  <rect
                    class={`bar c${s}`}
                    x={x(i) + (slot - barWidth) / 2}
                    y={y(to)}
                    width={barWidth}
                    height={Math.max(0.5, y(from) - y(to))}
                    data-value={String(to - from)}
                  />
                )
                : null
            )
          )}
          {lines.map((s, n) => (
            <g class={`line c${bars.length + n}`}>
              <path
                d={linePath(s.values.map((v, i) => [x(i) + slot / 2, v === null ? null : y(v)]))}
              />
              {
                // A point with no neighbour draws no line: it gets a dot.
                s.values.map((v, i) =>
                  v === null || (s.values[i - 1] ?? null) !== null ||
                    (s.values[i + 1] ?? null) !== null
                    ? null
                    : <circle key={i} cx={x(i) + slot / 2} cy={y(v)} r={3} data-value={String(v)} />
                )
              }
            </g>
          ))}
          {labelIndexes(times.length, Math.max(2, Math.floor(innerWidth / 90))).map((i) => (
            <text
              class="x-label"
              x={Math.min(width - MARGIN.right, Math.max(MARGIN.left, x(i) + slot / 2))}
              y={HEIGHT - 6}
              text-anchor={i === times.length - 1 ? "end" : "middle"}
            >
              {formatStep(new Date(times[i] ?? 0), stepMs)}
            </text>
          ))}
          {hover === null ? null : (
            <line
              class="hover"
              x1={x(hover) + slot / 2}
              x2={x(hover) + slot / 2}
              y1={MARGIN.top}
              y2={HEIGHT - MARGIN.bottom}
            />
          )}
        </svg>
      </div>
      <div class="readout" aria-live="polite">{readout}</div>
    </figure>
  );
}

/** Horizontal bars, one per group, largest first. */
export function BarList(props: {
  id: string;
  title: string;
  items: { label: string; value: number }[];
  format: (n: number) => string;
}) {
  const { id, title, items, format } = props;
  const max = Math.max(0, ...items.map((item) => item.value));
  return (
    <figure class="chart" data-chart={id}>
      <figcaption>
        <span class="chart-title">{title}</span>
      </figcaption>
      {items.length === 0 ? <p class="muted">Nothing in this range.</p> : (
        <ul class="bar-list">
          {items.map((item) => (
            <li data-group={item.label} data-value={String(item.value)}>
              <span class="bar-label" title={item.label}>{item.label}</span>
              <span class="bar-track">
                <span
                  class="bar-fill"
                  style={{ width: `${max === 0 ? 0 : Math.max(0.5, item.value / max * 100)}%` }}
                />
              </span>
              <span class="bar-value">{format(item.value)}</span>
            </li>
          ))}
        </ul>
      )}
    </figure>
  );
}

/** A thin bar showing how much of something is used (a limit, a budget) or its share. */
export function Meter(props: { used: number; of: number; label: string; share?: boolean }) {
  const ratio = props.of > 0 ? Math.min(1, props.used / props.of) : 0;
  // A share (of a route's traffic) is no warning; a limit or budget nearly used is.
  const level = props.share ? "share" : ratio >= 0.9 ? "high" : ratio >= 0.7 ? "mid" : "low";
  return (
    <span class="meter-wrap">
      <span
        class={`meter ${level}`}
        role="meter"
        aria-valuenow={props.used}
        aria-valuemax={props.of}
      >
        <span style={{ width: `${ratio * 100}%` }} />
      </span>
      <span class="meter-label">{props.label}</span>
    </span>
  );
}
