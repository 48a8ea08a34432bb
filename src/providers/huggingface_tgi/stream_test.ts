import { assertEquals, assertThrows } from "../../../tests/assert.ts";
import type { CallContext, StreamEvent, StreamParser } from "../../core/provider.ts";
import { parseSse } from "../../core/sse.ts";
import type { StreamPart } from "../../core/stream_parts.ts";
import { ChatStreamWriter, CompletionsStreamWriter } from "../../ingress/openai/stream.ts";
import { Redactor } from "../../observe/redact.ts";
import type { ChatChunk } from "../../schemas/chat.ts";
import type { CompletionsChunk } from "../../schemas/completions.ts";
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

/** The parts of a whole stream: every event's, then the end's. */
function run(parser: StreamParser<StreamPart>, events: StreamEvent[]): StreamPart[] {
  return [...events.flatMap((e) => parser.push(e)), ...parser.end()];
}

/** The chunks an OpenAI client gets for parts (usage included, as if asked for). */
const chatChunks = (parts: StreamPart[]) =>
  new ChatStreamWriter(true, new Redactor()).chunks(parts) as ChatChunk[];
const completionsChunks = (parts: StreamPart[]) =>
  new CompletionsStreamWriter(true, new Redactor()).chunks(parts) as CompletionsChunk[];

/** Decodes a recorded SSE fixture with the core's own SSE decoder, split as the network would. */
async function fixtureEvents(name: string): Promise<StreamEvent[]> {
  const bytes = Deno.readFileSync(new URL(`./testdata/${name}`, import.meta.url));
  const events: StreamEvent[] = [];
  for await (
    const event of parseSse((async function* () {
      yield bytes.slice(0, 257);
      yield bytes.slice(257);
    })())
  ) events.push(event);
  return events;
}

Deno.test("tgiChatStreamParser() relays deltas and sends usage once, in its own chunk", () => {
  const parts = run(tgiChatStreamParser(ctx), [
    chatChunk({ role: "assistant", content: "Hel" }, null),
    chatChunk({ role: "assistant", content: "lo" }, null),
    chatChunk({ role: "assistant", content: "" }, "eos_token", {
      prompt_tokens: 3,
      completion_tokens: 2,
      total_tokens: 5,
    }),
    { event: undefined, data: "[DONE]" },
  ]);
  assertEquals(parts.map((p) => p.type), Array(4).fill("openai_chunk"));
  const chunks = chatChunks(parts);
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
  assertEquals(chatChunks(parser.end())[0]?.usage, {
    prompt_tokens: 1,
    completion_tokens: 1,
    total_tokens: 2,
  });
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
  const parts = run(tgiGenerateStreamParser(ctx), [
    token(" there"),
    token(" was"),
    token("</s>", true, {
      finish_reason: "eos_token",
      generated_tokens: 3,
      seed: null,
      input_length: 4,
    }),
  ]);
  const chunks = completionsChunks(parts);
  assertEquals(
    chunks.map((c) => [c.choices[0]?.text ?? null, c.choices[0]?.finish_reason ?? null]),
    [[" there", null], [" was", null], ["", "stop"], [null, null]],
  );
  assertEquals(chunks[3]?.usage, { prompt_tokens: 4, completion_tokens: 3, total_tokens: 7 });
});

Deno.test("tgiGenerateStreamParser() keeps the last token's text on a length finish", () => {
  const parser = tgiGenerateStreamParser(ctx);
  const parts = parser.push(
    token(" end", false, { finish_reason: "length", generated_tokens: 1 }),
  );
  assertEquals(parts, [
    { type: "start", id: null, model: "llama" },
    { type: "text", text: " end" },
    { type: "finish", reason: "length" },
  ]);
  // The text and the finish are two chunks, as OpenAI's own completion streams end.
  assertEquals(completionsChunks(parts).map((c) => c.choices[0]), [
    { index: 0, text: " end", finish_reason: null },
    { index: 0, text: "", finish_reason: "length" },
  ]);
  assertEquals(completionsChunks(parser.end())[0]?.usage, {
    prompt_tokens: null,
    completion_tokens: 1,
    total_tokens: 1,
  });
  const cut = tgiGenerateStreamParser(ctx);
  cut.push(token(" a"));
  assertThrows(() => cut.end(), /ended before its final event/);
});

Deno.test("tgiGenerateStreamParser() replays a recorded /generate_stream answer", async () => {
  const parts = run(tgiGenerateStreamParser(ctx), await fixtureEvents("generate_stream.sse"));
  const text = " Paris. The city is known for its art, fashion, and culture.";
  assertEquals(parts[0], { type: "start", id: null, model: "llama" });
  assertEquals(parts.filter((p) => p.type === "text").length, 15, "one text part a token");
  assertEquals(parts.slice(-2), [
    { type: "finish", reason: "stop" },
    { type: "usage", usage: { prompt_tokens: 6, completion_tokens: 16, total_tokens: 22 } },
  ]);
  const chunks = completionsChunks(parts);
  assertEquals(chunks.map((c) => c.choices[0]?.text ?? "").join(""), text, "</s> is no text");
  assertEquals(chunks.at(-2)?.choices, [{ index: 0, text: "", finish_reason: "stop" }]);
  assertEquals(chunks.at(-1)?.choices, []);
  assertEquals(chunks.at(-1)?.usage?.total_tokens, 22);
  assertEquals(new Set(chunks.map((c) => `${c.id} ${c.model} ${c.object}`)).size, 1);
  assertEquals(chunks[0]?.model, "llama");
});
