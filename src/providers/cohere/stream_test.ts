import { assert, assertEquals, assertThrows } from "../../../tests/assert.ts";
import type { CallContext, StreamEvent } from "../../core/provider.ts";
import { SseDecoder } from "../../core/sse.ts";
import type { StreamPart } from "../../core/stream_parts.ts";
import { ChatStreamWriter, CompletionsStreamWriter } from "../../ingress/openai/stream.ts";
import { Redactor } from "../../observe/redact.ts";
import type { ChatChunk } from "../../schemas/chat.ts";
import type { CompletionsChunk } from "../../schemas/completions.ts";
import { streamParser } from "./stream.ts";

const ctx: CallContext<unknown> = {
  endpoint: "chat",
  model: "command-a-03-2025",
  config: {},
  stream: true,
};

function ev(json: Record<string, unknown>): StreamEvent {
  return { event: json.type as string, data: JSON.stringify(json) };
}

const start = ev({
  id: "m1",
  type: "message-start",
  delta: {
    message: { role: "assistant", content: [], tool_plan: "", tool_calls: [], citations: [] },
  },
});
const contentStart = ev({
  type: "content-start",
  index: 0,
  delta: { message: { content: { type: "text", text: "" } } },
});
const text = (t: string) =>
  ev({ type: "content-delta", index: 0, delta: { message: { content: { text: t } } } });
const end = (reason: string, extra: Record<string, unknown> = {}) =>
  ev({
    type: "message-end",
    delta: {
      finish_reason: reason,
      usage: {
        billed_units: { input_tokens: 3, output_tokens: 2 },
        tokens: { input_tokens: 10, output_tokens: 2 },
      },
      ...extra,
    },
  });

function parts(events: StreamEvent[]): StreamPart[] {
  const parser = streamParser(ctx);
  return [...events.flatMap((e) => parser.push(e)), ...parser.end()];
}

/** What an OpenAI chat client gets from the parts (usage asked for). */
const chatChunks = (parts: StreamPart[]) =>
  new ChatStreamWriter(true, new Redactor()).chunks(parts) as ChatChunk[];

/** What an OpenAI completions client gets from the parts (usage asked for). */
const completionsChunks = (parts: StreamPart[]) =>
  new CompletionsStreamWriter(true, new Redactor()).chunks(parts) as CompletionsChunk[];

const run = (events: StreamEvent[]): ChatChunk[] => chatChunks(parts(events));

Deno.test("streamParser() streams text with a role chunk, finish and usage chunks", () => {
  const chunks = run([
    start,
    contentStart,
    text("Hel"),
    text("lo"),
    ev({ type: "content-end", index: 0 }),
    end("COMPLETE"),
    { event: undefined, data: "[DONE]" },
  ]);
  assertEquals(chunks.map((c) => c.choices[0]?.delta ?? null), [
    { role: "assistant", content: "" },
    { content: "Hel" },
    { content: "lo" },
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
  assertEquals(chunks.every((c) => c.id === "m1" && c.object === "chat.completion.chunk"), true);
  assertEquals(chunks[4]?.usage, { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 });
  assertEquals(chunks.filter((c) => c.usage !== undefined).length, 1);
});

Deno.test("streamParser() gives each streamed tool call its own index", () => {
  const toolStart = (i: number, id: string, name: string) =>
    ev({
      type: "tool-call-start",
      index: i,
      delta: {
        message: {
          tool_calls: { id, type: "function", function: { name, arguments: "" } },
        },
      },
    });
  const toolDelta = (i: number, args: string) =>
    ev({
      type: "tool-call-delta",
      index: i,
      delta: { message: { tool_calls: { function: { arguments: args } } } },
    });
  const chunks = run([
    start,
    ev({ type: "tool-plan-delta", delta: { message: { tool_plan: "I will check." } } }),
    toolStart(0, "get_weather_a1", "get_weather"),
    toolDelta(0, '{"city":'),
    toolDelta(0, '"Paris"}'),
    ev({ type: "tool-call-end", index: 0 }),
    toolStart(1, "get_time_b2", "get_time"),
    toolDelta(1, "{}"),
    ev({ type: "tool-call-end", index: 1 }),
    end("TOOL_CALL"),
  ]);
  const calls = new Map<number, { id?: string; name: string; args: string }>();
  for (const chunk of chunks) {
    for (const delta of chunk.choices[0]?.delta.tool_calls ?? []) {
      const call = calls.get(delta.index) ?? { name: "", args: "" };
      if (delta.id) call.id = delta.id;
      call.name += delta.function?.name ?? "";
      call.args += delta.function?.arguments ?? "";
      calls.set(delta.index, call);
    }
  }
  assertEquals([...calls.entries()], [
    [0, { id: "get_weather_a1", name: "get_weather", args: '{"city":"Paris"}' }],
    [1, { id: "get_time_b2", name: "get_time", args: "{}" }],
  ]);
  assertEquals(chunks[1]?.choices[0]?.delta, { content: "I will check." });
  assertEquals(chunks.at(-2)?.choices[0]?.finish_reason, "tool_calls");
});

Deno.test("streamParser() throws when message-end reports ERROR", () => {
  const parser = streamParser(ctx);
  parser.push(start);
  assertThrows(
    () => parser.push(end("ERROR", { error: "internal generation failure" })),
    /internal generation failure/,
  );
});

Deno.test("streamParser() throws when the stream ends before message-end", () => {
  const parser = streamParser(ctx);
  parser.push(start);
  parser.push(text("partial"));
  assertThrows(() => parser.end(), /ended before its message-end/);
});

Deno.test("streamParser() rejects an event that is not JSON", () => {
  const parser = streamParser(ctx);
  assertThrows(() => parser.push({ event: "content-delta", data: "{oops" }), /not JSON/);
});

Deno.test("streamParser() sends the role chunk first even without message-start", () => {
  const chunks = run([text("Hi"), end("MAX_TOKENS")]);
  assertEquals(chunks[0]?.choices[0]?.delta, { role: "assistant", content: "" });
  assertEquals(chunks[1]?.choices[0]?.delta, { content: "Hi" });
  assertEquals(chunks[2]?.choices[0]?.finish_reason, "length");
});

Deno.test("streamParser() gives a completions client text, a finish chunk and a usage chunk", () => {
  const chunks = completionsChunks(
    parts([start, contentStart, text("a"), text(" b"), end("STOP_SEQUENCE")]),
  );
  assertEquals(
    chunks.map((c) => [c.choices[0]?.text ?? null, c.choices[0]?.finish_reason ?? null]),
    [["a", null], [" b", null], ["", "stop"], [null, null]],
  );
  assertEquals(chunks.every((c) => c.object === "text_completion"), true);
  assertEquals(chunks[3]?.usage?.total_tokens, 12);
});

/** A recorded-shape Cohere stream (testdata/*.sse), decoded in reads of 37 bytes. */
function replay(file: string): StreamPart[] {
  const bytes = Deno.readFileSync(new URL(`./testdata/${file}`, import.meta.url));
  const parser = streamParser(ctx);
  const decoder = new SseDecoder();
  const out: StreamPart[] = [];
  for (let at = 0; at < bytes.length; at += 37) {
    for (const event of decoder.push(bytes.subarray(at, at + 37))) out.push(...parser.push(event));
  }
  for (const event of decoder.end()) out.push(...parser.push(event));
  out.push(...parser.end());
  return out;
}

Deno.test("Cohere text stream (recorded shape): role, text, finish and usage chunks", () => {
  const chunks = chatChunks(replay("stream_text.sse"));
  assertEquals(chunks[0]?.choices, [
    { index: 0, delta: { role: "assistant", content: "" }, finish_reason: null },
  ]);
  assertEquals(
    chunks.map((c) => c.choices[0]?.delta.content ?? "").join(""),
    "The sky is blue because of Rayleigh scattering.",
  );
  assertEquals(chunks.length, 12);
  assertEquals(chunks.at(-2)?.choices, [{ index: 0, delta: {}, finish_reason: "stop" }]);
  assertEquals(chunks.at(-1)?.choices, []);
  assertEquals(chunks.at(-1)?.usage, {
    prompt_tokens: 502,
    completion_tokens: 11,
    total_tokens: 513,
  });
  assert(
    chunks.every((c) =>
      c.id === "5a42bd27-5a3c-4b3e-9ee3-1c57e4c9d0a1" && c.model === "command-a-03-2025"
    ),
  );
  const completions = completionsChunks(replay("stream_text.sse"));
  assertEquals(
    completions.map((c) => c.choices[0]?.text ?? "").join(""),
    "The sky is blue because of Rayleigh scattering.",
  );
  assertEquals(completions.at(-2)?.choices, [{ index: 0, text: "", finish_reason: "stop" }]);
  assertEquals(completions.at(-1)?.usage?.total_tokens, 513);
});

Deno.test("Cohere tool-call stream (recorded shape): the plan as text, two calls from their pieces", () => {
  const chunks = chatChunks(replay("stream_tool_calls.sse"));
  assertEquals(
    chunks.map((c) => c.choices[0]?.delta.content ?? "").join(""),
    "I will look up the weather and the time in Paris.",
  );
  const calls = new Map<number, { id: string; name: string; arguments: string }>();
  for (const chunk of chunks) {
    for (const call of chunk.choices[0]?.delta.tool_calls ?? []) {
      const seen = calls.get(call.index) ?? { id: "", name: "", arguments: "" };
      if (call.id) {
        assertEquals(call.type, "function");
        assertEquals(call.function?.arguments, "");
        seen.id = call.id;
      }
      seen.name += call.function?.name ?? "";
      seen.arguments += call.function?.arguments ?? "";
      calls.set(call.index, seen);
    }
  }
  assertEquals([...calls.entries()].map(([i, c]) => [i, c.id, c.name, JSON.parse(c.arguments)]), [
    [0, "get_weather_nsz5zm3w56q3", "get_weather", { location: "Paris" }],
    [1, "get_time_3y6yb4pvk2ch", "get_time", { timezone: "Europe/Paris" }],
  ]);
  assertEquals(chunks.at(-2)?.choices, [{ index: 0, delta: {}, finish_reason: "tool_calls" }]);
  assertEquals(chunks.at(-1)?.usage, {
    prompt_tokens: 913,
    completion_tokens: 83,
    total_tokens: 996,
  });
});

Deno.test("streamParser() is finished at message-end and drops what follows it", () => {
  const parser = streamParser(ctx);
  parser.push(start);
  parser.push(contentStart);
  parser.push(text("hi"));
  assertEquals(parser.finished?.(), false);
  assertEquals(parser.push(end("COMPLETE")).map((part) => part.type), ["finish", "usage"]);
  assertEquals(parser.finished?.(), true);
  assertEquals(parser.push(text("late")), []);
  assertEquals(parser.end(), []);
});
