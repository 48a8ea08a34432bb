/**
 * Metrics for the whole server under `--workers`: a scrape reaches one worker (the kernel picks
 * it), so each worker writes its counts to a directory its supervisor made
 * (`GATEWAY_METRICS_DIR`) every second, and /metrics adds the other workers' last counts to its
 * own live ones. A worker that died and was replaced keeps its counts there, so the server's
 * counters never go back. Written atomically (a temporary file renamed), read leniently.
 */
import { readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { Metrics, type MetricsState } from "./metrics.ts";

export class SharedMetrics {
  readonly #file: string;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly dir: string, private readonly metrics: Metrics) {
    this.#file = join(dir, `${process.pid}.json`);
  }

  /** Writes this worker's counts now and every `everyMs`. */
  start(everyMs = 1000): void {
    this.write();
    this.#timer = setInterval(() => this.write(), everyMs);
    (this.#timer as { unref?: () => void }).unref?.();
  }

  /** This worker's counts, for the others to read. */
  write(): void {
    try {
      const temporary = `${this.#file}.tmp`;
      writeFileSync(temporary, JSON.stringify(this.metrics.state()));
      renameSync(temporary, this.#file);
    } catch {
      // The directory went away (the supervisor is stopping): nothing to share any more.
    }
  }

  /** The server's metrics: this worker's live counts and every other worker's last ones. */
  render(): string {
    const total = new Metrics(this.metrics.started);
    total.merge(this.metrics.state());
    let names: string[] = [];
    try {
      names = readdirSync(this.dir);
    } catch {
      return total.render();
    }
    for (const name of names) {
      if (!name.endsWith(".json") || join(this.dir, name) === this.#file) continue;
      try {
        total.merge(JSON.parse(readFileSync(join(this.dir, name), "utf8")) as MetricsState);
      } catch {
        // Being replaced at this moment: its next write counts.
      }
    }
    return total.render();
  }

  /** A last write, and no more. */
  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.write();
  }
}
