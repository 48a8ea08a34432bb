/**
 * The audit log (opt-in, `server.audit`): one JSON line per API request with its record and,
 * when asked, its request and response bodies (a stream reassembled once it ended). Provider
 * and client keys and the configured patterns are redacted from every string. Lines are buffered
 * and appended off the request path; the file is rotated by size (`path.1` … `path.KEEP`).
 */
import { Buffer } from "node:buffer";
import { appendFileSync, existsSync, renameSync, rmSync, statSync } from "node:fs";
import type { RecordSink, RequestRecord } from "../core/request_record.ts";
import { partsOfChunk, type StreamPart } from "../core/stream_parts.ts";
import type { Logger } from "./logs.ts";
import { REDACTED, type Redactor } from "./redact.ts";
import type { AuditEntry, AuditStore } from "../store/usage_store.ts";

export interface AuditSettings {
  path?: string | undefined;
  store: boolean;
  bodies: boolean;
  redact: readonly string[];
  max_bytes: number;
  keep: number;
}

/** What the audit log keeps of a request beyond its record (set only when bodies are asked). */
export interface AuditBodies {
  request?: unknown;
  response?: unknown;
}

/** A stream's parts folded back into one answer, as far as the audit log needs it. */
export class StreamTranscript {
  readonly #choices = new Map<
    number,
    {
      text: string;
      reasoning: string;
      tools: { id: string; name: string; arguments: string }[];
      finish: string | null;
    }
  >();
  #usage: unknown;
  #id: string | null = null;
  #model: string | undefined;

  add(part: StreamPart): void {
    // A relayed Anthropic event's content arrives as parts beside it.
    if (part.type === "anthropic_event") return;
    if (part.type === "openai_chunk") {
      for (const inner of partsOfChunk(part.chunk)) this.add(inner);
      return;
    }
    if (part.type === "start") {
      this.#id = part.id;
      this.#model = part.model;
      return;
    }
    if (part.type === "usage") {
      this.#usage = part.usage;
      return;
    }
    const index = part.choice ?? 0;
    let choice = this.#choices.get(index);
    if (choice === undefined) {
      choice = { text: "", reasoning: "", tools: [], finish: null };
      this.#choices.set(index, choice);
    }
    if (part.type === "text") choice.text += part.text;
    else if (part.type === "reasoning") choice.reasoning += part.text;
    else if (part.type === "tool_call") {
      choice.tools[part.index] = { id: part.id, name: part.name, arguments: "" };
    } else if (part.type === "tool_arguments") {
      const tool = choice.tools[part.index];
      if (tool !== undefined) tool.arguments += part.arguments;
    } else if (part.type === "finish") choice.finish = part.reason;
  }

  /** The reassembled answer. */
  answer(): Record<string, unknown> {
    return {
      id: this.#id,
      model: this.#model ?? null,
      stream: true,
      choices: [...this.#choices.entries()].sort(([a], [b]) => a - b).map(([index, c]) => ({
        index,
        text: c.text,
        ...(c.reasoning === "" ? {} : { reasoning: c.reasoning }),
        ...(c.tools.length === 0 ? {} : { tool_calls: c.tools.filter(Boolean) }),
        finish_reason: c.finish,
      })),
      usage: this.#usage ?? null,
    };
  }
}

/**
 * Wraps a stream's parts so that the audit log gets the whole answer: what came so far is in
 * `bodies.response` when the stream ends, breaks or is left.
 */
export function transcribed(
  parts: AsyncIterator<StreamPart[]>,
  bodies: AuditBodies,
): AsyncIterator<StreamPart[]> {
  const transcript = new StreamTranscript();
  const end = () => {
    bodies.response = transcript.answer();
  };
  return {
    async next() {
      try {
        const result = await parts.next();
        if (result.done) end();
        else for (const part of result.value) transcript.add(part);
        return result;
      } catch (error) {
        end();
        throw error;
      }
    },
    async return(value?: unknown) {
      end();
      return parts.return ? await parts.return(value) : { done: true, value: undefined };
    },
  };
}

export class AuditLog implements RecordSink {
  #lines: string[] = [];
  /** Arrival time and request id of each buffered line (for a store). */
  #keys: { at: number; request_id: string }[] = [];
  #size: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #patterns: RegExp[];
  /** The last write to a remote store. */
  #writing: Promise<void> | undefined;

  /** `store`: where lines go when `settings.store` asks for the usage store. */
  constructor(
    readonly settings: AuditSettings,
    private readonly redactor: () => Redactor,
    private readonly logger: Logger,
    private readonly store?: AuditStore,
  ) {
    this.#patterns = settings.redact.map((pattern) => new RegExp(pattern, "g"));
    const path = settings.path;
    this.#size = path !== undefined && existsSync(path) ? statSync(path).size : 0;
  }

  write(record: RequestRecord): void {
    if (record.ingress === undefined) return;
    const line: Record<string, unknown> = {
      time: new Date(record.startedAt).toISOString(),
      request_id: record.id,
      method: record.method,
      path: record.path,
      ingress: record.ingress,
      client: record.client,
      target: record.target ?? null,
      endpoint: record.endpoint ?? null,
      provider: record.provider ?? null,
      model: record.model ?? null,
      stream: record.stream,
      status: record.status,
      outcome: record.outcome,
      error_type: record.errorType ?? null,
      total_ms: round(record.totalMs ?? 0),
      upstream_ms: round(record.upstreamMs),
      overhead_ms: round(record.overheadMs ?? 0),
      first_chunk_ms: record.firstChunkMs === undefined ? null : round(record.firstChunkMs),
      attempts: record.attempts ?? [],
      routing: record.routing ?? null,
      usage: record.usage ?? null,
      cost_usd: record.cost,
    };
    const bodies = record.bodies;
    if (this.settings.bodies && bodies !== undefined) {
      line.request = bodies.request ?? null;
      line.response = bodies.response ?? null;
    }
    this.#lines.push(JSON.stringify(this.redact(line)));
    this.#keys.push({ at: Math.round(record.startedAt), request_id: record.id });
    this.#timer ??= this.#schedule();
  }

  /** Secrets and the configured patterns out of every string. */
  redact(value: unknown): unknown {
    const redactor = this.redactor();
    const walk = (node: unknown): unknown => {
      if (typeof node === "string") {
        let out = redactor.redact(node);
        for (const pattern of this.#patterns) out = out.replace(pattern, REDACTED);
        return out;
      }
      if (Array.isArray(node)) return node.map(walk);
      if (typeof node === "object" && node !== null) {
        const out: Record<string, unknown> = {};
        for (const [key, item] of Object.entries(node)) out[key] = walk(item);
        return out;
      }
      return node;
    };
    return walk(value);
  }

  #schedule(): ReturnType<typeof setTimeout> {
    const timer = setTimeout(() => {
      this.#timer = undefined;
      this.flush();
    }, 250);
    (timer as { unref?: () => void }).unref?.();
    return timer;
  }

  /**
   * Appends the buffered lines, rotating whenever the next line would take the file past
   * `max_bytes` (a file holds at least one line, however long).
   */
  flush(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const lines = this.#lines;
    if (lines.length === 0) return;
    this.#lines = [];
    const keys = this.#keys;
    this.#keys = [];
    const path = this.settings.path;
    if (path === undefined) return this.#toStore(lines, keys);
    let pending = "";
    /** Lines on disk so far. */
    let written = 0;
    let inPending = 0;
    try {
      for (const line of lines) {
        const bytes = Buffer.byteLength(line) + 1;
        if (this.#size > 0 && this.#size + bytes > this.settings.max_bytes) {
          if (pending !== "") appendFileSync(path, pending);
          written += inPending;
          pending = "";
          inPending = 0;
          this.#rotate();
        }
        pending += line + "\n";
        inPending++;
        this.#size += bytes;
      }
      appendFileSync(path, pending);
    } catch (error) {
      this.logger.error("audit log: cannot write", {
        path,
        lost_lines: lines.length - written,
        error: (error as Error).message,
      });
    }
  }

  /** Lines into the store's `audit` table; a store that refuses them loses them (logged). */
  #toStore(lines: string[], keys: { at: number; request_id: string }[]): void {
    const lost = (error: unknown) =>
      this.logger.error("audit log: the store cannot take the lines", {
        lost_lines: lines.length,
        error: (error as Error).message,
      });
    try {
      const entries = lines.map((entry, i) => ({ ...(keys[i] as AuditEntry), entry }));
      const writing = this.store?.insertAudit(entries);
      if (writing instanceof Promise) this.#writing = writing.catch(lost);
    } catch (error) {
      lost(error);
    }
  }

  /** path → path.1 → … → path.KEEP (the oldest is removed). */
  #rotate(): void {
    const { keep } = this.settings;
    const path = this.settings.path as string;
    rmSync(`${path}.${keep}`, { force: true });
    for (let n = keep - 1; n >= 1; n--) {
      if (existsSync(`${path}.${n}`)) renameSync(`${path}.${n}`, `${path}.${n + 1}`);
    }
    if (keep >= 1) renameSync(path, `${path}.1`);
    else rmSync(path, { force: true });
    this.#size = 0;
  }

  /** Writes what is left (resolves once a remote store took it). */
  async close(): Promise<void> {
    this.flush();
    await this.#writing;
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
