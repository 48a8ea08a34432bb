import { assertEquals } from "../../../tests/assert.ts";
import { tokenUsage } from "./usage.ts";

Deno.test("tokenUsage() keeps the provider's total when it sends one", () => {
  assertEquals(tokenUsage(1, 2, 10), { prompt_tokens: 1, completion_tokens: 2, total_tokens: 10 });
});

Deno.test("tokenUsage() adds the counts up when the total is missing, null when nothing is", () => {
  assertEquals(tokenUsage(1, null, undefined), {
    prompt_tokens: 1,
    completion_tokens: null,
    total_tokens: 1,
  });
  assertEquals(tokenUsage(null, null, null), {
    prompt_tokens: null,
    completion_tokens: null,
    total_tokens: null,
  });
});
