/**
 * Stream timing, one request at a time on a keep-alive connection per target, targets in turn:
 * time to first byte and to the end of a 200-chunk stream sent at once, and of a stream whose
 * chunks come 50 ms apart (a relay that buffers shows a TTFB near the total instead of near the
 * first chunk's delay, and delivers the body in few reads).
 */
import { RawClient, type Timed } from "./http_client.ts";
import { median, quantile, round } from "./stats.ts";

/** A streaming endpoint to time. */
export interface StreamTarget {
  key: string;
  label: string;
  port: number;
  path: string;
  body: string;
}

export interface StreamFigures {
  key: string;
  label: string;
  ttfbP50: number;
  ttfbP99: number;
  totalP50: number;
  totalP99: number;
  /** Median number of reads that carried body bytes. */
  dataReads: number;
  /** Requests that failed (non-200, incomplete stream, error). */
  failures: number;
  valid: boolean;
  /** Medians over direct's, in ms. */
  addedTtfb?: number;
  addedTotal?: number;
}

export interface StreamRun {
  key: string;
  title: string;
  iterations: number;
  targets: StreamFigures[];
}

/** Times `iterations` requests per target (after `warmup` untimed ones), interleaved. */
export async function timeStreams(
  key: string,
  title: string,
  targets: StreamTarget[],
  iterations: number,
  warmup: number,
): Promise<StreamRun> {
  const clients = new Map(targets.map((t) => [t.key, new RawClient(t.port)]));
  const samples = new Map<string, Timed[]>(targets.map((t) => [t.key, []]));
  const failures = new Map<string, number>(targets.map((t) => [t.key, 0]));
  try {
    for (let i = 0; i < warmup + iterations; i++) {
      const order = i % 2 === 0 ? targets : [...targets].reverse();
      for (const target of order) {
        let timed: Timed | undefined;
        try {
          timed = await clients.get(target.key)!.post(target.path, target.body);
        } catch {
          timed = undefined;
        }
        if (i < warmup) continue;
        if (!timed || timed.status !== 200 || !timed.done) {
          failures.set(target.key, failures.get(target.key)! + 1);
        } else {
          samples.get(target.key)!.push(timed);
        }
      }
    }
  } finally {
    for (const client of clients.values()) client.close();
  }
  const figures = targets.map((t): StreamFigures => {
    const s = samples.get(t.key)!;
    return {
      key: t.key,
      label: t.label,
      ttfbP50: round(median(s.map((x) => x.ttfbMs))),
      ttfbP99: round(quantile(s.map((x) => x.ttfbMs), 0.99)),
      totalP50: round(median(s.map((x) => x.totalMs))),
      totalP99: round(quantile(s.map((x) => x.totalMs), 0.99)),
      dataReads: median(s.map((x) => x.dataReads)),
      failures: failures.get(t.key)!,
      valid: failures.get(t.key) === 0 && s.length > 0,
    };
  });
  const direct = figures.find((f) => f.key === "direct");
  if (direct) {
    for (const f of figures) {
      if (f === direct) continue;
      f.addedTtfb = round(f.ttfbP50 - direct.ttfbP50);
      f.addedTotal = round(f.totalP50 - direct.totalP50);
    }
  }
  return { key, title, iterations, targets: figures };
}
