/**
 * Rate limits per endpoint: MLflow's `calls` per `renewal_period`, and an optional `tokens`
 * budget per period. Fixed windows. In memory (per process) by default; with Redis every
 * gateway instance shares the counters, updated atomically by a Lua script. When Redis is
 * unreachable requests are served anyway (fail-open) and the outage is logged.
 */
import { type Limit, renewalPeriodSeconds } from "../config/schema.ts";
import type { Logger } from "../observe/logs.ts";
import { RedisClient } from "./redis.ts";
import { GatewayError } from "./errors.ts";

export interface Counter {
  total: number;
  /** Milliseconds until the window ends. */
  resetMs: number;
}

/** Where counters live. */
export interface CounterStore {
  /**
   * Adds `amount` (may be 0 to read) to the counter of `key` for a window of `windowMs`. A store
   * in memory answers at once, a remote one with a promise.
   */
  add(key: string, amount: number, windowMs: number): Counter | Promise<Counter>;
  describe(): { backend: "memory" | "redis"; connected: boolean; error?: string };
  close(): void;
}

/** Counters in this process (exact for one instance; per worker with several). */
export class MemoryStore implements CounterStore {
  #counters = new Map<string, { total: number; expires: number }>();
  #lastSweep = 0;

  constructor(private readonly now: () => number = Date.now) {}

  add(key: string, amount: number, windowMs: number): Counter {
    const now = this.now();
    if (now - this.#lastSweep > 60_000) {
      this.#lastSweep = now;
      for (const [k, v] of this.#counters) if (v.expires <= now) this.#counters.delete(k);
    }
    let counter = this.#counters.get(key);
    if (!counter || counter.expires <= now) {
      counter = { total: 0, expires: now + windowMs };
      this.#counters.set(key, counter);
    }
    counter.total += amount;
    return { total: counter.total, resetMs: counter.expires - now };
  }

  describe() {
    return { backend: "memory" as const, connected: true };
  }

  close(): void {}
}

// INCRBY and set the expiry on first use, atomically; returns the total and the ms left.
const ADD_SCRIPT = `
local total = redis.call('INCRBY', KEYS[1], ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2])
end
return {total, ttl}
`;

/** Counters in Redis, shared by every gateway that uses the same server. */
export class RedisStore implements CounterStore {
  readonly client: RedisClient;

  constructor(readonly url: string, logger: Logger) {
    this.client = new RedisClient(url, {
      onStateChange: (connected, error) => {
        if (connected) logger.info("redis connected", { redis: redactUrl(url) });
        else {logger.warn("redis unavailable: rate limits fail open until it is back", {
            redis: redactUrl(url),
            error,
          });}
      },
    });
  }

  async add(key: string, amount: number, windowMs: number): Promise<Counter> {
    const reply = await this.client.eval(ADD_SCRIPT, [key], [amount, windowMs]);
    const [total, ttl] = Array.isArray(reply) ? reply : [0, windowMs];
    return { total: Number(total), resetMs: Number(ttl) };
  }

  describe() {
    const status: { backend: "redis"; connected: boolean; error?: string } = {
      backend: "redis",
      connected: this.client.connected,
    };
    if (!this.client.connected && this.client.lastError) status.error = this.client.lastError;
    return status;
  }

  close(): void {
    this.client.close();
  }
}

/** A Redis URL without its password, for logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "<invalid url>";
  }
}

/** The state of one limit after a request was counted, for x-ratelimit-* headers. */
export interface LimitStatus {
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  reset: number;
}

/** How much of a limit its current window has used. */
export interface LimitUsage {
  calls: number | null;
  tokens: number | null;
  reset_seconds: number;
}

/** The headers a limit status gives a response, added to `headers` (a new object by default). */
export function limitHeaders(
  status: LimitStatus,
  headers: Record<string, string> = {},
): Record<string, string> {
  headers["x-ratelimit-limit"] = String(status.limit);
  headers["x-ratelimit-remaining"] = String(status.remaining);
  headers["x-ratelimit-reset"] = String(status.reset);
  return headers;
}

/** What is left of `allowed` after a counter's total, and when its window resets. */
function limitStatus(allowed: number, counter: Counter): LimitStatus {
  return {
    limit: allowed,
    remaining: Math.max(0, allowed - counter.total),
    reset: Math.ceil(counter.resetMs / 1000),
  };
}

/** Each limit's window in milliseconds, parsed once per loaded config rather than per call. */
const WINDOWS = new WeakMap<Limit, number>();

function windowMsOf(limit: Limit): number {
  let windowMs = WINDOWS.get(limit);
  if (windowMs === undefined) {
    windowMs = renewalPeriodSeconds(limit.renewal_period) * 1000;
    WINDOWS.set(limit, windowMs);
  }
  return windowMs;
}

export interface LimitSubject {
  endpoint: string;
  limit: Limit;
  /** The client's address, used when `limit.key` is `client_ip`. */
  client: string;
  /** What the limit belongs to, in its 429's message (`endpoint 'NAME'` when unset). */
  label?: string;
}

/** What `take` gives: the status at once, or a promise of it from a remote store. */
export type Taken = LimitStatus | undefined | Promise<LimitStatus | undefined>;

/** Applies endpoint limits through a counter store. */
export class RateLimiter {
  #warnedAt = 0;
  /** The current key of each limit counted for everyone (not per client), by kind. */
  #keys = new WeakMap<
    Limit,
    Partial<Record<"calls" | "tokens", { endpoint: string; window: number; key: string }>>
  >();

  constructor(
    readonly store: CounterStore,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  #key(subject: LimitSubject, kind: "calls" | "tokens", windowMs: number): string {
    const window = Math.floor(this.now() / windowMs);
    if (subject.limit.key === "client_ip") {
      return `gateway:limit:${subject.endpoint}:${kind}:ip:${subject.client}:${window}`;
    }
    // One limit, one counter per window: the same key string until the window turns (building
    // and hashing a new one per call showed in profiles).
    let keys = this.#keys.get(subject.limit);
    if (keys === undefined) {
      keys = {};
      this.#keys.set(subject.limit, keys);
    }
    const cached = keys[kind];
    if (cached?.window === window && cached.endpoint === subject.endpoint) return cached.key;
    const key = `gateway:limit:${subject.endpoint}:${kind}:all:${window}`;
    keys[kind] = { endpoint: subject.endpoint, window, key };
    return key;
  }

  #failOpen(error: unknown): undefined {
    if (this.now() - this.#warnedAt > 10_000) {
      this.#warnedAt = this.now();
      this.logger.warn("rate limit store failed; serving the request anyway", {
        error: (error as Error).message,
      });
    }
    return undefined;
  }

  /**
   * Counts one call against the endpoint's limits. Returns the status for response headers,
   * or throws a 429 (with Retry-After and x-ratelimit-* headers) when a limit is used up. With
   * counters in memory it answers at once, without a promise to wait for.
   */
  take(subject: LimitSubject): Taken {
    const windowMs = windowMsOf(subject.limit);
    try {
      if (subject.limit.tokens === undefined) return this.#countCall(subject, windowMs, undefined);
      const used = this.store.add(this.#key(subject, "tokens", windowMs), 0, windowMs);
      if (used instanceof Promise) return this.#takeLater(used, subject, windowMs);
      return this.#countCall(subject, windowMs, this.#checkTokens(subject, used));
    } catch (error) {
      return this.#storeFailed(error);
    }
  }

  // The callbacks for a remote store live in their own methods: a function that creates closures
  // makes the runtime allocate its scope on every call, even when the store answers at once.

  #takeLater(
    used: Promise<Counter>,
    subject: LimitSubject,
    windowMs: number,
  ): Promise<LimitStatus | undefined> {
    return used
      .then((counter) => this.#countCall(subject, windowMs, this.#checkTokens(subject, counter)))
      .catch((error) => this.#storeFailed(error));
  }

  /** Counts the call when the limit counts calls; `tokens` is the token budget's status, if any. */
  #countCall(subject: LimitSubject, windowMs: number, tokens: LimitStatus | undefined): Taken {
    if (subject.limit.calls === undefined) return tokens;
    const calls = this.store.add(this.#key(subject, "calls", windowMs), 1, windowMs);
    if (calls instanceof Promise) return this.#countLater(calls, subject);
    return this.#checkCalls(subject, calls);
  }

  #countLater(calls: Promise<Counter>, subject: LimitSubject): Promise<LimitStatus | undefined> {
    return calls
      .then((counter) => this.#checkCalls(subject, counter))
      .catch((error) => this.#storeFailed(error));
  }

  /** The token budget's status; a 429 once the tokens spent reach it. */
  #checkTokens(subject: LimitSubject, used: Counter): LimitStatus {
    const status = limitStatus(subject.limit.tokens as number, used);
    if (used.total >= status.limit) throw this.#limited(subject, "tokens", status);
    return status;
  }

  /** The calls' status, this call counted; a 429 once it is one too many. */
  #checkCalls(subject: LimitSubject, calls: Counter): LimitStatus {
    const status = limitStatus(subject.limit.calls as number, calls);
    if (calls.total > status.limit) throw this.#limited(subject, "calls", status);
    return status;
  }

  /** A 429 goes to the client; a failing store lets the request through. */
  #storeFailed(error: unknown): undefined {
    if (error instanceof GatewayError) throw error;
    return this.#failOpen(error);
  }

  /**
   * Adds the tokens an answer used to the endpoint's token budget. Returns nothing (rather than
   * a settled promise to wait for) when there is nothing to add or the store answered at once.
   */
  spend(subject: LimitSubject, tokens: number): Promise<void> | undefined {
    if (subject.limit.tokens === undefined || tokens <= 0) return undefined;
    const windowMs = windowMsOf(subject.limit);
    try {
      const added = this.store.add(this.#key(subject, "tokens", windowMs), tokens, windowMs);
      return added instanceof Promise ? this.#spendLater(added) : undefined;
    } catch (error) {
      this.#failOpen(error);
      return undefined;
    }
  }

  #spendLater(added: Promise<Counter>): Promise<void> {
    return added.then(
      () => {},
      (error) => {
        this.#failOpen(error);
      },
    );
  }

  /**
   * What a limit counted for everyone in its current window (reading counts nothing), for the
   * dashboard; a store that fails gives undefined.
   */
  async used(subject: LimitSubject): Promise<LimitUsage | undefined> {
    const windowMs = windowMsOf(subject.limit);
    try {
      const read = async (kind: "calls" | "tokens") =>
        subject.limit[kind] === undefined
          ? undefined
          : await this.store.add(this.#key(subject, kind, windowMs), 0, windowMs);
      const [calls, tokens] = [await read("calls"), await read("tokens")];
      return {
        calls: calls?.total ?? null,
        tokens: tokens?.total ?? null,
        reset_seconds: Math.ceil(((calls ?? tokens)?.resetMs ?? windowMs) / 1000),
      };
    } catch {
      return undefined;
    }
  }

  #limited(subject: LimitSubject, kind: "calls" | "tokens", status: LimitStatus): GatewayError {
    const what = kind === "calls" ? `${status.limit} calls` : `${status.limit} tokens`;
    return new GatewayError(
      429,
      "rate_limit_error",
      `Rate limit exceeded for ${
        subject.label ?? `endpoint '${subject.endpoint}'`
      }: ${what} per ${subject.limit.renewal_period}`,
      {
        code: "rate_limit_exceeded",
        retryable: true,
        retryAfter: Math.max(1, status.reset),
        headers: limitHeaders(status),
      },
    );
  }
}
