/**
 * What the conformance suite's checks share: one provider's run (its mock, the answers it got,
 * their request records in the access log) and readers for streams and record lines.
 */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import type { Fault } from "../mocks/fault.ts";
import type { ProviderCase, RunningMock } from "./conformance_cases.ts";
import type { RunningGateway } from "./harness.ts";

export type Json = Record<string, unknown>;
/** A gateway answer's JSON, read loosely: the checks assert its shape field by field. */
// deno-lint-ignore no-explicit-any
export type Body = any;

/** The access log's `request` lines, by request id, read from the gateway's output as it grows. */
export class RecordLog {
  #gateway: RunningGateway;
  #offset = 0;
  #byId = new Map<string, Json>();

  constructor(gateway: RunningGateway) {
    this.#gateway = gateway;
  }

  /** The record line of request `id`; it is written when the response ended, so wait a little. */
  async find(id: string): Promise<Json> {
    const deadline = Date.now() + 5_000;
    for (;;) {
      this.#scan();
      const found = this.#byId.get(id);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no request record for ${id}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  #scan(): void {
    const output = this.#gateway.output();
    const end = output.lastIndexOf("\n") + 1;
    if (end <= this.#offset) return;
    for (const line of output.slice(this.#offset, end).split("\n")) {
      if (!line.startsWith("{")) continue;
      try {
        const json = JSON.parse(line) as Json;
        if (json.msg === "request" && typeof json.request_id === "string") {
          this.#byId.set(json.request_id, json);
        }
      } catch {
        // not a JSON log line
      }
    }
    this.#offset = end;
  }
}

/** One answer of the gateway, read whole. */
export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  /** The JSON body (undefined for a stream or a body that is not JSON). */
  json: Body;
  /** A stream's `data:` payloads, in order. */
  events: string[];
}

/** A stream's chunks and what they said, read from its events. */
export interface StreamReading {
  chunks: Body[];
  /** Content (chat) or text (completions) of choice 0, joined. */
  text: string;
  role: string | undefined;
  finish: string | null;
  /** The chunks that carry usage. */
  usageChunks: Body[];
  /** Choice 0's tool calls, at their index, their fragments joined. */
  calls: { id: string; name: string; args: string }[];
}

/** Reads a stream's events (`[DONE]` included or not) into what they said. */
export function readStream(events: string[]): StreamReading {
  const reading: StreamReading = {
    chunks: [],
    text: "",
    role: undefined,
    finish: null,
    usageChunks: [],
    calls: [],
  };
  for (const data of events) {
    if (data === "[DONE]") continue;
    const chunk = JSON.parse(data);
    reading.chunks.push(chunk);
    if (chunk.usage) reading.usageChunks.push(chunk);
    const choice = chunk.choices?.[0];
    if (!choice) continue;
    // The role, as the first chunk with a choice says it.
    if (reading.chunks.filter((c) => c.choices?.[0]).length === 1) {
      reading.role = choice.delta?.role;
    }
    reading.text += choice.delta?.content ?? choice.text ?? "";
    reading.finish = choice.finish_reason ?? reading.finish;
    for (const delta of choice.delta?.tool_calls ?? []) {
      const call = reading.calls[delta.index] ??= { id: "", name: "", args: "" };
      call.id += delta.id ?? "";
      call.name += delta.function?.name ?? "";
      call.args += delta.function?.arguments ?? "";
    }
  }
  return reading;
}

/** Everything one provider's checks share. */
export class CaseRun {
  readonly name: string;
  /** Every body and header list the gateway sent for this case, for the secrets check. */
  readonly seen: string[] = [];
  /** The record lines of failed requests, and the endpoint each one named. */
  readonly failures: { line: Json; endpoint: string }[] = [];
  /** The record lines of answers whose provider reported no usage. */
  readonly uncounted: Json[] = [];
  /** The non-streamed chat answer, which the stream must repeat. */
  chat: { text: string; usage: Body } | undefined;

  constructor(
    readonly spec: ProviderCase,
    readonly mock: RunningMock,
    readonly gateway: RunningGateway,
    readonly log: RecordLog,
  ) {
    this.name = spec.name;
  }

  endpoint(role: string): string {
    return `${this.name}-${role}`;
  }

  get upstreamCalls(): number {
    return this.mock.recorder.requests.length;
  }

  async post(path: string, body: Json): Promise<Answer> {
    const response = await fetch(`${this.gateway.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(20_000),
    });
    const text = await response.text();
    this.seen.push(text, JSON.stringify([...response.headers]));
    let json: Body;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const events = (response.headers.get("content-type") ?? "").startsWith("text/event-stream")
      ? sseEvents(text)
      : [];
    return { status: response.status, headers: response.headers, text, json, events };
  }

  /** Asserts the answer's record line has `expected` (undefined: the field is absent). */
  async record(answer: Answer, expected: Json): Promise<Json> {
    const id = answer.headers.get("x-request-id");
    assert(id, "every answer carries x-request-id");
    const line = await this.log.find(id);
    for (const [field, value] of Object.entries(expected)) {
      assertEquals(line[field], value, `record field '${field}' of ${JSON.stringify(line)}`);
    }
    assertEquals(typeof line.ms, "number");
    assertEquals(line.method, "POST");
    return line;
  }

  /**
   * Asserts the record of a successful answer: status, path, endpoint, no outcome or error, and
   * the tokens of `usage` (the body's). When the provider reports no usage, the line is kept for
   * the check of records without counts.
   */
  async answered(
    answer: Answer,
    path: string,
    role: string,
    usage: Body,
    options: { stream?: boolean; embeddings?: boolean; more?: Json } = {},
  ): Promise<Json> {
    const counted = this.spec.usage && (!options.embeddings || this.spec.embeddingsUsage);
    const line = await this.record(answer, {
      status: 200,
      path,
      endpoint: this.endpoint(role),
      outcome: undefined,
      error: undefined,
      stream: options.stream ? true : undefined,
      ...(counted
        ? {
          prompt_tokens: usage.prompt_tokens,
          completion_tokens: options.embeddings ? 0 : usage.completion_tokens,
        }
        : {}),
      ...options.more,
    });
    if (!counted) this.uncounted.push(line);
    return line;
  }

  /** Asserts usage is reported with counts that add up (or, for a provider without, absent). */
  usage(usage: Body, embeddings = false): void {
    if (!this.spec.usage || (embeddings && !this.spec.embeddingsUsage)) {
      // MLflow's shape: the usage object, with null counts.
      assertEquals(usage.prompt_tokens, null, JSON.stringify(usage));
      assertEquals(usage.total_tokens, null, JSON.stringify(usage));
      return;
    }
    assert(usage, "usage is reported");
    assert(usage.prompt_tokens > 0, `prompt_tokens > 0: ${JSON.stringify(usage)}`);
    if (!embeddings) {
      assert(usage.completion_tokens > 0, `completion_tokens > 0: ${JSON.stringify(usage)}`);
    }
    assertEquals(usage.total_tokens, usage.prompt_tokens + (usage.completion_tokens ?? 0));
  }

  /** Asserts an error answer: status, type, message, and its record line. */
  async failed(
    answer: Answer,
    expected: { status: number; type: string; message: RegExp | string; role: string },
    record: Json = {},
  ): Promise<void> {
    assertEquals(answer.status, expected.status, answer.text);
    const error = answer.json?.error;
    assert(error, `an OpenAI error envelope: ${answer.text}`);
    assertEquals(error.type, expected.type, answer.text);
    if (typeof expected.message === "string") {
      assert(
        error.message.includes(expected.message),
        `${error.message} names ${expected.message}`,
      );
    } else {
      assertMatch(error.message, expected.message);
    }
    const line = await this.record(answer, {
      status: expected.status,
      outcome: "error",
      error: expected.type,
      ...record,
    });
    const name = this.endpoint(expected.role);
    assert([line.endpoint, line.route].includes(name), `the record names ${name}`);
    this.failures.push({ line, endpoint: name });
  }

  /** Queues `fault` and asserts the call that follows reaches the upstream `calls` times. */
  async withFault(
    fault: Fault,
    times: number,
    calls: number,
    call: () => Promise<Answer>,
  ): Promise<Answer> {
    this.mock.faults.push(fault, times);
    const before = this.upstreamCalls;
    const answer = await call();
    assertEquals(this.upstreamCalls - before, calls, `upstream calls for ${JSON.stringify(fault)}`);
    return answer;
  }

  chatBody(role: string, content: string, extra: Json = {}): Json {
    return { model: this.endpoint(role), messages: [{ role: "user", content }], ...extra };
  }
}

/** The `data:` payloads of an SSE body; every block must be one `data:` line. */
function sseEvents(text: string): string[] {
  const blocks = text.split("\n\n").filter((block) => block !== "");
  for (const block of blocks) assertMatch(block, /^data: [^\n]*$/, "one data line per event");
  return blocks.map((block) => block.slice(6));
}

/** Asserts a stream that ended well: [DONE] last, once, and chunks of `object`. */
export function assertWholeStream(answer: Answer, object: string): StreamReading {
  assertEquals(answer.status, 200, answer.text);
  assertMatch(answer.headers.get("content-type") ?? "", /^text\/event-stream/);
  assertEquals(answer.events.at(-1), "[DONE]", "the stream ends with data: [DONE]");
  assertEquals(answer.events.filter((e) => e === "[DONE]").length, 1);
  const reading = readStream(answer.events);
  assert(reading.chunks.length > 1, "several chunks");
  for (const chunk of reading.chunks) assertEquals(chunk.object, object);
  return reading;
}

/** Asserts usage came once, in the last chunk before [DONE], with no choices beside it. */
export function assertUsageLast(reading: StreamReading): Body {
  assertEquals(reading.usageChunks.length, 1, "one chunk carries usage");
  const last = reading.chunks.at(-1);
  assertEquals(reading.usageChunks[0], last, "usage comes in the last chunk");
  assertEquals(last.choices, []);
  return last.usage;
}
