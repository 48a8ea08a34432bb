/** The geometry of the dashboard's charts: axis ticks, scales, stacks and line paths. Pure. */

/** Round steps for an axis from 0 to at least `max`: 1, 2, 2.5 or 5 times a power of ten. */
export function niceTicks(max: number, count = 4): number[] {
  if (!Number.isFinite(max) || max <= 0) return [0, 1];
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let i = 0; i * step < max + step * 1e-9 || ticks.length < 2; i++) {
    ticks.push(Number((i * step).toPrecision(12)));
  }
  if ((ticks[ticks.length - 1] as number) < max) {
    ticks.push(Number((ticks.length * step).toPrecision(12)));
  }
  return ticks;
}

/** Maps [d0, d1] onto [r0, r1]. */
export function linear(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  const span = d1 - d0;
  return span === 0 ? () => (r0 + r1) / 2 : (v) => r0 + (v - d0) / span * (r1 - r0);
}

/** Each series' values stacked on the ones before: [from, to] per point. */
export function stack(series: readonly (readonly (number | null)[])[]): [number, number][][] {
  const base: number[] = [];
  return series.map((values) =>
    values.map((v, i) => {
      const from = base[i] ?? 0;
      const to = from + (v ?? 0);
      base[i] = to;
      return [from, to];
    })
  );
}

/** The largest stacked total over the points. */
export function stackedMax(series: readonly (readonly (number | null)[])[]): number {
  let max = 0;
  const length = Math.max(0, ...series.map((s) => s.length));
  for (let i = 0; i < length; i++) {
    let sum = 0;
    for (const s of series) sum += s[i] ?? 0;
    max = Math.max(max, sum);
  }
  return max;
}

/** An SVG path through the points; a null value breaks the line. */
export function linePath(points: readonly [number, number | null][]): string {
  let path = "";
  let drawing = false;
  for (const [x, y] of points) {
    if (y === null) {
      drawing = false;
      continue;
    }
    path += `${drawing ? "L" : "M"}${round(x)},${round(y)}`;
    drawing = true;
  }
  return path;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

/** About `count` evenly spread indexes of `length` points, the last one included. */
export function labelIndexes(length: number, count: number): number[] {
  if (length <= 0) return [];
  if (length <= count) return Array.from({ length }, (_, i) => i);
  const every = Math.ceil(length / count);
  const out: number[] = [];
  for (let i = (length - 1) % every; i < length; i += every) out.push(i);
  return out;
}
