/**
 * Deadlines kept by one shared timer instead of a timer per request. Each request needs a few
 * (its body must arrive in time, the upstream must answer in time, the client may leave), and a
 * timer set and cleared for each costs more than the rest of its bookkeeping. The sweep runs
 * every `tickMs` while deadlines are pending, so one fires up to a tick late: fine for limits
 * counted in seconds. Its timer does not keep the process alive (a server does that).
 */
import { clearInterval, setInterval } from "node:timers";

export interface Deadline {
  /**
   * When `expire` runs, in `performance.now()` milliseconds: a monotonic clock, so a jump of the
   * wall clock neither fires deadlines early nor holds them back. `extend` moves it.
   */
  at: number;
  /** Also expires early, on the next sweep, once this signal is aborted (the client left). */
  signal: AbortSignal | undefined;
  /** What runs when it expires: a function, or something to abort (no closure needed). */
  expire: Expiry;
  /** Cancelled or expired: the next sweep drops it. */
  settled: boolean;
}

/** A function to run, or a controller (or timed work) to abort. */
export type Expiry = (() => void) | { abort(): void };

const NOTHING = () => {};

export class Deadlines {
  // A plain list, not a Set: cancelling marks a deadline instead of hashing it out (every request
  // adds and cancels a few, and a Set's add and delete showed in profiles); the sweep compacts it.
  #list: Deadline[] = [];
  #pending = 0;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(readonly tickMs: number) {}

  /**
   * Runs `expire` (or calls its `abort`) about `ms` from now, or soon after `signal` aborts,
   * unless cancelled first.
   */
  add(ms: number, expire: Expiry, signal?: AbortSignal): Deadline {
    const deadline: Deadline = { at: performance.now() + ms, signal, expire, settled: false };
    this.#list.push(deadline);
    this.#pending++;
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.sweep(), this.tickMs);
      this.#timer.unref();
    }
    return deadline;
  }

  /**
   * Moves a pending deadline to `ms` from now: the next phase of the same work gets its own time
   * limit without a second deadline (an upstream's body after its headers).
   */
  extend(deadline: Deadline, ms: number): void {
    if (!deadline.settled) deadline.at = performance.now() + ms;
  }

  cancel(deadline: Deadline): void {
    if (deadline.settled) return;
    deadline.settled = true;
    // Until the sweep drops it, it must not keep what its callback holds (a request, a body).
    deadline.expire = NOTHING;
    deadline.signal = undefined;
    this.#pending--;
  }

  /** How many deadlines are pending (for tests). */
  get size(): number {
    return this.#pending;
  }

  /** Expires what is due; stops the timer once nothing is pending. */
  sweep(now = performance.now()): void {
    const list = this.#list;
    // Compacts in place; deadlines added by an `expire` land after `end` and are kept as well.
    const end = list.length;
    let kept = 0;
    for (let i = 0; i < end; i++) {
      const deadline = list[i] as Deadline;
      if (deadline.settled) continue;
      if (deadline.at <= now || deadline.signal?.aborted) {
        deadline.settled = true;
        this.#pending--;
        const expire = deadline.expire;
        if (typeof expire === "function") expire();
        else expire.abort();
      } else {
        list[kept++] = deadline;
      }
    }
    list.copyWithin(kept, end);
    list.length -= end - kept;
    if (this.#pending === 0 && this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
      list.length = 0;
    }
  }
}

/** The process's deadlines: a 20 ms sweep. */
export const deadlines = new Deadlines(20);

/**
 * Work that cannot be stopped from outside (a body read) under a time limit: `promise` settles
 * as `work` does, or rejects with `onExpire(ms)`'s error if `work` has not settled within `ms`.
 * Whoever awaits `promise` calls `done()` afterwards. Built without closures (it is its own
 * expiry and `work` settles `promise` directly): it runs for every request's body.
 */
export class TimedWork<T> {
  readonly promise: Promise<T>;
  readonly #reject: (error: unknown) => void;
  readonly #ms: number;
  readonly #onExpire: (ms: number) => Error;
  readonly #deadline: Deadline;

  constructor(work: Promise<T>, ms: number, onExpire: (ms: number) => Error) {
    const { promise, resolve, reject } = Promise.withResolvers<T>();
    this.promise = promise;
    this.#reject = reject;
    this.#ms = ms;
    this.#onExpire = onExpire;
    work.then(resolve, reject);
    this.#deadline = deadlines.add(ms, this);
  }

  /** Called by the deadline sweep when the time is up. */
  abort(): void {
    this.#reject(this.#onExpire(this.#ms));
  }

  /** The work is over (settled or given up): its deadline goes. */
  done(): void {
    deadlines.cancel(this.#deadline);
  }
}

/**
 * `work`, or a rejection with `onExpire(ms)`'s error if it has not settled within `ms`.
 * `onExpire` may also stop the work (cancel a body read).
 */
export function withDeadline<T>(
  work: Promise<T>,
  ms: number,
  onExpire: (ms: number) => Error,
): Promise<T> {
  const timed = new TimedWork(work, ms, onExpire);
  const done = () => timed.done();
  timed.promise.then(done, done);
  return timed.promise;
}
