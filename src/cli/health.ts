/**
 * `gateway health`: asks a running gateway whether it is serving (GET /health). It is the probe
 * a container runs (a distroless image has no curl): one line, exit 0 or 1.
 */
import { numberOption, parse } from "./args.ts";
import { print, printError } from "./output.ts";
import { gatewayUrl } from "./client.ts";

export const HEALTH_HELP = `Usage: gateway health [--url U] [--timeout S]

Asks a running gateway whether it is serving: GET <url>/health. Prints 'ok' when it answers
200 {"status": "OK"}; otherwise one line saying why not. Docker's HEALTHCHECK runs it.

Options:
  --url U            the gateway (default $GATEWAY_URL or http://127.0.0.1:5000)
  --timeout S        seconds to wait for the answer (default 5)

Exit codes: 0 when healthy, 1 when the gateway cannot be reached, does not answer in time or
answers anything but a healthy 200.`;

const DEFAULT_TIMEOUT_SECONDS = 5;
/** The gateway's answer is a few bytes; anything longer is not it. */
const MAX_ANSWER_BYTES = 4096;

/** Reads a body as text, failing once it is longer than `max` bytes. */
async function readBounded(response: Response, max: number): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (response.body) {
    for await (const chunk of response.body) {
      size += chunk.byteLength;
      if (size > max) throw new Error(`longer than ${max} bytes`);
      chunks.push(chunk);
    }
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.byteLength;
  }
  return new TextDecoder().decode(all);
}

/** Why a fetch failed, in a few words (runtimes put the system error in the cause or a code). */
function reason(error: unknown): string {
  const e = error as { code?: unknown; message?: unknown; cause?: unknown };
  const cause = e.cause as { code?: unknown; message?: unknown } | undefined;
  const code = [cause?.code, e.code].find((c): c is string => typeof c === "string");
  const messages = [cause?.message, e.message].filter((m): m is string => typeof m === "string");
  if (
    code === "ECONNREFUSED" || code === "ConnectionRefused" ||
    messages.some((m) => /connection refused/i.test(m))
  ) return "connection refused";
  const message = messages[0] ?? String(error);
  return code === undefined || message.includes(code) ? message : `${code}: ${message}`;
}

/** Checks the gateway's /health once; a failure is one line on stderr and exit code 1. */
export async function healthCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    url: { type: "string" },
    timeout: { type: "string" },
  }, { min: 0, max: 0 });
  const seconds = numberOption("timeout", values.timeout, (n) => n > 0 && n <= 3600) ??
    DEFAULT_TIMEOUT_SECONDS;
  const target = `${gatewayUrl(values.url)}/health`;
  const fail = (why: string): number => {
    printError(`gateway health: ${target}: ${why}`);
    return 1;
  };
  const signal = AbortSignal.timeout(seconds * 1000);
  let response: Response;
  try {
    response = await fetch(target, { signal, redirect: "manual" });
  } catch (error) {
    if (signal.aborted) return fail(`no answer within ${seconds} s`);
    return fail(`cannot connect (${reason(error)})`);
  }
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => {});
    const text = response.statusText ? ` ${response.statusText}` : "";
    return fail(`unhealthy: HTTP ${response.status}${text}`);
  }
  let body: unknown;
  try {
    body = JSON.parse(await readBounded(response, MAX_ANSWER_BYTES));
  } catch (error) {
    if (signal.aborted) return fail(`no complete answer within ${seconds} s`);
    return fail(`answered 200 but not as a gateway does (${reason(error)})`);
  }
  if ((body as { status?: unknown } | null)?.status !== "OK") {
    return fail(`answered 200 but not {"status": "OK"}: ${JSON.stringify(body).slice(0, 200)}`);
  }
  print("ok");
  return 0;
}
