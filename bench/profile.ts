/**
 * `deno task bench --profile`: runs the gateway from source under a CPU profiler while wrk sends
 * non-streaming chat (limit on, the full path; or embeddings, or streams) at c=32, then reads the profile: self time by
 * function and by area (gateway source, each package, runtime, GC), and inclusive time of the
 * gateway's own functions. Bun: `bun --cpu-prof`; Deno: the V8 inspector's Profiler domain.
 */
import { join, relative } from "node:path";
import { Proc } from "./procs.ts";
import { BENCH_CLIENT_KEY, PATHS, writeFiles } from "./setup.ts";
import { runWrk, writeWrkScripts } from "./wrk.ts";
import { fmt, markdownTable, rate, round, sleep } from "./stats.ts";
import { DENO_PERMISSION_FLAGS } from "../src/runtime/permissions.ts";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
/** A V8 / Chrome DevTools .cpuprofile. */
export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas?: number[];
}

export interface HotSpot {
  where: string;
  area: string;
  percent: number;
}

export interface ProfileSummary {
  busySamples: number;
  idlePercent: number;
  /** Samples in the profiler's own work (left out of the percentages). */
  profilerPercent: number;
  byArea: HotSpot[];
  selfTop: HotSpot[];
  gatewaySelf: HotSpot[];
  gatewayInclusive: HotSpot[];
}

const IDLE = new Set(["(idle)", "(root)"]);

/** Where a frame's code lives: gateway source file, a package, the runtime, or GC/native. */
function areaOf(frame: CallFrame, root: string): string {
  const url = frame.url.replace(/^file:\/\//, "");
  if (frame.functionName === "(garbage collector)") return "GC";
  if (frame.functionName === "(program)") return "runtime (native)";
  const nm = url.lastIndexOf("/node_modules/");
  if (nm >= 0) {
    const rest = url.slice(nm + 14).split("/");
    return `pkg ${rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  if (url.startsWith(root + "/")) {
    return relative(root, url).startsWith("src/") ? "gateway" : relative(root, url);
  }
  if (url === "") return "runtime (native)";
  return "runtime (js)";
}

/** `file:function` (named functions merge across lines: Bun reports async resumptions apart). */
function label(frame: CallFrame, root: string): string {
  const url = frame.url.replace(/^file:\/\//, "");
  const nm = url.lastIndexOf("/node_modules/");
  const file = nm >= 0
    ? url.slice(nm + 14)
    : url.startsWith(root + "/")
    ? relative(root, url)
    : url || "(native)";
  const name = frame.functionName.replace(/^bound /, "");
  return name === "" || name === "(anonymous)" || name === "anonymous"
    ? `${file}:(anonymous):${frame.lineNumber + 1}`
    : `${file}:${name}`;
}

/** Frames of the profiler itself (Deno's inspector reports every fetch to the session). */
const PROFILER_FRAME = /inspector_network_bridge|op_inspector_emit_protocol_event/;

/** Summarises a profile; percentages are of busy (non-idle) samples. */
export function summarise(profile: CpuProfile, root: string, top = 20): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, { count: number; area: string }>();
  const areas = new Map<string, number>();
  const gatewaySelf = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  let overhead = 0;
  const isProfiler = (id: number) => {
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = byId.get(cur)!.callFrame;
      if (PROFILER_FRAME.test(frame.url) || PROFILER_FRAME.test(frame.functionName)) return true;
    }
    return false;
  };
  for (const id of profile.samples) {
    const node = byId.get(id);
    if (!node) continue;
    if (IDLE.has(node.callFrame.functionName)) {
      idle++;
      continue;
    }
    if (isProfiler(id)) {
      overhead++;
      continue;
    }
    busy++;
    const area = areaOf(node.callFrame, root);
    const where = label(node.callFrame, root);
    const entry = self.get(where) ?? { count: 0, area };
    entry.count++;
    self.set(where, entry);
    areas.set(area, (areas.get(area) ?? 0) + 1);
    // Self time charged to the nearest gateway frame (time in libraries it called, included).
    const seen = new Set<string>();
    let nearest: string | undefined;
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = byId.get(cur)!.callFrame;
      if (areaOf(frame, root) !== "gateway") continue;
      const name = label(frame, root);
      nearest ??= name;
      if (!seen.has(name)) {
        seen.add(name);
        inclusive.set(name, (inclusive.get(name) ?? 0) + 1);
      }
    }
    if (nearest) gatewaySelf.set(nearest, (gatewaySelf.get(nearest) ?? 0) + 1);
  }
  const pct = (n: number) => round((n / Math.max(busy, 1)) * 100, 1);
  const sorted = <T>(
    entries: [string, T][],
    count: (v: T) => number,
    area: (k: string, v: T) => string,
  ) =>
    entries.sort((a, b) => count(b[1]) - count(a[1])).slice(0, top).map(([where, v]) => ({
      where,
      area: area(where, v),
      percent: pct(count(v)),
    }));
  return {
    busySamples: busy,
    idlePercent: round((idle / Math.max(idle + busy + overhead, 1)) * 100, 1),
    profilerPercent: round((overhead / Math.max(idle + busy + overhead, 1)) * 100, 1),
    byArea: sorted([...areas], (n) => n, (k) => k),
    selfTop: sorted([...self], (v) => v.count, (_, v) => v.area),
    gatewaySelf: sorted([...gatewaySelf], (n) => n, () => "gateway"),
    gatewayInclusive: sorted([...inclusive], (n) => n, () => "gateway"),
  };
}

/** The summary as Markdown. */
export function profileReport(summary: ProfileSummary, header: string): string {
  const table = (title: string, rows: HotSpot[], withArea = true) =>
    [
      `### ${title}`,
      "",
      markdownTable(
        ["%", ...(withArea ? ["area"] : []), title.includes("area") ? "area" : "function"],
        rows.map((r) => [fmt(r.percent, 1), ...(withArea ? [r.area] : []), r.where]),
      ),
      "",
    ].join("\n");
  return [
    header,
    "",
    `${summary.busySamples} busy samples; idle ${
      fmt(summary.idlePercent, 1)
    }% of all. Percentages are of busy samples.`,
    "",
    table("Self time by area", summary.byArea, false),
    table("Top self time (any code)", summary.selfTop),
    table(
      "Gateway code: self time including the library and runtime calls it makes directly",
      summary.gatewaySelf,
      false,
    ),
    table("Gateway code: inclusive time (on the stack)", summary.gatewayInclusive, false),
  ].join("\n");
}

interface ProfileOptions {
  root: string;
  tmp: string;
  runtime: string;
  bun: string | undefined;
  mockRuntime: string;
  seconds: number;
  /** What to send: chat (limit on), embeddings (16×1536), stream (200 chunks), delayed (20 chunks 50 ms apart) large or team (a client key and a SQLite store). */
  scenario: string;
  scriptsDir: string;
  log: (line: string) => void;
}

/** Runs the profile; prints the report, writes bench/results/profile-<runtime>-<scenario>.*. */
export async function profileGateway(options: ProfileOptions): Promise<number> {
  const { root, tmp, runtime, bun, log } = options;
  const procs: Proc[] = [];
  try {
    const mockCmd = options.mockRuntime === "bun"
      ? [bun!, join(root, "bench", "mock_upstream.ts")]
      : [Deno.execPath(), "run", "-A", join(root, "bench", "mock_upstream.ts")];
    const { proc: mock, match } = await Proc.start("mock upstream", mockCmd[0]!, mockCmd.slice(1), {
      ready: /^listening (\d+)/,
    });
    procs.push(mock);
    const files = writeFiles(tmp, `http://127.0.0.1:${match[1]}`);
    const scripts = writeWrkScripts(options.scriptsDir);
    const profDir = join(tmp, "prof");
    Deno.mkdirSync(profDir);
    const team = options.scenario === "team";
    const startArgs = [
      "start",
      "--config-path",
      team ? files.teamConfig : files.config,
      "--port",
      "0",
    ];
    const ready = /^API reference: http:\/\/[^:]+:(\d+)\//;
    const command = runtime === "bun"
      ? [
        bun!,
        "--cpu-prof",
        `--cpu-prof-dir=${profDir}`,
        "--cpu-prof-name=gateway.cpuprofile",
        join(root, "main.ts"),
        ...startArgs,
      ]
      : [
        Deno.execPath(),
        "run",
        ...DENO_PERMISSION_FLAGS,
        "--inspect=127.0.0.1:0",
        join(root, "main.ts"),
        ...startArgs,
      ];
    const { proc: gateway, match: m } = await Proc.start(
      "gateway (profiled)",
      command[0]!,
      command.slice(1),
      {
        ready,
        // The binary's collector pacing: `gateway start` restarts itself with 4 GiB
        // (src/runtime/server_heap.ts), which a profiled run does not.
        env: { BUN_JSC_forceRAMSize: String(4 * 1024 ** 3) },
        // As the bench runs it since issue 22: default settings, each request's access-log line
        // at info written, to /dev/null (under Deno stderr also says where the inspector is).
        stderr: runtime === "deno" ? "piped" : "null",
        cwd: root,
      },
    );
    procs.push(gateway);
    const origin = `http://127.0.0.1:${m[1]}`;
    const bodies = files.bodies;
    const chatBodies: Record<string, string> = {
      stream: bodies.streamGateway,
      delayed: bodies.delayedGateway,
      large: bodies.largeGateway,
    };
    const requests = [
      options.scenario === "embeddings"
        ? { path: PATHS.embeddings, bodyFile: bodies.embeddingsGateway }
        : team
        ? {
          path: PATHS.chat,
          bodyFile: bodies.chatGateway,
          authorization: `Bearer ${BENCH_CLIENT_KEY}`,
        }
        : { path: PATHS.chat, bodyFile: chatBodies[options.scenario] ?? bodies.chatLimited },
    ];
    log(`bench: profiling the gateway on ${runtime} (source) for ${options.seconds} s at c=32`);
    const inspector = runtime === "deno" ? await DenoInspector.connect(gateway) : undefined;
    await runWrk({ scripts, origin, requests, connections: 32, seconds: 2 }); // warm-up, also profiled on Bun
    await inspector?.start();
    const result = await runWrk({
      scripts,
      origin,
      requests,
      connections: 32,
      seconds: options.seconds,
    });
    let profile: CpuProfile;
    if (inspector) {
      profile = await inspector.stop();
      inspector.close();
      await gateway.stop();
    } else {
      await gateway.stop(15_000);
      await sleep(200);
      profile = JSON.parse(Deno.readTextFileSync(join(profDir, "gateway.cpuprofile")));
    }
    const summary = summarise(profile, root);
    const what = options.scenario === "embeddings"
      ? "embeddings 16×1536"
      : options.scenario === "stream"
      ? "streaming 200 chunks"
      : options.scenario === "delayed"
      ? "streaming 20 chunks 50 ms apart"
      : options.scenario === "large"
      ? "chat with a 200 KB prompt"
      : team
      ? "non-streaming chat behind a client key, SQLite store"
      : "non-streaming chat (limit on)";
    const header =
      `## CPU profile: gateway from source on ${runtime}, ${what}, c=32, ${options.seconds} s ` +
      `(${rate(result.rps)} req/s while profiled${result.valid ? "" : ", INVALID run"})`;
    const report = profileReport(summary, header);
    await Deno.stdout.write(new TextEncoder().encode(report + "\n"));
    const outDir = join(root, "bench", "results");
    Deno.mkdirSync(outDir, { recursive: true });
    const name = `profile-${runtime}-${options.scenario}`;
    Deno.writeTextFileSync(join(outDir, `${name}.md`), report + "\n");
    Deno.writeTextFileSync(join(outDir, `${name}.cpuprofile`), JSON.stringify(profile));
    log(
      `bench: wrote bench/results/${name}.md and .cpuprofile (open it in Chrome DevTools)`,
    );
    return 0;
  } finally {
    for (const proc of procs.reverse()) await proc.stop();
  }
}

/** A minimal Chrome DevTools Protocol client for Deno's --inspect: Profiler start/stop. */
class DenoInspector {
  #ws: WebSocket;
  #id = 0;
  #pending = new Map<number, (result: unknown) => void>();

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.onmessage = (event) => {
      const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown };
      if (message.id !== undefined) this.#pending.get(message.id)?.(message.result);
    };
  }

  static async connect(proc: Proc): Promise<DenoInspector> {
    const line = proc.tail().match(/ws:\/\/[^\s]+/) ?? await proc.waitFor(/ws:\/\/[^\s]+/);
    const ws = new WebSocket(line[0]);
    await new Promise((resolve, reject) => {
      ws.onopen = resolve;
      ws.onerror = reject;
    });
    const inspector = new DenoInspector(ws);
    await inspector.#send("Profiler.enable");
    await inspector.#send("Profiler.setSamplingInterval", { interval: 1000 });
    await inspector.#send("Runtime.runIfWaitingForDebugger");
    return inspector;
  }

  #send(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = ++this.#id;
    return new Promise((resolve) => {
      this.#pending.set(id, resolve);
      this.#ws.send(JSON.stringify({ id, method, params }));
    });
  }

  async start(): Promise<void> {
    await this.#send("Profiler.start");
  }

  async stop(): Promise<CpuProfile> {
    const result = await this.#send("Profiler.stop") as { profile: CpuProfile };
    return result.profile;
  }

  close(): void {
    this.#ws.close();
  }
}
