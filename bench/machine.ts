/** What the benchmark ran on: CPU, cores, memory, kernel, runtime and tool versions, commit. */
import { output } from "./procs.ts";

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  /** 1/5/15-minute load averages when the bench started (other work on the machine). */
  loadAverage: number[];
  /** The same when it ended. */
  loadAverageAtEnd?: number[];
  deno: string;
  bun: string | undefined;
  wrk: string | undefined;
  commit: string;
}

function cpuModel(): string {
  try {
    const info = Deno.readTextFileSync("/proc/cpuinfo");
    return info.match(/^model name\s*:\s*(.+)$/m)?.[1]?.trim() ?? "unknown";
  } catch {
    return "unknown";
  }
}

/** Describes this machine; `bun` is the Bun binary the bench would use, if any. */
export async function describeMachine(
  bun: string | undefined,
  wrk: string | undefined,
): Promise<Machine> {
  const commit = await output("git", ["rev-parse", "--short", "HEAD"]);
  const dirty = (await output("git", ["status", "--porcelain", "--", "src", "main.ts"])) !== "";
  return {
    cpu: cpuModel(),
    cores: navigator.hardwareConcurrency,
    memoryGiB: Math.round(Deno.systemMemoryInfo().total / 1024 ** 3 * 10) / 10,
    kernel: `${Deno.build.os} ${Deno.osRelease()} ${Deno.build.arch}`,
    loadAverage: Deno.loadavg().map((n) => Math.round(n * 100) / 100),
    deno: Deno.version.deno,
    bun: bun ? (await output(bun, ["--version"])) || undefined : undefined,
    wrk,
    commit: commit === "" ? "unknown" : `${commit}${dirty ? " (src modified)" : ""}`,
  };
}
