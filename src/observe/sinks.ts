/**
 * Sinks for completed request records: the Prometheus counters and the access log. Each reads
 * what it needs from the record once the response has ended (a stream: when it finished, broke
 * or its client left), so durations, statuses and usage are the final ones.
 */
import type { RecordSink, RequestRecord } from "../core/request_record.ts";
import type { Logger } from "./logs.ts";
import type { Metrics } from "./metrics.ts";

/** Requests by endpoint and status, their time, usage tokens, retries and fallbacks. */
export function metricsSink(metrics: Metrics): RecordSink {
  return {
    write(record: RequestRecord): void {
      metrics.request(record.endpoint, record.status, (record.totalMs ?? 0) / 1000);
      if (record.cache !== undefined) metrics.cache(record.target ?? "", record.cache);
      const endpoint = record.endpoint;
      if (endpoint === undefined) return;
      metrics.phases(
        endpoint,
        record.upstreamMs / 1000,
        (record.overheadMs ?? 0) / 1000,
        record.firstChunkMs === undefined ? undefined : record.firstChunkMs / 1000,
      );
      const usage = record.usage;
      if (usage !== undefined) {
        metrics.usage(
          {
            endpoint,
            provider: record.provider ?? "",
            model: record.model ?? "",
            key: record.client,
          },
          usage,
          record.cost,
        );
      }
      const attempts = record.attempts;
      if (attempts === undefined || record.retries + record.fallbacks === 0) return;
      for (const attempt of attempts) {
        if (attempt.then === "retry") metrics.retry(attempt.endpoint);
        else if (attempt.then === "fallback" && record.target !== undefined) {
          metrics.fallback(record.target, attempt.endpoint);
        }
      }
    },
  };
}

/** One `request` line per request at info level, with its outcome, times and usage. */
export function accessLogSink(logger: Logger): RecordSink {
  return {
    write(record: RequestRecord): void {
      if (!logger.enabled("info")) return;
      const fields: Record<string, unknown> = {
        request_id: record.id,
        method: record.method,
        path: record.path,
        status: record.status,
        ms: Math.round((record.totalMs ?? 0) * 10) / 10,
        endpoint: record.endpoint,
      };
      if (record.ingress !== undefined) fields.ingress = record.ingress;
      if (record.key !== undefined) fields.client = record.client;
      if (record.outcome !== "ok") fields.outcome = record.outcome;
      if (record.target !== undefined && record.target !== record.endpoint) {
        fields.route = record.target;
      }
      if (record.stream) {
        fields.stream = true;
        if (record.firstChunkMs !== undefined) {
          fields.first_chunk_ms = Math.round(record.firstChunkMs * 10) / 10;
        }
      }
      const routing = record.routing;
      if (routing !== undefined) {
        fields.routing = routing.strategy.toLowerCase() + (routing.explored ? " explore" : "");
        if (routing.figure !== undefined) {
          fields.routing_figure = Number(routing.figure.toPrecision(4));
        }
      }
      if (record.cache !== undefined) fields.cache = record.cache;
      if (record.retries > 0) fields.retries = record.retries;
      if (record.fallbacks > 0) fields.fallbacks = record.fallbacks;
      if (record.errorType !== undefined) fields.error = record.errorType;
      if (record.usage !== undefined) {
        fields.prompt_tokens = record.usage.prompt;
        fields.completion_tokens = record.usage.completion;
        const cost = record.cost;
        if (cost !== null) fields.cost_usd = Math.round(cost * 1e8) / 1e8;
      }
      logger.info("request", fields);
    },
  };
}
