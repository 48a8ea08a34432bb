/**
 * A SQLite connection on a worker thread, for the usage store's batch writes: a write (and the
 * WAL checkpoint that follows some of them, a copy of megabytes and an fsync) then holds up no
 * request on the event loop (bench/README.md, "The usage store's writer thread"). Requests run in
 * the order they were sent, so a `get` sent after a `write` sees it.
 *
 * The worker's module is found beside this one; in the Bun binary it is an entry point of its own
 * (scripts/compile.ts) at a fixed path inside the binary, in a `deno compile` binary an included
 * file (scripts/release.ts).
 */
import type { SqlRow } from "./sqlite.ts";

/** Parameters of a batch's statements: what JSON carries unchanged. */
export type JsonSqlValue = string | number | null;

/** Statements run in one transaction: each SQL text with its parameters. */
export type SqlBatch = readonly (readonly [sql: string, params: readonly JsonSqlValue[]])[];

export type WriterRequest =
  | { id: number; op: "open"; path: string }
  | { id: number; op: "write"; batch: SqlBatch }
  | { id: number; op: "get"; sql: string; params: JsonSqlValue[] }
  | { id: number; op: "close" };

export type WriterReply =
  | { id: number; ok: true; row?: SqlRow | null }
  | { id: number; ok: false; error: string };

/** Where the worker's module is in the Bun binary (its path relative to the repository root). */
const COMPILED_WORKER = "/$bunfs/root/src/runtime/sqlite_writer_worker.js";

function workerUrl(): string {
  const main = (globalThis as { Bun?: { main: string } }).Bun?.main;
  return main?.startsWith("/$bunfs/")
    ? COMPILED_WORKER
    : new URL("./sqlite_writer_worker.ts", import.meta.url).href;
}

interface Pending {
  resolve: (reply: WriterReply) => void;
  reject: (error: Error) => void;
}

export class SqliteWriter {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #nextId = 0;
  /** Why the thread is gone (it failed, or was closed); then every request is refused. */
  #gone: Error | undefined;

  private constructor(worker: Worker) {
    this.#worker = worker;
    worker.onmessage = (event: MessageEvent<string>) => {
      const reply = JSON.parse(event.data) as WriterReply;
      const pending = this.#pending.get(reply.id);
      this.#pending.delete(reply.id);
      pending?.resolve(reply);
    };
    worker.onerror = (event: ErrorEvent) => {
      event.preventDefault?.();
      this.#fail(new Error(`the SQLite writer thread failed: ${event.message}`));
    };
  }

  /**
   * Starts the thread and opens `path` there (the caller has created the file and its schema).
   * Rejects when the thread cannot start or open it within `timeoutMs`.
   */
  static async start(path: string, timeoutMs = 10_000, url = workerUrl()): Promise<SqliteWriter> {
    // `smol`: Bun gives the thread a small heap (Deno ignores it).
    const options = { type: "module", smol: true } as WorkerOptions;
    const writer = new SqliteWriter(new Worker(url, options));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the SQLite writer thread did not start in ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      await Promise.race([writer.#send({ id: 0, op: "open", path }), late]);
      return writer;
    } catch (error) {
      writer.#fail(error as Error);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Whether the thread takes requests (it has not failed nor been closed). */
  get alive(): boolean {
    return this.#gone === undefined;
  }

  /** Runs the statements in one transaction; settles once committed (rejects if rolled back). */
  async write(batch: SqlBatch): Promise<void> {
    await this.#send({ id: 0, op: "write", batch });
  }

  /** The first row of a query, run after everything sent before it. */
  async get(sql: string, params: JsonSqlValue[]): Promise<SqlRow | undefined> {
    const reply = await this.#send({ id: 0, op: "get", sql, params });
    return reply.row ?? undefined;
  }

  /** Finishes what was sent, closes the connection and ends the thread. */
  async close(): Promise<void> {
    if (this.#gone !== undefined) return;
    try {
      await this.#send({ id: 0, op: "close" });
    } catch {
      // It failed meanwhile: nothing left to close.
    }
    this.#fail(new Error("the SQLite writer thread is closed"));
  }

  #send(request: WriterRequest): Promise<WriterReply & { ok: true }> {
    if (this.#gone !== undefined) return Promise.reject(this.#gone);
    const id = ++this.#nextId;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, {
        resolve: (reply) => reply.ok ? resolve(reply) : reject(new Error(reply.error)),
        reject,
      });
      this.#worker.postMessage(JSON.stringify({ ...request, id }));
    });
  }

  /** Ends the thread; what is still waiting is refused with `error`. */
  #fail(error: Error): void {
    this.#gone ??= error;
    this.#worker.terminate();
    for (const pending of this.#pending.values()) pending.reject(this.#gone);
    this.#pending.clear();
  }
}
