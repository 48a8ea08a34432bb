/**
 * Resource figures of the gateway process: resident memory (VmRSS from /proc) under load and
 * over a soak, and cold start from spawn to the first healthy `/health`.
 */
import { freePort, type Proc, track } from "./procs.ts";
import { probe } from "./http_client.ts";
import { type LoadResult, runWrk, type WrkRequest, type WrkScripts } from "./wrk.ts";
import { median, round, sleep } from "./stats.ts";

export interface RssUnderLoad {
  connections: number;
  seconds: number;
  rps: number;
  valid: boolean;
  /** MiB: before the load, the highest sample during it, and after it. */
  before: number;
  max: number;
  after: number;
}

export interface Soak {
  connections: number;
  seconds: number;
  requests: number;
  rps: number;
  valid: boolean;
  /** RSS samples (MiB), one a second. */
  samples: number[];
  /** Median RSS over the soak's second fifth (warm) and over its last fifth. */
  early: number;
  late: number;
  /** late / early - 1, as a percentage. */
  growthPercent: number;
}

/** Runs wrk while sampling the process's RSS every `everyMs`. */
async function loadWhileSampling(
  proc: Proc,
  options: {
    scripts: WrkScripts;
    origin: string;
    requests: WrkRequest[];
    connections: number;
    seconds: number;
  },
  everyMs: number,
): Promise<{ result: LoadResult; samples: number[] }> {
  const samples: number[] = [];
  const timer = setInterval(() => {
    const rss = proc.rssMiB();
    if (rss !== undefined) samples.push(rss);
  }, everyMs);
  try {
    const result = await runWrk(options);
    return { result, samples };
  } finally {
    clearInterval(timer);
  }
}

/** RSS before, during (max) and after `seconds` of load at `connections`. */
export async function rssUnderLoad(
  proc: Proc,
  scripts: WrkScripts,
  origin: string,
  requests: WrkRequest[],
  connections: number,
  seconds: number,
): Promise<RssUnderLoad> {
  const before = proc.rssMiB() ?? NaN;
  const { result, samples } = await loadWhileSampling(
    proc,
    { scripts, origin, requests, connections, seconds },
    100,
  );
  return {
    connections,
    seconds,
    rps: round(result.rps, 1),
    valid: result.valid,
    before: round(before, 1),
    max: round(Math.max(...samples, before), 1),
    after: round(proc.rssMiB() ?? NaN, 1),
  };
}

/** `seconds` of mixed load; growth compares the warm start of the soak with its end. */
export async function soak(
  proc: Proc,
  scripts: WrkScripts,
  origin: string,
  requests: WrkRequest[],
  connections: number,
  seconds: number,
): Promise<Soak> {
  const { result, samples } = await loadWhileSampling(
    proc,
    { scripts, origin, requests, connections, seconds },
    1000,
  );
  return {
    connections,
    seconds,
    requests: result.requests,
    rps: round(result.rps, 1),
    valid: result.valid,
    samples: samples.map((s) => round(s, 1)),
    ...rssGrowth(samples),
  };
}

/**
 * How much RSS grew over a soak's samples: the median of the second fifth (the first is the heap
 * still growing to its working size) against the median of the last fifth.
 */
export function rssGrowth(
  samples: readonly number[],
): { early: number; late: number; growthPercent: number } {
  const fifth = Math.max(1, Math.floor(samples.length / 5));
  const early = median(samples.slice(fifth, 2 * fifth));
  const late = median(samples.slice(-fifth));
  return {
    early: round(early, 1),
    late: round(late, 1),
    growthPercent: round((late / early - 1) * 100, 2),
  };
}

export interface ColdStart {
  runs: number;
  /** Milliseconds from spawn to the first 200 from /health. */
  times: number[];
  median: number;
  min: number;
  max: number;
}

async function coldStartOnce(
  command: string,
  args: (port: number) => string[],
  env: Record<string, string>,
  cwd: string,
): Promise<number> {
  const port = freePort();
  const started = performance.now();
  const child = track(
    new Deno.Command(command, {
      args: args(port),
      env,
      cwd,
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn(),
  );
  try {
    for (;;) {
      if (await probe(port, "/health") === 200) return performance.now() - started;
      if (performance.now() - started > 15_000) throw new Error("no healthy /health within 15 s");
      await sleep(1);
    }
  } finally {
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await child.status;
    clearTimeout(timer);
  }
}

/** Median of `runs` cold starts (after one untimed run that warms the page cache). */
export async function coldStart(
  command: string,
  args: (port: number) => string[],
  env: Record<string, string>,
  cwd: string,
  runs: number,
): Promise<ColdStart> {
  await coldStartOnce(command, args, env, cwd);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await coldStartOnce(command, args, env, cwd));
  return coldStartFigures(times);
}

/** The figures of timed cold starts (ms): each run, the median, the fastest and the slowest. */
export function coldStartFigures(times: readonly number[]): ColdStart {
  return {
    runs: times.length,
    times: times.map((t) => round(t, 1)),
    median: round(median(times), 1),
    min: round(Math.min(...times), 1),
    max: round(Math.max(...times), 1),
  };
}
