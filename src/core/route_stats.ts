/**
 * What routes by cost and by latency go on, learnt from completed request records: per endpoint
 * a moving average of its latency (time to first chunk for streams, total time otherwise) and of
 * its answers' completion tokens; per route how often each destination was picked. In this
 * process (each worker learns on its own).
 */
import type { RecordSink, RequestRecord } from "./request_record.ts";

interface EndpointFigures {
  /** Moving average of milliseconds, per stream or not (their times are not comparable). */
  latency: { stream: number | undefined; answer: number | undefined };
  /** Moving average of completion tokens. */
  completion: number | undefined;
}

/** The average after one more observation with weight `decay`. */
function moved(average: number | undefined, value: number, decay: number): number {
  return average === undefined ? value : average + decay * (value - average);
}

export class RouteStats implements RecordSink {
  readonly #endpoints = new Map<string, EndpointFigures>();
  readonly #picks = new Map<string, Map<string, number>>();
  /** The decay each endpoint's averages use (the routes' `latency.decay`; 0.2 by default). */
  decayOf: (endpoint: string) => number = () => 0.2;

  #figures(endpoint: string): EndpointFigures {
    let figures = this.#endpoints.get(endpoint);
    if (figures === undefined) {
      figures = { latency: { stream: undefined, answer: undefined }, completion: undefined };
      this.#endpoints.set(endpoint, figures);
    }
    return figures;
  }

  /** Learns from a completed record: its endpoint's latency and completion size. */
  write(record: RequestRecord): void {
    const endpoint = record.endpoint;
    if (endpoint === undefined || record.ingress === undefined) return;
    const last = record.attempts?.[record.attempts.length - 1];
    const figures = this.#figures(endpoint);
    const decay = this.decayOf(endpoint);
    if (record.outcome === "ok") {
      if (record.stream && record.firstChunkMs !== undefined) {
        figures.latency.stream = moved(figures.latency.stream, record.firstChunkMs, decay);
      } else if (!record.stream && record.totalMs !== undefined) {
        figures.latency.answer = moved(figures.latency.answer, record.totalMs, decay);
      }
      const completion = record.usage?.completion;
      if (completion !== undefined) {
        figures.completion = moved(figures.completion, completion, decay);
      }
    } else if (last !== undefined && last.outcome === "timeout_error") {
      // A timeout is as slow as it got: it counts, so a slow destination is not kept for its
      // failures being invisible.
      const key = record.stream ? "stream" : "answer";
      figures.latency[key] = moved(figures.latency[key], last.ms, decay);
    }
  }

  /** An endpoint's average latency for this kind of call (undefined until it answered one). */
  latencyOf(endpoint: string, stream: boolean): number | undefined {
    const latency = this.#endpoints.get(endpoint)?.latency;
    return stream ? latency?.stream : latency?.answer;
  }

  /** An endpoint's average completion tokens (undefined until it answered one with usage). */
  completionOf(endpoint: string): number | undefined {
    return this.#endpoints.get(endpoint)?.completion;
  }

  /** Counts a route's choice. */
  picked(route: string, endpoint: string): void {
    let picks = this.#picks.get(route);
    if (picks === undefined) {
      picks = new Map();
      this.#picks.set(route, picks);
    }
    picks.set(endpoint, (picks.get(endpoint) ?? 0) + 1);
  }

  /** How often each destination of a route was picked first. */
  picksOf(route: string): Record<string, number> {
    return Object.fromEntries(this.#picks.get(route) ?? []);
  }
}
