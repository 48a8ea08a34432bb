/**
 * Child processes of the benchmark (mock upstream, bare proxy, gateways): start one and wait for
 * its ready line, read its memory from /proc, stop it. Every child gets a piped stdin that is
 * never written, so the bench's helpers exit by themselves if the orchestrator dies.
 */

/** Every child still running, so an interrupted bench can end them all (see `killAll`). */
const running = new Set<Deno.ChildProcess>();

/** Records a spawned child until it exits. */
export function track(child: Deno.ChildProcess): Deno.ChildProcess {
  running.add(child);
  child.status.finally(() => running.delete(child));
  return child;
}

/** SIGKILLs every tracked child (on SIGINT/SIGTERM of the bench). */
export function killAll(): void {
  for (const child of running) {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
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

/** CPU seconds (user + system, all threads) used so far by `pid`, or undefined. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // Fields after the command name (which may contain spaces) start at field 3.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
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
