import { assert, assertEquals, assertStringIncludes } from "../../../tests/assert.ts";
import { ProviderError } from "../../core/errors.ts";
import type { StreamPart } from "../../core/stream_parts.ts";
import { Redactor } from "../../observe/redact.ts";
import type { ChatChunk } from "../../schemas/chat.ts";
import { ResponsesStreamWriter } from "./stream.ts";

const USAGE = { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 };

/** One event of the Responses SSE as a client reads it. */
interface Event {
  event: string;
  data: Record<string, unknown>;
}

/**
 * Reads `text` as the Responses SSE: blank-line separated events, each an `event:` line and a
 * `data:` line of JSON whose `type` is the event's name.
 */
function parseSse(text: string): Event[] {
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

/** A writer for response `resp_1` of model `chat`, and the responses its onComplete got. */
function writer(): { w: ResponsesStreamWriter; completed: Record<string, unknown>[] } {
  const completed: Record<string, unknown>[] = [];
  const w = new ResponsesStreamWriter(
    "resp_1",
    1_700_000_000,
    "chat",
    { model: "chat" },
    new Redactor([]),
    (response) => completed.push(response),
  );
  return { w, completed };
}

/** The events of `batches` of parts, the end included. */
function eventsOf(batches: StreamPart[][], w = writer().w): Event[] {
  return parseSse(batches.map((batch) => w.batch(batch)).join("") + w.end());
}

/** The last event's response (of response.completed or response.incomplete). */
function finalResponse(events: Event[]): Record<string, unknown> {
  return events[events.length - 1]?.data.response as Record<string, unknown>;
}

const START: StreamPart = { type: "start", id: "chatcmpl-1", model: "upstream-model" };

const TEXT_STREAM: StreamPart[][] = [
  [START],
  [{ type: "text", text: "Hel" }],
  [{ type: "text", text: "lo" }],
  [{ type: "finish", reason: "stop" }],
  [{ type: "usage", usage: USAGE }],
];

Deno.test("ResponsesStreamWriter writes a text stream as the Responses event sequence", () => {
  const events = eventsOf(TEXT_STREAM);
  assertEquals(events.map((e) => e.event), [
    "response.created",
    "response.in_progress",
    "response.output_item.added",
    "response.content_part.added",
    "response.output_text.delta",
    "response.output_text.delta",
    "response.output_text.done",
    "response.content_part.done",
    "response.output_item.done",
    "response.completed",
  ]);
  assertEquals(
    events.filter((e) => e.event === "response.output_text.delta").map((e) => e.data.delta),
    ["Hel", "lo"],
  );
  assertEquals(events[6]?.data.text, "Hello");
});

Deno.test("ResponsesStreamWriter numbers its events from 0 without gaps", () => {
  const events = eventsOf(TEXT_STREAM);
  assertEquals(events.map((e) => e.data.sequence_number), events.map((_, i) => i));
});

Deno.test("ResponsesStreamWriter completes with the whole response and tells onComplete", () => {
  const { w, completed } = writer();
  const events = eventsOf(TEXT_STREAM, w);
  const response = finalResponse(events);
  assertEquals(response.id, "resp_1");
  assertEquals(response.status, "completed");
  assertEquals(response.incomplete_details, null);
  const output = response.output as Record<string, unknown>[];
  assertEquals(output.length, 1);
  assertEquals(output[0]?.type, "message");
  assertEquals(output[0]?.role, "assistant");
  assertEquals(output[0]?.status, "completed");
  assertEquals(output[0]?.content, [{ type: "output_text", text: "Hello", annotations: [] }]);
  const usage = response.usage as Record<string, unknown>;
  assertEquals(usage.input_tokens, 3);
  assertEquals(usage.output_tokens, 2);
  assertEquals(usage.total_tokens, 5);
  assertEquals(completed.length, 1);
  assertEquals(JSON.parse(JSON.stringify(completed[0])), response);
});

Deno.test("ResponsesStreamWriter starts with an in-progress response without output", () => {
  const events = eventsOf(TEXT_STREAM);
  for (const event of events.slice(0, 2)) {
    const response = event.data.response as Record<string, unknown>;
    assertEquals(response.status, "in_progress");
    assertEquals(response.output, []);
    assertEquals(response.usage, null);
  }
});

Deno.test("ResponsesStreamWriter writes a tool call as a function_call item with argument deltas", () => {
  const events = eventsOf([
    [START],
    [{ type: "tool_call", index: 0, id: "call_1", name: "lookup" }],
    [{ type: "tool_arguments", index: 0, arguments: '{"q":' }],
    [{ type: "tool_arguments", index: 0, arguments: '"x"}' }],
    [{ type: "finish", reason: "tool_calls" }],
    [{ type: "usage", usage: USAGE }],
  ]);
  assertEquals(events.map((e) => e.event), [
    "response.created",
    "response.in_progress",
    "response.output_item.added",
    "response.function_call_arguments.delta",
    "response.function_call_arguments.delta",
    "response.function_call_arguments.done",
    "response.output_item.done",
    "response.completed",
  ]);
  const added = events[2]?.data.item as Record<string, unknown>;
  assertEquals(added.type, "function_call");
  assertEquals(added.call_id, "call_1");
  assertEquals(added.name, "lookup");
  assertEquals(events[2]?.data.output_index, 0);
  assertEquals([events[3]?.data.delta, events[4]?.data.delta], ['{"q":', '"x"}']);
  assertEquals(events[3]?.data.item_id, added.id);
  assertEquals(events[5]?.data.arguments, '{"q":"x"}');
  assertEquals(events[5]?.data.name, "lookup");
  const done = events[6]?.data.item as Record<string, unknown>;
  assertEquals(done.arguments, '{"q":"x"}');
  assertEquals(done.status, "completed");
  const response = finalResponse(events);
  assertEquals(response.status, "completed");
  const output = response.output as Record<string, unknown>[];
  assertEquals(output.map((item) => [item.type, item.call_id, item.arguments]), [
    ["function_call", "call_1", '{"q":"x"}'],
  ]);
});

Deno.test("ResponsesStreamWriter closes the message item before a tool call's item is added", () => {
  const events = eventsOf([
    [START, { type: "text", text: "Let me look." }],
    [{ type: "tool_call", index: 0, id: "call_1", name: "lookup" }],
    [{ type: "tool_arguments", index: 0, arguments: "{}" }],
    [{ type: "finish", reason: "tool_calls" }, { type: "usage", usage: USAGE }],
  ]);
  assertEquals(events.map((e) => [e.event, e.data.output_index ?? null]), [
    ["response.created", null],
    ["response.in_progress", null],
    ["response.output_item.added", 0],
    ["response.content_part.added", 0],
    ["response.output_text.delta", 0],
    ["response.output_text.done", 0],
    ["response.content_part.done", 0],
    ["response.output_item.done", 0],
    ["response.output_item.added", 1],
    ["response.function_call_arguments.delta", 1],
    ["response.function_call_arguments.done", 1],
    ["response.output_item.done", 1],
    ["response.completed", null],
  ]);
  const output = finalResponse(events).output as Record<string, unknown>[];
  assertEquals(output.map((item) => item.type), ["message", "function_call"]);
});

Deno.test("ResponsesStreamWriter ends a stream cut by length as response.incomplete", () => {
  const events = eventsOf([
    [START, { type: "text", text: "Hel" }],
    [{ type: "finish", reason: "length" }, { type: "usage", usage: USAGE }],
  ]);
  assertEquals(events[events.length - 1]?.event, "response.incomplete");
  assert(!events.some((e) => e.event === "response.completed"));
  const response = finalResponse(events);
  assertEquals(response.status, "incomplete");
  assertEquals(response.incomplete_details, { reason: "max_output_tokens" });
  const output = response.output as Record<string, unknown>[];
  assertEquals(output[0]?.status, "incomplete");
});

Deno.test("ResponsesStreamWriter writes one error event after the parts and nothing after it", () => {
  const { w, completed } = writer();
  const before = w.batch([START, { type: "text", text: "Hel" }]);
  const failure = w.error(
    new ProviderError(502, "upstream_error", "the upstream stream broke", {
      code: "upstream_failed",
    }),
  );
  const events = parseSse(failure);
  assertEquals(events.map((e) => e.event), ["error"]);
  assertEquals(events[0]?.data.message, "the upstream stream broke");
  assertEquals(events[0]?.data.code, "upstream_failed");
  // It continues the numbering of the events before it.
  assertEquals(events[0]?.data.sequence_number, parseSse(before).length);
  assertEquals(w.batch([{ type: "text", text: "lo" }]), "");
  assertEquals(w.end(), "");
  assertEquals(completed, []);
});

Deno.test("ResponsesStreamWriter gives an error that is not a GatewayError a generic message", () => {
  const { w } = writer();
  w.batch([START]);
  const events = parseSse(w.error(new Error("socket details")));
  assertEquals(events.map((e) => e.event), ["error"]);
  const message = String(events[0]?.data.message);
  assertStringIncludes(message, "upstream");
  assert(!message.includes("socket details"), message);
});

Deno.test("ResponsesStreamWriter writes a relayed OpenAI chunk's content as text deltas", () => {
  const chunk = (content: string | null, finish: string | null): ChatChunk => ({
    id: "chatcmpl-1",
    object: "chat.completion.chunk",
    created: 1,
    model: "gpt-test",
    choices: [{ index: 0, delta: { content }, finish_reason: finish }],
  });
  const events = eventsOf([
    [START, { type: "openai_chunk", chunk: chunk("Hel", null) }],
    [{ type: "openai_chunk", chunk: chunk("lo", null) }],
    [{ type: "openai_chunk", chunk: { ...chunk(null, "stop"), usage: USAGE } }],
  ]);
  assertEquals(
    events.filter((e) => e.event === "response.output_text.delta").map((e) => e.data.delta),
    ["Hel", "lo"],
  );
  const response = finalResponse(events);
  assertEquals(response.status, "completed");
  const output = response.output as Record<string, unknown>[];
  assertEquals(output[0]?.content, [{ type: "output_text", text: "Hello", annotations: [] }]);
  assertEquals((response.usage as Record<string, unknown>).input_tokens, 3);
});
