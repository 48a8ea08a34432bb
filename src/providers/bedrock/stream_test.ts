import { assert, assertEquals, assertThrows } from "../../../tests/assert.ts";
import { GatewayError } from "../../core/errors.ts";
import { AwsEventStreamDecoder, encodeEventStreamMessage } from "../../core/eventstream.ts";
import type { CallContext, StreamEvent } from "../../core/provider.ts";
import type { StreamPart } from "../../core/stream_parts.ts";
import { ChatStreamWriter, CompletionsStreamWriter } from "../../ingress/openai/stream.ts";
import { Redactor } from "../../observe/redact.ts";
import type { ChatChunk } from "../../schemas/chat.ts";
import type { CompletionsChunk } from "../../schemas/completions.ts";
import { streamParser } from "./stream.ts";

const ctx: CallContext<unknown> = {
  endpoint: "chat",
  model: "anthropic.claude-3-haiku-20240307-v1:0",
  config: {},
  stream: true,
};

const ev = (event: string, data: unknown): StreamEvent => ({
  event,
  data: JSON.stringify(data),
});

/** A ConverseStream with a text block, then two tool blocks (content blocks 1 and 2). */
const TOOL_STREAM: StreamEvent[] = [
  ev("messageStart", { role: "assistant", p: "abcd" }),
  ev("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "Checking" }, p: "ab" }),
  ev("contentBlockStop", { contentBlockIndex: 0 }),
  ev("contentBlockStart", {
    contentBlockIndex: 1,
    start: { toolUse: { toolUseId: "tooluse_a", name: "weather" } },
  }),
  ev("contentBlockDelta", { contentBlockIndex: 1, delta: { toolUse: { input: '{"city":' } } }),
  ev("contentBlockStart", {
    contentBlockIndex: 2,
    start: { toolUse: { toolUseId: "tooluse_b", name: "time" } },
  }),
  ev("contentBlockDelta", { contentBlockIndex: 1, delta: { toolUse: { input: '"Paris"}' } } }),
  ev("contentBlockDelta", { contentBlockIndex: 2, delta: { toolUse: { input: "{}" } } }),
  ev("contentBlockStop", { contentBlockIndex: 1 }),
  ev("contentBlockStop", { contentBlockIndex: 2 }),
  ev("messageStop", { stopReason: "tool_use" }),
  ev("metadata", {
    usage: { inputTokens: 20, outputTokens: 9, totalTokens: 29 },
    metrics: { latencyMs: 100 },
  }),
];

/** The parts the parser emits for `events`, its end included. */
function parts(events: StreamEvent[]): StreamPart[] {
  const parser = streamParser(ctx);
  return [...events.flatMap((e) => parser.push(e)), ...parser.end()];
}

/** The chat chunks an OpenAI client gets for `events` (usage asked for). */
function chatChunks(events: StreamEvent[]): ChatChunk[] {
  return new ChatStreamWriter(true, new Redactor()).chunks(parts(events)) as ChatChunk[];
}

/** The completion chunks an OpenAI client gets for `events` (usage asked for). */
function completionsChunks(events: StreamEvent[]): CompletionsChunk[] {
  return new CompletionsStreamWriter(true, new Redactor()).chunks(
    parts(events),
  ) as CompletionsChunk[];
}

/**
 * A recorded-shape ConverseStream (one event a line: its `:event-type` and JSON payload, with
 * AWS's `p` padding), framed as AWS sends it and decoded by the core's decoder, the bytes split
 * across reads as the network would.
 */
function fixtureEvents(name: string): StreamEvent[] {
  const lines = Deno.readTextFileSync(new URL(`./testdata/${name}`, import.meta.url))
    .split("\n")
    .filter((line) => line.trim() !== "");
  const frames = lines.map((line) => {
    const { event, payload } = JSON.parse(line) as { event: string; payload: unknown };
    return encodeEventStreamMessage(
      { ":event-type": event, ":content-type": "application/json", ":message-type": "event" },
      JSON.stringify(payload),
    );
  });
  const bytes = new Uint8Array(frames.reduce((sum, frame) => sum + frame.length, 0));
  let at = 0;
  for (const frame of frames) {
    bytes.set(frame, at);
    at += frame.length;
  }
  const decoder = new AwsEventStreamDecoder();
  const events: StreamEvent[] = [];
  for (let start = 0; start < bytes.length; start += 157) {
    events.push(...decoder.push(bytes.slice(start, start + 157)));
  }
  events.push(...decoder.end());
  return events;
}

Deno.test("streamParser() replays a recorded ConverseStream: text, a tool call, usage", () => {
  const events = fixtureEvents("converse_stream_tool_use.jsonl");
  assertEquals(events.length, 12);
  const emitted = parts(events);
  const start = emitted[0];
  assert(start?.type === "start");
  // Converse gives no id: the client's writer makes one of its API's kind.
  assertEquals(start.id, null);
  assertEquals(emitted.slice(1), [
    { type: "text", text: "I'll" },
    { type: "text", text: " check the weather in Paris for" },
    { type: "text", text: " you." },
    { type: "tool_call", index: 0, id: "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", name: "get_weather" },
    { type: "tool_arguments", index: 0, arguments: "" },
    { type: "tool_arguments", index: 0, arguments: '{"city": "Pa' },
    { type: "tool_arguments", index: 0, arguments: 'ris", "unit": "celsius"}' },
    { type: "finish", reason: "tool_calls" },
    { type: "usage", usage: { prompt_tokens: 391, completion_tokens: 72, total_tokens: 463 } },
  ]);
  assertEquals(start, { type: "start", id: start.id, model: ctx.model ?? "" });

  const chunks = new ChatStreamWriter(true, new Redactor()).chunks(emitted) as ChatChunk[];
  assert(/^chatcmpl-[0-9a-f]{32}$/.test(chunks[0]?.id ?? ""), "the writer's fresh id");
  for (const chunk of chunks) {
    assertEquals(chunk.id, chunks[0]?.id);
    assertEquals(chunk.model, "anthropic.claude-3-haiku-20240307-v1:0");
    assertEquals(chunk.object, "chat.completion.chunk");
  }
  assertEquals(chunks.map((c) => c.choices[0]?.delta ?? null), [
    { role: "assistant", content: "" },
    { content: "I'll" },
    { content: " check the weather in Paris for" },
    { content: " you." },
    {
      tool_calls: [{
        index: 0,
        id: "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q",
        type: "function",
        function: { name: "get_weather", arguments: "" },
      }],
    },
    { tool_calls: [{ index: 0, function: { arguments: "" } }] },
    { tool_calls: [{ index: 0, function: { arguments: '{"city": "Pa' } }] },
    { tool_calls: [{ index: 0, function: { arguments: 'ris", "unit": "celsius"}' } }] },
    {},
    null,
  ]);
  assertEquals(chunks.map((c) => c.choices[0]?.finish_reason ?? null).filter(Boolean), [
    "tool_calls",
  ]);
  assertEquals(chunks[chunks.length - 1]?.choices, []);
  assertEquals(chunks[chunks.length - 1]?.usage?.total_tokens, 463);
});

Deno.test("streamParser() → chat chunks: relays text, numbers tool calls 0, 1 and ends with usage", () => {
  const chunks = chatChunks(TOOL_STREAM);
  assertEquals(new Set(chunks.map((c) => c.id)).size, 1, "one id for the whole stream");
  assertEquals(chunks[0]?.choices[0]?.delta, { role: "assistant", content: "" });
  assertEquals(chunks[1]?.choices[0]?.delta, { content: "Checking" });
  const toolDeltas = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
  assertEquals(toolDeltas, [
    { index: 0, id: "tooluse_a", type: "function", function: { name: "weather", arguments: "" } },
    { index: 0, function: { arguments: '{"city":' } },
    { index: 1, id: "tooluse_b", type: "function", function: { name: "time", arguments: "" } },
    { index: 0, function: { arguments: '"Paris"}' } },
    { index: 1, function: { arguments: "{}" } },
  ]);
  const finish = chunks[chunks.length - 2];
  assertEquals(finish?.choices[0]?.finish_reason, "tool_calls");
  assertEquals(finish?.choices[0]?.delta, {});
  const usage = chunks[chunks.length - 1];
  assertEquals(usage?.choices, []);
  assertEquals(usage?.usage, { prompt_tokens: 20, completion_tokens: 9, total_tokens: 29 });
  assertEquals(chunks.filter((c) => c.usage).length, 1, "exactly one usage chunk");
});

Deno.test("streamParser() starts the stream itself when messageStart is missing", () => {
  const parser = streamParser(ctx);
  const [start, text] = parser.push(
    ev("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "Hi" } }),
  );
  assertEquals(start?.type, "start");
  assertEquals(text, { type: "text", text: "Hi" });
  parser.push(ev("messageStop", { stopReason: "max_tokens" }));
  const rest = parser.end();
  assertEquals(rest.length, 1, "a usage part even without metadata");
  assertEquals(rest[0], {
    type: "usage",
    usage: { prompt_tokens: null, completion_tokens: null, total_tokens: null },
  });
});

Deno.test("streamParser() → chat chunks: the role chunk comes first even without messageStart", () => {
  const chunks = chatChunks([
    ev("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "Hi" } }),
    ev("messageStop", { stopReason: "max_tokens" }),
  ]);
  assertEquals(chunks.map((c) => c.choices[0]?.delta ?? null), [
    { role: "assistant", content: "" },
    { content: "Hi" },
    {},
    null,
  ]);
  assertEquals(chunks[2]?.choices[0]?.finish_reason, "length");
  assertEquals(chunks[3]?.usage?.total_tokens, null);
});

Deno.test("streamParser() sends reasoning apart from the text, and one usage part", () => {
  assertEquals(
    parts([
      ev("messageStart", { role: "assistant" }),
      ev("contentBlockDelta", {
        contentBlockIndex: 0,
        delta: { reasoningContent: { text: "Hm" } },
      }),
      ev("contentBlockDelta", {
        contentBlockIndex: 0,
        delta: { reasoningContent: { signature: "sig" } },
      }),
      ev("contentBlockDelta", { contentBlockIndex: 1, delta: { text: "Yes" } }),
      ev("messageStop", { stopReason: "end_turn" }),
      ev("metadata", { usage: { inputTokens: 2, outputTokens: 2, totalTokens: 4 } }),
      ev("metadata", { usage: { inputTokens: 3, outputTokens: 3, totalTokens: 6 } }),
    ]).slice(1),
    [
      { type: "reasoning", text: "Hm" },
      { type: "text", text: "Yes" },
      { type: "finish", reason: "stop" },
      { type: "usage", usage: { prompt_tokens: 2, completion_tokens: 2, total_tokens: 4 } },
    ],
  );
});

Deno.test("streamParser() turns an exception event into the matching error", () => {
  const parser = streamParser(ctx);
  parser.push(ev("messageStart", { role: "assistant" }));
  const error = assertThrows(() =>
    parser.push({
      event: "exception:throttlingException",
      data: '{"message":"Too many tokens, please wait before trying again."}',
    }), /Too many tokens/);
  assert(error instanceof GatewayError);
  assertEquals(error.status, 429);
  assertEquals(error.code, "ThrottlingException");
  const validation = assertThrows(() =>
    streamParser(ctx).push({
      event: "exception:validationException",
      data: '{"message":"Input is too long"}',
    })
  );
  assertEquals((validation as GatewayError).status, 400);
  const internal = assertThrows(() =>
    streamParser(ctx).push({ event: "exception:internalServerException", data: "{}" })
  );
  assertEquals((internal as GatewayError).status, 502);
});

Deno.test("streamParser() fails a stream that ends before messageStop", () => {
  const parser = streamParser(ctx);
  parser.push(ev("messageStart", { role: "assistant" }));
  parser.push(ev("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "Hal" } }));
  const error = assertThrows(() => parser.end(), /ended its stream before/);
  assertEquals((error as GatewayError).status, 502);
});

Deno.test("streamParser() reports a non-JSON event payload as a 502", () => {
  assertThrows(
    () => streamParser(ctx).push({ event: "contentBlockDelta", data: "{not json" }),
    /not JSON/,
  );
});

Deno.test("streamParser() ignores event types it does not know", () => {
  assertEquals(streamParser(ctx).push(ev("somethingNew", { x: 1 })), []);
});

Deno.test("streamParser() → completion chunks: relays text, then a finish chunk and usage", () => {
  const chunks = completionsChunks([
    ev("messageStart", { role: "assistant" }),
    ev("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "Once" } }),
    ev("contentBlockDelta", { contentBlockIndex: 0, delta: { text: " upon" } }),
    ev("contentBlockStop", { contentBlockIndex: 0 }),
    ev("messageStop", { stopReason: "end_turn" }),
    ev("metadata", { usage: { inputTokens: 2, outputTokens: 2, totalTokens: 4 } }),
  ]);
  assertEquals(chunks.map((c) => c.choices[0]?.text), ["Once", " upon", "", undefined]);
  assertEquals(chunks[2]?.choices[0]?.finish_reason, "stop");
  assertEquals(chunks[3]?.usage?.total_tokens, 4);
  assertEquals(chunks.every((c) => c.object === "text_completion"), true);
});

Deno.test("streamParser() is finished once messageStop and its metadata have come", () => {
  const parser = streamParser(ctx);
  parser.push(ev("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "Hi" } }));
  parser.push(ev("messageStop", { stopReason: "end_turn" }));
  assertEquals(parser.finished?.(), false, "its usage is still to come");
  const [usage] = parser.push(
    ev("metadata", { usage: { inputTokens: 3, outputTokens: 1, totalTokens: 4 }, metrics: {} }),
  );
  assertEquals(usage?.type, "usage");
  assertEquals(parser.finished?.(), true);
  assertEquals(
    parser.push(ev("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "late" } })),
    [],
  );
  assertEquals(parser.end(), []);
});
