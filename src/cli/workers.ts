/**
 * `gateway start --workers N`: a supervisor that serves one port from N worker processes
 * (SO_REUSEPORT). It checks the port, starts the workers, prints the banner once they are all
 * ready, forwards SIGHUP/SIGTERM/SIGINT to them, restarts a worker that dies, and exits 0 once
 * every worker has drained.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import process from "node:process";
import type { LoadedConfig } from "../config/load.ts";
import { onSignal, selfCommand } from "../runtime/mod.ts";
import { printError } from "./output.ts";
import { printBanner } from "./banner.ts";

/** The line a worker prints on stdout once it listens. */
export const WORKER_READY = "gateway-worker-ready";

/** Binds the port once (without SO_REUSEPORT) to prove it is free; returns the actual port. */
function claimPort(host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", (error: NodeJS.ErrnoException) => {
      reject(
        new Error(
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

export async function superviseWorkers(
  argv: readonly string[],
  host: string,
  requestedPort: number,
  count: number,
  config: LoadedConfig,
): Promise<number> {
  let port: number;
  try {
    port = await claimPort(host, requestedPort);
  } catch (error) {
    printError(`gateway start: ${(error as Error).message}`);
    return 1;
  }
  const self = selfCommand();
  const args = [...self.args, ...workerArgs(argv, port)];
  const workers = new Set<ChildProcess>();
  let stopping = false;

  const launch = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const child = spawn(self.command, args, {
        stdio: ["ignore", "pipe", "inherit"],
        env: process.env,
      });
      workers.add(child);
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
          setTimeout(
            () => void launch().catch((error) => printError(`gateway start: ${error.message}`)),
            500,
          );
        }
      });
    });

  try {
    await Promise.all(Array.from({ length: count }, launch));
  } catch (error) {
    stopping = true;
    for (const worker of workers) worker.kill("SIGKILL");
    printError(`gateway start: ${(error as Error).message}`);
    return 1;
  }
  onSignal("SIGHUP", () => {
    for (const worker of workers) worker.kill("SIGHUP");
  });
  // The stop handlers go in before the banner: a SIGINT sent as soon as it appears must stop us.
  const stopped = new Promise<number>((resolve) => {
    const stop = (signal: "SIGTERM" | "SIGINT") => {
      if (stopping) {
        for (const worker of workers) worker.kill("SIGKILL");
        process.exit(130);
      }
      stopping = true;
      if (workers.size === 0) resolve(0);
      for (const worker of workers) {
        worker.once("exit", () => {
          if (workers.size === 0) resolve(0);
        });
        worker.kill(signal);
      }
    };
    onSignal("SIGTERM", () => stop("SIGTERM"));
    onSignal("SIGINT", () => stop("SIGINT"));
  });
  const shownHost = host.includes(":") ? `[${host}]` : host;
  printBanner(`http://${shownHost}:${port}`, config, count);
  return await stopped;
}
