/**
 * Counters for GET /metrics (Prometheus text format): requests by endpoint and status, their
 * total duration, usage tokens, retries and fallbacks. Cheap on the hot path: plain map updates
 * keyed by the raw values; label strings are built only when /metrics is read.
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

  render(name: string, help: string, labelA: string): string[] {
    const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} counter`];
    for (const [a, value] of this.#values) lines.push(`${name}{${labelA}="${label(a)}"} ${value}`);
    return lines;
  }
}

/** The gateway's counters. */
export class Metrics {
  readonly #requests = new Counter2();
  readonly #seconds = new Counter1();
  readonly #tokens = new Counter2();
  readonly #retries = new Counter1();
  readonly #fallbacks = new Counter2();
  readonly #started = Date.now();

  request(endpoint: string | undefined, status: number, seconds: number): void {
    this.#requests.add(endpoint ?? "", String(status));
    this.#seconds.add(endpoint ?? "", seconds);
  }

  tokens(
    endpoint: string,
    usage: { prompt_tokens?: number | null; completion_tokens?: number | null } | null | undefined,
  ): void {
    if (!usage) return;
    if (usage.prompt_tokens) this.#tokens.add(endpoint, "prompt", usage.prompt_tokens);
    if (usage.completion_tokens) this.#tokens.add(endpoint, "completion", usage.completion_tokens);
  }

  retry(endpoint: string): void {
    this.#retries.add(endpoint);
  }

  fallback(route: string, from: string): void {
    this.#fallbacks.add(route, from);
  }

  /** The Prometheus exposition text. */
  render(): string {
    return [
      "# HELP gateway_uptime_seconds Seconds since the gateway started",
      "# TYPE gateway_uptime_seconds gauge",
      `gateway_uptime_seconds ${((Date.now() - this.#started) / 1000).toFixed(1)}`,
      ...this.#requests.render(
        "gateway_requests_total",
        "HTTP requests answered, by endpoint and status",
        "endpoint",
        "status",
      ),
      ...this.#seconds.render(
        "gateway_request_seconds_total",
        "Time to the response's headers, summed, by endpoint",
        "endpoint",
      ),
      ...this.#tokens.render(
        "gateway_tokens_total",
        "Usage tokens reported by providers, by endpoint and kind",
        "endpoint",
        "kind",
      ),
      ...this.#retries.render(
        "gateway_upstream_retries_total",
        "Upstream attempts retried, by endpoint",
        "endpoint",
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
