/**
 * OpenTelemetry trace export (opt-in, `server.otel`): each completed API request becomes a
 * server span, with a client span per upstream attempt, carrying the GenAI semantic-convention
 * attributes (operation, provider, model, token usage) and the gateway's own (endpoint, client
 * key, cost). An incoming W3C `traceparent` makes the request's span a child of the caller's, so
 * gateway calls appear inside the client's trace (MLflow 3's tracking server, Jaeger, Tempo...).
 * Spans are sent in batches as OTLP/HTTP JSON, off the request path; a collector that is away
 * costs dropped spans (bounded, logged), never requests.
 */
import { nodeCrypto } from "../core/node_crypto.ts";
import type { RecordSink, RequestRecord } from "../core/request_record.ts";
import type { Logger } from "./logs.ts";
import { VERSION } from "../version.ts";

export interface OtelSettings {
  /** The OTLP/HTTP traces URL, e.g. http://127.0.0.1:4318/v1/traces. */
  endpoint: string;
  headers: Record<string, string>;
  service_name: string;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;
const MAX_QUEUED = 4096;
const BATCH = 512;

/** The caller's trace and span from a `traceparent` header, when it is well-formed. */
export function parentOf(
  header: string | null | undefined,
): { trace: string; span: string } | undefined {
  const match = header ? TRACEPARENT.exec(header.trim().toLowerCase()) : null;
  if (!match || /^0+$/.test(match[1] as string) || /^0+$/.test(match[2] as string)) {
    return undefined;
  }
  return { trace: match[1] as string, span: match[2] as string };
}

/** GenAI's operation name for a client API call. */
function operationOf(record: RequestRecord): string {
  const op = record.operation;
  if (op === "completions") return "text_completion";
  if (op === "embeddings") return "embeddings";
  return "chat";
}

type Attribute = { key: string; value: Record<string, unknown> };

function attributes(values: Record<string, string | number | boolean | null | undefined>) {
  const out: Attribute[] = [];
  for (const [key, value] of Object.entries(values)) {
    if (value === null || value === undefined) continue;
    out.push({
      key,
      value: typeof value === "string"
        ? { stringValue: value }
        : typeof value === "boolean"
        ? { boolValue: value }
        : Number.isInteger(value)
        ? { intValue: String(value) }
        : { doubleValue: value },
    });
  }
  return out;
}

const nanos = (ms: number) => String(BigInt(Math.round(ms * 1e3)) * 1000n);

/** The spans of one completed request (OTLP JSON). */
export function spansOf(record: RequestRecord): Record<string, unknown>[] {
  const parent = parentOf(record.traceparent);
  const trace = parent?.trace ?? nodeCrypto().randomBytes(16).toString("hex");
  const span = nodeCrypto().randomBytes(8).toString("hex");
  const start = record.startedAt;
  const end = start + (record.totalMs ?? 0);
  const operation = operationOf(record);
  const failed = record.outcome !== "ok";
  const usage = record.usage;
  const server: Record<string, unknown> = {
    traceId: trace,
    spanId: span,
    ...(parent ? { parentSpanId: parent.span } : {}),
    name: `${operation} ${record.target ?? ""}`.trim(),
    kind: 2,
    startTimeUnixNano: nanos(start),
    endTimeUnixNano: nanos(end),
    attributes: attributes({
      "gen_ai.operation.name": operation,
      "gen_ai.provider.name": record.provider,
      "gen_ai.request.model": record.target,
      "gen_ai.response.model": record.model,
      "gen_ai.usage.input_tokens": usage?.prompt,
      "gen_ai.usage.output_tokens": usage?.completion,
      "http.request.method": record.method,
      "url.path": record.path,
      "http.response.status_code": record.status,
      "error.type": failed ? (record.errorType ?? record.outcome) : undefined,
      "gateway.request_id": record.id,
      "gateway.ingress": record.ingress,
      "gateway.endpoint": record.endpoint,
      "gateway.client_key": record.client,
      "gateway.stream": record.stream,
      "gateway.cost_usd": record.cost,
      "gateway.overhead_ms": record.overheadMs,
    }),
    status: failed ? { code: 2, message: record.errorType ?? record.outcome ?? "error" } : {
      code: 1,
    },
  };
  const spans = [server];
  let at = start;
  for (const attempt of record.attempts ?? []) {
    spans.push({
      traceId: trace,
      spanId: nodeCrypto().randomBytes(8).toString("hex"),
      parentSpanId: span,
      name: `${operation} ${attempt.model ?? attempt.endpoint}`,
      kind: 3,
      startTimeUnixNano: nanos(at),
      endTimeUnixNano: nanos(at + attempt.ms),
      attributes: attributes({
        "gen_ai.operation.name": operation,
        "gen_ai.provider.name": attempt.provider,
        "gen_ai.request.model": attempt.model,
        "gateway.endpoint": attempt.endpoint,
        "http.response.status_code": attempt.status,
        "error.type": attempt.outcome === "ok" ? undefined : attempt.outcome,
      }),
      status: attempt.outcome === "ok" ? { code: 1 } : { code: 2, message: attempt.outcome },
    });
    at += attempt.ms;
  }
  return spans;
}

export class OtelExporter implements RecordSink {
  #queue: Record<string, unknown>[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #sending: Promise<void> | undefined;
  #dropped = 0;
  #warnedAt = 0;

  constructor(
    readonly settings: OtelSettings,
    private readonly logger: Logger,
    private readonly fetcher: typeof fetch = fetch,
  ) {}

  write(record: RequestRecord): void {
    if (record.ingress === undefined) return;
    const spans = spansOf(record);
    if (this.#queue.length + spans.length > MAX_QUEUED) {
      this.#dropped += spans.length;
      return;
    }
    this.#queue.push(...spans);
    if (this.#queue.length >= BATCH) void this.flush();
    else this.#timer ??= this.#schedule();
  }

  #schedule(): ReturnType<typeof setTimeout> {
    const timer = setTimeout(() => {
      this.#timer = undefined;
      void this.flush();
    }, 1000);
    (timer as { unref?: () => void }).unref?.();
    return timer;
  }

  /** Sends what is queued (one request at a time); resolves when it was sent or given up. */
  flush(): Promise<void> {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#sending !== undefined) return this.#sending.then(() => this.flush());
    if (this.#queue.length === 0) return Promise.resolve();
    const spans = this.#queue;
    this.#queue = [];
    this.#sending = this.#send(spans).finally(() => {
      this.#sending = undefined;
    });
    return this.#sending;
  }

  async #send(spans: Record<string, unknown>[]): Promise<void> {
    const body = {
      resourceSpans: [{
        resource: {
          attributes: attributes({
            "service.name": this.settings.service_name,
            "service.version": VERSION,
          }),
        },
        scopeSpans: [{ scope: { name: "gateway", version: VERSION }, spans }],
      }],
    };
    try {
      const response = await this.fetcher(this.settings.endpoint, {
        method: "POST",
        headers: { ...this.settings.headers, "content-type": "application/json" },
        body: JSON.stringify(body),
        redirect: "manual",
        signal: AbortSignal.timeout(10_000),
      });
      await response.body?.cancel();
      if (!response.ok) throw new Error(`the collector answered ${response.status}`);
    } catch (error) {
      this.#dropped += spans.length;
      const now = Date.now();
      if (now - this.#warnedAt > 10_000) {
        this.#warnedAt = now;
        this.logger.warn("trace export failed; spans dropped", {
          endpoint: this.settings.endpoint,
          dropped_spans: this.#dropped,
          error: (error as Error).message,
        });
      }
    }
  }

  /** Sends what is left (at shutdown). */
  close(): Promise<void> {
    return this.flush();
  }
}
