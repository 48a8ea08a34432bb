/**
 * The benchmark's results: the goals of issue 5 checked against the figures (reported, never
 * asserted), and the Markdown tables printed on stdout and kept in bench/README.md.
 */
import type { ScenarioFigures, TargetFigures } from "./load.ts";
import type { StreamRun } from "./streaming.ts";
import type { ColdStart, RssUnderLoad, Soak } from "./resources.ts";
import type { Machine } from "./machine.ts";
import type { PeersResults } from "./peers.ts";
import { fmt, markdownTable, median, rate, signed } from "./stats.ts";

const MIB = 1024 * 1024;

export interface Results {
  date: string;
  mode: "full" | "quick" | "custom";
  settings: Record<string, number>;
  machine: Machine;
  gateway: { command: string; runtime: string; version: string; binaryBytes?: number };
  proxyRuntime: string;
  mockRuntime: string;
  loadGenerator: string;
  load: ScenarioFigures[];
  streaming: StreamRun[];
  resources: {
    idleRss?: number;
    idleRssManyEndpoints?: number;
    /** The bare proxy's, for scale: what the runtime alone takes. */
    idleRssProxy?: number;
    /** VmHWM at the end of the load sections, gateway and bare proxy. */
    peakRss?: number;
    peakRssProxy?: number;
    underLoad?: RssUnderLoad;
    soak?: Soak;
    coldStart?: ColdStart;
    coldStartManyEndpoints?: ColdStart;
  };
  /** Other gateways on the same mock (their chat rows are in `load`, keyed `peer-<key>`). */
  peers?: PeersResults;
  /**
   * The gateway under Deno beside the Bun binary (`deno run` main.ts with the permission flags
   * of `deno task start`) and a bare proxy on Deno: chat rows keyed `gateway-deno`, `proxy-deno`.
   */
  deno?: DenoResults;
  goals: Goal[];
}

export interface DenoResults {
  /** Why the Deno targets were not run, if they were not. */
  skipped?: string;
  /** Why they were not measured (they failed to start). */
  error?: string;
  command?: string;
  version?: string;
  /** VmRSS right after start, of the Deno gateway and of the bare Deno proxy. */
  idleRss?: number;
  idleRssProxy?: number;
}

export interface Goal {
  goal: string;
  value: string;
  /** undefined: not measured in this run (or the run had errors). */
  met: boolean | undefined;
}

function target(
  results: Results,
  scenario: string,
  concurrency: number,
  key: string,
): TargetFigures | undefined {
  const figures = results.load
    .find((s) => s.key === scenario && s.concurrency === concurrency)
    ?.targets.find((t) => t.key === key);
  return figures?.valid ? figures : undefined;
}

/** Checks the goals of issue 5 (and the bench's own 1,000-endpoint check). */
export function checkGoals(results: Results): Goal[] {
  const goals: Goal[] = [];
  const add = (goal: string, value: number | undefined, text: string, met: boolean) =>
    goals.push({
      goal,
      value: value === undefined ? "not measured" : text,
      met: value === undefined ? undefined : met,
    });

  const full32 = target(results, "chat", 32, "gateway-limited");
  const proxy32 = target(results, "chat", 32, "proxy");
  const ratio = full32?.vsProxy;
  const cpuEfficiency = full32?.cpuUs && proxy32?.cpuUs ? proxy32.cpuUs / full32.cpuUs : undefined;
  add(
    "chat c=32, full path (limits on) ≥ 0.80× bare proxy req/s",
    ratio,
    `${fmt(ratio)}× (CPU per request: proxy/gateway ${fmt(cpuEfficiency)}×)`,
    (ratio ?? 0) >= 0.8,
  );
  const full1 = target(results, "chat", 1, "gateway-limited");
  add(
    "added latency c=1 p50 ≤ 0.25 ms",
    full1?.addedP50,
    `${signed(full1?.addedP50, 3)} ms`,
    (full1?.addedP50 ?? Infinity) <= 0.25,
  );
  add(
    "added latency c=1 p99 ≤ 1 ms",
    full1?.addedP99,
    `${signed(full1?.addedP99, 3)} ms`,
    (full1?.addedP99 ?? Infinity) <= 1,
  );

  const stream = results.streaming.find((s) => s.key === "stream")?.targets.find((t) =>
    t.key === "gateway"
  );
  const streamOk = stream?.valid ? stream : undefined;
  add(
    "stream TTFB within 1 ms of direct",
    streamOk?.addedTtfb,
    `${signed(streamOk?.addedTtfb, 3)} ms`,
    (streamOk?.addedTtfb ?? Infinity) <= 1,
  );
  add(
    "200 undelayed chunks within 2 ms of direct",
    streamOk?.addedTotal,
    `${signed(streamOk?.addedTotal, 3)} ms`,
    (streamOk?.addedTotal ?? Infinity) <= 2,
  );

  const delayed = results.streaming.find((s) => s.key === "delayed");
  const dGateway = delayed?.targets.find((t) => t.key === "gateway");
  const dOk = dGateway?.valid ? dGateway : undefined;
  add(
    "delayed stream not buffered (TTFB within 5 ms of direct's)",
    dOk?.addedTtfb,
    `TTFB ${fmt(dOk?.ttfbP50, 1)} ms of ${fmt(dOk?.totalP50, 0)} ms total, ${
      signed(dOk?.addedTtfb, 2)
    } ms vs direct, ${dOk?.dataReads} reads`,
    (dOk?.addedTtfb ?? Infinity) <= 5,
  );

  // CPU per request, not req/s: two processes compared on a shared machine differ by noise.
  const many = target(results, "chat", 32, "gateway-many");
  const small = target(results, "chat", 32, "gateway");
  const cpuRatio = many?.cpuUs !== undefined && small?.cpuUs !== undefined
    ? many.cpuUs / small.cpuUs
    : undefined;
  add(
    "1,000 endpoints: CPU per request ≤ 1.05× the 5-endpoint config's (c=32)",
    cpuRatio,
    `${fmt(cpuRatio)}× (${fmt(many?.cpuUs, 0)} vs ${fmt(small?.cpuUs, 0)} µs; req/s ${
      fmt(many?.vsOther?.ratio)
    }×)`,
    (cpuRatio ?? Infinity) <= 1.05,
  );

  const r = results.resources;
  const loadMax = r.underLoad?.valid ? r.underLoad.max : undefined;
  add(
    `RSS under c=${r.underLoad?.connections ?? 64} load ≤ 100 MB`,
    loadMax,
    `${fmt(loadMax, 1)} MiB (${
      fmt(loadMax === undefined ? undefined : loadMax * MIB / 1e6, 1)
    } MB)`,
    // The goal is in MB (10^6 bytes); RSS is read in MiB.
    (loadMax ?? Infinity) * MIB <= 100e6,
  );
  const growth = r.soak?.valid ? r.soak.growthPercent : undefined;
  add(
    `RSS growth over a ${r.soak?.seconds ?? 60} s soak < 10%`,
    growth,
    `${signed(growth, 1)}%`,
    (growth ?? Infinity) < 10,
  );
  const cold = r.coldStart?.median;
  add(
    "cold start to healthy /health ≤ 150 ms",
    cold,
    `${fmt(cold, 1)} ms`,
    (cold ?? Infinity) <= 150,
  );

  // Issue 19: a client key and a SQLite usage store, against the same gateway without them.
  const gateway = target(results, "chat", 32, "gateway");
  const team = target(results, "chat", 32, "gateway-team");
  const teamExtra = team?.cpuUs !== undefined && gateway?.cpuUs !== undefined
    ? team.cpuUs - gateway.cpuUs
    : undefined;
  add(
    "client key + SQLite store: ≤ 20 µs more CPU per request (≤ 10 µs each), c=32",
    teamExtra,
    `${signed(teamExtra, 1)} µs (${fmt(team?.cpuUs, 0)} vs ${fmt(gateway?.cpuUs, 0)} µs)`,
    (teamExtra ?? Infinity) <= 20,
  );
  add(
    "client key + SQLite store: chat c=32 ≥ 0.80× bare proxy req/s",
    team?.vsProxy,
    `${fmt(team?.vsProxy)}×`,
    (team?.vsProxy ?? 0) >= 0.8,
  );

  goals.push(...cpuGoals(results, "gateway", "proxy", ""));
  const peak = r.peakRss;
  add(
    "peak RSS over the whole run ≤ 150 MiB",
    peak,
    `${fmt(peak, 1)} MiB (bare proxy: ${fmt(r.peakRssProxy, 1)} MiB)`,
    (peak ?? Infinity) <= 150,
  );

  goals.push(...denoGoals(results), ...peerGoals(results));
  return goals;
}

/** The scenarios of issue 22's CPU goal, with the names its goals give them. */
const CPU_SCENARIOS: [key: string, name: string][] = [
  ["chat", "chat"],
  ["stream", "200-chunk streams"],
  ["embeddings", "16×1536 embeddings"],
  ["large", "200 KB prompts"],
];

/**
 * Issue 22: in each scenario at c=32, a request costs the gateway (`gatewayKey`) at most 1.25×
 * the CPU it costs the bare proxy (`proxyKey`) on the same runtime: proxy ÷ gateway ≥ 0.80, with
 * the req/s ratio beside it.
 */
function cpuGoals(results: Results, gatewayKey: string, proxyKey: string, runtime: string): Goal[] {
  const proxyName = runtime === "" ? "bare proxy" : "bare Deno proxy";
  return CPU_SCENARIOS.map(([key, name]) => {
    const gateway = target(results, key, 32, gatewayKey);
    const proxy = target(results, key, 32, proxyKey);
    const ratio = gateway?.cpuUs && proxy?.cpuUs ? proxy.cpuUs / gateway.cpuUs : undefined;
    return {
      goal:
        `${name} c=32${runtime}: CPU per request ≤ 1.25× the ${proxyName}'s (proxy ÷ gateway ≥ 0.80)`,
      value: ratio === undefined
        ? "not measured"
        : `${fmt(ratio)}× (${fmt(gateway?.cpuUs, 0)} vs ${fmt(proxy?.cpuUs, 0)} µs; req/s ${
          fmt(gateway?.vsProxy)
        }×)`,
      met: ratio === undefined ? undefined : ratio >= 0.8,
    };
  });
}

/** The goal of the gateway under Deno, when the run measured it beside the Bun binary. */
export function denoGoals(results: Results): Goal[] {
  if (!results.deno || results.deno.skipped) return [];
  const gateway = target(results, "chat", 32, "gateway-deno");
  const proxy = target(results, "chat", 32, "proxy-deno");
  const ratio = gateway?.vsProxy;
  const cpu = gateway?.cpuUs && proxy?.cpuUs ? proxy.cpuUs / gateway.cpuUs : undefined;
  return [{
    goal: "chat c=32 under Deno ≥ 0.80× the bare Deno proxy req/s",
    value: ratio === undefined
      ? "not measured"
      : `${fmt(ratio)}× (CPU per request: ${fmt(gateway?.cpuUs, 0)} vs ${
        fmt(proxy?.cpuUs, 0)
      } µs, proxy/gateway ${fmt(cpu)}×)`,
    met: ratio === undefined ? undefined : ratio >= 0.8,
  }, ...cpuGoals(results, "gateway-deno", "proxy-deno", " under Deno")];
}

/** A figure of ours and of each peer (undefined: not measured). */
interface Compared {
  ours: number | undefined;
  peers: { name: string; value: number | undefined }[];
}

/**
 * "Lowest of all": met when ours is below every peer's; not measured (undefined) when ours or any
 * peer's figure is missing (what a missing peer did is not guessed).
 */
export function lowestOfAll(
  goal: string,
  { ours, peers }: Compared,
  show: (n: number) => string,
): Goal {
  const missing = peers.filter((p) => p.value === undefined).map((p) => p.name);
  const measured = peers.filter((p) => p.value !== undefined) as { name: string; value: number }[];
  if (ours === undefined || measured.length === 0) {
    return { goal, value: "not measured", met: undefined };
  }
  const value = `${show(ours)} (${measured.map((p) => `${p.name}: ${show(p.value)}`).join(", ")}${
    missing.length ? `; not measured: ${missing.join(", ")}` : ""
  })`;
  const below = measured.every((p) => ours < p.value);
  return { goal, value, met: missing.length ? (below ? undefined : false) : below };
}

/**
 * `a`'s req/s over `b`'s within each round (the two ran seconds apart), median over rounds;
 * undefined when a round of `b` served nothing.
 */
export function rpsRatioByRound(a: TargetFigures, b: TargetFigures): number | undefined {
  const n = Math.min(a.rounds.length, b.rounds.length);
  const ratios: number[] = [];
  for (let i = 0; i < n; i++) {
    if (!(b.rounds[i]!.rps > 0)) return undefined;
    ratios.push(a.rounds[i]!.rps / b.rounds[i]!.rps);
  }
  return ratios.length ? median(ratios) : undefined;
}

/** The goals against the peers, when the run measured peers. */
export function peerGoals(results: Results): Goal[] {
  const p = results.peers;
  if (!p || p.skipped) return [];
  const goals: Goal[] = [];
  const peerFigures = (concurrency: number) =>
    p.peers.map((peer) => ({
      name: peer.name,
      figures: target(results, "chat", concurrency, `peer-${peer.key}`),
    }));

  // Throughput: the gateway's req/s over the peer's round by round, median over rounds.
  const gateway32 = target(results, "chat", 32, "gateway");
  const at32 = peerFigures(32).map(({ name, figures }) => ({
    name,
    rps: figures?.rps,
    times: gateway32 && figures ? rpsRatioByRound(gateway32, figures) : undefined,
  }));
  const measured = at32.filter((x) => x.times !== undefined);
  const missing = at32.filter((x) => x.times === undefined).map((x) => x.name);
  const fastest = measured.sort((a, b) => a.times! - b.times!)[0];
  const goal = "chat c=32 req/s ≥ 10× the fastest peer's";
  if (!gateway32 || !fastest) goals.push({ goal, value: "not measured", met: undefined });
  else {
    const met = fastest.times! >= 10;
    goals.push({
      goal,
      value: `${fmt(fastest.times, 1)}× ${fastest.name} (${rate(gateway32.rps)} vs ${
        rate(fastest.rps)
      } req/s)${missing.length ? `; not measured: ${missing.join(", ")}` : ""}`,
      met: missing.length && met ? undefined : met,
    });
  }

  const gateway1 = target(results, "chat", 1, "gateway");
  goals.push(lowestOfAll(
    "lowest added latency at c=1 (p50) of all",
    {
      ours: gateway1?.addedP50,
      peers: peerFigures(1).map(({ name, figures }) => ({ name, value: figures?.addedP50 })),
    },
    (n) => `${signed(n, 3)} ms`,
  ));
  // Ours: VmRSS (its PSS would split the binary's pages with the other gateways the bench runs
  // from the same file). A peer's: PSS summed over its processes (RSS summed would count the
  // pages its workers share once per worker); for one process it is about its RSS, or less.
  goals.push(lowestOfAll(
    "lowest idle RSS of all (a peer's: PSS summed over its processes)",
    {
      ours: p.gateway?.idleRss,
      peers: p.peers.map((peer) => ({ name: peer.name, value: peer.idlePss })),
    },
    (n) => `${fmt(n, 1)} MiB`,
  ));
  goals.push(lowestOfAll(
    "lowest cold start of all (spawn → first chat answer)",
    {
      ours: p.gateway?.coldStart?.median,
      peers: p.peers.map((peer) => ({ name: peer.name, value: peer.coldStart?.median })),
    },
    (n) => `${fmt(n, n < 1000 ? 1 : 0)} ms`,
  ));
  return goals;
}

function invalid(f: TargetFigures): string {
  return `INVALID (${f.non2xx} non-2xx, ${f.socketErrors} socket errors)`;
}

function c1Cells(f: TargetFigures | undefined): string[] {
  if (!f) return ["–", "–", "–"];
  if (!f.valid) return [invalid(f), "", ""];
  return [
    rate(f.rps),
    `${fmt(f.p50, 3)} / ${fmt(f.p99, 3)}`,
    f.addedP50 === undefined ? "–" : `${signed(f.addedP50, 3)} / ${signed(f.addedP99, 3)}`,
  ];
}

function c32Cells(f: TargetFigures | undefined): string[] {
  if (!f) return ["–", "–", "–", "–"];
  if (!f.valid) return [invalid(f), "", "", ""];
  return [
    rate(f.rps),
    `${fmt(f.p50, 2)} / ${fmt(f.p99, 2)}`,
    f.vsDirect === undefined
      ? "–"
      : `${fmt(f.vsDirect)}× / ${f.vsProxy === undefined ? "–" : `${fmt(f.vsProxy)}×`}`,
    fmt(f.cpuUs, 0),
  ];
}

/** Throughput and latency: one row per scenario and target, c=1 and c=32 side by side. */
export function loadTable(results: Results): string {
  const rows: string[][] = [];
  const scenarios = [...new Set(results.load.map((s) => s.key))];
  for (const key of scenarios) {
    const runs = results.load.filter((s) => s.key === key);
    const c1 = runs.find((s) => s.concurrency === 1);
    const c32 = runs.find((s) => s.concurrency !== 1);
    const keys = new Set([...(c1?.targets ?? []), ...(c32?.targets ?? [])].map((t) => t.key));
    for (const targetKey of keys) {
      const a = c1?.targets.find((t) => t.key === targetKey);
      const b = c32?.targets.find((t) => t.key === targetKey);
      rows.push([runs[0]!.title, (a ?? b)!.label, ...c1Cells(a), ...c32Cells(b)]);
    }
  }
  return markdownTable(
    [
      "scenario",
      "target",
      "c=1 req/s",
      "c=1 p50 / p99 ms",
      "c=1 added p50 / p99 ms",
      "c=32 req/s",
      "c=32 p50 / p99 ms",
      "c=32 × direct / × proxy",
      "c=32 CPU µs/req",
    ],
    rows,
  );
}

/** Stream timings. */
export function streamTable(results: Results): string {
  const rows = results.streaming.flatMap((run) =>
    run.targets.map((t) => [
      run.title,
      t.label,
      t.valid ? `${fmt(t.ttfbP50, 3)} / ${fmt(t.ttfbP99, 3)}` : `INVALID (${t.failures} failed)`,
      t.valid ? `${fmt(t.totalP50, 3)} / ${fmt(t.totalP99, 3)}` : "",
      t.addedTtfb === undefined ? "–" : `${signed(t.addedTtfb, 3)} / ${signed(t.addedTotal, 3)}`,
      String(t.dataReads),
    ])
  );
  return markdownTable(
    [
      "stream (c=1)",
      "target",
      "TTFB p50 / p99 ms",
      "total p50 / p99 ms",
      "added TTFB / total ms",
      "reads",
    ],
    rows,
  );
}

/** Memory, cold start and size. */
export function resourceTable(results: Results): string {
  const r = results.resources;
  const rows: string[][] = [];
  if (r.idleRss !== undefined) {
    const proxy = r.idleRssProxy === undefined
      ? ""
      : ` (bare proxy: ${fmt(r.idleRssProxy, 1)} MiB)`;
    rows.push(["RSS idle (after start)", `${fmt(r.idleRss, 1)} MiB${proxy}`]);
  }
  if (r.idleRssManyEndpoints !== undefined) {
    rows.push(["RSS idle, 1,000-endpoint config", `${fmt(r.idleRssManyEndpoints, 1)} MiB`]);
  }
  if (r.underLoad) {
    rows.push([
      `RSS under c=${r.underLoad.connections} chat load (max; fresh process)`,
      `${fmt(r.underLoad.max, 1)} MiB (${rate(r.underLoad.rps)} req/s${
        r.underLoad.valid ? "" : ", INVALID"
      })`,
    ]);
  }
  if (r.soak) {
    rows.push([
      `RSS over a ${r.soak.seconds} s soak (c=${r.soak.connections}, mixed)`,
      `${fmt(r.soak.early, 1)} → ${fmt(r.soak.late, 1)} MiB (${signed(r.soak.growthPercent, 1)}%, ${
        rate(r.soak.requests)
      } requests${r.soak.valid ? "" : ", INVALID"})`,
    ]);
  }
  if (r.peakRss !== undefined) {
    const proxy = r.peakRssProxy === undefined
      ? ""
      : ` (bare proxy: ${fmt(r.peakRssProxy, 1)} MiB)`;
    rows.push(["peak RSS over the whole run (VmHWM)", `${fmt(r.peakRss, 1)} MiB${proxy}`]);
  }
  if (r.coldStart) {
    rows.push([
      "cold start → healthy /health (median)",
      `${fmt(r.coldStart.median, 1)} ms (min ${fmt(r.coldStart.min, 1)}, max ${
        fmt(r.coldStart.max, 1)
      }, ${r.coldStart.runs} runs)`,
    ]);
  }
  if (r.coldStartManyEndpoints) {
    rows.push([
      "cold start, 1,000-endpoint config (median)",
      `${fmt(r.coldStartManyEndpoints.median, 1)} ms`,
    ]);
  }
  if (results.gateway.binaryBytes !== undefined) {
    rows.push(["binary size", `${fmt(results.gateway.binaryBytes / 1024 ** 2, 1)} MiB`]);
  }
  return markdownTable(["resource", "value"], rows);
}

/** Our gateway and each peer: how it ran, idle memory, cold start, or why it was not measured. */
export function peersTable(results: Results): string {
  const p = results.peers;
  if (!p) return "";
  const memory = (rss: number | undefined, pss: number | undefined) =>
    rss === undefined ? "–" : `${fmt(rss, 1)} / ${fmt(pss, 1)}`;
  const cold = (c: ColdStart | undefined, error?: string) =>
    c ? `${fmt(c.median, 1)} (${c.runs} runs)` : error ? `not measured: ${error}` : "–";
  const rows: string[][] = [[
    "gateway (this)",
    results.gateway.version.replace(/^gateway /, ""),
    `${results.gateway.runtime} (${results.gateway.command})`,
    "`gateway start`, default settings",
    "1",
    memory(p.gateway?.idleRss, p.gateway?.idlePss),
    cold(p.gateway?.coldStart),
  ]];
  for (const peer of p.peers) {
    rows.push([
      peer.name,
      peer.version,
      peer.runtime ?? "–",
      peer.error ? `not measured: ${peer.error}` : peer.setup,
      peer.processes === undefined ? "–" : String(peer.processes),
      memory(peer.idleRss, peer.idlePss),
      cold(peer.coldStart, peer.coldStartError),
    ]);
  }
  return markdownTable(
    [
      "server",
      "version",
      "runs on",
      "as run",
      "processes",
      "idle RSS / PSS MiB",
      "cold start → first chat answer, median ms",
    ],
    rows,
  );
}

/** Goals met or missed. */
export function goalTable(results: Results): string {
  return markdownTable(
    ["goal", "measured", "met"],
    results.goals.map((
      g,
    ) => [g.goal, g.value, g.met === undefined ? "–" : g.met ? "yes" : "**no**"]),
  );
}

/** The machine line under the tables. */
export function machineLine(results: Results): string {
  const m = results.machine;
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.kernel}; ${results.gateway.version} ` +
    `(${results.gateway.command}); bare proxy on ${results.proxyRuntime}; mock upstream on ${results.mockRuntime}; ` +
    `load: ${results.loadGenerator}; deno ${m.deno}${
      m.bun ? `, bun ${m.bun}` : ""
    }; commit ${m.commit}; ` +
    `load average at start ${m.loadAverage.join(" ")}${
      m.loadAverageAtEnd ? `, at end ${m.loadAverageAtEnd.join(" ")}` : ""
    }; ${results.mode} run ${results.date.slice(0, 16).replace("T", " ")} UTC`;
}

/** What was left out of this run, and the Deno targets' own figures, as lines under the tables. */
export function notes(results: Results): string[] {
  const lines: string[] = [];
  const d = results.deno;
  if (d?.skipped) lines.push(`Gateway under Deno: not run (${d.skipped}).`);
  else if (d?.error) lines.push(`Gateway under Deno: not measured (${d.error}).`);
  else if (d) {
    lines.push(
      `Gateway under Deno: \`${d.command}\` (${d.version}); idle RSS ${fmt(d.idleRss, 1)} MiB ` +
        `(bare Deno proxy: ${fmt(d.idleRssProxy, 1)} MiB).`,
    );
  }
  if (results.peers?.skipped) lines.push(`Peers: not run (${results.peers.skipped}).`);
  return lines;
}

/** Everything, as printed on stdout. */
export function fullReport(results: Results): string {
  const peers = results.peers && !results.peers.skipped
    ? [
      "## Peers (same mock; chat rows in the first table)",
      "",
      peersTable(results),
      "",
    ]
    : [];
  const noted = notes(results);
  return [
    "## Throughput and latency (median of rounds; latencies in ms)",
    "",
    loadTable(results),
    "",
    "## Streaming",
    "",
    streamTable(results),
    "",
    "## Resources",
    "",
    resourceTable(results),
    "",
    ...peers,
    ...(noted.length ? [...noted, ""] : []),
    "## Goals",
    "",
    goalTable(results),
    "",
    `Machine: ${machineLine(results)}`,
  ].join("\n");
}
