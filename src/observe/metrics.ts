/**
 * Counters for GET /metrics (Prometheus text format): requests by endpoint and status, their
 * total duration, usage tokens, retries and fallbacks. Cheap on the hot path: a map update.
 */

type Labels = Record<string, string>;

function key(labels: Labels): string {
  return Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, "_")}"`).join(",");
}

class Counter {
  readonly values = new Map<string, number>();
  constructor(readonly name: string, readonly help: string) {}

  add(labels: Labels, amount = 1): void {
    const k = key(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + amount);
  }

  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [labels, value] of this.values) lines.push(`${this.name}{${labels}} ${value}`);
    return lines;
  }
}

/** The gateway's counters. */
export class Metrics {
  readonly #requests = new Counter(
    "gateway_requests_total",
    "HTTP requests answered, by endpoint and status",
  );
  readonly #seconds = new Counter(
    "gateway_request_seconds_total",
    "Time to the response's headers, summed, by endpoint",
  );
  readonly #tokens = new Counter(
    "gateway_tokens_total",
    "Usage tokens reported by providers, by endpoint and kind",
  );
  readonly #retries = new Counter(
    "gateway_upstream_retries_total",
    "Upstream attempts retried, by endpoint",
  );
  readonly #fallbacks = new Counter(
    "gateway_route_fallbacks_total",
    "Route destinations given up for the next one",
  );
  readonly #started = Date.now();

  request(endpoint: string | undefined, status: number, seconds: number): void {
    const labels = { endpoint: endpoint ?? "", status: String(status) };
    this.#requests.add(labels);
    this.#seconds.add({ endpoint: endpoint ?? "" }, seconds);
  }

  tokens(
    endpoint: string,
    usage: { prompt_tokens?: number | null; completion_tokens?: number | null } | null | undefined,
  ): void {
    if (!usage) return;
    if (usage.prompt_tokens) this.#tokens.add({ endpoint, kind: "prompt" }, usage.prompt_tokens);
    if (usage.completion_tokens) {
      this.#tokens.add({ endpoint, kind: "completion" }, usage.completion_tokens);
    }
  }

  retry(endpoint: string): void {
    this.#retries.add({ endpoint });
  }

  fallback(route: string, from: string): void {
    this.#fallbacks.add({ route, from });
  }

  /** The Prometheus exposition text. */
  render(): string {
    const uptime = [
      "# HELP gateway_uptime_seconds Seconds since the gateway started",
      "# TYPE gateway_uptime_seconds gauge",
      `gateway_uptime_seconds ${((Date.now() - this.#started) / 1000).toFixed(1)}`,
    ];
    return [
      ...uptime,
      ...this.#requests.render(),
      ...this.#seconds.render(),
      ...this.#tokens.render(),
      ...this.#retries.render(),
      ...this.#fallbacks.render(),
    ].join("\n") + "\n";
  }
}
