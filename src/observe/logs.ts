/**
 * The one logger: structured lines on stderr (JSON or human text), secrets redacted.
 * Every module logs through it; nothing else writes logs.
 */
import process from "node:process";
import { Redactor } from "./redact.ts";

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFormat = "json" | "text";

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Record<string, unknown>;

export interface LoggerOptions {
  level?: LogLevel;
  format?: LogFormat;
  /** Where lines go; stderr by default. */
  write?: (line: string) => void;
}

export class Logger {
  #level: number;
  #format: LogFormat;
  #write: (line: string) => void;
  #redactor: Redactor = new Redactor();
  #secrets = new Set<string>();

  constructor(options: LoggerOptions = {}) {
    this.#level = RANK[options.level ?? "info"];
    this.#format = options.format ?? "text";
    this.#write = options.write ?? ((line) => process.stderr.write(line + "\n"));
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
    const time = new Date().toISOString();
    let line: string;
    if (this.#format === "json") {
      line = JSON.stringify({ time, level, msg: message, ...fields });
    } else {
      const extra = Object.entries(fields)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${k}=${typeof v === "string" && !/\s/.test(v) ? v : JSON.stringify(v)}`)
        .join(" ");
      line = `${time} ${level.toUpperCase().padEnd(5)} ${message}${extra ? " " + extra : ""}`;
    }
    this.#write(this.#redactor.redact(line));
  }
}

/** A logger that drops everything (tests, one-shot commands). */
export function silentLogger(): Logger {
  return new Logger({ level: "error", write: () => {} });
}
