import { assert, assertEquals } from "../../tests/assert.ts";
import { AnswerAssembler, AnswerCache, cacheKey, replay } from "./cache.ts";
import type { StreamPart } from "./stream_parts.ts";

const settings = { ttl_seconds: 60, max_entries: 2, max_bytes: 1_000_000, all: false };

Deno.test("cacheKey() is the same for equal requests, whatever their key order and user", () => {
  const a = cacheKey(
    "chat",
    "chat",
    { messages: [{ role: "user", content: "x" }], max_tokens: 5 },
    false,
  );
  const b = cacheKey("chat", "chat", {
    max_tokens: 5,
    user: "u",
    stream: true,
    messages: [{ content: "x", role: "user" }],
  }, false);
  assertEquals(a, b);
  assert(a !== cacheKey("other", "chat", { messages: [], max_tokens: 5 }, false));
});

Deno.test("cacheKey() leaves out random requests unless all is set; embeddings always count", () => {
  assertEquals(cacheKey("chat", "chat", { messages: [], temperature: 0.7 }, false), undefined);
  assertEquals(cacheKey("chat", "chat", { messages: [], n: 2 }, false), undefined);
  assert(cacheKey("chat", "chat", { messages: [], temperature: 0 }, false) !== undefined);
  assert(cacheKey("chat", "chat", { messages: [], temperature: 0.7 }, true) !== undefined);
  assert(cacheKey("e", "embeddings", { input: "x", temperature: 1 }, false) !== undefined);
});

Deno.test("AnswerCache keeps the most recently used entries and forgets expired ones", () => {
  let now = 0;
  const cache = new AnswerCache(settings, () => now);
  cache.set("a", "chat", { v: 1 }, "chat");
  cache.set("b", "chat", { v: 2 }, "chat");
  assertEquals(cache.get("a")?.value, { v: 1 });
  cache.set("c", "chat", { v: 3 }, "chat");
  // "b" was the least recently used.
  assertEquals(cache.get("b"), undefined);
  assertEquals(cache.size, 2);
  now = 61_000;
  assertEquals(cache.get("a"), undefined);
});

Deno.test("replay() and AnswerAssembler turn an answer into parts and back", async () => {
  const answer = {
    id: "x",
    object: "chat.completion",
    created: 1,
    model: "m",
    choices: [{
      index: 0,
      message: {
        role: "assistant",
        content: "hi",
        tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{}" } }],
        refusal: null,
      },
      finish_reason: "tool_calls",
      logprobs: null,
    }],
    usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
  };
  const assembler = new AnswerAssembler();
  const parts: StreamPart[] = [];
  for await (const batch of replay("chat", answer)) parts.push(...batch);
  for (const part of parts) assembler.add(part);
  const back = assembler.answer("chat") as typeof answer;
  assertEquals(back.choices, answer.choices);
  assertEquals(back.usage, answer.usage);
  assertEquals([back.id, back.model], ["x", "m"]);
});
