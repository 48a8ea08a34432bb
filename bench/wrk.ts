/**
 * The load generator: wrk (Debian package `wrk`), a closed loop of C keep-alive connections on
 * one thread, bounded by its duration (and by a kill timer here). A Lua script sends
 * precomputed POST bodies and prints the summary as one JSON line.
 */
import { join } from "node:path";
import { track } from "./procs.ts";

/** One wrk run's figures. */
export interface LoadResult {
  requests: number;
  seconds: number;
  rps: number;
  /** Latency percentiles and mean in milliseconds. */
  p50: number;
  p90: number;
  p99: number;
  mean: number;
  max: number;
  /** Responses with status >= 400. */
  non2xx: number;
  /** Socket errors: connect, read, write, timeout. */
  socketErrors: number;
  /** False when any request failed: such a run is not a result. */
  valid: boolean;
}

const DONE = `
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"mean":%.3f,"max":%d,"p50":%d,"p90":%d,"p99":%d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency.max, latency:percentile(50), latency:percentile(90), latency:percentile(99)))
end
`;

/**
 * One request, built once by wrk (static: no Lua call per request). Args: body file, then header
 * names and values in turn (an Authorization header when the target asks for a key, a peer's
 * own headers).
 */
const STATIC_SCRIPT = `
init = function(args)
  local f = assert(io.open(args[1], "rb"))
  wrk.body = f:read("*a")
  f:close()
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  for i = 2, #args - 1, 2 do wrk.headers[args[i]] = args[i + 1] end
end
${DONE}`;

/** Several requests in turn. Args: path, body file, path, body file... */
const MIX_SCRIPT = `
local requests = {}
local index = 0
init = function(args)
  for i = 1, #args, 2 do
    local f = assert(io.open(args[i + 1], "rb"))
    local body = f:read("*a")
    f:close()
    requests[#requests + 1] = wrk.format("POST", args[i], { ["Content-Type"] = "application/json" }, body)
  end
end
request = function()
  if #requests == 0 then return wrk.format() end
  index = index % #requests + 1
  return requests[index]
end
${DONE}`;

/** A request wrk sends: a path and the file holding its JSON body. */
export interface WrkRequest {
  path: string;
  bodyFile: string;
  /** An Authorization header (a single request only). */
  authorization?: string;
  /** More headers, name → value (a single request only). */
  headers?: Record<string, string>;
}

/** The static script's arguments for one request: its body file, then header names and values. */
export function staticScriptArgs(request: WrkRequest): string[] {
  const headers = Object.entries(request.headers ?? {});
  if (request.authorization) headers.unshift(["Authorization", request.authorization]);
  return [request.bodyFile, ...headers.flat()];
}

/** The Lua scripts, written into a temporary directory. */
export interface WrkScripts {
  static: string;
  mix: string;
}

/** Writes the Lua scripts into `dir`. */
export function writeWrkScripts(dir: string): WrkScripts {
  const scripts = { static: join(dir, "static.lua"), mix: join(dir, "mix.lua") };
  Deno.writeTextFileSync(scripts.static, STATIC_SCRIPT);
  Deno.writeTextFileSync(scripts.mix, MIX_SCRIPT);
  return scripts;
}

/** wrk's version line, or undefined when it is not installed. */
export async function wrkVersion(): Promise<string | undefined> {
  try {
    const out = await new Deno.Command("wrk", { args: ["-v"], stdout: "piped", stderr: "piped" })
      .output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    return text.match(/wrk\s+\S+/)?.[0] ?? "wrk";
  } catch {
    return undefined;
  }
}

/**
 * Runs wrk against `origin` for `seconds` with `connections`, cycling through `requests`.
 * Never lasts longer than seconds + 15 s.
 */
export async function runWrk(options: {
  scripts: WrkScripts;
  origin: string;
  requests: WrkRequest[];
  connections: number;
  seconds: number;
}): Promise<LoadResult> {
  const args = [
    "-t1",
    `-c${options.connections}`,
    `-d${options.seconds}s`,
    "--timeout",
    "5s",
    ...(options.requests.length === 1
      ? ["-s", options.scripts.static, options.origin + options.requests[0]!.path, "--"]
      : ["-s", options.scripts.mix, options.origin, "--"]),
    ...(options.requests.length === 1
      ? staticScriptArgs(options.requests[0]!)
      : options.requests.flatMap((r) => [r.path, r.bodyFile])),
  ];
  const child = track(new Deno.Command("wrk", { args, stdout: "piped", stderr: "piped" }).spawn());
  const guard = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }, (options.seconds + 15) * 1000);
  const out = await child.output();
  clearTimeout(guard);
  const text = new TextDecoder().decode(out.stdout);
  const result = parseWrkSummary(text);
  if (!result) {
    throw new Error(
      `wrk printed no summary (exit ${out.code}):\n${text}${new TextDecoder().decode(out.stderr)}`,
    );
  }
  return result;
}

/**
 * The figures of the summary line the Lua scripts print (`WRKJSON {...}`, latencies in µs), or
 * undefined when wrk printed none. A run with any failed request is marked invalid.
 */
export function parseWrkSummary(stdout: string): LoadResult | undefined {
  const line = stdout.split("\n").find((l) => l.startsWith("WRKJSON "));
  if (!line) return undefined;
  const raw = JSON.parse(line.slice(8)) as Record<string, number>;
  const n = (key: string) => raw[key] ?? 0;
  const seconds = n("duration_us") / 1e6;
  const socketErrors = n("connect") + n("read") + n("write") + n("timeout");
  return {
    requests: n("requests"),
    seconds,
    rps: seconds > 0 ? n("requests") / seconds : 0,
    p50: n("p50") / 1000,
    p90: n("p90") / 1000,
    p99: n("p99") / 1000,
    mean: n("mean") / 1000,
    max: n("max") / 1000,
    non2xx: n("status"),
    socketErrors,
    valid: n("requests") > 0 && n("status") === 0 && socketErrors === 0,
  };
}
