/**
 * Peers: other AI gateways measured on the same mock upstream as ours, in the same chat scenario
 * (LiteLLM's proxy, Portkey's gateway, MLflow's AI gateway). Each is installed by the bench
 * itself, at a pinned version, into bench/.peers/node_modules/<key>/ (git-ignored): a Python venv
 * from PyPI or an npm prefix, reused by later runs while its stamp file names the same pins and
 * place. Each runs with
 * its defaults as shipped (workers, logging), its output appended to a log file, on loopback
 * only, in a process group of its own so that all its processes are measured and stopped as one.
 * A peer that fails to install or start is reported as not measured, with the reason.
 */
import { join } from "node:path";
import { freePort, output, ProcessGroup, track } from "./procs.ts";
import type { Target } from "./load.ts";
import { PATHS } from "./setup.ts";
import { type ColdStart, coldStartFigures } from "./resources.ts";
import { exists, round, sleep } from "./stats.ts";
import { UPSTREAM_MODEL } from "./payloads.ts";

/** What one peer is, where it comes from and how it is run. */
export interface PeerDef {
  key: "litellm" | "portkey" | "mlflow";
  name: string;
  /** The pinned version of its package. */
  version: string;
  registry: "pypi" | "npm";
  /** What is installed: pip requirement specifiers, or npm package@version. */
  packages: string[];
  /** How it is run, for the report. */
  setup: string;
  /** The config file it reads, for the mock at `upstream` (an origin), if it reads one. */
  config?: (upstream: string) => string;
  /** Its command line, given its install dir, config file and port. */
  command: (run: PeerRun) => string[];
  /** Environment beside PATH, HOME and LANG (the rest of the bench's is not passed on). */
  env: Record<string, string>;
  /** A GET path that answers 200 once it is up. */
  health: string;
  /** The chat request: which bench body (by its model) and which headers. */
  request: (
    upstream: string,
  ) => { body: "chatDirect" | "chatGateway"; headers: Record<string, string> };
}

/** What a peer's command line is made from. */
export interface PeerRun {
  dir: string;
  config: string;
  port: number;
  /** node, or bun when there is no node (for Portkey), and the loopback preload module. */
  node: string;
  preload: string;
}

/** LiteLLM refuses to start without a master key; clients send it as a bearer token. */
export const LITELLM_MASTER_KEY = "sk-bench-litellm-master-0123456789abcdef";

export const PEERS: readonly PeerDef[] = [
  {
    key: "litellm",
    name: "LiteLLM proxy",
    // 1.108.7: the newest whose `proxy` extra installs from PyPI here (1.108.8 and later pin
    // litellm-proxy-extras / litellm-proxy versions PyPI does not serve).
    version: "1.108.7",
    registry: "pypi",
    packages: ["litellm[proxy]==1.108.7"],
    setup: "`litellm --config` (its default: 1 uvicorn worker), master key set",
    config: (upstream) =>
      [
        "# Written by bench/peers.ts: one chat model on the bench's mock upstream.",
        "model_list:",
        `  - model_name: ${UPSTREAM_MODEL}`,
        "    litellm_params:",
        `      model: openai/${UPSTREAM_MODEL}`,
        `      api_base: ${upstream}/v1`,
        "      api_key: sk-bench",
        "general_settings:",
        `  master_key: ${LITELLM_MASTER_KEY}`,
        "",
      ].join("\n"),
    command: (r) => [
      join(r.dir, "venv", "bin", "litellm"),
      "--config",
      r.config,
      "--host",
      "127.0.0.1",
      "--port",
      String(r.port),
    ],
    // The model cost map is the one in the package: fetching the current one at start would
    // leave this machine (and fail; the fallback is the same file).
    env: { LITELLM_LOCAL_MODEL_COST_MAP: "True", DO_NOT_TRACK: "1" },
    health: "/health/liveliness",
    request: () => ({
      body: "chatDirect",
      headers: { Authorization: `Bearer ${LITELLM_MASTER_KEY}` },
    }),
  },
  {
    key: "portkey",
    name: "Portkey gateway",
    version: "1.15.2",
    registry: "npm",
    packages: ["@portkey-ai/gateway@1.15.2"],
    setup: "`node build/start-server.js` (as `npx @portkey-ai/gateway`: one process)",
    command: (r) => [
      r.node,
      r.node.endsWith("bun") ? "--preload" : "--import",
      r.preload,
      join(r.dir, "node_modules", "@portkey-ai", "gateway", "build", "start-server.js"),
      `--port=${r.port}`,
    ],
    env: { DO_NOT_TRACK: "1" },
    health: "/",
    request: (upstream) => ({
      body: "chatDirect",
      headers: {
        Authorization: "Bearer sk-bench",
        "x-portkey-provider": "openai",
        "x-portkey-custom-host": `${upstream}/v1`,
      },
    }),
  },
  {
    key: "mlflow",
    name: "MLflow AI gateway",
    // 3.17.2: 3.18.0 needs an mlflow-tracing 3.18.0 that PyPI does not serve yet.
    version: "3.17.2",
    registry: "pypi",
    packages: ["mlflow[gateway]==3.17.2"],
    setup:
      "`mlflow gateway start` (its default: gunicorn, 2 uvicorn workers, beside the CLI that watches the config)",
    config: (upstream) =>
      [
        "# Written by bench/peers.ts: one chat endpoint on the bench's mock upstream.",
        "endpoints:",
        "  - name: chat",
        "    endpoint_type: llm/v1/chat",
        "    model:",
        "      provider: openai",
        `      name: ${UPSTREAM_MODEL}`,
        "      config:",
        "        openai_api_key: sk-bench",
        `        openai_api_base: ${upstream}/v1`,
        "",
      ].join("\n"),
    command: (r) => [
      join(r.dir, "venv", "bin", "mlflow"),
      "gateway",
      "start",
      "--config-path",
      r.config,
      "--host",
      "127.0.0.1",
      "--port",
      String(r.port),
    ],
    env: { MLFLOW_DISABLE_TELEMETRY: "true", DO_NOT_TRACK: "1" },
    health: "/health",
    // Its OpenAI-style route, with the endpoint's name as the model (as our gateway takes it).
    request: () => ({ body: "chatGateway", headers: {} }),
  },
];

/**
 * Node's `listen(port)` binds every interface; the bench's servers listen on loopback only. Loaded
 * before Portkey's server (`node --import`), it makes a listen without a host bind 127.0.0.1.
 */
export const LOOPBACK_PRELOAD = `import net from "node:net";
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === "number" && (args[1] === undefined || typeof args[1] === "function")) {
    if (args.length === 1) args.push("127.0.0.1");
    else if (args[1] === undefined) args[1] = "127.0.0.1";
    else args.splice(1, 0, "127.0.0.1");
  }
  return listen.apply(this, args);
};
`;

/** The stamp file of an installed peer: what was installed, where, with what. */
export interface Stamp {
  packages: string[];
  /** A venv's scripts name its absolute path: a moved checkout installs again. */
  dir: string;
  tool: string;
}

/** Whether a stamp file's text says `packages` are installed in `dir` (same pins, same order). */
export function stampMatches(
  text: string | undefined,
  packages: readonly string[],
  dir: string,
): boolean {
  if (text === undefined) return false;
  try {
    const stamp = JSON.parse(text) as Partial<Stamp>;
    return Array.isArray(stamp.packages) && stamp.dir === dir &&
      JSON.stringify(stamp.packages) === JSON.stringify(packages);
  } catch {
    return false;
  }
}

/** `3.11.7` from `Python 3.11.7`; undefined when it is older than `min` (major, minor). */
export function pythonVersion(text: string, min: [number, number] = [3, 10]): string | undefined {
  const match = text.match(/(\d+)\.(\d+)\.(\d+)/);
  if (!match) return undefined;
  const [major, minor] = [Number(match[1]), Number(match[2])];
  return major > min[0] || (major === min[0] && minor >= min[1]) ? match[0] : undefined;
}

/** One peer's figures outside the load table (that is in `load`, keyed `peer-<key>`). */
export interface PeerFigures {
  key: string;
  name: string;
  version: string;
  setup: string;
  /** What it ran on: python 3.11.7, node v20.20.2. */
  runtime?: string;
  /** Why it was not measured (install or start failed). */
  error?: string;
  /** Processes of the running server (supervisor and workers). */
  processes?: number;
  /** Right after it answered its health check, before any request: summed over its processes. */
  idleRss?: number;
  idlePss?: number;
  /** Spawn → first 200 to a chat request. */
  coldStart?: ColdStart;
  /** Why the cold start was not measured. */
  coldStartError?: string;
}

/** The peers part of the results. */
export interface PeersResults {
  /** Why peers were not run (quick run, --no-peers), if they were not. */
  skipped?: string;
  /** Our gateway measured the same ways: idle memory of its process, and spawn → first answer. */
  gateway?: { idleRss?: number; idlePss?: number; coldStart?: ColdStart };
  peers: PeerFigures[];
}

/**
 * Where peer `key` is installed. The folder is named node_modules because Deno's fmt, lint, test
 * and check skip such folders at any depth: the Python packages ship JavaScript (their web UIs)
 * that `deno check` would otherwise walk (it does not read .gitignore).
 */
export function peerDir(root: string, key: string): string {
  return join(root, "bench", ".peers", "node_modules", key);
}

function readText(path: string): string | undefined {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return undefined;
  }
}

/** Runs an install step; resolves with its output's tail on failure, undefined on success. */
async function step(
  command: string,
  args: string[],
  cwd: string,
  timeoutMs: number,
): Promise<string | undefined> {
  const child = track(
    new Deno.Command(command, { args, cwd, stdin: "null", stdout: "piped", stderr: "piped" })
      .spawn(),
  );
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }, timeoutMs);
  const out = await child.output();
  clearTimeout(timer);
  if (out.success) return undefined;
  const text = new TextDecoder().decode(out.stderr) + new TextDecoder().decode(out.stdout);
  const tail = text.trim().split("\n").slice(-3).join(" / ");
  return `${command} ${args.slice(0, 3).join(" ")}… exited ${out.code}: ${tail}`;
}

/** The tools installs and runs need: a Python ≥ 3.10, and node (or bun) with npm (or bun). */
export interface Tools {
  python?: { command: string; version: string };
  node?: { command: string; version: string };
  npm?: string;
  bun?: string;
}

export async function findTools(bun: string | undefined): Promise<Tools> {
  const tools: Tools = {};
  const python = pythonVersion(await output("python3", ["--version"]));
  if (python) tools.python = { command: "python3", version: python };
  const node = await output("node", ["--version"]);
  if (/^v\d+/.test(node) && Number(node.slice(1).split(".")[0]) >= 18) {
    tools.node = { command: "node", version: node };
  }
  if ((await output("npm", ["--version"])) !== "") tools.npm = "npm";
  if (bun) tools.bun = bun;
  return tools;
}

/**
 * Installs `peer` into `dir` unless its stamp names the same pins. Resolves with an error
 * message, or undefined once it is installed.
 */
export async function install(
  peer: PeerDef,
  dir: string,
  tools: Tools,
  log: (line: string) => void,
): Promise<string | undefined> {
  const stampPath = join(dir, "installed.json");
  if (stampMatches(readText(stampPath), peer.packages, dir)) return undefined;
  const tenMinutes = 10 * 60_000;
  let tool: string;
  if (peer.registry === "pypi") {
    if (!tools.python) return "no python3 ≥ 3.10 found";
    tool = `python ${tools.python.version}`;
  } else {
    if (!tools.npm && !tools.bun) return "neither npm nor bun found";
    tool = tools.npm ? "npm" : "bun";
  }
  log(`bench: installing ${peer.packages.join(" ")} into ${dir} (once; minutes)`);
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  Deno.mkdirSync(dir, { recursive: true });
  let failed: string | undefined;
  if (peer.registry === "pypi") {
    const venv = join(dir, "venv");
    failed = await step(tools.python!.command, ["-m", "venv", venv], dir, tenMinutes) ??
      await step(
        join(venv, "bin", "pip"),
        ["install", "--disable-pip-version-check", "--no-input", "-q", ...peer.packages],
        dir,
        tenMinutes,
      );
  } else if (tools.npm) {
    Deno.writeTextFileSync(join(dir, "package.json"), '{ "private": true }\n');
    failed = await step(
      tools.npm,
      ["install", "--no-audit", "--no-fund", "--save-exact", ...peer.packages],
      dir,
      tenMinutes,
    );
  } else {
    Deno.writeTextFileSync(join(dir, "package.json"), '{ "private": true }\n');
    failed = await step(tools.bun!, ["add", "--exact", ...peer.packages], dir, tenMinutes);
  }
  if (failed) return `install failed: ${failed}`;
  const stamp: Stamp = { packages: [...peer.packages], dir, tool };
  Deno.writeTextFileSync(stampPath, JSON.stringify(stamp, null, 2) + "\n");
  return undefined;
}

/** A started peer. */
export interface RunningPeer {
  def: PeerDef;
  group: ProcessGroup;
  port: number;
  runtime: string;
}

/** How to start peers: where they are, the mock, the tools. */
export interface PeerContext {
  root: string;
  tmp: string;
  upstream: string;
  tools: Tools;
}

/** The runtime a peer runs on, or why it cannot run. */
export function runtimeOf(peer: PeerDef, tools: Tools): { runtime: string; node: string } | string {
  if (peer.registry === "pypi") {
    return tools.python
      ? { runtime: `python ${tools.python.version}`, node: "" }
      : "no python3 ≥ 3.10 found";
  }
  if (tools.node) return { runtime: `node ${tools.node.version}`, node: tools.node.command };
  if (tools.bun) return { runtime: "bun", node: tools.bun };
  return "neither node nor bun found";
}

/** Spawns `peer` on `port` (config and log in ctx.tmp); does not wait for it. */
export function spawnPeer(
  peer: PeerDef,
  ctx: PeerContext,
  port: number,
  log: string,
): ProcessGroup {
  const runtime = runtimeOf(peer, ctx.tools);
  if (typeof runtime === "string") throw new Error(runtime);
  const dir = peerDir(ctx.root, peer.key);
  const config = join(ctx.tmp, `peer-${peer.key}.yaml`);
  if (peer.config) Deno.writeTextFileSync(config, peer.config(ctx.upstream));
  const preload = join(ctx.tmp, "loopback.mjs");
  if (!exists(preload)) Deno.writeTextFileSync(preload, LOOPBACK_PRELOAD);
  const home = join(ctx.tmp, `home-${peer.key}`);
  Deno.mkdirSync(home, { recursive: true });
  const [command, ...args] = peer.command({ dir, config, port, node: runtime.node, preload });
  return ProcessGroup.spawn(peer.name, command!, args, {
    env: {
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
      HOME: home,
      LANG: "C.UTF-8",
      ...peer.env,
    },
    clearEnv: true,
    cwd: ctx.tmp,
    log,
  });
}

/** The status of one GET, or 0 when nothing answers. */
async function getStatus(port: number, path: string): Promise<number> {
  try {
    const answer = await fetch(`http://127.0.0.1:${port}${path}`, {
      signal: AbortSignal.timeout(5000),
    });
    await answer.arrayBuffer();
    return answer.status;
  } catch {
    return 0;
  }
}

/** The status of one chat POST, or 0 when nothing answers. */
export async function postStatus(
  port: number,
  path: string,
  body: string,
  headers: Record<string, string>,
): Promise<number> {
  try {
    const answer = await fetch(`http://127.0.0.1:${port}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    await answer.arrayBuffer();
    return answer.status;
  } catch {
    return 0;
  }
}

/** Polls `check` every `everyMs` until it is true; false if `group` exits or `timeoutMs` passes. */
export async function waitUntil(
  group: ProcessGroup,
  check: () => Promise<boolean>,
  timeoutMs: number,
  everyMs: number,
): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (group.exited) return false;
    if (await check()) return true;
    await sleep(everyMs);
  }
  return false;
}

/** Starts `peer` and waits for its health check and one successful chat answer. */
export async function startPeer(
  peer: PeerDef,
  ctx: PeerContext,
  port: number,
): Promise<RunningPeer> {
  const runtime = runtimeOf(peer, ctx.tools);
  if (typeof runtime === "string") throw new Error(runtime);
  const log = join(ctx.tmp, `peer-${peer.key}.log`);
  const group = spawnPeer(peer, ctx, port, log);
  const healthy = await waitUntil(
    group,
    async () => (await getStatus(port, peer.health)) === 200,
    120_000,
    20,
  );
  if (!healthy) {
    const why = group.exited ? "exited before it was up" : "not up after 120 s";
    const tail = group.tail(5);
    await group.stop();
    throw new Error(`${why}${tail ? `: ${tail.replaceAll("\n", " / ")}` : ""}`);
  }
  return { def: peer, group, port, runtime: runtime.runtime };
}

/** Checks that a started peer answers the chat request with a 200 (before it is loaded). */
export async function checkAnswers(
  running: RunningPeer,
  path: string,
  body: string,
  headers: Record<string, string>,
): Promise<string | undefined> {
  const status = await postStatus(running.port, path, body, headers);
  if (status === 200) return undefined;
  const tail = running.group.tail(5);
  return `its chat answer was ${status || "nothing"}${
    tail ? `: ${tail.replaceAll("\n", " / ")}` : ""
  }`;
}

/**
 * Cold start: spawn → the first 200 to a chat request (polled every 5 ms), the median of `runs`
 * after one untimed run (page cache). `spawn(port, log)` starts the server.
 */
export async function coldStartToAnswer(
  spawn: (port: number, log: string) => ProcessGroup,
  ports: () => number,
  logDir: string,
  request: { path: string; body: string; headers: Record<string, string> },
  runs: number,
  timeoutMs = 120_000,
): Promise<ColdStart> {
  const once = async (i: number): Promise<number> => {
    const port = ports();
    const started = performance.now();
    const group = spawn(port, join(logDir, `cold-${i}.log`));
    try {
      const ok = await waitUntil(
        group,
        async () => (await postStatus(port, request.path, request.body, request.headers)) === 200,
        timeoutMs,
        5,
      );
      if (!ok) {
        throw new Error(
          `no answer ${group.exited ? "(it exited)" : `within ${timeoutMs / 1000} s`}: ${
            group.tail(3).replaceAll("\n", " / ")
          }`,
        );
      }
      return performance.now() - started;
    } finally {
      await group.stop();
    }
  };
  await once(0);
  const times: number[] = [];
  for (let i = 1; i <= runs; i++) times.push(await once(i));
  return coldStartFigures(times);
}

/** The bench's chat bodies a peer may send, by name → file. */
export type ChatBodies = Record<"chatDirect" | "chatGateway", string>;

/** A peer's chat request: path, body file and headers. */
export function peerRequest(
  peer: PeerDef,
  upstream: string,
  bodies: ChatBodies,
): { path: string; bodyFile: string; headers: Record<string, string> } {
  const { body, headers } = peer.request(upstream);
  return { path: PATHS.chat, bodyFile: bodies[body], headers };
}

/** Installs every peer (or finds it installed); a failure is recorded on its figures. */
export async function installPeers(
  root: string,
  tools: Tools,
  log: (line: string) => void,
): Promise<PeerFigures[]> {
  const figures: PeerFigures[] = [];
  for (const peer of PEERS) {
    const f: PeerFigures = {
      key: peer.key,
      name: peer.name,
      version: peer.version,
      setup: peer.setup,
    };
    const runtime = runtimeOf(peer, tools);
    if (typeof runtime === "string") f.error = runtime;
    else {
      f.runtime = runtime.runtime;
      const failed = await install(peer, peerDir(root, peer.key), tools, log);
      if (failed) f.error = failed;
    }
    if (f.error) log(`bench: ${peer.name} not measured: ${f.error}`);
    figures.push(f);
  }
  return figures;
}

/**
 * Starts every installed peer, measures its idle memory (500 ms after its health check, before
 * any request, as the gateway's), and checks that it answers the chat request. A peer that
 * fails is recorded as not measured and left out.
 */
export async function startPeers(
  figures: PeerFigures[],
  ctx: PeerContext,
  bodies: ChatBodies,
  log: (line: string) => void,
): Promise<RunningPeer[]> {
  const running: RunningPeer[] = [];
  for (const f of figures) {
    const peer = PEERS.find((p) => p.key === f.key)!;
    if (f.error) continue;
    try {
      log(`bench: starting ${peer.name} ${peer.version}`);
      const started = await startPeer(peer, ctx, freePort());
      await sleep(500);
      const memory = started.group.memory();
      if (memory) {
        f.processes = memory.processes;
        f.idleRss = round(memory.rss, 1);
        f.idlePss = round(memory.pss, 1);
      }
      const request = peerRequest(peer, ctx.upstream, bodies);
      const wrong = await checkAnswers(
        started,
        request.path,
        Deno.readTextFileSync(request.bodyFile),
        request.headers,
      );
      if (wrong) {
        await started.group.stop();
        throw new Error(wrong);
      }
      running.push(started);
    } catch (error) {
      f.error = `start failed: ${(error as Error).message}`.slice(0, 600);
      log(`bench: ${peer.name} not measured: ${f.error}`);
    }
  }
  return running;
}

/** A started peer as a load target of the chat scenario (CPU: all its processes). */
export function peerTarget(running: RunningPeer, upstream: string, bodies: ChatBodies): Target {
  const { def, group, port } = running;
  return {
    key: `peer-${def.key}`,
    label: `${def.name} ${def.version}`,
    origin: `http://127.0.0.1:${port}`,
    requests: [peerRequest(def, upstream, bodies)],
    pid: group.pid,
    cpu: () => group.cpuSeconds(),
    optional: true,
  };
}

/** Cold start to the first chat answer of every peer that installed; failures are recorded. */
export async function peerColdStarts(
  figures: PeerFigures[],
  ctx: PeerContext,
  bodies: ChatBodies,
  runs: number,
  log: (line: string) => void,
): Promise<void> {
  for (const f of figures) {
    const peer = PEERS.find((p) => p.key === f.key)!;
    if (f.runtime === undefined || f.error?.startsWith("install")) continue;
    log(`bench: cold start of ${peer.name} (${runs} + 1 runs)`);
    const logDir = join(ctx.tmp, `cold-${peer.key}`);
    Deno.mkdirSync(logDir, { recursive: true });
    const request = peerRequest(peer, ctx.upstream, bodies);
    try {
      f.coldStart = await coldStartToAnswer(
        (port, log) => spawnPeer(peer, ctx, port, log),
        freePort,
        logDir,
        { ...request, body: Deno.readTextFileSync(request.bodyFile) },
        runs,
      );
    } catch (error) {
      f.coldStartError = (error as Error).message.slice(0, 600);
      log(`bench: ${peer.name} cold start not measured: ${f.coldStartError}`);
    }
  }
}
