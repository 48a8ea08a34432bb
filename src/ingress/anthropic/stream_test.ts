import { assert, assertEquals, assertMatch, assertThrows } from "../../../tests/assert.ts";
import { ProviderError } from "../../core/errors.ts";
import type { CallContext } from "../../core/provider.ts";
import { SseDecoder } from "../../core/sse.ts";
import type { StreamPart } from "../../core/stream_parts.ts";
import { Redactor } from "../../observe/redact.ts";
import { streamParser } from "../../providers/anthropic/stream.ts";
import type { ChatChunk } from "../../schemas/chat.ts";
import { AnthropicStreamWriter } from "./stream.ts";

const SECRET = "sk-test-secret-0123456789";
const USAGE = { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 };
const encoder = new TextEncoder();

/** One event of Anthropic SSE as a client reads it. */
interface Event {
  event: string;
  data: Record<string, unknown>;
}

/**
 * Reads `text` as Anthropic's SSE: blank-line separated events, each exactly an `event:` line and
 * a `data:` line of JSON whose `type` is the event's name.
 */
function parseAnthropicSse(text: string): Event[] {
  if (text === "") return [];
  assert(text.endsWith("\n\n"), `not ended by a blank line: ${JSON.stringify(text.slice(-20))}`);
  return text.slice(0, -2).split("\n\n").map((block) => {
    const [eventLine, dataLine, ...rest] = block.split("\n");
    assertEquals(rest, [], `one event line and one data line: ${block}`);
    if (eventLine === undefined || dataLine === undefined) throw new Error(`two lines: ${block}`);
    assert(eventLine.startsWith("event: ") && dataLine.startsWith("data: "), block);
    const event = eventLine.slice("event: ".length);
    const data = JSON.parse(dataLine.slice("data: ".length)) as Record<string, unknown>;
    assertEquals(data.type, event, block);
    return { event, data };
  });
}

/** A writer for model `claude-requested` (a secret known to its redactor). */
function writer(stopSequences: string[] = []): AnthropicStreamWriter {
  return new AnthropicStreamWriter("claude-requested", new Redactor([SECRET]), stopSequences);
}

/** The whole stream text for `batches` of parts, its end included. */
function written(batches: StreamPart[][], w = writer()): string {
  return batches.map((batch) => w.batch(batch)).join("") + w.end();
}

/** The content_block_* events as `[name, index, block or delta type]`. */
function blocks(events: Event[]): [string, unknown, unknown][] {
  return events.filter((e) => e.event.startsWith("content_block_")).map((e) => {
    const inner = (e.data.content_block ?? e.data.delta) as { type?: unknown } | undefined;
    return [e.event, e.data.index, inner?.type ?? null];
  });
}

/** The text of the text deltas. */
function textOf(events: Event[]): string {
  return events.map((e) => {
    const delta = e.data.delta as { type?: string; text?: string } | undefined;
    return delta?.type === "text_delta" ? delta.text : "";
  }).join("");
}

const ctx: CallContext<unknown> = {
  endpoint: "claude",
  model: "claude-configured",
  config: {},
  stream: true,
};

/**
 * The parts the gateway's own Anthropic provider reads from `text`, fed through its SSE decoder
 * in two reads (split mid-way, as a network would), as if Anthropic had sent it.
 */
function replay(text: string): StreamPart[] {
  const bytes = encoder.encode(text);
  const decoder = new SseDecoder();
  const half = Math.floor(bytes.length / 2);
  const events = [
    ...decoder.push(bytes.slice(0, half)),
    ...decoder.push(bytes.slice(half)),
    ...decoder.end(),
  ];
  const parser = streamParser(ctx);
  return [...events.flatMap((event) => parser.push(event)), ...parser.end()];
}

/** What replayed parts add up to: text, reasoning, tool calls (arguments joined), finish. */
function summary(parts: StreamPart[]) {
  let text = "";
  let reasoning = "";
  const tools: { id: string; name: string; arguments: string }[] = [];
  let finish: string | null | undefined;
  for (const part of parts) {
    if ((part as { choice?: number }).choice) continue;
    if (part.type === "text") text += part.text;
    else if (part.type === "reasoning") reasoning += part.text;
    else if (part.type === "tool_call") {
      tools[part.index] = { id: part.id, name: part.name, arguments: "" };
    } else if (part.type === "tool_arguments") {
      const tool = tools[part.index];
      if (tool) tool.arguments += part.arguments;
    } else if (part.type === "finish") finish = part.reason;
  }
  return { text, reasoning, tools, finish };
}

Deno.test("AnthropicStreamWriter writes a text stream as Anthropic's exact event sequence", () => {
  const w = writer();
  const text = w.batch([{ type: "start", id: "chatcmpl-1", model: "gpt-4o" }]) +
    w.batch([{ type: "text", text: "Hel" }, { type: "text", text: "lo" }]) +
    w.batch([{ type: "finish", reason: "stop" }, { type: "usage", usage: USAGE }]);
  assertEquals(w.end(), "");
  assert(text.startsWith('event: message_start\ndata: {"type":"message_start",'), text);
  const events = parseAnthropicSse(text);
  assertEquals(events.map((e) => e.event), [
    "message_start",
    "ping",
    "content_block_start",
    "content_block_delta",
    "content_block_delta",
    "content_block_stop",
    "message_delta",
    "message_stop",
  ]);
  assertEquals(events[0]?.data, {
    type: "message_start",
    message: {
      id: "msg_chatcmpl-1",
      type: "message",
      role: "assistant",
      model: "claude-requested",
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: {
        input_tokens: 0,
        output_tokens: 0,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
      },
    },
  });
  assertEquals(events[2]?.data, {
    type: "content_block_start",
    index: 0,
    content_block: { type: "text", text: "" },
  });
  assertEquals(events[3]?.data, {
    type: "content_block_delta",
    index: 0,
    delta: { type: "text_delta", text: "Hel" },
  });
  assertEquals(events[5]?.data, { type: "content_block_stop", index: 0 });
  assertEquals(events[6]?.data, {
    type: "message_delta",
    delta: { stop_reason: "end_turn", stop_sequence: null },
    usage: {
      input_tokens: 12,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      output_tokens: 5,
    },
  });
  assertEquals(events[7]?.data, { type: "message_stop" });
  assertEquals(textOf(events), "Hello");
  const replayed = replay(text);
  assertEquals(summary(replayed), { text: "Hello", reasoning: "", tools: [], finish: "stop" });
  assertEquals(replayed.find((p) => p.type === "usage"), {
    type: "usage",
    usage: { ...USAGE, prompt_tokens_details: { cached_tokens: 0 } },
  });
});

Deno.test("AnthropicStreamWriter writes text then two tool calls as blocks 0, 1 and 2", () => {
  const text = written([
    [{ type: "start", id: "x", model: "m" }, { type: "text", text: "Let me check." }],
    [
      { type: "tool_call", index: 0, id: "call_a", name: "get_weather" },
      { type: "tool_arguments", index: 0, arguments: '{"city":' },
      { type: "tool_arguments", index: 0, arguments: '"Paris"}' },
    ],
    [
      { type: "tool_call", index: 1, id: "call_b", name: "get_time" },
      { type: "tool_arguments", index: 1, arguments: '{"tz":"CET"}' },
      { type: "finish", reason: "tool_calls" },
      { type: "usage", usage: USAGE },
    ],
  ]);
  const events = parseAnthropicSse(text);
  assertEquals(blocks(events), [
    ["content_block_start", 0, "text"],
    ["content_block_delta", 0, "text_delta"],
    ["content_block_stop", 0, null],
    ["content_block_start", 1, "tool_use"],
    ["content_block_delta", 1, "input_json_delta"],
    ["content_block_delta", 1, "input_json_delta"],
    ["content_block_stop", 1, null],
    ["content_block_start", 2, "tool_use"],
    ["content_block_delta", 2, "input_json_delta"],
    ["content_block_stop", 2, null],
  ]);
  assertEquals(events.find((e) => e.data.index === 1)?.data.content_block, {
    type: "tool_use",
    id: "call_a",
    name: "get_weather",
    input: {},
  });
  assertEquals(events.at(-2)?.data.delta, { stop_reason: "tool_use", stop_sequence: null });
  assertEquals(events.at(-1)?.event, "message_stop");
  assertEquals(summary(replay(text)), {
    text: "Let me check.",
    reasoning: "",
    tools: [
      { id: "call_a", name: "get_weather", arguments: '{"city":"Paris"}' },
      { id: "call_b", name: "get_time", arguments: '{"tz":"CET"}' },
    ],
    finish: "tool_calls",
  });
});

Deno.test("AnthropicStreamWriter writes reasoning as a thinking block before the text block", () => {
  const text = written([[
    { type: "start", id: "r1", model: "m" },
    { type: "reasoning", text: "Two and " },
    { type: "reasoning", text: "two." },
    { type: "text", text: "4" },
    { type: "finish", reason: "stop" },
    { type: "usage", usage: USAGE },
  ]]);
  const events = parseAnthropicSse(text);
  assertEquals(blocks(events), [
    ["content_block_start", 0, "thinking"],
    ["content_block_delta", 0, "thinking_delta"],
    ["content_block_delta", 0, "thinking_delta"],
    ["content_block_stop", 0, null],
    ["content_block_start", 1, "text"],
    ["content_block_delta", 1, "text_delta"],
    ["content_block_stop", 1, null],
  ]);
  assertEquals(events[2]?.data.content_block, { type: "thinking", thinking: "", signature: "" });
  assertEquals(events[3]?.data.delta, { type: "thinking_delta", thinking: "Two and " });
  assertEquals(summary(replay(text)), {
    text: "4",
    reasoning: "Two and two.",
    tools: [],
    finish: "stop",
  });
});

/** The chunks of a recorded OpenAI stream, as an OpenAI-compatible provider relays them. */
function recordedChunks(): StreamPart[] {
  const bytes = Deno.readFileSync(
    new URL(
      "../../providers/openai_compatible/testdata/chat_stream_tool_calls.sse",
      import.meta.url,
    ),
  );
  const decoder = new SseDecoder();
  return [...decoder.push(bytes), ...decoder.end()]
    .filter((event) => event.data !== "[DONE]")
    .map((event) => ({ type: "openai_chunk", chunk: JSON.parse(event.data) as ChatChunk }));
}

Deno.test("AnthropicStreamWriter reads relayed OpenAI chunks (a recorded tool-call stream)", () => {
  const text = written(recordedChunks().map((part) => [part]));
  const events = parseAnthropicSse(text);
  assertEquals(events.map((e) => e.event), [
    "message_start",
    "ping",
    "content_block_start",
    "content_block_delta",
    "content_block_delta",
    "content_block_delta",
    "content_block_stop",
    "content_block_start",
    "content_block_delta",
    "content_block_stop",
    "message_delta",
    "message_stop",
  ]);
  const message = events[0]?.data.message as Record<string, unknown>;
  assertEquals([message.id, message.model], ["msg_chatcmpl-BxS02", "claude-requested"]);
  assertEquals(blocks(events).map(([name, index]) => [name, index]), [
    ["content_block_start", 0],
    ["content_block_delta", 0],
    ["content_block_delta", 0],
    ["content_block_delta", 0],
    ["content_block_stop", 0],
    ["content_block_start", 1],
    ["content_block_delta", 1],
    ["content_block_stop", 1],
  ]);
  assertEquals(events[2]?.data.content_block, {
    type: "tool_use",
    id: "call_DdmO9pD3xa9XTPNJ32zg2hcA",
    name: "get_weather",
    input: {},
  });
  assertEquals(events.at(-2)?.data, {
    type: "message_delta",
    delta: { stop_reason: "tool_use", stop_sequence: null },
    usage: {
      input_tokens: 82,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      output_tokens: 41,
    },
  });
  assertEquals(summary(replay(text)), {
    text: "",
    reasoning: "",
    tools: [
      {
        id: "call_DdmO9pD3xa9XTPNJ32zg2hcA",
        name: "get_weather",
        arguments: '{"location":"Paris"}',
      },
      { id: "call_2Kq9vX0yTr7Lm4Nb8cZ1wQe3", name: "get_time", arguments: '{"tz":"CET"}' },
    ],
    finish: "tool_calls",
  });
});

Deno.test("AnthropicStreamWriter ends a broken stream with Anthropic's error event, secrets removed", () => {
  const w = writer();
  const text = w.batch([{ type: "start", id: "e1", model: "m" }, { type: "text", text: "Par" }]) +
    w.error(
      new ProviderError(502, "upstream_error", `upstream said: invalid key ${SECRET}`),
    );
  const events = parseAnthropicSse(text);
  assertEquals(events.map((e) => e.event), [
    "message_start",
    "ping",
    "content_block_start",
    "content_block_delta",
    "error",
  ]);
  assertEquals(events.at(-1)?.data, {
    type: "error",
    error: { type: "api_error", message: "upstream said: invalid key [REDACTED]" },
  });
  assertEquals(textOf(events), "Par");
  // Nothing follows the error, and the gateway's Anthropic provider reads it as a failure.
  assertEquals([w.batch([{ type: "text", text: "is" }]), w.end()], ["", ""]);
  const error = assertThrows(() => replay(text));
  assert(error instanceof ProviderError);
  assertMatch(error.message, /api_error.*\[REDACTED\]/);
});

Deno.test("AnthropicStreamWriter.error() of an unknown failure, or before any part", () => {
  assertEquals(
    writer().error(new Error(`boom ${SECRET}`)),
    'event: error\ndata: {"type":"error","error":{"type":"api_error","message":"the upstream stream failed"}}\n\n',
  );
  const limited = parseAnthropicSse(
    writer().error(new ProviderError(429, "rate_limit_error", "slow down")),
  );
  assertEquals(limited[0]?.data.error, { type: "rate_limit_error", message: "slow down" });
});

Deno.test("AnthropicStreamWriter writes nothing for a failure after message_stop", () => {
  const w = writer();
  w.batch([{ type: "text", text: "a" }, { type: "finish", reason: "stop" }, {
    type: "usage",
    usage: USAGE,
  }]);
  assertEquals(w.error(new ProviderError(502, "upstream_error", "late")), "");
});

Deno.test("AnthropicStreamWriter.end() closes a stream that sent no usage, output_tokens 0", () => {
  const w = writer();
  const body = w.batch([
    { type: "start", id: "n1", model: "m" },
    { type: "text", text: "hi" },
    { type: "finish", reason: "length" },
  ]);
  const end = w.end();
  assertEquals(parseAnthropicSse(end).map((e) => e.data), [
    {
      type: "message_delta",
      delta: { stop_reason: "max_tokens", stop_sequence: null },
      usage: { output_tokens: 0 },
    },
    { type: "message_stop" },
  ]);
  assertEquals(summary(replay(body + end)).finish, "length");
});

Deno.test("AnthropicStreamWriter begins with message_start when parts come before any start", () => {
  const events = parseAnthropicSse(written([[{ type: "text", text: "x" }]]));
  assertEquals(events.slice(0, 3).map((e) => e.event), [
    "message_start",
    "ping",
    "content_block_start",
  ]);
  assertMatch(
    (events[0]?.data.message as { id: string }).id,
    /^msg_[0-9a-f]{32}$/,
  );
  // an empty stream is still a whole (empty) message
  const empty = parseAnthropicSse(written([]));
  assertEquals(empty.map((e) => e.event), [
    "message_start",
    "ping",
    "message_delta",
    "message_stop",
  ]);
  assertEquals(empty[2]?.data.delta, { stop_reason: null, stop_sequence: null });
});

Deno.test("AnthropicStreamWriter writes only the first choice", () => {
  const events = parseAnthropicSse(written([[
    { type: "start", id: "c", model: "m" },
    { type: "text", text: "zero" },
    { type: "text", text: "one", choice: 1 },
    { type: "tool_call", index: 0, id: "t", name: "f", choice: 1 },
    { type: "finish", reason: "stop" },
    { type: "finish", reason: "length", choice: 1 },
    { type: "usage", usage: USAGE },
  ]]));
  assertEquals(textOf(events), "zero");
  assertEquals(blocks(events).length, 3);
  assertEquals(events.at(-2)?.data.delta, { stop_reason: "end_turn", stop_sequence: null });
});

Deno.test("AnthropicStreamWriter keeps usage that comes before the finish for the end", () => {
  const w = writer();
  const body = w.batch([
    { type: "start", id: "u", model: "m" },
    { type: "text", text: "a" },
    { type: "usage", usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } },
    { type: "text", text: "b" },
    { type: "usage", usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } },
  ]);
  assertEquals(parseAnthropicSse(body).some((e) => e.event === "message_delta"), false);
  const events = parseAnthropicSse(body + w.end());
  assertEquals(textOf(events), "ab");
  assertEquals(events.at(-2)?.data.usage, {
    input_tokens: 3,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    output_tokens: 2,
  });
});

Deno.test("AnthropicStreamWriter counts cached prompt tokens apart, and null for unknown counts", () => {
  const cached = parseAnthropicSse(written([[
    { type: "text", text: "a" },
    { type: "finish", reason: "stop" },
    {
      type: "usage",
      usage: {
        prompt_tokens: 2000,
        completion_tokens: 9,
        total_tokens: 2009,
        prompt_tokens_details: { cached_tokens: 1536 },
      },
    },
  ]]));
  assertEquals(cached.at(-2)?.data.usage, {
    input_tokens: 464,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 1536,
    output_tokens: 9,
  });
  const unknown = parseAnthropicSse(written([[
    { type: "finish", reason: "stop" },
    { type: "usage", usage: { prompt_tokens: null, completion_tokens: 7, total_tokens: null } },
  ]]));
  assertEquals(unknown.at(-2)?.data.usage, {
    input_tokens: null,
    cache_creation_input_tokens: null,
    cache_read_input_tokens: null,
    output_tokens: 7,
  });
});

Deno.test("AnthropicStreamWriter says stop_sequence when the text ends with a requested one", () => {
  const events = parseAnthropicSse(written([[
    { type: "text", text: "a, b</li" },
    { type: "text", text: "st>" },
    { type: "finish", reason: "stop" },
  ]], writer(["</list>", "END"])));
  assertEquals(events.at(-2)?.data.delta, {
    stop_reason: "stop_sequence",
    stop_sequence: "</list>",
  });
  // vLLM names the stop string on its finish chunk
  const chunk = (stopReason: string): StreamPart => ({
    type: "openai_chunk",
    chunk: {
      id: "v",
      object: "chat.completion.chunk",
      created: 1,
      model: "m",
      choices: [{ index: 0, delta: {}, finish_reason: "stop", stop_reason: stopReason }],
    } as unknown as ChatChunk,
  });
  const named = parseAnthropicSse(written([[chunk("END")]], writer(["END"])));
  assertEquals(named.at(-2)?.data.delta, { stop_reason: "stop_sequence", stop_sequence: "END" });
});

Deno.test("AnthropicStreamWriter says tool_use for tool calls that finished on stop", () => {
  const events = parseAnthropicSse(written([[
    { type: "tool_call", index: 0, id: "t", name: "f" },
    { type: "finish", reason: "stop" },
  ]]));
  assertEquals(events.at(-2)?.data.delta, { stop_reason: "tool_use", stop_sequence: null });
});

Deno.test("AnthropicStreamWriter writes text after a tool call as a new text block", () => {
  const text = written([[
    { type: "text", text: "a" },
    { type: "tool_call", index: 0, id: "t", name: "f" },
    { type: "text", text: "b" },
    { type: "finish", reason: "tool_calls" },
  ]]);
  assertEquals(blocks(parseAnthropicSse(text)).filter(([name]) => name !== "content_block_delta"), [
    ["content_block_start", 0, "text"],
    ["content_block_stop", 0, null],
    ["content_block_start", 1, "tool_use"],
    ["content_block_stop", 1, null],
    ["content_block_start", 2, "text"],
    ["content_block_stop", 2, null],
  ]);
  assertEquals(summary(replay(text)).text, "ab");
});

Deno.test("AnthropicStreamWriter sends a late argument piece to its own tool call's block", () => {
  const events = parseAnthropicSse(written([[
    { type: "tool_call", index: 0, id: "t0", name: "f" },
    { type: "tool_arguments", index: 0, arguments: '{"a":' },
    { type: "tool_call", index: 1, id: "t1", name: "g" },
    { type: "tool_arguments", index: 0, arguments: "1}" },
    { type: "finish", reason: "tool_calls" },
  ]]));
  assertEquals(blocks(events).map(([name, index]) => [name, index]), [
    ["content_block_start", 0],
    ["content_block_delta", 0],
    ["content_block_stop", 0],
    ["content_block_start", 1],
    ["content_block_delta", 0],
    ["content_block_stop", 1],
  ]);
});

Deno.test("AnthropicStreamWriter opens a tool_use block for arguments of a call never announced", () => {
  const events = parseAnthropicSse(written([[
    { type: "tool_arguments", index: 0, arguments: "{}" },
  ]]));
  const start = events.find((e) => e.event === "content_block_start");
  const block = start?.data.content_block as { type: string; id: string; name: string };
  assertEquals([block.type, block.name], ["tool_use", ""]);
  assertMatch(block.id, /^toolu_/);
});

Deno.test("AnthropicStreamWriter relays an Anthropic upstream's events as they came, the model renamed", () => {
  const upstream = [
    {
      type: "message_start",
      message: { id: "msg_1", type: "message", role: "assistant", model: "claude-x", content: [] },
    },
    {
      type: "content_block_start",
      index: 0,
      content_block: { type: "thinking", thinking: "", signature: "" },
    },
    { type: "content_block_delta", index: 0, delta: { type: "signature_delta", signature: "s1" } },
    { type: "content_block_stop", index: 0 },
    { type: "message_delta", delta: { stop_reason: "end_turn" }, usage: { output_tokens: 3 } },
    { type: "message_stop" },
  ];
  const parser = streamParser({ endpoint: "claude", model: "claude-x", config: {}, stream: true });
  const writer = new AnthropicStreamWriter("chat", new Redactor());
  let text = "";
  for (const event of upstream) {
    text += writer.batch(parser.push({ event: event.type, data: JSON.stringify(event) }));
  }
  text += writer.end();
  const events = parseAnthropicSse(text);
  assertEquals(events.map((e) => e.event), upstream.map((e) => e.type));
  assertEquals((events[0]?.data.message as { model: string }).model, "chat");
  assertEquals(events.slice(1).map((e) => e.data), upstream.slice(1));
  // A failure after message_stop writes nothing more.
  assertEquals(writer.error(new Error("late")), "");
});
