/**
 * Child processes of the benchmark (mock upstream, bare proxy, gateways): start one and wait for
 * its ready line, read its memory from /proc, stop it. Every child gets a piped stdin that is
 * never written, so the bench's helpers exit by themselves if the orchestrator dies.
 */

/** Every child still running, so an interrupted bench can end them all (see `killAll`). */
const running = new Set<Deno.ChildProcess>();
/** Process groups started with `ProcessGroup.spawn` and not yet stopped (their leaders' pids). */
const groups = new Set<number>();

/** Records a spawned child until it exits. */
export function track(child: Deno.ChildProcess): Deno.ChildProcess {
  running.add(child);
  child.status.finally(() => running.delete(child));
  return child;
}

/** SIGKILLs every tracked child and every process group still running (on SIGINT/SIGTERM). */
export function killAll(): void {
  for (const child of running) {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
  for (const pgid of groups) signalGroup(pgid, "SIGKILL");
}

function signalGroup(pgid: number, signal: Deno.Signal): void {
  try {
    Deno.kill(-pgid, signal);
  } catch {
    // the group is empty
  }
}

/** A started child process. */
export class Proc {
  readonly #child: Deno.ChildProcess;
  readonly #tail: string[] = [];
  readonly #waiters: { pattern: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  #exited = false;
  readonly status: Promise<Deno.CommandStatus>;

  private constructor(readonly name: string, child: Deno.ChildProcess, stderrPiped: boolean) {
    this.#child = child;
    this.status = child.status.then((status) => {
      this.#exited = true;
      return status;
    });
    this.#drain(child.stdout);
    // (Deno throws on reading a stream that was not piped.)
    if (stderrPiped) this.#drain(child.stderr);
  }

  /** Spawns `command args` and resolves once a line matches `ready` (or rejects on timeout). */
  static async start(
    name: string,
    command: string,
    args: string[],
    options: {
      ready: RegExp;
      env?: Record<string, string>;
      timeoutMs?: number;
      cwd?: string;
      /** "null": its stderr goes to /dev/null (the ready line must then be on stdout). */
      stderr?: "piped" | "null";
    },
  ): Promise<{ proc: Proc; match: RegExpMatchArray }> {
    const child = track(
      new Deno.Command(command, {
        args,
        env: options.env ?? {},
        cwd: options.cwd ?? Deno.cwd(),
        stdin: "piped",
        stdout: "piped",
        stderr: options.stderr ?? "piped",
      }).spawn(),
    );
    const proc = new Proc(name, child, (options.stderr ?? "piped") === "piped");
    const timeoutMs = options.timeoutMs ?? 30_000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const match = await Promise.race([
        proc.waitFor(options.ready),
        proc.status.then((s) => {
          throw new Error(`${name} exited (code ${s.code}) before it was ready:\n${proc.tail()}`);
        }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`${name} not ready after ${timeoutMs} ms:\n${proc.tail()}`)),
            timeoutMs,
          );
        }),
      ]);
      return { proc, match };
    } catch (error) {
      await proc.stop();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  get pid(): number {
    return this.#child.pid;
  }

  /** Resolves with the first later output line matching `pattern`. */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray> {
    return new Promise((resolve) => this.#waiters.push({ pattern, resolve }));
  }

  /** The last lines it printed, for error messages. */
  tail(): string {
    return this.#tail.join("\n");
  }

  async #drain(stream: ReadableStream<Uint8Array>): Promise<void> {
    let pending = "";
    try {
      for await (const text of stream.pipeThrough(new TextDecoderStream())) {
        pending += text;
        const lines = pending.split("\n");
        pending = lines.pop() ?? "";
        for (const line of lines) this.#line(line);
      }
    } catch {
      // the process is gone
    }
    if (pending !== "") this.#line(pending);
  }

  #line(line: string): void {
    this.#tail.push(line);
    if (this.#tail.length > 40) this.#tail.shift();
    for (let i = 0; i < this.#waiters.length; i++) {
      const waiter = this.#waiters[i]!;
      const match = line.match(waiter.pattern);
      if (match) {
        this.#waiters.splice(i--, 1);
        waiter.resolve(match);
      }
    }
  }

  /** Resident memory (VmRSS) in MiB, or undefined once it has exited. */
  rssMiB(): number | undefined {
    return procStatusMiB(this.pid, "VmRSS");
  }

  /** Peak resident memory (VmHWM) in MiB. */
  peakRssMiB(): number | undefined {
    return procStatusMiB(this.pid, "VmHWM");
  }

  /** SIGTERM, then SIGKILL if it is still there after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.#exited) return;
    try {
      this.#child.kill("SIGTERM");
    } catch {
      // already gone
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const killed = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        try {
          this.#child.kill("SIGKILL");
        } catch {
          // already gone
        }
        resolve();
      }, graceMs);
    });
    await Promise.race([this.status, killed]);
    clearTimeout(timer);
    await this.status;
    try {
      await this.#child.stdin.close();
    } catch {
      // already closed
    }
  }
}

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ: 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** The fields of /proc/<pid>/stat the bench reads. */
export interface ProcStat {
  ppid: number;
  pgrp: number;
  /** User + system CPU seconds, all threads. */
  cpu: number;
}

/** Parses a /proc/<pid>/stat line, or undefined when it is not one. */
export function parseStat(stat: string): ProcStat | undefined {
  // Fields after the command name (which may contain spaces and parentheses) start at field 3.
  const close = stat.lastIndexOf(")");
  if (close < 0) return undefined;
  const fields = stat.slice(close + 2).split(" ");
  const [ppid, pgrp, utime, stime] = [fields[1], fields[2], fields[11], fields[12]].map(Number);
  if (![ppid, pgrp, utime, stime].every((n) => Number.isFinite(n))) return undefined;
  return { ppid: ppid!, pgrp: pgrp!, cpu: (utime! + stime!) / TICKS_PER_SECOND };
}

function readStat(pid: number): ProcStat | undefined {
  try {
    return parseStat(Deno.readTextFileSync(`/proc/${pid}/stat`));
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system, all threads) used so far by `pid`, or undefined. */
export function cpuSeconds(pid: number): number | undefined {
  return readStat(pid)?.cpu;
}

/** The pids of every live process in process group `pgid` (from /proc). */
export function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  try {
    for (const entry of Deno.readDirSync("/proc")) {
      const pid = Number(entry.name);
      if (!Number.isInteger(pid)) continue;
      if (readStat(pid)?.pgrp === pgid) members.push(pid);
    }
  } catch {
    // no /proc
  }
  return members.sort((a, b) => a - b);
}

/** Proportional set size (shared pages split among their users) of `pid`, in MiB. */
export function pssMiB(pid: number): number | undefined {
  try {
    return parsePssKiB(Deno.readTextFileSync(`/proc/${pid}/smaps_rollup`)) / 1024;
  } catch {
    return undefined;
  }
}

/** The `Pss:` line of /proc/<pid>/smaps_rollup, in KiB (NaN when absent). */
export function parsePssKiB(rollup: string): number {
  const match = rollup.match(/^Pss:\s+(\d+) kB/m);
  return match ? Number(match[1]) : NaN;
}

/** Memory of a set of processes: VmRSS and PSS summed over them, in MiB. */
export interface Memory {
  processes: number;
  rss: number;
  pss: number;
}

/** RSS and PSS summed over `pids` (the ones still running), or undefined if none is. */
export function memoryOf(pids: number[]): Memory | undefined {
  let rss = 0;
  let pss = 0;
  let processes = 0;
  for (const pid of pids) {
    const r = procStatusMiB(pid, "VmRSS");
    const p = pssMiB(pid);
    if (r === undefined || p === undefined) continue;
    rss += r;
    pss += p;
    processes++;
  }
  return processes === 0 ? undefined : { processes, rss, pss };
}

/**
 * A server started in a process group of its own (`setsid`), with its output appended to a log
 * file: a server of several processes (a supervisor and its workers) is measured and stopped as
 * one. A watcher process, whose stdin the bench holds, ends the group if the bench dies.
 */
export class ProcessGroup {
  readonly #child: Deno.ChildProcess;
  readonly #watcher: Deno.ChildProcess;
  #exited = false;
  readonly status: Promise<Deno.CommandStatus>;

  private constructor(readonly name: string, child: Deno.ChildProcess, readonly log: string) {
    this.#child = child;
    this.status = child.status.then((status) => {
      this.#exited = true;
      return status;
    });
    groups.add(child.pid);
    // `read` returns at EOF: when the bench closes the pipe, or dies.
    this.#watcher = track(
      new Deno.Command("sh", {
        args: ["-c", 'read _; kill -KILL "-$1" 2>/dev/null', "sh", String(child.pid)],
        stdin: "piped",
        stdout: "null",
        stderr: "null",
      }).spawn(),
    );
  }

  /**
   * Spawns `command args` as the leader of a new process group (its pid is the group's id), with
   * stdin from /dev/null and stdout and stderr appended to `log`. Needs `setsid` (util-linux).
   */
  static spawn(
    name: string,
    command: string,
    args: string[],
    options: { env: Record<string, string>; cwd: string; log: string; clearEnv?: boolean },
  ): ProcessGroup {
    const child = track(
      new Deno.Command("setsid", {
        args: [
          "sh",
          "-c",
          'log=$1; shift; exec "$@" </dev/null >>"$log" 2>&1',
          "sh",
          options.log,
          command,
          ...args,
        ],
        env: options.env,
        clearEnv: options.clearEnv ?? false,
        cwd: options.cwd,
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).spawn(),
    );
    return new ProcessGroup(name, child, options.log);
  }

  get pid(): number {
    return this.#child.pid;
  }

  get exited(): boolean {
    return this.#exited;
  }

  /** The group's live processes. */
  members(): number[] {
    return groupMembers(this.pid);
  }

  /** CPU seconds used so far by the group's live processes, or undefined if none is left. */
  cpuSeconds(): number | undefined {
    const cpu = this.members().map(cpuSeconds).filter((c) => c !== undefined);
    return cpu.length === 0 ? undefined : cpu.reduce((a, b) => a + b, 0);
  }

  /** RSS and PSS summed over the group's processes. */
  memory(): Memory | undefined {
    return memoryOf(this.members());
  }

  /** The last lines of its log, for error messages. */
  tail(lines = 20): string {
    try {
      return Deno.readTextFileSync(this.log).trimEnd().split("\n").slice(-lines).join("\n");
    } catch {
      return "";
    }
  }

  /** SIGTERM to the whole group, then SIGKILL to what is left after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    // The watcher goes first, so that it never signals a group id that has been reused.
    try {
      this.#watcher.kill("SIGKILL");
    } catch {
      // already gone
    }
    await this.#watcher.status;
    signalGroup(this.pid, "SIGTERM");
    const deadline = Date.now() + graceMs;
    while (this.members().length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (this.members().length > 0) signalGroup(this.pid, "SIGKILL");
    await this.status;
    groups.delete(this.pid);
  }
}

/** A `Vm*` line of /proc/<pid>/status, in MiB. */
export function procStatusMiB(pid: number, field: "VmRSS" | "VmHWM"): number | undefined {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const match = status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Runs a command to completion and returns its trimmed stdout ('' if it fails). */
export async function output(command: string, args: string[]): Promise<string> {
  try {
    const result = await new Deno.Command(command, { args, stdout: "piped", stderr: "piped" })
      .output();
    return result.success ? new TextDecoder().decode(result.stdout).trim() : "";
  } catch {
    return "";
  }
}

/** A free loopback port (bound then released). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}
