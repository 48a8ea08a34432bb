/**
 * Throughput and latency under load: every target of a scenario is run with wrk in turn, round
 * after round (A B C, C B A, A B C... so machine drift and ordering cancel out), and each figure
 * is the median over rounds. Ratios and differences compare targets of the same scenario at the
 * same concurrency within each round, and take the median over rounds.
 */
import { type LoadResult, runWrk, type WrkRequest, type WrkScripts } from "./wrk.ts";
import { median, round } from "./stats.ts";
import { cpuSeconds } from "./procs.ts";

/** Something wrk can load: an origin and the requests to send it. */
export interface Target {
  key: string;
  label: string;
  origin: string;
  requests: WrkRequest[];
  /** The process serving it, whose CPU time per request is measured. */
  pid?: number;
  /** CPU seconds used so far by what serves it, instead of `pid`'s (a server of several processes). */
  cpu?: () => number | undefined;
  /**
   * A target that may fail (a peer): a wrk run that cannot run against it counts as a failed run
   * (INVALID) instead of ending the benchmark.
   */
  optional?: boolean;
}

/** A group of targets measured against each other. */
export interface Scenario {
  key: string;
  title: string;
  concurrencies: number[];
  targets: Target[];
  /** Extra comparisons: target key → the key of the target it is compared with. */
  compare?: Record<string, string>;
  /**
   * The bare proxy a target's "× proxy" is taken against, when not the one keyed `proxy` (the
   * bare proxy on the target's own runtime); a key no target has leaves it out.
   */
  proxies?: Record<string, string>;
}

/** One target's figures at one concurrency. */
export interface TargetFigures {
  key: string;
  label: string;
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  /** CPU time of the target's own process per request, in µs (all its threads). */
  cpuUs?: number;
  non2xx: number;
  socketErrors: number;
  valid: boolean;
  /** Requests/s as a fraction of direct's and of the bare proxy's. */
  vsDirect?: number;
  vsProxy?: number;
  /** Latency over direct's, in ms. */
  addedP50?: number;
  addedP99?: number;
  /** Against `compare`'s target: requests/s fraction and p50 difference. */
  vsOther?: { key: string; ratio: number; addedP50: number };
  rounds: LoadResult[];
}

export interface ScenarioFigures {
  key: string;
  title: string;
  concurrency: number;
  targets: TargetFigures[];
}

export interface LoadSettings {
  scripts: WrkScripts;
  seconds: number;
  warmupSeconds: number;
  rounds: number;
  log: (line: string) => void;
}

/** A wrk run and the CPU its target's process used during it. */
export interface Measured {
  load: LoadResult;
  cpu: number | undefined;
}

export function summarise(target: Target, runs: Measured[]): TargetFigures {
  const rounds = runs.map((r) => r.load);
  const cpu = runs.map((r) => r.cpu);
  const requests = rounds.reduce((n, r) => n + r.requests, 0);
  const cpuTotal = cpu.every((c) => c !== undefined)
    ? cpu.reduce((a, b) => a! + b!, 0)!
    : undefined;
  return {
    key: target.key,
    label: target.label,
    rps: round(median(rounds.map((r) => r.rps)), 1),
    p50: round(median(rounds.map((r) => r.p50))),
    p99: round(median(rounds.map((r) => r.p99))),
    requests,
    ...(cpuTotal === undefined || requests === 0
      ? {}
      : { cpuUs: round((cpuTotal / requests) * 1e6, 1) }),
    non2xx: rounds.reduce((n, r) => n + r.non2xx, 0),
    socketErrors: rounds.reduce((n, r) => n + r.socketErrors, 0),
    valid: rounds.every((r) => r.valid),
    rounds,
  };
}

/**
 * `a`'s figure against `b`'s, round by round (`pick` reads a figure from the two runs of one round),
 * and the median over rounds. Both runs of a round are close in time, so the machine's drift
 * between rounds (on this VM up to ±10% in req/s) cancels; medians taken per target first and
 * then compared would keep it.
 */
function perRound(
  a: TargetFigures,
  b: TargetFigures,
  pick: (a: LoadResult, b: LoadResult) => number,
): number {
  const n = Math.min(a.rounds.length, b.rounds.length);
  const values: number[] = [];
  for (let i = 0; i < n; i++) values.push(pick(a.rounds[i]!, b.rounds[i]!));
  return round(median(values));
}

const rpsRatio = (a: LoadResult, b: LoadResult) => a.rps / b.rps;
const p50Diff = (a: LoadResult, b: LoadResult) => a.p50 - b.p50;
const p99Diff = (a: LoadResult, b: LoadResult) => a.p99 - b.p99;

/**
 * Adds the ratios to direct, to the bare proxy (`proxies[key]`, else the one keyed `proxy`) and
 * to the scenario's `compare` targets.
 */
export function compare(
  figures: TargetFigures[],
  pairs: Record<string, string>,
  proxies: Record<string, string> = {},
): void {
  const byKey = new Map(figures.map((f) => [f.key, f]));
  const direct = byKey.get("direct");
  for (const f of figures) {
    const proxy = byKey.get(proxies[f.key] ?? "proxy");
    if (direct && f !== direct) {
      f.vsDirect = perRound(f, direct, rpsRatio);
      f.addedP50 = perRound(f, direct, p50Diff);
      f.addedP99 = perRound(f, direct, p99Diff);
    }
    if (proxy && f !== proxy && f !== direct && !isProxy(f.key, proxies)) {
      f.vsProxy = perRound(f, proxy, rpsRatio);
    }
    const other = byKey.get(pairs[f.key] ?? "");
    if (other) {
      f.vsOther = {
        key: other.key,
        ratio: perRound(f, other, rpsRatio),
        addedP50: perRound(f, other, p50Diff),
      };
    }
  }
}

/** Whether `key` is a bare proxy: `proxy`, or a target others are compared with as theirs. */
function isProxy(key: string, proxies: Record<string, string>): boolean {
  return key === "proxy" || Object.values(proxies).includes(key);
}

/** A run that could not be made (an optional target gone): failed, so not a result. */
export function failedRun(seconds: number): LoadResult {
  return {
    requests: 0,
    seconds,
    rps: 0,
    p50: 0,
    p90: 0,
    p99: 0,
    mean: 0,
    max: 0,
    non2xx: 0,
    socketErrors: 1,
    valid: false,
  };
}

/** Runs one scenario at each of its concurrencies. */
export async function runScenario(
  scenario: Scenario,
  settings: LoadSettings,
): Promise<ScenarioFigures[]> {
  const out: ScenarioFigures[] = [];
  for (const [index, connections] of scenario.concurrencies.entries()) {
    const cpuOf = (target: Target) =>
      target.cpu ? target.cpu() : target.pid === undefined ? undefined : cpuSeconds(target.pid);
    const load = async (target: Target, connections: number, seconds: number) => {
      try {
        return await runWrk({
          scripts: settings.scripts,
          origin: target.origin,
          requests: target.requests,
          connections,
          seconds,
        });
      } catch (error) {
        if (!target.optional) throw error;
        settings.log(`  ${target.key}: ${(error as Error).message.split("\n")[0]}`);
        return failedRun(seconds);
      }
    };
    const run = async (target: Target, seconds: number): Promise<Measured> => {
      const before = cpuOf(target);
      const result = await load(target, connections, seconds);
      const after = cpuOf(target);
      const cpu = before === undefined || after === undefined ? undefined : after - before;
      return { load: result, cpu };
    };
    // Warm up (JIT, connection pools) once per scenario, at its highest concurrency; later
    // concurrencies find it warm. A fresh gateway's CPU per request keeps falling for ~20 s of
    // load as its JIT compiles more of it (a bare proxy's does not), so a short warm-up would
    // measure compilation rather than a long-running server.
    if (index === 0) {
      const busiest = Math.max(...scenario.concurrencies);
      for (const target of scenario.targets) await load(target, busiest, settings.warmupSeconds);
    }
    const results = new Map<string, Measured[]>(scenario.targets.map((t) => [t.key, []]));
    for (let r = 0; r < settings.rounds; r++) {
      const order = r % 2 === 0 ? scenario.targets : [...scenario.targets].reverse();
      for (const target of order) {
        const measured = await run(target, settings.seconds);
        results.get(target.key)!.push(measured);
        const result = measured.load;
        settings.log(
          `  ${scenario.key} c=${connections} round ${r + 1} ${target.key}: ${
            Math.round(result.rps)
          } req/s p50 ${result.p50.toFixed(3)} ms p99 ${result.p99.toFixed(3)} ms${
            result.valid ? "" : ` INVALID (${result.non2xx} non-2xx, ${result.socketErrors} errors)`
          }`,
        );
      }
    }
    const figures = scenario.targets.map((t) => summarise(t, results.get(t.key)!));
    compare(figures, scenario.compare ?? {}, scenario.proxies);
    out.push({
      key: scenario.key,
      title: scenario.title,
      concurrency: connections,
      targets: figures,
    });
  }
  return out;
}
