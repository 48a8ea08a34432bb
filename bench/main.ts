/**
 * `deno task bench`: the gateway against a direct call to a fast mock OpenAI upstream and a bare
 * passthrough proxy on the same runtime, under wrk load; stream timing; memory, soak, cold start.
 * Prints Markdown tables and writes every figure to bench/results/latest.json. Goals are reported
 * (met/missed), never asserted. See bench/README.md.
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, killAll, output, Proc, ProcessGroup, pssMiB } from "./procs.ts";
import { writeWrkScripts, type WrkRequest, wrkVersion } from "./wrk.ts";
import { BENCH_CLIENT_KEY, type BenchFiles, PATHS, writeFiles } from "./setup.ts";
import { runScenario, type Scenario, type ScenarioFigures, type Target } from "./load.ts";
import { type StreamRun, timeStreams } from "./streaming.ts";
import { coldStart, rssUnderLoad, soak } from "./resources.ts";
import { describeMachine } from "./machine.ts";
import { checkGoals, type DenoResults, fullReport, type Results } from "./report.ts";
import {
  coldStartToAnswer,
  findTools,
  installPeers,
  peerColdStarts,
  type PeerContext,
  type PeersResults,
  peerTarget,
  type RunningPeer,
  startPeers,
} from "./peers.ts";
import { exists, round, sleep } from "./stats.ts";
import { profileGateway } from "./profile.ts";
import { DENO_PERMISSION_FLAGS } from "../src/runtime/permissions.ts";

const HELP = `Usage: deno task bench [options]

Benchmarks the gateway (dist/gateway, $GATEWAY_BIN, or 'deno run main.ts') against a direct call
to a mock OpenAI upstream and a bare passthrough proxy on the same runtime. Needs wrk. A full run
also measures the gateway under Deno beside a bare Deno proxy (in every load scenario), and peers
on the same mock (chat; LiteLLM, Portkey, MLflow: installed once into bench/.peers/, from PyPI and
npm).

Options:
  --quick               short runs (under a minute): 1 s per run, 1 round, 5 s soak; no peers,
                        no Deno targets
  --peers               measure the peers even with --quick (installs them if needed)
  --no-peers            do not measure (or install) the peers
  --build               build dist/gateway first (deno task compile)
  --gateway-bin F       the gateway binary (default: $GATEWAY_BIN, else dist/gateway)
  --source              run the gateway with 'deno run -A main.ts' even if a binary exists
  --seconds N           seconds per measured run (full: 3, quick: 1)
  --rounds N            interleaved rounds per target (full: 5, quick: 1)
  --warmup-seconds N    load on each target before a scenario's rounds, at its highest
                        concurrency (full: 15, quick: 1)
  --soak-seconds N      length of the soak (full: 60, quick: 5)
  --only LIST           comma list of: chat, stream, embeddings, large, streaming, memory,
                        soak, coldstart (default: all)
  --out F               where to write the JSON (default: bench/results/latest.json)
  --profile             instead of the benchmark: CPU-profile the gateway (from source, on
                        the binary's runtime) under non-streaming chat load; print hot spots
  --profile-seconds N   length of the profiled load (default 10)
  --profile-runtime R   bun or deno (default: the binary's runtime)
  --profile-scenario S  chat (default, limit on), embeddings, stream, delayed (20 chunks 50 ms
                        apart), large (200 KB prompt) or team (client key, SQLite store)
  -h, --help            this help`;

const SECTIONS = [
  "chat",
  "stream",
  "embeddings",
  "large",
  "streaming",
  "memory",
  "soak",
  "coldstart",
];

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** How to run a script on a runtime. */
function runtimeCommand(runtime: string, bun: string | undefined, script: string): string[] {
  return runtime === "bun" ? [bun!, script] : [Deno.execPath(), "run", "-A", script];
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      quick: { type: "boolean", default: false },
      peers: { type: "boolean", default: false },
      "no-peers": { type: "boolean", default: false },
      build: { type: "boolean", default: false },
      "gateway-bin": { type: "string" },
      source: { type: "boolean", default: false },
      seconds: { type: "string" },
      rounds: { type: "string" },
      "warmup-seconds": { type: "string" },
      "soak-seconds": { type: "string" },
      only: { type: "string" },
      out: { type: "string" },
      profile: { type: "boolean", default: false },
      "profile-seconds": { type: "string" },
      "profile-runtime": { type: "string" },
      "profile-scenario": { type: "string", default: "chat" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const int = (name: string, value: string | undefined, fallback: number) => {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
    return n;
  };
  const quick = values.quick;
  const settings = {
    seconds: int("seconds", values.seconds, quick ? 1 : 3),
    rounds: int("rounds", values.rounds, quick ? 1 : 5),
    warmupSeconds: int("warmup-seconds", values["warmup-seconds"], quick ? 1 : 15),
    soakSeconds: int("soak-seconds", values["soak-seconds"], quick ? 5 : 60),
    memoryLoadSeconds: quick ? 2 : 5,
    streamIterations: quick ? 50 : 200,
    delayedIterations: quick ? 1 : 3,
    coldStartRuns: quick ? 3 : 9,
    coldStartRunsManyEndpoints: quick ? 1 : 5,
    peerColdStartRuns: quick ? 1 : 3,
  };
  if (values.peers && values["no-peers"]) throw new Error("--peers and --no-peers contradict");
  const runPeers = values["no-peers"] ? false : values.peers || !quick;
  const only = new Set(values.only ? values.only.split(",").map((s) => s.trim()) : SECTIONS);
  for (const s of only) {
    if (!SECTIONS.includes(s)) {
      throw new Error(`--only: unknown section '${s}' (${SECTIONS.join(", ")})`);
    }
  }

  const wrk = await wrkVersion();
  if (!wrk) {
    log("bench: wrk is required (Debian/Ubuntu: apt-get install -y wrk; macOS: brew install wrk)");
    return 2;
  }
  const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
  const localBun = join(root, "node_modules", ".bin", "bun");
  const bun = exists(localBun)
    ? localBun
    : (await output("bun", ["--version"]))
    ? "bun"
    : undefined;

  // Before anything is built or started: the commit and the machine's load as found.
  const machine = await describeMachine(bun, wrk);

  if (values.build) {
    log("bench: building dist/gateway (deno task compile)");
    const built = await new Deno.Command(Deno.execPath(), { args: ["task", "compile"], cwd: root })
      .output();
    if (!built.success) {
      log(new TextDecoder().decode(built.stderr));
      return 1;
    }
  }
  const defaultBin = join(root, "dist", "gateway");
  const binary = values.source ? undefined : values["gateway-bin"] ?? Deno.env.get("GATEWAY_BIN") ??
    (exists(defaultBin) ? defaultBin : undefined);

  const tmp = await Deno.makeTempDir({ prefix: "gateway-bench-" });
  const procs: Proc[] = [];
  const interrupted = () => {
    log("bench: interrupted; stopping its processes");
    killAll();
    try {
      Deno.removeSync(tmp, { recursive: true });
    } catch {
      // already gone
    }
    Deno.exit(130);
  };
  Deno.addSignalListener("SIGINT", interrupted);
  Deno.addSignalListener("SIGTERM", interrupted);
  try {
    // Run a copy, so a rebuild of dist/gateway during the bench cannot change what is measured.
    let gatewayCommand: string[];
    let binaryBytes: number | undefined;
    if (binary) {
      const copy = join(tmp, "gateway");
      Deno.copyFileSync(resolve(binary), copy);
      Deno.chmodSync(copy, 0o755);
      binaryBytes = Deno.statSync(copy).size;
      gatewayCommand = [copy];
    } else {
      gatewayCommand = [Deno.execPath(), "run", ...DENO_PERMISSION_FLAGS, join(root, "main.ts")];
    }
    const version = await output(gatewayCommand[0]!, [...gatewayCommand.slice(1), "--version"]);
    const runtime = /\bbun\b/.test(version) ? "bun" : "deno";
    if (runtime === "bun" && !bun) throw new Error("the gateway runs on Bun but no bun was found");
    const mockRuntime = bun ? "bun" : "deno";
    // Peers and the Deno targets are for the chat scenario and cold starts.
    const peersResults: PeersResults | undefined = !only.has("chat") && !only.has("coldstart")
      ? undefined
      : runPeers
      ? { peers: [] }
      : { skipped: values["no-peers"] ? "--no-peers" : "--quick; --peers runs them", peers: [] };
    const denoResults: DenoResults | undefined = runtime === "deno"
      ? undefined
      : quick
      ? { skipped: "--quick" }
      : {};
    // As users run it: default settings, so each request's access-log line at `info` is paid for.
    // Its stderr goes to /dev/null (a file or the journal in production), so that the bench's own
    // process spends no CPU reading the lines beside the gateway.
    const gatewayEnv = {};
    log(`bench: gateway ${version} (${binary ? "binary" : "deno run main.ts"}); wrk ${wrk}`);

    if (values.profile) {
      if (
        !["chat", "embeddings", "stream", "delayed", "large", "team"].includes(
          values["profile-scenario"],
        )
      ) {
        throw new Error(
          "--profile-scenario must be chat, embeddings, stream, delayed, large or team",
        );
      }
      return await profileGateway({
        root,
        tmp,
        runtime: values["profile-runtime"] ?? runtime,
        bun,
        mockRuntime,
        seconds: int("profile-seconds", values["profile-seconds"], 10),
        scenario: values["profile-scenario"],
        scriptsDir: tmp,
        log,
      });
    }

    const start = async (
      name: string,
      command: string[],
      ready: RegExp,
      env = {},
      stderr: "piped" | "null" = "piped",
    ) => {
      const { proc, match } = await Proc.start(name, command[0]!, command.slice(1), {
        ready,
        env,
        cwd: root,
        stderr,
      });
      procs.push(proc);
      return { proc, port: Number(match[1]) };
    };
    const tools = runPeers && peersResults ? await findTools(bun) : undefined;
    if (tools && peersResults) peersResults.peers = await installPeers(root, tools, log);

    const mock = await start(
      "mock upstream",
      runtimeCommand(mockRuntime, bun, join(root, "bench", "mock_upstream.ts")),
      /^listening (\d+)/,
    );
    const upstream = `http://127.0.0.1:${mock.port}`;
    const files: BenchFiles = writeFiles(tmp, upstream);
    const scripts = writeWrkScripts(tmp);
    const proxy = await start(
      "bare proxy",
      [...runtimeCommand(runtime, bun, join(root, "bench", "proxy.ts")), "--upstream", upstream],
      /^listening (\d+)/,
    );
    const gatewayArgs = (
      config: string,
      port: number,
    ) => ["start", "--config-path", config, "--port", String(port)];
    const ready = /^API reference: http:\/\/[^:]+:(\d+)\//;
    // A gateway on `config` (the bench's own port 0), ready once its banner names the port.
    const startGateway = (name: string, config: string) =>
      start(name, [...gatewayCommand, ...gatewayArgs(config, 0)], ready, gatewayEnv, "null");
    const gateway = await startGateway("gateway", files.config);
    const many = await startGateway("gateway (1,000 endpoints)", files.manyConfig);
    const team = await startGateway("gateway (client keys, SQLite store)", files.teamConfig);
    await sleep(500);
    const idleRss = gateway.proc.rssMiB();
    const idleRssMany = many.proc.rssMiB();
    const idleRssProxy = proxy.proc.rssMiB();
    const idlePss = pssMiB(gateway.proc.pid);
    if (peersResults && !peersResults.skipped) {
      peersResults.gateway = {
        ...(idleRss === undefined ? {} : { idleRss: round(idleRss, 1) }),
        ...(idlePss === undefined ? {} : { idlePss: round(idlePss, 1) }),
      };
    }
    log(
      `bench: mock :${mock.port}, proxy :${proxy.port}, gateway :${gateway.port} (idle ${
        idleRss?.toFixed(1)
      } MiB)`,
    );

    const origin = (port: number) => `http://127.0.0.1:${port}`;
    const b = files.bodies;
    const direct = (path: string, body: string) => ({
      key: "direct",
      label: "direct (mock)",
      origin: origin(mock.port),
      requests: [{ path, bodyFile: body }],
      pid: mock.proc.pid,
    });
    const viaProxy = (path: string, body: string) => ({
      key: "proxy",
      label: `bare proxy (${runtime})`,
      origin: origin(proxy.port),
      requests: [{ path, bodyFile: body }],
      pid: proxy.proc.pid,
    });
    const viaGateway = (key: string, label: string, body: string, target = gateway) => ({
      key,
      label,
      origin: origin(target.port),
      requests: [{ path: PATHS.chat, bodyFile: body }],
      pid: target.proc.pid,
    });
    const scenarios: Scenario[] = [
      {
        key: "chat",
        title: "chat",
        concurrencies: [1, 32],
        targets: [
          direct(PATHS.chat, b.chatDirect),
          viaProxy(PATHS.chat, b.chatDirect),
          viaGateway("gateway", "gateway", b.chatGateway),
          viaGateway("gateway-limited", "gateway, limit on", b.chatLimited),
          viaGateway("gateway-many", "gateway, 1,000 endpoints", b.chatMany, many),
          {
            ...viaGateway(
              "gateway-team",
              "gateway, client key + SQLite store",
              b.chatGateway,
              team,
            ),
            requests: [{
              path: PATHS.chat,
              bodyFile: b.chatGateway,
              authorization: `Bearer ${BENCH_CLIENT_KEY}`,
            }],
          },
        ],
        compare: {
          "gateway-limited": "gateway",
          "gateway-many": "gateway",
          "gateway-team": "gateway",
        },
      },
      {
        key: "stream",
        title: "stream 200 chunks",
        concurrencies: [32],
        targets: [
          direct(PATHS.stream, b.streamDirect),
          viaProxy(PATHS.stream, b.streamDirect),
          viaGateway("gateway", "gateway", b.streamGateway),
        ],
      },
      {
        key: "embeddings",
        title: "embeddings 16×1536",
        concurrencies: [1, 32],
        targets: [
          direct(PATHS.embeddings, b.embeddingsDirect),
          viaProxy(PATHS.embeddings, b.embeddingsDirect),
          {
            ...viaGateway("gateway", "gateway", b.embeddingsGateway),
            requests: [{ path: PATHS.embeddings, bodyFile: b.embeddingsGateway }],
          },
        ],
      },
      {
        key: "large",
        title: "200 KB prompt",
        concurrencies: [1, 32],
        targets: [
          direct(PATHS.chat, b.largeDirect),
          viaProxy(PATHS.chat, b.largeDirect),
          viaGateway("gateway", "gateway", b.largeGateway),
        ],
      },
    ];

    const peerContext: PeerContext | undefined = tools ? { root, tmp, upstream, tools } : undefined;
    const chatBodies = { chatDirect: b.chatDirect, chatGateway: b.chatGateway };
    /** The gateway under Deno and a bare Deno proxy: started for the first scenario, kept to the end. */
    type Started = Awaited<ReturnType<typeof start>>;
    type DenoPair = { proxy: Started; gateway: Started };
    let denoPair: DenoPair | undefined;
    let denoTried = false;
    const startDeno = async (): Promise<DenoPair | undefined> => {
      if (denoTried || !denoResults || denoResults.skipped) return denoPair;
      denoTried = true;
      const denoCommand = [
        Deno.execPath(),
        "run",
        ...DENO_PERMISSION_FLAGS,
        join(root, "main.ts"),
      ];
      denoResults.command = `deno run ${DENO_PERMISSION_FLAGS.join(" ")} main.ts start`;
      try {
        denoResults.version = await output(denoCommand[0]!, [
          ...denoCommand.slice(1),
          "--version",
        ]);
        const denoProxy = await start(
          "bare proxy (deno)",
          [
            ...runtimeCommand("deno", bun, join(root, "bench", "proxy.ts")),
            "--upstream",
            upstream,
          ],
          /^listening (\d+)/,
        );
        const denoGateway = await start(
          "gateway (deno)",
          [...denoCommand, ...gatewayArgs(files.config, 0)],
          ready,
          gatewayEnv,
          "null",
        ).catch(async (error) => {
          await denoProxy.proc.stop();
          throw error;
        });
        await sleep(500);
        const rss = denoGateway.proc.rssMiB();
        const rssProxy = denoProxy.proc.rssMiB();
        if (rss !== undefined) denoResults.idleRss = round(rss, 1);
        if (rssProxy !== undefined) denoResults.idleRssProxy = round(rssProxy, 1);
        denoPair = { proxy: denoProxy, gateway: denoGateway };
      } catch (error) {
        denoResults.error = (error as Error).message.split("\n")[0]!.slice(0, 300);
        log(`bench: the gateway under Deno not measured: ${denoResults.error}`);
      }
      return denoPair;
    };
    /** The scenario's requests as the Deno pair serves them: the bare proxy's and the gateway's. */
    const denoTargets = (scenario: Scenario, pair: DenoPair): Target[] => {
      const proxyTarget = scenario.targets.find((t) => t.key === "proxy");
      const gatewayTarget = scenario.targets.find((t) => t.key === "gateway");
      if (!proxyTarget || !gatewayTarget) return [];
      return [
        {
          key: "proxy-deno",
          label: "bare proxy (deno)",
          origin: origin(pair.proxy.port),
          requests: proxyTarget.requests,
          pid: pair.proxy.proc.pid,
          optional: true,
        },
        {
          key: "gateway-deno",
          label: "gateway (deno)",
          origin: origin(pair.gateway.port),
          requests: gatewayTarget.requests,
          pid: pair.gateway.proc.pid,
          optional: true,
        },
      ];
    };
    /** The chat scenario's peers: started just before it and stopped just after it. */
    const chatPeers = async (): Promise<{ targets: Target[]; stop: () => Promise<void> }> => {
      const targets: Target[] = [];
      const stops: (() => Promise<void>)[] = [];
      if (peerContext && peersResults && !peersResults.skipped) {
        const running: RunningPeer[] = await startPeers(
          peersResults.peers,
          peerContext,
          chatBodies,
          log,
        );
        for (const peer of running) {
          stops.push(() => peer.group.stop());
          targets.push(peerTarget(peer, upstream, chatBodies));
        }
      }
      return {
        targets,
        stop: async () => {
          for (const stop of stops.reverse()) await stop();
        },
      };
    };

    const load: ScenarioFigures[] = [];
    const loadSettings = {
      scripts,
      seconds: settings.seconds,
      warmupSeconds: settings.warmupSeconds,
      rounds: settings.rounds,
      log,
    };
    try {
      for (const scenario of scenarios) {
        if (!only.has(scenario.key)) continue;
        const pair = await startDeno();
        if (pair) {
          scenario.targets.push(...denoTargets(scenario, pair));
          scenario.proxies = { ...scenario.proxies, "gateway-deno": "proxy-deno" };
        }
        const peers = scenario.key === "chat" ? await chatPeers() : undefined;
        if (peers) {
          scenario.targets.push(...peers.targets);
          // No bare proxy of their own (the report sets them against the gateway).
          for (const t of peers.targets) {
            scenario.proxies = { ...scenario.proxies, [t.key]: "none" };
          }
        }
        log(`bench: ${scenario.title}`);
        try {
          load.push(...await runScenario(scenario, loadSettings));
        } finally {
          await peers?.stop();
        }
      }
    } finally {
      await denoPair?.gateway.proc.stop();
      await denoPair?.proxy.proc.stop();
    }

    const streaming: StreamRun[] = [];
    if (only.has("streaming")) {
      const text = (path: string) => Deno.readTextFileSync(path);
      const streamTargets = (path: string, gatewayBody: string) => [
        {
          key: "direct",
          label: "direct (mock)",
          port: mock.port,
          path,
          body: text(b.streamDirect),
        },
        {
          key: "proxy",
          label: `bare proxy (${runtime})`,
          port: proxy.port,
          path,
          body: text(b.streamDirect),
        },
        {
          key: "gateway",
          label: "gateway",
          port: gateway.port,
          path: PATHS.chat,
          body: text(gatewayBody),
        },
      ];
      log("bench: stream timing (200 chunks: the first, then the rest 5 ms later)");
      streaming.push(
        await timeStreams(
          "stream",
          "200 chunks (first, +5 ms the rest)",
          streamTargets(PATHS.split, b.splitGateway),
          settings.streamIterations,
          10,
        ),
      );
      log("bench: stream timing (20 chunks 50 ms apart)");
      streaming.push(
        await timeStreams(
          "delayed",
          "20 chunks, 50 ms apart",
          streamTargets(PATHS.delayed, b.delayedGateway),
          settings.delayedIterations,
          0,
        ),
      );
    }

    const resources: Results["resources"] = {};
    if (idleRss !== undefined) resources.idleRss = round(idleRss, 1);
    if (idleRssMany !== undefined) resources.idleRssManyEndpoints = round(idleRssMany, 1);
    if (idleRssProxy !== undefined) resources.idleRssProxy = round(idleRssProxy, 1);
    if (only.has("memory")) {
      // A fresh process: the one measured above still holds the heap that the 330 KB embeddings
      // and 200 KB prompts grew (the whole run's peak is reported below).
      log("bench: RSS under c=64 load (fresh gateway)");
      const fresh = await startGateway("gateway (memory)", files.config);
      await sleep(500);
      resources.underLoad = await rssUnderLoad(
        fresh.proc,
        scripts,
        origin(fresh.port),
        [{ path: PATHS.chat, bodyFile: b.chatLimited }],
        64,
        settings.memoryLoadSeconds,
      );
      await fresh.proc.stop();
    }
    if (only.has("soak")) {
      log(`bench: soak ${settings.soakSeconds} s`);
      const mix: WrkRequest[] = [b.chatGateway, b.chatLimited, b.streamGateway, b.largeGateway].map(
        (
          bodyFile,
        ) => ({ path: PATHS.chat, bodyFile }),
      );
      mix.push({ path: PATHS.embeddings, bodyFile: b.embeddingsGateway });
      resources.soak = await soak(
        gateway.proc,
        scripts,
        origin(gateway.port),
        mix,
        32,
        settings.soakSeconds,
      );
    }
    // Peaks over the whole run, the bare proxy's for scale (same runtime, same loads).
    const peakGateway = gateway.proc.peakRssMiB();
    const peakProxy = proxy.proc.peakRssMiB();
    if (peakGateway !== undefined) resources.peakRss = round(peakGateway, 1);
    if (peakProxy !== undefined) resources.peakRssProxy = round(peakProxy, 1);
    for (const proc of [gateway.proc, many.proc, team.proc]) await proc.stop();
    if (only.has("coldstart")) {
      log("bench: cold start");
      const cold = (config: string, runs: number) =>
        coldStart(
          gatewayCommand[0]!,
          (port) => [...gatewayCommand.slice(1), ...gatewayArgs(config, port)],
          gatewayEnv,
          root,
          runs,
        );
      resources.coldStart = await cold(files.config, settings.coldStartRuns);
      resources.coldStartManyEndpoints = await cold(
        files.manyConfig,
        settings.coldStartRunsManyEndpoints,
      );
      if (peerContext && peersResults && !peersResults.skipped) {
        // Ours measured as the peers are: spawn → first 200 to a chat request.
        log("bench: cold start to the first chat answer (gateway, then peers)");
        const logDir = join(tmp, "cold-gateway");
        Deno.mkdirSync(logDir, { recursive: true });
        peersResults.gateway = {
          ...peersResults.gateway,
          coldStart: await coldStartToAnswer(
            (port, logFile) =>
              ProcessGroup.spawn("gateway", gatewayCommand[0]!, [
                ...gatewayCommand.slice(1),
                ...gatewayArgs(files.config, port),
              ], { env: gatewayEnv, cwd: root, log: logFile }),
            freePort,
            logDir,
            { path: PATHS.chat, body: Deno.readTextFileSync(b.chatGateway), headers: {} },
            settings.coldStartRuns,
          ),
        };
        await peerColdStarts(
          peersResults.peers,
          peerContext,
          chatBodies,
          settings.peerColdStartRuns,
          log,
        );
      }
    }

    const results: Results = {
      date: new Date().toISOString(),
      mode: values.only || values.seconds || values.rounds || values["warmup-seconds"]
        ? "custom"
        : quick
        ? "quick"
        : "full",
      settings,
      machine: { ...machine, loadAverageAtEnd: Deno.loadavg().map((n) => round(n, 2)) },
      gateway: {
        command: binary ? "compiled binary" : "deno run -A main.ts",
        runtime,
        version,
        ...(binaryBytes === undefined ? {} : { binaryBytes }),
      },
      proxyRuntime: runtime,
      mockRuntime,
      loadGenerator: `${wrk}, 1 thread, keep-alive`,
      load,
      streaming,
      resources,
      ...(peersResults ? { peers: peersResults } : {}),
      ...(denoResults ? { deno: denoResults } : {}),
      goals: [],
    };
    results.goals = checkGoals(results);
    process.stdout.write(`${fullReport(results)}\n`);
    const out = resolve(values.out ?? join(root, "bench", "results", "latest.json"));
    Deno.mkdirSync(dirname(out), { recursive: true });
    Deno.writeTextFileSync(out, JSON.stringify(results, null, 2) + "\n");
    log(`bench: wrote ${out}`);
    return 0;
  } finally {
    for (const proc of procs.reverse()) await proc.stop();
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}

try {
  Deno.exit(await main());
} catch (error) {
  log(`bench: ${(error as Error).stack ?? error}`);
  Deno.exit(1);
}
