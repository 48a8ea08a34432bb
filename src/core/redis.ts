/**
 * A small Redis client (RESP2 over node:net/tls): enough for atomic counters and Lua scripts.
 * It reconnects by itself with backoff; while disconnected, commands fail at once so callers
 * can fail open instead of waiting.
 */
import { connect as netConnect, isIP, type Socket } from "node:net";
import { nodeCrypto } from "./node_crypto.ts";
import { Buffer } from "node:buffer";
import process from "node:process";

export type RespValue = string | number | null | RespValue[];

export class RedisError extends Error {}

interface Pending {
  resolve: (value: RespValue) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

export interface RedisOptions {
  commandTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Called when the connection state changes (for logs and /health/details). */
  onStateChange?: (connected: boolean, error?: string) => void;
}

/** Encodes a command as a RESP array of bulk strings. */
export function encodeCommand(args: readonly (string | number)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const value = Buffer.from(String(arg));
    parts.push(Buffer.from(`$${value.length}\r\n`), value, Buffer.from("\r\n"));
  }
  return Buffer.concat(parts);
}

/** Parses one reply from `buffer` at `offset`; undefined when the reply is not complete yet. */
export function parseReply(
  buffer: Buffer,
  offset = 0,
): { value: RespValue | RedisError; next: number } | undefined {
  const lineEnd = buffer.indexOf("\r\n", offset);
  if (lineEnd === -1) return undefined;
  const type = String.fromCharCode(buffer[offset] ?? 0);
  const line = buffer.toString("utf8", offset + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case "+":
      return { value: line, next };
    case "-":
      return { value: new RedisError(line), next };
    case ":":
      return { value: Number(line), next };
    case "$": {
      const length = Number(line);
      if (length < 0) return { value: null, next };
      if (buffer.length < next + length + 2) return undefined;
      return { value: buffer.toString("utf8", next, next + length), next: next + length + 2 };
    }
    case "*": {
      const count = Number(line);
      if (count < 0) return { value: null, next };
      const items: RespValue[] = [];
      let at = next;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buffer, at);
        if (!item) return undefined;
        if (item.value instanceof RedisError) return { value: item.value, next: item.next };
        items.push(item.value);
        at = item.next;
      }
      return { value: items, next: at };
    }
    default:
      throw new RedisError(`unexpected reply type '${type}'`);
  }
}

/** A Redis connection that keeps itself connected. */
export class RedisClient {
  readonly #url: URL;
  readonly #options:
    & Required<Omit<RedisOptions, "onStateChange">>
    & Pick<RedisOptions, "onStateChange">;
  #socket: Socket | undefined;
  #ready = false;
  #closed = false;
  #buffer: Buffer = Buffer.alloc(0);
  #pending: Pending[] = [];
  #retryMs = 100;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  #scripts = new Map<string, string>();
  lastError: string | undefined;

  constructor(url: string, options: RedisOptions = {}) {
    this.#url = new URL(url);
    if (this.#url.protocol !== "redis:" && this.#url.protocol !== "rediss:") {
      throw new RedisError(
        `redis_url must start with redis:// or rediss://, got '${this.#url.protocol}'`,
      );
    }
    this.#options = { commandTimeoutMs: 500, connectTimeoutMs: 1000, ...options };
    this.#connect();
  }

  get connected(): boolean {
    return this.#ready;
  }

  #setState(ready: boolean, error?: string): void {
    const changed = ready !== this.#ready;
    this.#ready = ready;
    if (error !== undefined) this.lastError = error;
    if (changed) this.#options.onStateChange?.(ready, error);
  }

  #connect(): void {
    if (this.#closed) return;
    const port = Number(this.#url.port || 6379);
    const host = this.#url.hostname.replace(/^\[|\]$/g, "") || "127.0.0.1";
    const socket = this.#url.protocol === "rediss:"
      // node:tls loads only for a rediss: URL. SNI names a host, never an address (RFC 6066;
      // Deno refuses an IP there).
      ? process.getBuiltinModule("node:tls").connect({
        host,
        port,
        ...(isIP(host) === 0 ? { servername: host } : {}),
      })
      : netConnect({ host, port });
    this.#socket = socket;
    socket.setNoDelay(true);
    const connectTimer = setTimeout(
      () => socket.destroy(new Error("connect timeout")),
      this.#options.connectTimeoutMs,
    );
    socket.once(this.#url.protocol === "rediss:" ? "secureConnect" : "connect", () => {
      clearTimeout(connectTimer);
      this.#handshake().then(
        () => {
          this.#retryMs = 100;
          this.#setState(true);
        },
        (error) => socket.destroy(error),
      );
    });
    socket.on("data", (data: Buffer) => this.#onData(data));
    socket.on("error", (error: Error) => {
      this.lastError = error.message;
    });
    socket.on("close", () => {
      clearTimeout(connectTimer);
      if (this.#socket !== socket) return;
      this.#socket = undefined;
      this.#buffer = Buffer.alloc(0);
      this.#setState(false, this.lastError ?? "connection closed");
      for (const pending of this.#pending.splice(0)) {
        clearTimeout(pending.timer);
        pending.reject(new RedisError(`redis connection lost: ${this.lastError ?? "closed"}`));
      }
      if (!this.#closed) {
        this.#reconnectTimer = setTimeout(() => this.#connect(), this.#retryMs);
        this.#retryMs = Math.min(this.#retryMs * 2, 5000);
      }
    });
  }

  async #handshake(): Promise<void> {
    const password = decodeURIComponent(this.#url.password);
    const username = decodeURIComponent(this.#url.username);
    if (password) await this.#send(username ? ["AUTH", username, password] : ["AUTH", password]);
    const db = this.#url.pathname.replace(/^\//, "");
    if (db !== "" && db !== "0") await this.#send(["SELECT", db]);
    await this.#send(["PING"]);
  }

  #onData(data: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? data : Buffer.concat([this.#buffer, data]);
    let offset = 0;
    for (;;) {
      let reply;
      try {
        reply = parseReply(this.#buffer, offset);
      } catch (error) {
        this.#socket?.destroy(error as Error);
        return;
      }
      if (!reply) break;
      offset = reply.next;
      const pending = this.#pending.shift();
      if (!pending) continue;
      clearTimeout(pending.timer);
      if (reply.value instanceof RedisError) pending.reject(reply.value);
      else pending.resolve(reply.value);
    }
    this.#buffer = offset >= this.#buffer.length ? Buffer.alloc(0) : this.#buffer.subarray(offset);
  }

  #send(args: readonly (string | number)[]): Promise<RespValue> {
    const socket = this.#socket;
    if (!socket) return Promise.reject(new RedisError("redis is not connected"));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const index = this.#pending.findIndex((p) => p.timer === timer);
        // A reply that never comes would misalign the queue: drop the connection instead.
        if (index !== -1) {
          socket.destroy(
            new Error(`redis command timed out after ${this.#options.commandTimeoutMs}ms`),
          );
        }
      }, this.#options.commandTimeoutMs);
      this.#pending.push({ resolve, reject, timer });
      socket.write(encodeCommand(args));
    });
  }

  /** Runs one command; rejects at once while disconnected. */
  command(args: readonly (string | number)[]): Promise<RespValue> {
    if (!this.#ready) {
      return Promise.reject(
        new RedisError(`redis is not connected${this.lastError ? ` (${this.lastError})` : ""}`),
      );
    }
    return this.#send(args);
  }

  /** Runs a Lua script by its SHA, loading it on first use (or after a Redis restart). */
  async eval(
    script: string,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<RespValue> {
    let sha = this.#scripts.get(script);
    if (!sha) {
      sha = nodeCrypto().createHash("sha1").update(script).digest("hex");
      this.#scripts.set(script, sha);
    }
    try {
      return await this.command(["EVALSHA", sha, keys.length, ...keys, ...args]);
    } catch (error) {
      if (!(error instanceof RedisError) || !error.message.startsWith("NOSCRIPT")) throw error;
      return await this.command(["EVAL", script, keys.length, ...keys, ...args]);
    }
  }

  /** Closes the connection for good. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#reconnectTimer);
    this.#socket?.destroy();
    this.#socket = undefined;
    this.#setState(false);
  }
}
