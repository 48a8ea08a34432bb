/**
 * Imported first by the entry point, so that it runs before the rest of the program loads: on
 * Bun, `gateway start` re-executes itself (execve: same PID, same arguments) with
 * `BUN_JSC_forceRAMSize` set, because JSC reads that option only when the runtime starts.
 *
 * Why: JSC lets garbage pile up in proportion to the machine's RAM. Above 8 GiB it collects
 * every ~16 MiB or more allocated instead of every 8 MiB, which for a server whose live heap is a
 * few MiB only inflates RSS. Measured on a 23.5 GiB machine under c=64 chat load: 112–120 MiB
 * without, 88–91 MiB with, at the same CPU per request (bench/README, "Memory"). Done this early,
 * the restart costs only the runtime's own start, not the program's.
 */
import process from "node:process";
import { totalmem } from "node:os";
import { args, runtimeName, selfCommand } from "./mod.ts";

/** The RAM size JSC is told to size its collections by: 4 GiB. */
export const SERVER_RAM_HINT_BYTES = 4 * 1024 ** 3;

type Execve = (file: string, args: string[], env: Record<string, string | undefined>) => never;

/**
 * Whether this process should restart with the hint: Bun, `start` (not its help), the user has
 * not set the option, and the machine has more RAM than the hint.
 */
export function wantsServerHeapSizing(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  ramBytes: number,
  runtime: string,
): boolean {
  return runtime === "bun" && argv[0] === "start" && !argv.includes("--help") &&
    !argv.includes("-h") && env.BUN_JSC_forceRAMSize === undefined &&
    ramBytes > SERVER_RAM_HINT_BYTES;
}

function sizeHeapForServer(): void {
  const argv = args();
  if (!wantsServerHeapSizing(argv, process.env, totalmem(), runtimeName)) return;
  // execve does not exist on Windows (and in runtimes without it the process just stays as it is).
  const execve = (process as { execve?: Execve }).execve;
  if (typeof execve !== "function" || process.platform === "win32") return;
  const self = selfCommand();
  execve(self.command, [self.command, ...self.args, ...argv], {
    ...process.env,
    BUN_JSC_forceRAMSize: String(SERVER_RAM_HINT_BYTES),
  });
}

sizeHeapForServer();
