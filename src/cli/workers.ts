/**
 * `gateway start --workers N`: a supervisor that serves one port from N worker processes
 * (SO_REUSEPORT). It checks the port, starts the workers, prints the banner once they are all
 * ready, forwards SIGHUP/SIGTERM/SIGINT to them, restarts a worker that dies (on the last good
 * config), exits 0 once every worker has drained after a signal, and non-zero when no worker is
 * left and none can be started.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import process from "node:process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LoadedConfig } from "../config/load.ts";
import { onSignal, selfCommand } from "../runtime/mod.ts";
import { createReloader, watchReloads } from "../config/watch.ts";
import { silentLogger } from "../observe/logs.ts";
import { printError } from "./output.ts";
import { printBanner } from "./banner.ts";

/** The line a worker prints on stdout once it listens. */
export const WORKER_READY = "gateway-worker-ready";

/** The port is held by another process (or cannot be bound at all). */
export class PortTakenError extends Error {}

/** Binds the port once (without SO_REUSEPORT) to prove it is free; returns the actual port. */
export function claimPort(host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", (error: NodeJS.ErrnoException) => {
      reject(
        new PortTakenError(
          error.code === "EADDRINUSE"
            ? `port ${port} on ${host} is already in use; stop the other process or pass --port`
            : `cannot listen on ${host}:${port}: ${error.message}`,
        ),
      );
    });
    probe.listen({ host, port, exclusive: true }, () => {
      const address = probe.address();
      const actual = typeof address === "object" && address ? address.port : port;
      probe.close(() => resolve(actual));
    });
  });
}

/** The worker's argv: the same options, with the resolved port and the worker flag. */
function workerArgs(argv: readonly string[], port: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--port" || arg === "--workers") {
      i++;
      continue;
    }
    if (arg.startsWith("--port=") || arg.startsWith("--workers=")) continue;
    out.push(arg);
  }
  return ["start", ...out, "--port", String(port), "--worker"];
}

export interface SupervisorOptions {
  host: string;
  port: number;
  count: number;
  config: LoadedConfig;
  /** The config's text, handed to each worker on its stdin. */
  configText: string;
  configPath: string | undefined;
  watch: boolean;
}

/** Failed starts in a row, with no worker left serving, after which the supervisor gives up. */
const GIVE_UP_AFTER = 3;

export async function superviseWorkers(
  argv: readonly string[],
  options: SupervisorOptions,
): Promise<number> {
  const { host, count } = options;
  let port: number;
  try {
    port = await claimPort(host, options.port);
  } catch (error) {
    printError(`gateway start: ${(error as Error).message}`);
    return 1;
  }
  const self = selfCommand();
  const args = [...self.args, ...workerArgs(argv, port)];
  const workers = new Set<ChildProcess>();
  let stopping = false;
  let finish: (code: number) => void = () => {};
  const stopped = new Promise<number>((resolve) => (finish = resolve));

  // Where the workers share their counts, so that one scrape of /metrics sees the whole server.
  const metricsDir = mkdtempSync(join(tmpdir(), "gateway-metrics-"));
  const removeMetrics = () => rmSync(metricsDir, { recursive: true, force: true });

  // The last config that passed every check: a worker (re)started while a bad file is on disk
  // starts on it rather than failing on the file. The workers reload the file themselves.
  let lastGood = options.configText;
  const stopWatching = options.configPath === undefined ? () => {} : watchReloads(
    options.configPath,
    createReloader(
      options.configPath,
      {
        logger: silentLogger(),
        apply: (_config, text) => {
          lastGood = text;
          return {};
        },
      },
      () => process.env,
      options.configText,
    ),
    options.watch,
  );

  const launch = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const child = spawn(self.command, args, {
        stdio: ["pipe", "pipe", "inherit"],
        env: { ...process.env, GATEWAY_METRICS_DIR: metricsDir },
      });
      workers.add(child);
      child.stdin?.on("error", () => {}); // a worker that dies at once closes its stdin
      child.stdin?.end(lastGood);
      let ready = false;
      child.stdout?.setEncoding("utf8");
      child.stdout?.on("data", (text: string) => {
        if (!ready && text.includes(WORKER_READY)) {
          ready = true;
          resolve();
        }
      });
      child.once("exit", (code, signal) => {
        workers.delete(child);
        if (!ready) {
          reject(new Error(`a worker exited before it was ready (code ${code ?? signal})`));
          return;
        }
        if (!stopping) {
          printError(`gateway start: a worker exited (code ${code ?? signal}); starting a new one`);
          relaunch(0);
        }
      });
    });

  // A replacement is retried with backoff; once none can start and no worker is left, the
  // supervisor exits non-zero, so a process manager sees the failure and restarts it.
  const relaunch = (failures: number) => {
    setTimeout(() => {
      if (stopping) return;
      launch().catch((error: Error) => {
        if (stopping) return;
        printError(`gateway start: ${error.message}`);
        if (workers.size === 0 && failures + 1 >= GIVE_UP_AFTER) {
          printError(
            `gateway start: no worker is serving and ${GIVE_UP_AFTER} starts in a row failed; exiting`,
          );
          stopping = true;
          finish(1);
          return;
        }
        relaunch(failures + 1);
      });
    }, Math.min(500 * 2 ** failures, 10_000));
  };

  try {
    await Promise.all(Array.from({ length: count }, launch));
  } catch (error) {
    stopping = true;
    stopWatching();
    for (const worker of workers) worker.kill("SIGKILL");
    removeMetrics();
    printError(`gateway start: ${(error as Error).message}`);
    return 1;
  }
  onSignal("SIGHUP", () => {
    for (const worker of workers) worker.kill("SIGHUP");
  });
  // The stop handlers go in before the banner: a SIGINT sent as soon as it appears must stop us.
  const stop = (signal: "SIGTERM" | "SIGINT") => {
    if (stopping) {
      for (const worker of workers) worker.kill("SIGKILL");
      removeMetrics();
      process.exit(130);
    }
    stopping = true;
    if (workers.size === 0) finish(0);
    for (const worker of workers) {
      worker.once("exit", () => {
        if (workers.size === 0) finish(0);
      });
      worker.kill(signal);
    }
  };
  onSignal("SIGTERM", () => stop("SIGTERM"));
  onSignal("SIGINT", () => stop("SIGINT"));
  // Whatever happens to the workers, the supervisor ends only by `finish`, never by running out
  // of things to wait for (which would exit 0 with nothing serving).
  const keepAlive = setInterval(() => {}, 1 << 30);
  const shownHost = host.includes(":") ? `[${host}]` : host;
  printBanner(`http://${shownHost}:${port}`, options.config, count);
  const code = await stopped;
  clearInterval(keepAlive);
  stopWatching();
  removeMetrics();
  return code;
}
