import { assertEquals } from "../../../tests/assert.ts";
import { chatChunk, completionsChunk, unixNow } from "./chunks.ts";

const head = { id: "abc", created: 1700000000, model: "m" };
const usage = { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 };

Deno.test("unixNow() gives whole seconds since the epoch", () => {
  const now = unixNow();
  assertEquals(Number.isInteger(now), true);
  assertEquals(Math.abs(now - Date.now() / 1000) < 2, true);
});

Deno.test("chatChunk() and completionsChunk() carry the head and usage only when given", () => {
  assertEquals(chatChunk(head, []), {
    id: "abc",
    object: "chat.completion.chunk",
    created: 1700000000,
    model: "m",
    choices: [],
  });
  assertEquals(completionsChunk(head, [], usage), {
    id: "abc",
    object: "text_completion",
    created: 1700000000,
    model: "m",
    choices: [],
    usage,
  });
});
