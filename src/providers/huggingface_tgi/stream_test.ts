import { assertEquals, assertThrows } from "../../../tests/assert.ts";
import type { CallContext, StreamEvent } from "../../core/provider.ts";
import { tgiChatStreamParser, tgiGenerateStreamParser } from "./stream.ts";

const ctx: CallContext<unknown> = { endpoint: "tgi", model: "llama", config: {}, stream: true };

const data = (json: unknown): StreamEvent => ({ event: undefined, data: JSON.stringify(json) });
const chatChunk = (delta: Record<string, unknown>, finish: string | null, usage?: unknown) =>
  data({
    object: "chat.completion.chunk",
    id: "",
    created: 1700000000,
    model: "tgi",
    system_fingerprint: "2.4.1-native",
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    usage: usage ?? null,
  });

Deno.test("tgiChatStreamParser() relays deltas and sends usage once, in its own chunk", () => {
  const parser = tgiChatStreamParser(ctx);
  const chunks = [
    chatChunk({ role: "assistant", content: "Hel" }, null),
    chatChunk({ role: "assistant", content: "lo" }, null),
    chatChunk({ role: "assistant", content: "" }, "eos_token", {
      prompt_tokens: 3,
      completion_tokens: 2,
      total_tokens: 5,
    }),
    { event: undefined, data: "[DONE]" },
  ].flatMap((e) => parser.push(e));
  chunks.push(...parser.end());
  assertEquals(chunks.map((c) => c.choices[0]?.delta.content ?? null), ["Hel", "lo", "", null]);
  assertEquals(chunks.map((c) => c.choices[0]?.delta.role), [
    "assistant",
    undefined,
    undefined,
    undefined,
  ]);
  assertEquals(chunks[2]?.choices[0]?.finish_reason, "stop");
  assertEquals(chunks.filter((c) => c.usage).length, 1);
  assertEquals(chunks[3]?.choices, []);
  assertEquals(chunks[3]?.usage, { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 });
});

Deno.test("tgiChatStreamParser() accepts a separate usage chunk and fails on a cut stream", () => {
  const parser = tgiChatStreamParser(ctx);
  parser.push(chatChunk({ content: "a" }, null));
  parser.push(chatChunk({}, "length"));
  assertEquals(
    parser.push(data({ id: "", choices: [], usage: { prompt_tokens: 1, completion_tokens: 1 } })),
    [],
  );
  assertEquals(parser.end()[0]?.usage, { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 });
  const cut = tgiChatStreamParser(ctx);
  cut.push(chatChunk({ content: "a" }, null));
  assertThrows(() => cut.end(), /ended before its final event/);
  assertThrows(
    () =>
      tgiChatStreamParser(ctx).push(
        data({ error: "CUDA out of memory", error_type: "generation" }),
      ),
    /mid-stream: CUDA out of memory/,
  );
});

const token = (text: string, special = false, details?: unknown) =>
  data({
    index: 1,
    token: { id: 5, text, logprob: -0.5, special },
    generated_text: details ? "full text" : null,
    details: details ?? null,
    top_tokens: null,
  });

Deno.test("tgiGenerateStreamParser() streams tokens, skips special ones, ends with usage", () => {
  const parser = tgiGenerateStreamParser(ctx);
  const chunks = [
    token(" there"),
    token(" was"),
    token("</s>", true, {
      finish_reason: "eos_token",
      generated_tokens: 3,
      seed: null,
      input_length: 4,
    }),
  ].flatMap((e) => parser.push(e));
  chunks.push(...parser.end());
  assertEquals(
    chunks.map((c) => [c.choices[0]?.text ?? null, c.choices[0]?.finish_reason ?? null]),
    [[" there", null], [" was", null], ["", "stop"], [null, null]],
  );
  assertEquals(chunks[3]?.usage, { prompt_tokens: 4, completion_tokens: 3, total_tokens: 7 });
});

Deno.test("tgiGenerateStreamParser() keeps the last token's text on a length finish", () => {
  const parser = tgiGenerateStreamParser(ctx);
  const chunks = parser.push(
    token(" end", false, { finish_reason: "length", generated_tokens: 1 }),
  );
  assertEquals(chunks[0]?.choices[0], { index: 0, text: " end", finish_reason: "length" });
  assertEquals(parser.end()[0]?.usage, {
    prompt_tokens: null,
    completion_tokens: 1,
    total_tokens: 1,
  });
  const cut = tgiGenerateStreamParser(ctx);
  cut.push(token(" a"));
  assertThrows(() => cut.end(), /ended before its final event/);
});
