/**
 * Builds served side by side: how bench/README's "side by side" figures are measured. Each target
 * is started on the bench's config and mock upstream, loaded once to warm it, then measured in
 * interleaved rounds (every target once per round, so that a drift of the machine's speed touches
 * them alike). Prints each round's CPU per request of the target's process, its requests per
 * second and its 99th percentile latency, and each target's peak RSS.
 *
 *   deno run -A bench/side_by_side.ts [--scenario S] [--rounds N] [--seconds N] TARGET...
 *
 * A target is a gateway binary, `proxy` (the bare proxy on Bun), `deno-proxy` (the bare proxy under
 * Deno), `deno:DIR` (the checkout in DIR from source under Deno, e.g. a git worktree of another
 * commit), or `NAME=VALUE,...@TARGET` (with that environment, e.g.
 * `BUN_JSC_forceRAMSize=1073741824@dist/gateway`). Binaries are copied first, so a rebuild during
 * the run changes nothing.
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { cpuSeconds, killAll, Proc, procStatusMiB } from "./procs.ts";
import { runWrk, writeWrkScripts, type WrkRequest } from "./wrk.ts";
import { BENCH_CLIENT_KEY, type BenchFiles, PATHS, writeFiles } from "./setup.ts";
import { DENO_PERMISSION_FLAGS } from "../src/runtime/permissions.ts";

const HELP = `Usage: deno run -A bench/side_by_side.ts [options] TARGET...

Targets: a gateway binary, 'proxy' (the bare proxy on Bun), 'deno-proxy' (the same under Deno),
'deno:DIR' (the checkout in DIR run from source under Deno), or NAME=VALUE,...@TARGET.
Options:
  --scenario S      chat, limited, stream, delayed, embeddings, large or team (default: chat)
  --rounds N        interleaved rounds (default: 4)
  --seconds N       seconds per measured run (default: 4)
  --connections N   wrk connections (default: 32)
`;

type Scenario = "chat" | "limited" | "stream" | "delayed" | "embeddings" | "large" | "team";

/** The gateway's request and the bare proxy's (the same upstream call) in each scenario. */
function requests(
  scenario: Scenario,
  files: BenchFiles,
): { gateway: WrkRequest; proxy: WrkRequest } {
  const b = files.bodies;
  const pair = (
    gateway: string,
    proxyPath: string,
    proxyBody: string,
    gatewayPath: string = PATHS.chat,
  ) => ({
    gateway: { path: gatewayPath, bodyFile: gateway },
    proxy: { path: proxyPath, bodyFile: proxyBody },
  });
  switch (scenario) {
    case "chat":
      return pair(b.chatGateway, PATHS.chat, b.chatDirect);
    case "limited":
      return pair(b.chatLimited, PATHS.chat, b.chatDirect);
    case "stream":
      return pair(b.streamGateway, PATHS.stream, b.streamDirect);
    case "delayed":
      return pair(b.delayedGateway, PATHS.delayed, b.streamDirect);
    case "embeddings":
      return pair(b.embeddingsGateway, PATHS.embeddings, b.embeddingsDirect, PATHS.embeddings);
    case "large":
      return pair(b.largeGateway, PATHS.chat, b.largeDirect);
    case "team": {
      const { gateway, proxy } = pair(b.chatGateway, PATHS.chat, b.chatDirect);
      return { gateway: { ...gateway, authorization: `Bearer ${BENCH_CLIENT_KEY}` }, proxy };
    }
  }
}

/** `NAME=VALUE,...@BINARY` as the binary and its environment. */
export function parseTarget(target: string): { binary: string; env: Record<string, string> } {
  const at = target.lastIndexOf("@");
  if (at === -1) return { binary: target, env: {} };
  const env: Record<string, string> = {};
  for (const pair of target.slice(0, at).split(",")) {
    const equals = pair.indexOf("=");
    if (equals <= 0) throw new Error(`'${pair}' in '${target}' is not NAME=VALUE`);
    env[pair.slice(0, equals)] = pair.slice(equals + 1);
  }
  return { binary: target.slice(at + 1), env };
}

interface Running {
  label: string;
  proc: Proc;
  origin: string;
  request: WrkRequest;
  rounds: string[];
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    options: {
      scenario: { type: "string", default: "chat" },
      rounds: { type: "string", default: "4" },
      seconds: { type: "string", default: "4" },
      connections: { type: "string", default: "32" },
      help: { type: "boolean", short: "h" },
    },
  });
  const scenarios = ["chat", "limited", "stream", "delayed", "embeddings", "large", "team"];
  if (values.help || positionals.length === 0 || !scenarios.includes(values.scenario)) {
    process.stdout.write(HELP);
    process.exit(values.help ? 0 : 2);
  }
  const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
  const bun = join(root, "node_modules", ".bin", "bun");
  const tmp = mkdtempSync(join(tmpdir(), "side-by-side-"));
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const running: Running[] = [];
  const mock = await Proc.start("mock upstream", bun, [join(root, "bench", "mock_upstream.ts")], {
    ready: /^listening (\d+)/,
  });
  try {
    const upstream = `http://127.0.0.1:${mock.match[1]}`;
    const files = writeFiles(tmp, upstream);
    const scripts = writeWrkScripts(tmp);
    const { gateway, proxy } = requests(values.scenario as Scenario, files);
    const config = values.scenario === "team" ? files.teamConfig : files.config;
    for (const [i, target] of positionals.entries()) {
      if (target === "proxy" || target === "deno-proxy") {
        const proxyArgs = [join(root, "bench", "proxy.ts"), "--upstream", upstream];
        const { proc, match } = target === "proxy"
          ? await Proc.start("bare proxy", bun, proxyArgs, { ready: /^listening (\d+)/ })
          : await Proc.start("bare Deno proxy", Deno.execPath(), ["run", "-A", ...proxyArgs], {
            ready: /^listening (\d+)/,
          });
        running.push({
          label: target,
          proc,
          origin: `http://127.0.0.1:${match[1]}`,
          request: proxy,
          rounds: [],
        });
        continue;
      }
      const { binary, env } = parseTarget(target);
      const startArgs = ["start", "--config-path", config, "--port", "0"];
      const ready = /^API reference: http:\/\/[^:]+:(\d+)\//;
      let started: Awaited<ReturnType<typeof Proc.start>>;
      if (binary.startsWith("deno:")) {
        // A checkout's source under Deno (a snapshot, e.g. a git worktree, to compare builds).
        const main = join(resolve(binary.slice("deno:".length)), "main.ts");
        started = await Proc.start(target, Deno.execPath(), [
          "run",
          ...DENO_PERMISSION_FLAGS,
          main,
          ...startArgs,
        ], { ready, env, stderr: "null" });
      } else {
        const copy = join(tmp, `gateway-${i}`);
        copyFileSync(binary, copy);
        started = await Proc.start(target, copy, startArgs, { ready, env, stderr: "null" });
      }
      const { proc, match } = started;
      running.push({
        label: target,
        proc,
        origin: `http://127.0.0.1:${match[1]}`,
        request: gateway,
        rounds: [],
      });
    }
    const connections = Number(values.connections);
    const measure = async (target: Running, seconds: number) => {
      const before = cpuSeconds(target.proc.pid) ?? 0;
      const result = await runWrk({
        scripts,
        origin: target.origin,
        requests: [target.request],
        connections,
        seconds,
      });
      const cpu = (cpuSeconds(target.proc.pid) ?? 0) - before;
      const figures = `${Math.round((cpu * 1e6) / Math.max(1, result.requests))} µs/${
        Math.round(result.rps)
      }/p99 ${result.p99.toFixed(1)} ms`;
      // A run with failed requests measures something else (errors are cheaper).
      return result.valid ? figures : `${figures} (INVALID: failed requests)`;
    };
    log(`side by side: ${values.scenario}, c=${connections}, warming up`);
    for (const target of running) await measure(target, 3);
    for (let round = 1; round <= Number(values.rounds); round++) {
      for (const target of running) {
        target.rounds.push(await measure(target, Number(values.seconds)));
      }
      log(`round ${round} done`);
    }
    process.stdout.write(
      `${values.scenario}, c=${connections}: CPU per request (µs) / requests per second / p99 ` +
        "latency, each round\n",
    );
    for (const target of running) {
      const peak = procStatusMiB(target.proc.pid, "VmHWM");
      process.stdout.write(
        `${target.label}: ${target.rounds.join("  ")}  (peak RSS ${peak?.toFixed(1) ?? "?"} MiB)\n`,
      );
    }
  } finally {
    for (const target of running) await target.proc.stop();
    await mock.proc.stop();
    killAll();
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (import.meta.main) await main();
