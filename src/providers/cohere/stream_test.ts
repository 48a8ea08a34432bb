import { assertEquals, assertThrows } from "../../../tests/assert.ts";
import type { CallContext, StreamEvent } from "../../core/provider.ts";
import type { ChatChunk } from "../../schemas/chat.ts";
import { cohereChatStreamParser, cohereCompletionsStreamParser } from "./stream.ts";

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

function run(events: StreamEvent[]): ChatChunk[] {
  const parser = cohereChatStreamParser(ctx);
  return [...events.flatMap((e) => parser.push(e)), ...parser.end()];
}

Deno.test("cohereChatStreamParser() streams text with a role chunk, finish and usage chunks", () => {
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

Deno.test("cohereChatStreamParser() gives each streamed tool call its own index", () => {
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

Deno.test("cohereChatStreamParser() throws when message-end reports ERROR", () => {
  const parser = cohereChatStreamParser(ctx);
  parser.push(start);
  assertThrows(
    () => parser.push(end("ERROR", { error: "internal generation failure" })),
    /internal generation failure/,
  );
});

Deno.test("cohereChatStreamParser() throws when the stream ends before message-end", () => {
  const parser = cohereChatStreamParser(ctx);
  parser.push(start);
  parser.push(text("partial"));
  assertThrows(() => parser.end(), /ended before its message-end/);
});

Deno.test("cohereChatStreamParser() rejects an event that is not JSON", () => {
  const parser = cohereChatStreamParser(ctx);
  assertThrows(() => parser.push({ event: "content-delta", data: "{oops" }), /not JSON/);
});

Deno.test("cohereChatStreamParser() adds the role to the first chunk without message-start", () => {
  const chunks = run([text("Hi"), end("MAX_TOKENS")]);
  assertEquals(chunks[0]?.choices[0]?.delta, { role: "assistant", content: "Hi" });
  assertEquals(chunks[1]?.choices[0]?.finish_reason, "length");
});

Deno.test("cohereCompletionsStreamParser() streams text, a finish chunk and a usage chunk", () => {
  const parser = cohereCompletionsStreamParser(ctx);
  const chunks = [
    ...[start, contentStart, text("a"), text(" b"), end("STOP_SEQUENCE")].flatMap((e) =>
      parser.push(e)
    ),
    ...parser.end(),
  ];
  assertEquals(
    chunks.map((c) => [c.choices[0]?.text ?? null, c.choices[0]?.finish_reason ?? null]),
    [["a", null], [" b", null], ["", "stop"], [null, null]],
  );
  assertEquals(chunks.every((c) => c.object === "text_completion"), true);
  assertEquals(chunks[3]?.usage?.total_tokens, 12);
});
