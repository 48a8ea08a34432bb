import { assertEquals, assertThrows } from "../../../tests/assert.ts";
import type { CallContext, StreamEvent } from "../../core/provider.ts";
import { ProviderError } from "../../core/errors.ts";
import { parseSse } from "../../core/sse.ts";
import type { StreamPart } from "../../core/stream_parts.ts";
import { ChatStreamWriter, CompletionsStreamWriter } from "../../ingress/openai/stream.ts";
import { Redactor } from "../../observe/redact.ts";
import type { ChatChunk } from "../../schemas/chat.ts";
import type { CompletionsChunk } from "../../schemas/completions.ts";
import { streamParser } from "./stream.ts";

const ctx: CallContext<unknown> = {
  endpoint: "claude",
  model: "claude-sonnet-4-5",
  config: {},
  stream: true,
};

/** Decodes a recorded SSE fixture with the core's own SSE decoder. */
async function fixtureEvents(name: string): Promise<StreamEvent[]> {
  const bytes = Deno.readFileSync(new URL(`./testdata/${name}`, import.meta.url));
  const events: StreamEvent[] = [];
  for await (
    const event of parseSse((async function* () {
      // split mid-way, as the network would
      yield bytes.slice(0, 301);
      yield bytes.slice(301);
    })())
  ) events.push(event);
  return events;
}

/** Every part the parser emits for `events`, its end included (relayed events too). */
function allParts(events: StreamEvent[]): StreamPart[] {
  const parser = streamParser(ctx);
  return [...events.flatMap((e) => parser.push(e)), ...parser.end()];
}

/** The parts read from `events` (without the events relayed as they came). */
function parts(events: StreamEvent[]): StreamPart[] {
  return allParts(events).filter((part) => part.type !== "anthropic_event");
}

/** The chat chunks an OpenAI client gets for `events` (usage asked for). */
function chatChunks(events: StreamEvent[]): ChatChunk[] {
  return new ChatStreamWriter(true, new Redactor()).chunks(allParts(events)) as ChatChunk[];
}

/** The completion chunks an OpenAI client gets for `events` (usage asked for). */
function completionsChunks(events: StreamEvent[]): CompletionsChunk[] {
  return new CompletionsStreamWriter(true, new Redactor()).chunks(
    allParts(events),
  ) as CompletionsChunk[];
}

const ev = (data: Record<string, unknown>): StreamEvent => ({
  event: String(data.type),
  data: JSON.stringify(data),
});

Deno.test("streamParser() emits start, text, finish and usage parts for a text stream", async () => {
  assertEquals(parts(await fixtureEvents("stream_text.sse")), [
    {
      type: "start",
      id: "msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY",
      model: "claude-sonnet-4-5-20250929",
    },
    { type: "text", text: "Hello" },
    { type: "text", text: "!" },
    { type: "finish", reason: "stop" },
    {
      type: "usage",
      usage: {
        prompt_tokens: 25,
        completion_tokens: 15,
        total_tokens: 40,
        prompt_tokens_details: { cached_tokens: 0 },
      },
    },
  ]);
});

Deno.test("streamParser() emits tool calls and their arguments, an argument-less call's from its start", async () => {
  const toolParts = parts(await fixtureEvents("stream_tool_use.sse")).filter((p) =>
    p.type === "tool_call" || p.type === "tool_arguments"
  );
  assertEquals(toolParts, [
    { type: "tool_call", index: 0, id: "toolu_01T1x1fJ34qAmk2tNTrN7Up6", name: "get_weather" },
    { type: "tool_arguments", index: 0, arguments: '{"location":' },
    { type: "tool_arguments", index: 0, arguments: ' "San Francisco, CA"}' },
    { type: "tool_call", index: 1, id: "toolu_02NoArgs", name: "get_time" },
    { type: "tool_arguments", index: 1, arguments: "{}" },
  ]);
});

Deno.test("streamParser() starts with the configured model when message_start names none, or is missing", () => {
  const blockStart = ev({
    type: "content_block_start",
    index: 0,
    content_block: { type: "text", text: "Hi" },
  });
  const start = ev({ type: "message_start", message: { id: "m" } });
  assertEquals(streamParser(ctx).push(start), [
    { type: "anthropic_event", event: "message_start", data: start.data },
    { type: "start", id: "m", model: "claude-sonnet-4-5" },
  ]);
  assertEquals(streamParser(ctx).push(blockStart), [
    { type: "anthropic_event", event: "content_block_start", data: blockStart.data },
    { type: "start", id: null, model: "claude-sonnet-4-5" },
    { type: "text", text: "Hi" },
  ]);
});

Deno.test("streamParser() relays every event as it came, first in its parts, ping included", async () => {
  const events = await fixtureEvents("stream_text.sse");
  const parser = streamParser(ctx);
  const relayed = events.map((event) => parser.push(event)[0]);
  assertEquals(
    relayed,
    events.map((event) => ({
      type: "anthropic_event",
      event: JSON.parse(event.data).type,
      data: event.data,
    })),
  );
});

Deno.test("streamParser() → chat chunks: relays a text stream: role, deltas, finish, usage", async () => {
  const chunks = chatChunks(await fixtureEvents("stream_text.sse"));
  assertEquals(chunks.map((c) => c.choices[0]?.delta ?? null), [
    { role: "assistant", content: "" },
    { content: "Hello" },
    { content: "!" },
    {},
    null,
  ]);
  assertEquals(chunks.map((c) => c.choices[0]?.finish_reason ?? null), [
    null,
    null,
    null,
    "stop",
    null,
  ]);
  const last = chunks[chunks.length - 1] as ChatChunk;
  assertEquals(last.choices, []);
  assertEquals(last.usage, {
    prompt_tokens: 25,
    completion_tokens: 15,
    total_tokens: 40,
    prompt_tokens_details: { cached_tokens: 0 },
  });
  for (const chunk of chunks) {
    assertEquals(chunk.id, "msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY");
    assertEquals(chunk.model, "claude-sonnet-4-5-20250929");
    assertEquals(chunk.object, "chat.completion.chunk");
  }
});

Deno.test("streamParser() → chat chunks: numbers tool calls by call, not by content block", async () => {
  const chunks = chatChunks(await fixtureEvents("stream_tool_use.sse"));
  const toolDeltas = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
  assertEquals(toolDeltas, [
    {
      index: 0,
      id: "toolu_01T1x1fJ34qAmk2tNTrN7Up6",
      type: "function",
      function: { name: "get_weather", arguments: "" },
    },
    { index: 0, function: { arguments: '{"location":' } },
    { index: 0, function: { arguments: ' "San Francisco, CA"}' } },
    {
      index: 1,
      id: "toolu_02NoArgs",
      type: "function",
      function: { name: "get_time", arguments: "" },
    },
    { index: 1, function: { arguments: "{}" } },
  ]);
  const text = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
  assertEquals(text, "Okay, let's check the weather");
  const finish = chunks.map((c) => c.choices[0]?.finish_reason).filter(Boolean);
  assertEquals(finish, ["tool_calls"]);
});

Deno.test("streamParser() → chat chunks: sends thinking as reasoning_content and skips signatures", () => {
  const chunks = chatChunks([
    ev({ type: "message_start", message: { id: "m", model: "c", usage: { input_tokens: 1 } } }),
    ev({
      type: "content_block_start",
      index: 0,
      content_block: { type: "thinking", thinking: "" },
    }),
    ev({
      type: "content_block_delta",
      index: 0,
      delta: { type: "thinking_delta", thinking: "Hm." },
    }),
    ev({
      type: "content_block_delta",
      index: 0,
      delta: { type: "signature_delta", signature: "s" },
    }),
    ev({ type: "content_block_stop", index: 0 }),
    ev({
      type: "message_delta",
      delta: { stop_reason: "max_tokens" },
      usage: { output_tokens: 3 },
    }),
    ev({ type: "message_stop" }),
  ]);
  assertEquals(chunks[1]?.choices[0]?.delta, { reasoning_content: "Hm." });
  assertEquals(chunks[2]?.choices[0]?.finish_reason, "length");
  assertEquals(chunks.length, 4);
});

Deno.test("streamParser() throws on an error event", () => {
  const parser = streamParser(ctx);
  parser.push(ev({ type: "message_start", message: { id: "m", model: "c" } }));
  const error = assertThrows(() =>
    parser.push(ev({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } }))
  );
  assertEquals(error instanceof ProviderError, true);
  assertEquals((error as ProviderError).status, 502);
  assertEquals(
    error.message,
    "Anthropic reported an error mid-stream (overloaded_error): Overloaded",
  );
});

Deno.test("streamParser() fails a stream that ends before message_stop", () => {
  const parser = streamParser(ctx);
  parser.push(ev({ type: "message_start", message: { id: "m", model: "c" } }));
  parser.push(
    ev({ type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }),
  );
  assertThrows(() => parser.end(), /before message_stop/);
  assertThrows(() => streamParser(ctx).end(), /without sending any message/);
});

Deno.test("streamParser() is finished at message_stop and drops what follows it", () => {
  const parser = streamParser(ctx);
  parser.push(ev({ type: "message_start", message: { id: "m", model: "c" } }));
  assertEquals(parser.finished?.(), false);
  parser.push(ev({ type: "message_stop" }));
  assertEquals(parser.finished?.(), true);
  assertEquals(parser.push(ev({ type: "error", error: { type: "late", message: "x" } })), []);
  assertEquals(parser.end(), []);
});

Deno.test("streamParser() skips unknown events and refuses events that are not JSON", () => {
  const parser = streamParser(ctx);
  // Skipped by other clients; an Anthropic client gets it as it came.
  assertEquals(parser.push({ event: "future_event", data: '{"type":"future_event"}' }), [
    { type: "anthropic_event", event: "future_event", data: '{"type":"future_event"}' },
  ]);
  assertThrows(() => parser.push({ event: "content_block_delta", data: "{oops" }), /not JSON/);
});

Deno.test("streamParser() → completion chunks: relays the text, then finish and usage", async () => {
  const chunks = completionsChunks(await fixtureEvents("stream_text.sse"));
  assertEquals(chunks.map((c) => c.choices[0]?.text ?? null), ["Hello", "!", "", null]);
  assertEquals(chunks[2]?.choices[0]?.finish_reason, "stop");
  assertEquals(chunks[3]?.usage?.total_tokens, 40);
  assertEquals(chunks[0]?.object, "text_completion");
});
