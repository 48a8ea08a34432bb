/**
 * Imported first by the entry point, so that it runs before the rest of the program loads: on
 * Bun, `gateway start` re-executes itself (execve: same PID, same arguments) with
 * `BUN_JSC_forceRAMSize` set, because JSC reads that option only when the runtime starts.
 *
 * Why: JSC paces its garbage collector by the RAM it detects. Above 8 GiB it lets ~16 MiB or
 * more of garbage pile up between collections instead of 8 MiB, which for a server whose live
 * heap is a few MiB only inflates RSS. Measured on a 23.5 GiB machine under c=64 chat load:
 * 112–120 MiB without the hint, 88–91 MiB with it, at the same CPU per chat request; requests
 * with 200 KB bodies cost ~10% more CPU (more collections). In a container with a memory limit
 * below the machine's RAM, the hint is that limit, so the collector works to stay inside it. Done
 * this early, the restart costs only the runtime's own start.
 */
import process from "node:process";
import { readFileSync } from "node:fs";
import { totalmem } from "node:os";
import { args, runtimeName, selfCommand } from "./mod.ts";

/** The most RAM JSC is told about when it runs the server: 4 GiB. */
export const SERVER_RAM_HINT_BYTES = 4 * 1024 ** 3;

type Execve = (file: string, args: string[], env: Record<string, string | undefined>) => never;

/** A cgroup memory limit file's value in bytes; undefined for "max" or anything unreadable. */
export function parseCgroupLimit(text: string): number | undefined {
  const value = text.trim();
  if (!/^\d+$/.test(value)) return undefined;
  const bytes = Number(value);
  // cgroup v1 writes "no limit" as a number near 2^63.
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : undefined;
}

/**
 * The files that may hold this process's memory limit, most specific first: its own cgroup's
 * (v2 `memory.max`, v1 `memory.limit_in_bytes`, from `/proc/self/cgroup`), then the mount roots
 * (what a container sees as its own cgroup).
 */
export function cgroupLimitFiles(procSelfCgroup: string): string[] {
  const files: string[] = [];
  const unified = /^0::(\/.*)$/m.exec(procSelfCgroup)?.[1];
  if (unified !== undefined && unified !== "/") files.push(`/sys/fs/cgroup${unified}/memory.max`);
  const v1 = /^\d+:(?:[^:\n]*,)?memory(?:,[^:\n]*)?:(\/.*)$/m.exec(procSelfCgroup)?.[1];
  if (v1 !== undefined && v1 !== "/") {
    files.push(`/sys/fs/cgroup/memory${v1}/memory.limit_in_bytes`);
  }
  files.push("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes");
  return files;
}

/** The memory limit of this process's cgroup, if it has one. */
function cgroupMemoryLimit(): number | undefined {
  const read = (path: string) => {
    try {
      return readFileSync(path, "utf8");
    } catch {
      return undefined; // not Linux, no such controller, or not readable
    }
  };
  for (const file of cgroupLimitFiles(read("/proc/self/cgroup") ?? "")) {
    const text = read(file);
    if (text !== undefined) return parseCgroupLimit(text);
  }
  return undefined;
}

/**
 * The RAM size to restart with, or undefined to leave the process as it is: only for
 * `gateway start` (not its help) on Bun, when the user has not set the option, and when the hint
 * (4 GiB, or a lower memory limit) is below what JSC would see anyway (the machine's RAM).
 */
export function serverRamHint(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  machineBytes: number,
  limitBytes: number | undefined,
  runtime: string,
): number | undefined {
  if (runtime !== "bun" || argv[0] !== "start") return undefined;
  if (argv.includes("--help") || argv.includes("-h")) return undefined;
  if (env.BUN_JSC_forceRAMSize !== undefined) return undefined;
  const hint = Math.min(SERVER_RAM_HINT_BYTES, limitBytes ?? Infinity);
  return hint < machineBytes ? hint : undefined;
}

/**
 * Whether the runtime runs under a profiler or inspector (`bun --cpu-prof`, `--inspect`): then
 * there is no restart, because the sampling profiler interrupts the main thread with a signal,
 * and one that arrives across the exec kills the new process (seen: 3 starts in 40).
 */
export function profiled(runtimeFlags: readonly string[]): boolean {
  return runtimeFlags.some((flag) => /^--(cpu-prof|heap-prof|inspect)/.test(flag));
}

function sizeHeapForServer(): void {
  const argv = args();
  // Cheap checks first: most commands never read the cgroup files.
  if (runtimeName !== "bun" || argv[0] !== "start" || profiled(process.execArgv)) return;
  const hint = serverRamHint(argv, process.env, totalmem(), cgroupMemoryLimit(), runtimeName);
  if (hint === undefined) return;
  // execve does not exist on Windows (and where it is missing the process just stays as it is).
  const execve = (process as { execve?: Execve }).execve;
  if (typeof execve !== "function" || process.platform === "win32") return;
  const self = selfCommand();
  try {
    execve(self.command, [self.command, ...self.args, ...argv], {
      ...process.env,
      BUN_JSC_forceRAMSize: String(hint),
    });
  } catch {
    // Could not re-execute (e.g. the binary is no longer there): serve with the runtime's default.
  }
}

sizeHeapForServer();
