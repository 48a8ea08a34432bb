import { assertEquals } from "../../../tests/assert.ts";
import { geminiUsage } from "./usage.ts";

Deno.test("geminiUsage(): cached prompt tokens and thinking tokens as OpenAI's breakdowns", () => {
  assertEquals(
    geminiUsage({
      promptTokenCount: 2000,
      cachedContentTokenCount: 1800,
      candidatesTokenCount: 40,
      thoughtsTokenCount: 60,
      totalTokenCount: 2100,
    }),
    {
      prompt_tokens: 2000,
      completion_tokens: 100,
      total_tokens: 2100,
      prompt_tokens_details: { cached_tokens: 1800 },
      completion_tokens_details: { reasoning_tokens: 60 },
    },
  );
  // Gemini leaves zero counts out: no breakdown is made up.
  assertEquals(geminiUsage({ promptTokenCount: 3, candidatesTokenCount: 2 }), {
    prompt_tokens: 3,
    completion_tokens: 2,
    total_tokens: 5,
  });
});
