/**
 * The ceiling: a bare passthrough proxy with no validation, routing or limits. It reads the
 * request body, sends it to the same path on the upstream with fetch, and returns the answer's
 * bytes (a stream is relayed as it arrives). Whatever the gateway does on top costs the gap.
 *
 * Run with the gateway binary's runtime: `bun bench/proxy.ts --upstream http://127.0.0.1:P`
 * (or `deno run -A`); prints `listening <port>`.
 */
import { flag, pathOf, serveLoopback } from "./serve.ts";

const upstream = flag("upstream", "").replace(/\/+$/, "");
if (upstream === "") throw new Error("--upstream URL is required");

async function handle(request: Request): Promise<Response> {
  const body = await request.arrayBuffer();
  const answer = await fetch(upstream + pathOf(request.url), {
    method: request.method,
    headers: { "content-type": "application/json", authorization: "Bearer sk-bench" },
    body: request.method === "GET" ? null : body,
    signal: request.signal,
  });
  const type = answer.headers.get("content-type") ?? "application/json";
  if (type.startsWith("text/event-stream")) {
    return new Response(answer.body, { status: answer.status, headers: { "content-type": type } });
  }
  return new Response(await answer.arrayBuffer(), {
    status: answer.status,
    headers: { "content-type": type },
  });
}

serveLoopback(Number(flag("port", "0")), handle);
