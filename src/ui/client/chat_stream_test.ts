import { assertEquals, assertThrows } from "../../../tests/assert.ts";
import { addChunk, emptyAnswer, parseTools, SseReader, toolCallJson } from "./chat_stream.ts";

const chunk = (delta: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ choices: [{ index: 0, delta, finish_reason: null }], ...extra });

Deno.test("SseReader cuts events out of pieces split anywhere, CRLF or LF", () => {
  const reader = new SseReader();
  assertEquals(reader.push('data: {"a"'), []);
  assertEquals(reader.push(":1}\r\n\r\nda"), ['{"a":1}']);
  assertEquals(reader.push("ta: [DONE]\n\n: comment\n\n"), ["[DONE]"]);
  assertEquals(reader.push("event: x\ndata: one\ndata: two\n\n"), ["one\ntwo"]);
});

Deno.test("addChunk() builds the text, the tool calls by index, the finish reason and usage", () => {
  const answer = emptyAnswer();
  addChunk(answer, chunk({ role: "assistant", content: "Hel" }, { model: "m" }));
  addChunk(answer, chunk({ content: "lo" }));
  addChunk(
    answer,
    chunk({ tool_calls: [{ index: 0, id: "call_1", function: { name: "f", arguments: '{"x"' } }] }),
  );
  addChunk(answer, chunk({ tool_calls: [{ index: 0, function: { arguments: ":1}" } }] }));
  addChunk(answer, JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: "stop" }] }));
  addChunk(
    answer,
    JSON.stringify({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 2 } }),
  );
  assertEquals(addChunk(answer, "[DONE]"), false);
  assertEquals(answer.content, "Hello");
  assertEquals(answer.model, "m");
  assertEquals(answer.toolCalls, [{ id: "call_1", name: "f", arguments: '{"x":1}' }]);
  assertEquals(answer.finishReason, "stop");
  assertEquals(answer.usage, { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 });
});

Deno.test("addChunk() reads a whole (non-streamed) answer and an error event", () => {
  const answer = emptyAnswer();
  addChunk(
    answer,
    JSON.stringify({
      choices: [{ message: { role: "assistant", content: "Hi" }, finish_reason: "stop" }],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    }),
  );
  assertEquals([answer.content, answer.finishReason, answer.usage?.total_tokens], [
    "Hi",
    "stop",
    2,
  ]);
  addChunk(answer, JSON.stringify({ error: { message: "upstream cut" } }));
  assertEquals(answer.error, "upstream cut");
  assertEquals(addChunk(answer, "not json"), true, "a bad event is skipped");
});

Deno.test("toolCallJson() shows arguments parsed when they are JSON", () => {
  assertEquals(
    JSON.parse(toolCallJson({ id: "c", name: "f", arguments: '{"x":1}' })).arguments,
    { x: 1 },
  );
  assertEquals(
    JSON.parse(toolCallJson({ id: "c", name: "f", arguments: '{"x"' })).arguments,
    '{"x"',
  );
});

Deno.test("parseTools() takes OpenAI tools or bare function definitions, and says what is wrong", () => {
  assertEquals(parseTools("  "), undefined);
  const fn = { name: "get_weather", parameters: { type: "object" } };
  assertEquals(parseTools(JSON.stringify([fn])), [{ type: "function", function: fn }]);
  assertEquals(parseTools(JSON.stringify(fn)), [{ type: "function", function: fn }]);
  const tool = { type: "function", function: fn };
  assertEquals(parseTools(JSON.stringify([tool])), [tool]);
  assertThrows(() => parseTools("[{"), /tools: not JSON/);
  assertThrows(() => parseTools("[1]"), /tools\[0\] must be an object/);
  assertThrows(() => parseTools('[{"parameters": {}}]'), /tools\[0\] needs a name/);
});
