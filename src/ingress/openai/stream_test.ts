import { assert, assertEquals } from "../../../tests/assert.ts";
import { Redactor } from "../../observe/redact.ts";
import { RawOpenAIChunk, type StreamPart } from "../../core/stream_parts.ts";
import type { ChatChunk } from "../../schemas/chat.ts";
import { ChatStreamWriter, CompletionsStreamWriter } from "./stream.ts";

const PARTS: StreamPart[] = [
  { type: "start", id: "msg_1", model: "claude-x" },
  { type: "text", text: "Hi" },
  { type: "reasoning", text: "thinking" },
  { type: "tool_call", index: 0, id: "call_1", name: "get_weather" },
  { type: "tool_arguments", index: 0, arguments: '{"city":' },
  { type: "finish", reason: "tool_calls" },
  { type: "usage", usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } },
];

Deno.test("ChatStreamWriter writes parts as OpenAI chat chunks under one head", () => {
  const writer = new ChatStreamWriter(true, new Redactor());
  const chunks = writer.chunks(PARTS);
  assertEquals(
    chunks.map((c) => [c.id, c.model, c.object]),
    Array(7).fill([
      "msg_1",
      "claude-x",
      "chat.completion.chunk",
    ]),
  );
  assertEquals(chunks.map((c) => c.choices[0]), [
    { index: 0, delta: { role: "assistant", content: "" }, finish_reason: null },
    { index: 0, delta: { content: "Hi" }, finish_reason: null },
    { index: 0, delta: { reasoning_content: "thinking" }, finish_reason: null },
    {
      index: 0,
      delta: {
        tool_calls: [{
          index: 0,
          id: "call_1",
          type: "function",
          function: { name: "get_weather", arguments: "" },
        }],
      },
      finish_reason: null,
    },
    {
      index: 0,
      delta: { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] },
      finish_reason: null,
    },
    { index: 0, delta: {}, finish_reason: "tool_calls" },
    undefined,
  ]);
  assertEquals(chunks[6]?.usage?.total_tokens, 5);
});

Deno.test("ChatStreamWriter sends usage only when the client asked for it", () => {
  const writer = new ChatStreamWriter(false, new Redactor());
  assertEquals(writer.chunks(PARTS).length, 6);
  const relayed = writer.chunks([{
    type: "openai_chunk",
    chunk: {
      id: "c",
      object: "chat.completion.chunk",
      created: 1,
      model: "m",
      choices: [{ index: 0, delta: { content: "x" }, finish_reason: null }],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    },
  }]);
  assertEquals(relayed.length, 1);
  assertEquals("usage" in (relayed[0] as object), false);
});

Deno.test("CompletionsStreamWriter writes text and the finish as completion chunks", () => {
  const writer = new CompletionsStreamWriter(true, new Redactor());
  const chunks = writer.chunks(PARTS);
  assertEquals(chunks.map((c) => c.choices[0]), [
    { index: 0, text: "Hi", finish_reason: null },
    { index: 0, text: "", finish_reason: "tool_calls" },
    undefined,
  ]);
  assertEquals(chunks.every((c) => c.object === "text_completion"), true);
});

Deno.test("an OpenAI stream writer ends with [DONE] and reports a failure as an error event", () => {
  const writer = new ChatStreamWriter(false, new Redactor(["sk-secret-123"]));
  assertEquals(writer.end(), "data: [DONE]\n\n");
  const event = writer.error(new Error("socket closed sk-secret-123"));
  assertEquals(
    JSON.parse(event.slice(6)).error.message,
    "the upstream stream failed",
  );
});

Deno.test("OpenAI stream writers give a stream without an upstream id one of their API's kind", () => {
  const start: StreamPart[] = [{ type: "start", id: null, model: "m" }, {
    type: "text",
    text: "x",
  }];
  const chat = new ChatStreamWriter(true, new Redactor()).chunks(start);
  const completion = new CompletionsStreamWriter(true, new Redactor()).chunks(start);
  assertEquals(chat.every((c) => /^chatcmpl-[0-9a-f]{32}$/.test(c.id ?? "")), true);
  assertEquals(completion.every((c) => /^cmpl-[0-9a-f]{32}$/.test(c.id ?? "")), true);
  assertEquals(new Set(chat.map((c) => c.id)).size, 1, "one id for the whole stream");
});

Deno.test("ChatStreamWriter keeps choices apart and relays a call's extra fields", () => {
  const chunks = new ChatStreamWriter(false, new Redactor()).chunks([
    { type: "start", id: "r", model: "m" },
    { type: "text", text: "A" },
    { type: "text", text: "B", choice: 1 },
    {
      type: "tool_call",
      index: 0,
      id: "call_1",
      name: "f",
      choice: 1,
      extra: { extra_content: { google: { thought_signature: "sig" } } },
    },
    { type: "finish", reason: "stop" },
    { type: "finish", reason: "tool_calls", choice: 1 },
  ]) as ChatChunk[];
  assertEquals(chunks.map((c) => c.choices[0]?.index), [0, 0, 1, 1, 0, 1]);
  assertEquals(chunks[2]?.choices[0]?.delta, { role: "assistant", content: "B" });
  assertEquals(
    (chunks[3]?.choices[0]?.delta.tool_calls?.[0] as Record<string, unknown>).extra_content,
    { google: { thought_signature: "sig" } },
  );
});

Deno.test("ChatStreamWriter writes relayed chunks as the bytes they came as, one view per run", () => {
  const writer = new ChatStreamWriter(false, new Redactor());
  const a = '{"id":"c","choices":[{"delta":{"content":"a"}}]}';
  const b = '{"id":"c","choices":[{"delta":{"content":"b"}}]}';
  const read = new TextEncoder().encode(`data: ${a}\n\ndata: ${b}\n\n`);
  const first = new RawOpenAIChunk(a, read, 0, a.length + 8);
  const second = new RawOpenAIChunk(b, read, a.length + 8, read.length);
  // A read relayed whole: a view of the read itself, nothing copied.
  const whole = writer.batch([first, second]);
  assert(Array.isArray(whole) && whole.length === 1 && whole[0]!.buffer === read.buffer);
  assertEquals(new TextDecoder().decode(whole[0]), `data: ${a}\n\ndata: ${b}\n\n`);
  // Mixed with chunks written anew (and one with no bytes kept), in their order.
  const mixed = writer.batch([
    { type: "start", id: "c", model: "m" },
    first,
    new RawOpenAIChunk(b),
    second,
    { type: "finish", reason: "stop" },
  ]);
  const text = (mixed as Uint8Array[]).map((piece) => new TextDecoder().decode(piece)).join("");
  const events = text.split("\n\n").filter(Boolean);
  assertEquals(events.length, 5);
  assertEquals(events.slice(1, 4), [`data: ${a}`, `data: ${b}`, `data: ${b}`]);
  assertEquals(JSON.parse(events[4]!.slice(6)).choices[0].finish_reason, "stop");
  // Only text: text.
  assertEquals(typeof writer.batch([new RawOpenAIChunk(a)]), "string");
});
