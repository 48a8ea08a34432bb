import { assert, assertEquals, assertNotIncludes } from "../../../tests/assert.ts";
import { InvalidRequestError, upstreamError } from "../../core/errors.ts";
import type { StreamPart } from "../../core/stream_parts.ts";
import { Redactor } from "../../observe/redact.ts";
import type { ChatChunk } from "../../schemas/chat.ts";
import { GeminiStreamWriter } from "./stream.ts";

const SECRET = "sk-secret-123456";
const USAGE = { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 };

/** A writer for model `gemini-endpoint` (a secret known to its redactor). */
function writer(): GeminiStreamWriter {
  return new GeminiStreamWriter("gemini-endpoint", new Redactor([SECRET]));
}

/**
 * Reads `text` as `alt=sse` events: blank-line separated, each exactly one `data:` line of JSON
 * (Google sends no `event:` lines).
 */
function events(text: string): Record<string, unknown>[] {
  if (text === "") return [];
  assert(text.endsWith("\n\n"), `not ended by a blank line: ${JSON.stringify(text.slice(-20))}`);
  return text.slice(0, -2).split("\n\n").map((block) => {
    const lines = block.split("\n");
    assertEquals(lines.length, 1, `one data line: ${block}`);
    const line = lines[0] as string;
    assert(line.startsWith("data: "), block);
    return JSON.parse(line.slice("data: ".length)) as Record<string, unknown>;
  });
}

/** The one event `text` holds. */
function onlyEvent(text: string): Record<string, unknown> {
  const all = events(text);
  assertEquals(all.length, 1, text);
  return all[0] as Record<string, unknown>;
}

/** An event's first candidate. */
function candidate(event: Record<string, unknown>): Record<string, unknown> {
  return (event.candidates as Record<string, unknown>[])[0] as Record<string, unknown>;
}

Deno.test("GeminiStreamWriter.batch() writes a batch's text as one data event", () => {
  const w = writer();
  const text = w.batch([
    { type: "start", id: "chatcmpl-1", model: "upstream-model" },
    { type: "text", text: "Hel" },
    { type: "text", text: "lo" },
  ]);
  assert(!text.includes("event:"), text);
  assertEquals(onlyEvent(text), {
    candidates: [{ content: { role: "model", parts: [{ text: "Hello" }] }, index: 0 }],
    modelVersion: "gemini-endpoint",
    responseId: "chatcmpl-1",
  });
  assertEquals(candidate(onlyEvent(w.batch([{ type: "text", text: "!" }]))), {
    content: { role: "model", parts: [{ text: "!" }] },
    index: 0,
  });
});

Deno.test("GeminiStreamWriter.batch() writes nothing for a batch without text", () => {
  const w = writer();
  assertEquals(w.batch([{ type: "start", id: null, model: "m" }]), "");
  assertEquals(w.batch([{ type: "reasoning", text: "thinking" }]), "");
  assertEquals(
    w.batch([
      { type: "tool_call", index: 0, id: "call_1", name: "f" },
      { type: "tool_arguments", index: 0, arguments: "{}" },
    ]),
    "",
  );
  assertEquals(w.batch([{ type: "finish", reason: "stop" }, { type: "usage", usage: USAGE }]), "");
  assertEquals(w.batch([{ type: "text", text: "" }]), "");
});

Deno.test("GeminiStreamWriter.batch() leaves out the text of choices after the first", () => {
  const w = writer();
  const text = w.batch([{ type: "text", text: "A" }, { type: "text", text: "B", choice: 1 }]);
  assertEquals(candidate(onlyEvent(text)).content, { role: "model", parts: [{ text: "A" }] });
});

Deno.test("GeminiStreamWriter.end() writes a last event with STOP and the usage", () => {
  const w = writer();
  w.batch([
    { type: "start", id: "chatcmpl-2", model: "m" },
    { type: "text", text: "Hi" },
  ]);
  w.batch([{ type: "finish", reason: "stop" }, { type: "usage", usage: USAGE }]);
  assertEquals(onlyEvent(w.end()), {
    candidates: [{ content: { role: "model", parts: [] }, index: 0, finishReason: "STOP" }],
    modelVersion: "gemini-endpoint",
    usageMetadata: { promptTokenCount: 12, candidatesTokenCount: 5, totalTokenCount: 17 },
    responseId: "chatcmpl-2",
  });
});

Deno.test("GeminiStreamWriter.end() writes MAX_TOKENS for a cut answer", () => {
  const w = writer();
  w.batch([{ type: "text", text: "Hel" }, { type: "finish", reason: "length" }]);
  assertEquals(candidate(onlyEvent(w.end())).finishReason, "MAX_TOKENS");
});

Deno.test("GeminiStreamWriter.end() writes STOP and no usage when the stream had no finish", () => {
  const event = onlyEvent(writer().end());
  assertEquals(candidate(event).finishReason, "STOP");
  assertEquals("usageMetadata" in event, false);
  assertEquals("responseId" in event, false);
});

Deno.test("GeminiStreamWriter.end() writes the function calls whole with args parsed from their pieces", () => {
  const w = writer();
  const parts: StreamPart[][] = [
    [{ type: "tool_call", index: 0, id: "call_a", name: "get_weather" }],
    [{ type: "tool_arguments", index: 0, arguments: '{"ci' }],
    [
      { type: "tool_arguments", index: 0, arguments: 'ty":"Paris"}' },
      { type: "tool_call", index: 1, id: "call_b", name: "now" },
    ],
    [{ type: "finish", reason: "tool_calls" }, { type: "usage", usage: USAGE }],
  ];
  for (const batch of parts) assertEquals(w.batch(batch), "");
  const last = onlyEvent(w.end());
  assertEquals(candidate(last), {
    content: {
      role: "model",
      parts: [
        { functionCall: { id: "call_a", name: "get_weather", args: { city: "Paris" } } },
        { functionCall: { id: "call_b", name: "now", args: {} } },
      ],
    },
    index: 0,
    finishReason: "STOP",
  });
  assertEquals(last.usageMetadata, {
    promptTokenCount: 12,
    candidatesTokenCount: 5,
    totalTokenCount: 17,
  });
});

Deno.test("GeminiStreamWriter.end() keeps a call's broken arguments under {arguments: text}", () => {
  const w = writer();
  w.batch([
    { type: "tool_call", index: 0, id: "c", name: "f" },
    { type: "tool_arguments", index: 0, arguments: '{"a":' },
  ]);
  assertEquals(candidate(onlyEvent(w.end())).content, {
    role: "model",
    parts: [{ functionCall: { id: "c", name: "f", args: { arguments: '{"a":' } } }],
  });
});

Deno.test("GeminiStreamWriter.end() writes nothing the second time, nor for later batches", () => {
  const w = writer();
  w.batch([{ type: "text", text: "Hi" }]);
  assertEquals(events(w.end()).length, 1);
  assertEquals(w.end(), "");
  assertEquals(w.batch([{ type: "text", text: "late" }]), "");
  assertEquals(w.error(new Error("late")), "");
});

Deno.test("GeminiStreamWriter.error() writes Google's error body as a data event, then end() writes nothing", () => {
  const w = writer();
  w.batch([{ type: "text", text: "Hi" }]);
  const text = w.error(new InvalidRequestError("bad request"));
  assert(!text.includes("event:"), text);
  assertEquals(onlyEvent(text), {
    error: { code: 400, message: "bad request", status: "INVALID_ARGUMENT" },
  });
  assertEquals(w.end(), "");
});

Deno.test("GeminiStreamWriter.error() writes a failure that is no gateway error as a 502 INTERNAL", () => {
  const event = onlyEvent(writer().error(new TypeError("socket closed")));
  assertEquals(event, {
    error: { code: 502, message: "the upstream stream failed", status: "INTERNAL" },
  });
});

Deno.test("GeminiStreamWriter.error() redacts a secret in the message", () => {
  const error = upstreamError({
    status: 503,
    message: `key ${SECRET} is over quota`,
    endpoint: "gemini",
    provider: "google",
  });
  const text = writer().error(error);
  assertNotIncludes(text, SECRET);
  assertEquals(onlyEvent(text), {
    error: { code: 502, message: error.message.replace(SECRET, "[REDACTED]"), status: "INTERNAL" },
  });
});

Deno.test("GeminiStreamWriter writes an openai_chunk part's text, and its calls, finish and usage at the end", () => {
  const w = writer();
  const chunk = (delta: ChatChunk["choices"][number]["delta"], finish: string | null = null) => ({
    type: "openai_chunk" as const,
    chunk: {
      id: "chatcmpl-9",
      object: "chat.completion.chunk" as const,
      created: 1,
      model: "gpt-4o",
      choices: [{ index: 0, delta, finish_reason: finish }],
    },
  });
  assertEquals(candidate(onlyEvent(w.batch([chunk({ role: "assistant", content: "Hi" })]))), {
    content: { role: "model", parts: [{ text: "Hi" }] },
    index: 0,
  });
  w.batch([
    chunk({
      tool_calls: [{ index: 0, id: "call_x", function: { name: "f", arguments: '{"q":1}' } }],
    }, "length"),
    {
      type: "openai_chunk",
      chunk: {
        id: "chatcmpl-9",
        object: "chat.completion.chunk",
        created: 1,
        model: "gpt-4o",
        choices: [],
        usage: USAGE,
      },
    },
  ]);
  const last = onlyEvent(w.end());
  assertEquals(candidate(last), {
    content: {
      role: "model",
      parts: [{ functionCall: { id: "call_x", name: "f", args: { q: 1 } } }],
    },
    index: 0,
    finishReason: "MAX_TOKENS",
  });
  assertEquals(last.usageMetadata, {
    promptTokenCount: 12,
    candidatesTokenCount: 5,
    totalTokenCount: 17,
  });
});
