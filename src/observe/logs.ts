/**
 * The one logger: structured lines on stderr (JSON or human text), secrets redacted.
 * Every module logs through it; nothing else writes logs.
 */
import process from "node:process";
import { writeSync } from "node:fs";
import { setImmediate } from "node:timers";
import { Redactor } from "./redact.ts";

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFormat = "json" | "text";

const encoder = new TextEncoder();

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const LEVEL_TEXT: Record<LogLevel, string> = {
  debug: "DEBUG",
  info: "INFO ",
  warn: "WARN ",
  error: "ERROR",
};

export type LogFields = Record<string, unknown>;

export interface LoggerOptions {
  level?: LogLevel;
  format?: LogFormat;
  /** Where lines go; stderr by default. */
  write?: (line: string) => void;
}

/**
 * Lines bound for stderr. The first line of a turn of the event loop is written at once; the
 * lines that follow it in the same turn (requests ending together under load) go out together
 * when the turn ends: one write for many (bench/README.md, "The access log"). A batch is also
 * written past 64 KiB, and before the process exits.
 */
class StderrLines {
  static readonly #all = new Set<StderrLines>();
  #pending = "";
  /** A line was written in this turn: the next ones wait for its end. */
  #turnOpen = false;

  static {
    process.on("exit", () => {
      for (const lines of StderrLines.#all) lines.flush();
    });
  }

  constructor() {
    StderrLines.#all.add(this);
  }

  write(line: string): void {
    if (!this.#turnOpen) {
      this.#turnOpen = true;
      setImmediate(this.#endTurn);
      this.#out(line + "\n");
      return;
    }
    this.#pending += line + "\n";
    if (this.#pending.length > 65_536) this.flush();
  }

  readonly #endTurn = (): void => {
    this.#turnOpen = false;
    this.flush();
  };

  flush(): void {
    if (this.#pending === "") return;
    const text = this.#pending;
    this.#pending = "";
    this.#out(text);
  }

  /** The stream's writes are queued: once one is used, every later write goes through it too. */
  #queued = false;

  /**
   * Writes `text` to fd 2 with one plain system call: the runtimes' `process.stderr` stream costs
   * several microseconds more per write under load (bench/README.md, "The access log"). A stderr
   * that would block (a full non-blocking pipe) gets the rest through the stream, as do all later
   * lines, so their order holds.
   */
  #out(text: string): void {
    if (this.#queued) {
      process.stderr.write(text);
      return;
    }
    const bytes = encoder.encode(text);
    let done = 0;
    try {
      while (done < bytes.length) done += writeSync(2, bytes, done);
    } catch {
      // EAGAIN and the like: the rest (never what was written already) through the stream.
      this.#queued = true;
      process.stderr.write(bytes.subarray(done));
    }
  }
}

export class Logger {
  #level: number;
  #format: LogFormat;
  #write: (line: string) => void;
  #redactor: Redactor = new Redactor();
  #secrets = new Set<string>();
  /** The last line's time, reused while the clock reads the same millisecond. */
  #timeMs = 0;
  #time = "";

  constructor(options: LoggerOptions = {}) {
    this.#level = RANK[options.level ?? "info"];
    this.#format = options.format ?? "text";
    if (options.write) this.#write = options.write;
    else {
      const lines = new StderrLines();
      this.#write = (line) => lines.write(line);
    }
  }

  /** Replaces the secrets to redact (on config load and reload). */
  setSecrets(secrets: Iterable<string>): void {
    this.#secrets = new Set(secrets);
    this.#redactor = new Redactor(this.#secrets);
  }

  /** Adds one secret (obtained at run time) to those already redacted. */
  addSecret(secret: string): void {
    if (secret.length < 4 || this.#secrets.has(secret)) return;
    this.#secrets.add(secret);
    this.#redactor = new Redactor(this.#secrets);
  }

  get redactor(): Redactor {
    return this.#redactor;
  }

  enabled(level: LogLevel): boolean {
    return RANK[level] >= this.#level;
  }

  debug(message: string, fields?: LogFields): void {
    this.#log("debug", message, fields);
  }
  info(message: string, fields?: LogFields): void {
    this.#log("info", message, fields);
  }
  warn(message: string, fields?: LogFields): void {
    this.#log("warn", message, fields);
  }
  error(message: string, fields?: LogFields): void {
    this.#log("error", message, fields);
  }

  #log(level: LogLevel, message: string, fields: LogFields = {}): void {
    if (RANK[level] < this.#level) return;
    const now = Date.now();
    if (now !== this.#timeMs) {
      this.#timeMs = now;
      this.#time = new Date(now).toISOString();
    }
    const time = this.#time;
    let line: string;
    if (this.#format === "json") {
      line = JSON.stringify({ time, level, msg: message, ...fields });
    } else {
      line = `${time} ${LEVEL_TEXT[level]} ${message}`;
      for (const key in fields) {
        const value = fields[key];
        if (value === undefined) continue;
        // A finite number or a string without spaces as it is; anything else as JSON.
        line += typeof value === "number" && Number.isFinite(value)
          ? ` ${key}=${value}`
          : typeof value === "string" && !/\s/.test(value)
          ? ` ${key}=${value}`
          : ` ${key}=${JSON.stringify(value)}`;
      }
    }
    this.#write(this.#redactor.redact(line));
  }
}

/** A logger that drops everything (tests, one-shot commands). */
export function silentLogger(): Logger {
  return new Logger({ level: "error", write: () => {} });
}
