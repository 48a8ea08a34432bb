import { assert, assertEquals } from "../../tests/assert.ts";
import { costOf, priceOf } from "./prices.ts";

/** A per-token price back in USD per million tokens, rounded off float noise. */
const perMillion = (price: number | undefined) =>
  price === undefined ? undefined : Number((price * 1e6).toPrecision(10));

Deno.test("priceOf() finds a dated or versioned model id under its model's entry", () => {
  assertEquals(perMillion(priceOf("openai", "gpt-4o-2024-08-06", null)?.input), 2.5);
  assertEquals(perMillion(priceOf("openai", "gpt-4o-mini", null)?.output), 0.6);
  assertEquals(perMillion(priceOf("anthropic", "claude-sonnet-4-5-20250929", null)?.output), 15);
  assertEquals(
    perMillion(priceOf("bedrock", "us.anthropic.claude-3-5-haiku-20241022-v1:0", null)?.input),
    0.8,
  );
  assertEquals(perMillion(priceOf("bedrock", "amazon.titan-embed-text-v2:0", null)?.input), 0.02);
  assertEquals(perMillion(priceOf("gemini", "models/gemini-2.5-flash", null)?.input), 0.3);
});

Deno.test("priceOf() never guesses: another model of the family or an unknown provider has no price", () => {
  assertEquals(priceOf("openai", "o1-mini", null), undefined);
  assertEquals(priceOf("openai", "gpt-4o-audio-preview", null), undefined);
  assertEquals(priceOf("anthropic", "claude-opus-4-6", null), undefined);
  assertEquals(priceOf("togetherai", "meta-llama/Llama-3-70b", null), undefined);
  assertEquals(priceOf("openai", null, null), undefined);
});

Deno.test("priceOf() takes the endpoint's own cost first, and the mock provider is free", () => {
  assertEquals(priceOf("togetherai", "x", { input: 1, output: 2 }), {
    input: 1e-6,
    output: 2e-6,
    cachedInput: 1e-6,
  });
  assertEquals(priceOf("mock", "demo", null), { input: 0, output: 0, cachedInput: 0 });
});

Deno.test("costOf() prices cached prompt tokens at their own rate", () => {
  const price = { input: 2e-6, output: 8e-6, cachedInput: 0.5e-6 };
  const usage = { prompt: 1000, completion: 500, total: 1500, cached: 400, reasoning: 0 };
  assert(Math.abs(costOf(usage, price) - (600 * 2e-6 + 400 * 0.5e-6 + 500 * 8e-6)) < 1e-12);
});
