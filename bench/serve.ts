/**
 * A loopback HTTP server on Bun (`Bun.serve`) or Deno (`Deno.serve`), whichever runs this file,
 * for the mock upstream and the bare proxy. Prints `listening <port>` once bound.
 */
import process from "node:process";

type Handler = (request: Request) => Response | Promise<Response>;

interface BunLike {
  serve(options: Record<string, unknown>): { port: number };
}

/** Command-line flag value (`--name value`), or the fallback. */
export function flag(name: string, fallback: string): string {
  const args = process.argv;
  const index = args.indexOf(`--${name}`);
  return index >= 0 && index + 1 < args.length ? String(args[index + 1]) : fallback;
}

/** Serves `handler` on 127.0.0.1:`port` (0 = any free port); resolves with the bound port. */
export function serveLoopback(port: number, handler: Handler): number {
  const bun = (globalThis as { Bun?: BunLike }).Bun;
  let bound: number;
  if (bun) {
    const server = bun.serve({
      hostname: "127.0.0.1",
      port,
      idleTimeout: 0,
      maxRequestBodySize: 64 * 1024 * 1024,
      fetch: handler,
    });
    bound = server.port;
  } else {
    const server = Deno.serve({ hostname: "127.0.0.1", port, onListen: () => {} }, handler);
    bound = (server.addr as Deno.NetAddr).port;
  }
  process.stdout.write(`listening ${bound}\n`);
  // Ends with the orchestrator: a closed stdin means it is gone.
  process.stdin.on("end", () => process.exit(0));
  process.stdin.resume();
  return bound;
}

/** The path (and query) of a request URL, without building a URL object. */
export function pathOf(url: string): string {
  const slash = url.indexOf("/", url.indexOf("//") + 2);
  return slash < 0 ? "/" : url.slice(slash);
}
