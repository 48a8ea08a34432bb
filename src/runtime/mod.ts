/**
 * The only code that touches Deno.* or Bun.*: serving HTTP, signals, arguments. Everything else
 * is runtime-neutral (web standards and node: built-ins).
 */
import process from "node:process";
import { watch as fsWatch } from "node:fs";
import { resolve as resolvePath } from "node:path";
import { fileURLToPath } from "node:url";
import { availableParallelism } from "node:os";
import { followFile, type WatchDirectory } from "./follow.ts";
import { DENO_PERMISSION_FLAGS } from "./permissions.ts";

export type RuntimeName = "deno" | "bun" | "node";

interface BunServer {
  port: number;
  hostname: string;
  stop(closeActiveConnections?: boolean): Promise<void>;
  requestIP(request: Request): { address: string } | null;
  timeout(request: Request, seconds: number): void;
}
interface BunGlobal {
  version: string;
  serve(options: Record<string, unknown>): BunServer;
}

const bun = (globalThis as { Bun?: BunGlobal }).Bun;
const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined" && bun === undefined;

export const runtimeName: RuntimeName = bun ? "bun" : isDeno ? "deno" : "node";

/**
 * Bun's server sends a response's head together with its first write only when both fit its
 * 16 KiB cork buffer; past that, the head goes out one system call per piece (the status line,
 * each header's name, colon, value and line break), each a TCP segment the client is woken for.
 * Deno's server sends the head in one piece whatever follows it (bench/README.md, "The head of a
 * stream" and "The head of an answer"). So on Bun this is the largest complete answer sent as it
 * is; a larger one goes as a stream whose first write is kept to `STREAM_FIRST_WRITE_MAX`.
 */
export const WHOLE_ANSWER_MAX = runtimeName === "bun" ? 15 * 1024 : Infinity;

/** The most the first write of a streamed response may hold to leave with the response head. */
export const STREAM_FIRST_WRITE_MAX = runtimeName === "bun" ? 4 * 1024 : Infinity;

/** "deno 2.x" / "bun 1.x", for --version and logs. */
export function runtimeVersion(): string {
  if (bun) return `bun ${bun.version}`;
  if (isDeno) return `deno ${Deno.version.deno}`;
  return `node ${process.version}`;
}

/** Command-line arguments after the program (and script) name. */
export function args(): string[] {
  return isDeno ? [...Deno.args] : process.argv.slice(2);
}

export interface ConnectionInfo {
  remoteAddress: string;
}

export type Handler = (request: Request, info: ConnectionInfo) => Response | Promise<Response>;

export interface ServeOptions {
  hostname: string;
  port: number;
  handler: Handler;
  /** Let several processes bind the same port (Linux SO_REUSEPORT). */
  reusePort?: boolean;
  /** Serve HTTPS with this certificate chain and private key (PEM text). */
  tls?: { cert: string; key: string } | undefined;
}

export interface RunningServer {
  hostname: string;
  port: number;
  /** Stops accepting connections and resolves when in-flight requests have finished. */
  shutdown(): Promise<void>;
}

const INTERNAL_ERROR = () =>
  new Response(
    JSON.stringify({
      error: { message: "internal error", type: "server_error", param: null, code: null },
    }),
    { status: 500, headers: { "content-type": "application/json" } },
  );

/** Thrown when the port is taken or cannot be bound. */
export class BindError extends Error {}

/** Starts an HTTP server; resolves once it is listening. */
export function serve(options: ServeOptions): Promise<RunningServer> {
  if (bun) return serveBun(bun, options);
  if (isDeno) return serveDeno(options);
  return Promise.reject(new Error("gateway needs Deno or Bun to serve HTTP"));
}

function bindError(error: unknown, options: ServeOptions): Error {
  const code = (error as { code?: string }).code ?? (error as Error).name;
  const text = `${code ?? ""} ${(error as Error).message ?? ""}`;
  if (/AddrInUse|EADDRINUSE|in use/i.test(text)) {
    return new BindError(
      `port ${options.port} on ${options.hostname} is already in use; stop the other process or pass --port`,
    );
  }
  if (/AddrNotAvailable|EADDRNOTAVAIL|PermissionDenied|EACCES/i.test(text)) {
    return new BindError(
      `cannot listen on ${options.hostname}:${options.port}: ${(error as Error).message}`,
    );
  }
  return error as Error;
}

function serveDeno(options: ServeOptions): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    try {
      const server = Deno.serve({
        hostname: options.hostname,
        port: options.port,
        reusePort: options.reusePort ?? false,
        ...(options.tls ? { cert: options.tls.cert, key: options.tls.key } : {}),
        onListen: () => {},
        // The app answers its own errors; this only catches a handler that throws anyway.
        onError: () => INTERNAL_ERROR(),
        handler: (request, info) => {
          const addr = info.remoteAddr as { hostname?: string };
          return options.handler(request, { remoteAddress: addr.hostname ?? "unknown" });
        },
      });
      const addr = server.addr as Deno.NetAddr;
      resolve({ hostname: addr.hostname, port: addr.port, shutdown: () => server.shutdown() });
    } catch (error) {
      reject(bindError(error, options));
    }
  });
}

/** A request's client, its address looked up only when asked for (limits keyed by client_ip). */
class BunConnection implements ConnectionInfo {
  constructor(readonly server: BunServer, readonly request: Request) {}

  get remoteAddress(): string {
    return this.server.requestIP(this.request)?.address ?? "unknown";
  }
}

function serveBun(runtime: BunGlobal, options: ServeOptions): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    try {
      const server = runtime.serve({
        hostname: options.hostname,
        port: options.port,
        reusePort: options.reusePort ?? false,
        // The app enforces its own body limit (with a clear 413); this is only a backstop.
        maxRequestBodySize: 1024 ** 3,
        ...(options.tls ? { tls: { cert: options.tls.cert, key: options.tls.key } } : {}),
        idleTimeout: 255,
        fetch: (request: Request, srv: BunServer) => {
          // LLM answers and streams may be silent for minutes; never cut them on idleness.
          srv.timeout(request, 0);
          return options.handler(request, new BunConnection(srv, request));
        },
      });
      resolve({
        hostname: server.hostname,
        port: server.port,
        shutdown: () => server.stop(false),
      });
    } catch (error) {
      reject(bindError(error, options));
    }
  });
}

/** Runs `handler` on each delivery of a signal; returns a function that removes it. */
export function onSignal(signal: "SIGINT" | "SIGTERM" | "SIGHUP", handler: () => void): () => void {
  if (isDeno) {
    Deno.addSignalListener(signal, handler);
    return () => Deno.removeSignalListener(signal, handler);
  }
  process.on(signal, handler);
  return () => process.off(signal, handler);
}

/**
 * Calls `onChange` (debounced) when the file at `path` changes or is replaced. Watches its
 * directory, since editors and config-management tools save by renaming a new file over it, and
 * follows symlinks (a Kubernetes ConfigMap swap re-points `..data`): see `followFile`.
 */
export function watchFile(path: string, onChange: () => void, debounceMs = 150): () => void {
  return followFile(path, onChange, watchDirectory, { debounceMs });
}

/** Deno.watchFs under Deno, node:fs watch under Bun; never throws (see `WatchDirectory`). */
const watchDirectory: WatchDirectory = (dir, onEvent) => {
  try {
    return isDeno ? watchDirectoryDeno(dir, onEvent) : watchDirectoryNode(dir, onEvent);
  } catch {
    // Gone or unreadable: nothing to watch there.
    return undefined;
  }
};

function watchDirectoryDeno(
  dir: string,
  onEvent: (paths: readonly string[] | null) => void,
): () => void {
  const watcher = Deno.watchFs(dir, { recursive: false });
  (async () => {
    for await (const event of watcher) onEvent(event.paths);
  })().catch(() => {
    // The directory was deleted or the watcher closed: no more events from it.
  });
  return () => watcher.close();
}

function watchDirectoryNode(
  dir: string,
  onEvent: (paths: readonly string[] | null) => void,
): () => void {
  const watcher = fsWatch(dir, (_event, filename) => {
    onEvent(filename === null ? null : [resolvePath(dir, String(filename))]);
  });
  // An 'error' event without a listener would throw (the directory was deleted, for one).
  watcher.on("error", () => watcher.close());
  return () => watcher.close();
}

/**
 * The command that runs this same program again (worker processes, the server's re-exec): the
 * compiled binary itself, or the runtime with its flags and the entry script.
 */
export function selfCommand(): { command: string; args: string[] } {
  if (bun) {
    const main = (bun as unknown as { main: string }).main;
    return main.startsWith("/$bunfs/")
      ? { command: process.execPath, args: [] }
      // The runtime's own flags (`bun --smol`, `--cpu-prof`) come along; a compiled binary
      // applies its embedded ones by itself.
      : { command: process.execPath, args: [...process.execArgv, main] };
  }
  if (isDeno) {
    const exec = Deno.execPath();
    const compiled = !/(^|\/)deno(\.exe)?$/.test(exec);
    return compiled
      ? { command: exec, args: [] }
      : { command: exec, args: ["run", ...DENO_PERMISSION_FLAGS, fileURLToPath(Deno.mainModule)] };
  }
  return { command: process.execPath, args: [process.argv[1] ?? ""] };
}

/** Number of CPU cores this process may use. */
export function cpuCount(): number {
  return availableParallelism();
}

/** Ends the process. */
export function exit(code: number): never {
  process.exit(code);
}
