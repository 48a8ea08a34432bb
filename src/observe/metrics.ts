/**
 * Counters and histograms for GET /metrics (Prometheus text format): requests by endpoint and
 * status, their durations (total, upstream, the gateway's own, a stream's first chunk), usage
 * tokens and cost by endpoint, provider, model and client key, retries and fallbacks. Cheap on
 * the hot path: plain map updates keyed by the raw values; label strings are built only when
 * /metrics is read. Their state is plain JSON (`state()`/`merge()`), so the workers of one
 * server can add up their counts (shared_metrics.ts).
 */

function label(value: string): string {
  return value.replace(/["\\\n]/g, "_");
}

/** Counts keyed by two values (e.g. endpoint and status). */
class Counter2 {
  readonly #values = new Map<string, Map<string, number>>();

  add(a: string, b: string, amount = 1): void {
    let inner = this.#values.get(a);
    if (!inner) {
      inner = new Map();
      this.#values.set(a, inner);
    }
    inner.set(b, (inner.get(b) ?? 0) + amount);
  }

  state(): [string, string, number][] {
    const out: [string, string, number][] = [];
    for (const [a, inner] of this.#values) for (const [b, value] of inner) out.push([a, b, value]);
    return out;
  }

  merge(state: readonly [string, string, number][]): void {
    for (const [a, b, value] of state) this.add(a, b, value);
  }

  render(name: string, help: string, labelA: string, labelB: string): string[] {
    const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} counter`];
    for (const [a, inner] of this.#values) {
      for (const [b, value] of inner) {
        lines.push(`${name}{${labelA}="${label(a)}",${labelB}="${label(b)}"} ${value}`);
      }
    }
    return lines;
  }
}

/** Counts keyed by one value. */
class Counter1 {
  readonly #values = new Map<string, number>();

  add(a: string, amount = 1): void {
    this.#values.set(a, (this.#values.get(a) ?? 0) + amount);
  }

  state(): [string, number][] {
    return [...this.#values];
  }

  merge(state: readonly [string, number][]): void {
    for (const [a, value] of state) this.add(a, value);
  }

  render(name: string, help: string, labelA: string): string[] {
    const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} counter`];
    for (const [a, value] of this.#values) lines.push(`${name}{${labelA}="${label(a)}"} ${value}`);
    return lines;
  }
}

interface UsageSeries {
  labels: string;
  prompt: number;
  completion: number;
  cached: number;
  usd: number | null;
}

function seriesId(labels: UsageLabels): string {
  return `${labels.endpoint}\u0001${labels.provider}\u0001${labels.model}\u0001${labels.key}`;
}

/** Tokens by kind and USD, per endpoint, provider, model and client key (one map entry each). */
class UsageCounter {
  readonly #series = new Map<string, UsageSeries>();
  #last: UsageSeries | undefined;
  #lastLabels: UsageLabels | undefined;

  add(
    labels: UsageLabels,
    usage: { prompt: number; completion: number; cached: number },
    usd: number | null,
  ): void {
    // Most requests in a row count into the series counted last.
    let series = this.#last;
    const last = this.#lastLabels;
    if (
      series === undefined || last === undefined || last.endpoint !== labels.endpoint ||
      last.provider !== labels.provider || last.model !== labels.model || last.key !== labels.key
    ) {
      series = this.#series.get(seriesId(labels));
    }
    if (series === undefined) {
      series = {
        labels: `endpoint="${label(labels.endpoint)}",provider="${label(labels.provider)}",` +
          `model="${label(labels.model)}",key="${label(labels.key)}"`,
        prompt: 0,
        completion: 0,
        cached: 0,
        usd: null,
      };
      this.#series.set(seriesId(labels), series);
    }
    this.#last = series;
    this.#lastLabels = labels;
    series.prompt += usage.prompt;
    series.completion += usage.completion;
    series.cached += usage.cached;
    if (usd !== null) series.usd = (series.usd ?? 0) + usd;
  }

  state(): [string, string, number, number, number, number | null][] {
    return [...this.#series].map(([id, s]) => [
      id,
      s.labels,
      s.prompt,
      s.completion,
      s.cached,
      s.usd,
    ]);
  }

  merge(state: readonly [string, string, number, number, number, number | null][]): void {
    for (const [id, labels, prompt, completion, cached, usd] of state) {
      const series = this.#series.get(id) ??
        { labels, prompt: 0, completion: 0, cached: 0, usd: null };
      series.prompt += prompt;
      series.completion += completion;
      series.cached += cached;
      if (usd !== null) series.usd = (series.usd ?? 0) + usd;
      this.#series.set(id, series);
    }
  }

  render(): string[] {
    const tokens = [
      "# HELP gateway_tokens_total Usage tokens reported by providers, by endpoint, provider, " +
      "model, client key and kind",
      "# TYPE gateway_tokens_total counter",
    ];
    const cost = [
      "# HELP gateway_cost_usd_total Cost in USD of the priced requests, by endpoint, provider, " +
      "model and client key",
      "# TYPE gateway_cost_usd_total counter",
    ];
    for (const s of this.#series.values()) {
      for (const kind of ["prompt", "completion", "cached"] as const) {
        if (s[kind] > 0) tokens.push(`gateway_tokens_total{${s.labels},kind="${kind}"} ${s[kind]}`);
      }
      if (s.usd !== null) {
        cost.push(`gateway_cost_usd_total{${s.labels}} ${Number(s.usd.toPrecision(12))}`);
      }
    }
    return [...tokens, ...cost];
  }
}

/** Upper bounds (seconds) of the duration histograms' buckets. */
const BUCKETS = [
  0.001,
  0.0025,
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
  30,
  60,
  120,
  300,
];

/** A Prometheus histogram per endpoint. */
class Histogram {
  readonly #series = new Map<string, { counts: number[]; sum: number; count: number }>();

  observe(endpoint: string, seconds: number): void {
    let series = this.#series.get(endpoint);
    if (series === undefined) {
      series = { counts: new Array(BUCKETS.length).fill(0), sum: 0, count: 0 };
      this.#series.set(endpoint, series);
    }
    series.sum += seconds;
    series.count++;
    // Each observation counts in its own bucket; cumulated when rendered.
    for (let i = 0; i < BUCKETS.length; i++) {
      if (seconds <= (BUCKETS[i] as number)) {
        series.counts[i] = (series.counts[i] as number) + 1;
        return;
      }
    }
  }

  state(): [string, number[], number, number][] {
    return [...this.#series].map(([endpoint, s]) => [endpoint, [...s.counts], s.sum, s.count]);
  }

  merge(state: readonly [string, number[], number, number][]): void {
    for (const [endpoint, counts, sum, count] of state) {
      let series = this.#series.get(endpoint);
      if (series === undefined) {
        series = { counts: new Array(BUCKETS.length).fill(0), sum: 0, count: 0 };
        this.#series.set(endpoint, series);
      }
      counts.forEach((n, i) => {
        if (i < BUCKETS.length) series.counts[i] = (series.counts[i] as number) + n;
      });
      series.sum += sum;
      series.count += count;
    }
  }

  render(name: string, help: string): string[] {
    const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} histogram`];
    for (const [endpoint, series] of this.#series) {
      const at = `endpoint="${label(endpoint)}"`;
      let cumulative = 0;
      BUCKETS.forEach((bound, i) => {
        cumulative += series.counts[i] as number;
        lines.push(`${name}_bucket{${at},le="${bound}"} ${cumulative}`);
      });
      lines.push(`${name}_bucket{${at},le="+Inf"} ${series.count}`);
      lines.push(`${name}_sum{${at}} ${Number(series.sum.toPrecision(12))}`);
      lines.push(`${name}_count{${at}} ${series.count}`);
    }
    return lines;
  }
}

/** Who a request's usage is counted for. */
export interface UsageLabels {
  endpoint: string;
  provider: string;
  model: string;
  key: string;
}

/** Everything a Metrics counts, as plain JSON. */
export interface MetricsState {
  requests: [string, string, number][];
  seconds: [string, number][];
  duration: [string, number[], number, number][];
  upstream: [string, number[], number, number][];
  overhead: [string, number[], number, number][];
  firstChunk: [string, number[], number, number][];
  usage: [string, string, number, number, number, number | null][];
  retries: [string, number][];
  cache?: [string, string, number][];
  fallbacks: [string, string, number][];
}

/** The gateway's counters and histograms. */
export class Metrics {
  readonly #requests = new Counter2();
  readonly #seconds = new Counter1();
  readonly #duration = new Histogram();
  readonly #upstream = new Histogram();
  readonly #overhead = new Histogram();
  readonly #firstChunk = new Histogram();
  readonly #usage = new UsageCounter();
  readonly #retries = new Counter1();
  readonly #cache = new Counter2();
  readonly #fallbacks = new Counter2();
  constructor(readonly started = Date.now()) {}

  /** A request answered: its status and its whole time (to the end of its body). */
  request(endpoint: string | undefined, status: number, seconds: number): void {
    this.#requests.add(endpoint ?? "", String(status));
    this.#seconds.add(endpoint ?? "", seconds);
    this.#duration.observe(endpoint ?? "", seconds);
  }

  /** Where a served request's time went: upstream, the gateway's own, and a stream's first chunk. */
  phases(
    endpoint: string,
    upstreamSeconds: number,
    overheadSeconds: number,
    firstChunkSeconds: number | undefined,
  ): void {
    this.#upstream.observe(endpoint, upstreamSeconds);
    this.#overhead.observe(endpoint, overheadSeconds);
    if (firstChunkSeconds !== undefined) this.#firstChunk.observe(endpoint, firstChunkSeconds);
  }

  /** Usage tokens by kind and, when priced, the cost in USD. */
  usage(
    labels: UsageLabels,
    usage: { prompt: number; completion: number; cached: number },
    costUsd: number | null,
  ): void {
    this.#usage.add(labels, usage, costUsd);
  }

  retry(endpoint: string): void {
    this.#retries.add(endpoint);
  }

  /** What the answer cache of an endpoint or route did for a request. */
  cache(name: string, result: string): void {
    this.#cache.add(name, result);
  }

  /** Everything counted so far, as plain JSON. */
  state(): MetricsState {
    return {
      requests: this.#requests.state(),
      seconds: this.#seconds.state(),
      duration: this.#duration.state(),
      upstream: this.#upstream.state(),
      overhead: this.#overhead.state(),
      firstChunk: this.#firstChunk.state(),
      usage: this.#usage.state(),
      retries: this.#retries.state(),
      cache: this.#cache.state(),
      fallbacks: this.#fallbacks.state(),
    };
  }

  /** Adds another Metrics' counts (another worker's) to these. */
  merge(state: MetricsState): void {
    this.#requests.merge(state.requests);
    this.#seconds.merge(state.seconds);
    this.#duration.merge(state.duration);
    this.#upstream.merge(state.upstream);
    this.#overhead.merge(state.overhead);
    this.#firstChunk.merge(state.firstChunk);
    this.#usage.merge(state.usage);
    this.#retries.merge(state.retries);
    this.#cache.merge(state.cache ?? []);
    this.#fallbacks.merge(state.fallbacks);
  }

  fallback(route: string, from: string): void {
    this.#fallbacks.add(route, from);
  }

  /** The Prometheus exposition text. */
  render(): string {
    return [
      "# HELP gateway_uptime_seconds Seconds since the gateway started",
      "# TYPE gateway_uptime_seconds gauge",
      `gateway_uptime_seconds ${((Date.now() - this.started) / 1000).toFixed(1)}`,
      ...this.#requests.render(
        "gateway_requests_total",
        "HTTP requests answered, by endpoint and status",
        "endpoint",
        "status",
      ),
      ...this.#seconds.render(
        "gateway_request_seconds_total",
        "Time to the end of the response (a stream: its last event), summed, by endpoint",
        "endpoint",
      ),
      ...this.#duration.render(
        "gateway_request_duration_seconds",
        "Time from the request's arrival to the end of its response, by endpoint",
      ),
      ...this.#upstream.render(
        "gateway_upstream_duration_seconds",
        "Time waiting on upstreams (to each attempt's headers), by endpoint",
      ),
      ...this.#overhead.render(
        "gateway_overhead_duration_seconds",
        "The gateway's own time: the total less the time waiting on upstreams, by endpoint",
      ),
      ...this.#firstChunk.render(
        "gateway_time_to_first_chunk_seconds",
        "Streams: time from the request's arrival to its first chunk, by endpoint",
      ),
      ...this.#usage.render(),
      ...this.#retries.render(
        "gateway_upstream_retries_total",
        "Upstream attempts retried, by endpoint",
        "endpoint",
      ),
      ...this.#cache.render(
        "gateway_cache_total",
        "Answer cache lookups by endpoint or route and result (hit, miss, bypass)",
        "name",
        "result",
      ),
      ...this.#fallbacks.render(
        "gateway_route_fallbacks_total",
        "Route destinations given up for the next one",
        "route",
        "from",
      ),
    ].join("\n") + "\n";
  }
}
