/**
 * Black-box helpers: run the real gateway (GATEWAY_BIN picks the compiled binary; by default
 * `deno run main.ts`) as a separate process, and talk to it over loopback HTTP.
 */
import { fileURLToPath } from "node:url";
import { DENO_PERMISSION_FLAGS } from "../../src/runtime/permissions.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** The command that runs the gateway CLI. */
export function gatewayCommand(args: string[]): { cmd: string; args: string[] } {
  const bin = Deno.env.get("GATEWAY_BIN");
  if (bin && bin !== "deno") return { cmd: bin.startsWith("/") ? bin : `${ROOT}${bin}`, args };
  // The permissions `deno task start` and the released Deno binaries have, never -A: code that
  // needs more fails here.
  return {
    cmd: Deno.execPath(),
    args: ["run", ...DENO_PERMISSION_FLAGS, `${ROOT}main.ts`, ...args],
  };
}

/** Which build is under test, for test names. */
export const UNDER_TEST = Deno.env.get("GATEWAY_BIN") ?? "deno run";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs one CLI command to completion (bounded by a timeout). */
export async function runCli(
  args: string[],
  options: { env?: Record<string, string>; stdin?: string; timeoutMs?: number; cwd?: string } = {},
): Promise<CliResult> {
  const { cmd, args: fullArgs } = gatewayCommand(args);
  const child = new Deno.Command(cmd, {
    args: fullArgs,
    env: { NO_COLOR: "1", ...options.env },
    cwd: options.cwd ?? ROOT,
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 30_000);
  const out = await child.output();
  clearTimeout(timer);
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

/** Writes text to a fresh temporary file and returns its path. */
export function tempFile(text: string, suffix = ".yaml"): string {
  const path = Deno.makeTempFileSync({ prefix: "gateway-test-", suffix });
  Deno.writeTextFileSync(path, text);
  return path;
}

export interface RunningGateway {
  url: string;
  configPath: string | undefined;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Sends a signal and waits for the exit code. */
  stop(signal?: Deno.Signal): Promise<number>;
  child: Deno.ChildProcess;
}

/** Starts `gateway start` on a free port and waits until it prints its URL. */
export async function startGateway(
  options: { config?: string; args?: string[]; env?: Record<string, string>; timeoutMs?: number } =
    {},
): Promise<RunningGateway> {
  const configPath = options.config === undefined ? undefined : tempFile(options.config);
  const args = [
    "start",
    "--port",
    "0",
    ...(configPath ? ["--config-path", configPath] : []),
    ...(options.args ?? []),
  ];
  const { cmd, args: fullArgs } = gatewayCommand(args);
  const child = new Deno.Command(cmd, {
    args: fullArgs,
    env: { NO_COLOR: "1", GATEWAY_LOG_LEVEL: "warn", ...options.env },
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let output = "";
  const decoder = new TextDecoder();
  let resolveUrl: (url: string) => void;
  const urlPromise = new Promise<string>((resolve) => (resolveUrl = resolve));
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) {
      output += decoder.decode(chunk, { stream: true });
      const match = /listening on (https?:\/\/\S+)[\s\S]*API reference:.*\n/.exec(output);
      if (match) resolveUrl(match[1] as string);
    }
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  const status = child.status;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const url = await Promise.race([
    urlPromise,
    status.then((s) => {
      throw new Error(`gateway exited with ${s.code} before listening:\n${output}`);
    }),
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`gateway did not start in time:\n${output}`)),
        options.timeoutMs ?? 20_000,
      );
    }),
  ]).finally(() => clearTimeout(timer));
  return {
    url,
    configPath,
    child,
    output: () => output,
    stop: async (signal: Deno.Signal = "SIGTERM") => {
      try {
        child.kill(signal);
      } catch {
        // already exited
      }
      const killer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch {
          // already exited
        }
      }, 15_000);
      const { code } = await status;
      clearTimeout(killer);
      await pumps;
      // The config file this call wrote goes with the gateway (stop may be called again).
      if (configPath !== undefined) {
        try {
          Deno.removeSync(configPath);
        } catch {
          // already removed
        }
      }
      return code;
    },
  };
}

/** POSTs JSON and returns the response. */
export function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

/** Reads an SSE response into its data payloads (raw strings). */
export async function sseData(response: Response): Promise<string[]> {
  const text = await response.text();
  return text.split("\n\n").filter((block) => block.startsWith("data: ")).map((block) =>
    block.slice(6)
  );
}
