import { assert, assertEquals } from "../../tests/assert.ts";
import type { Price } from "./prices.ts";
import {
  chooseDestinations,
  destinationOrder,
  expectedCost,
  pickWeighted,
  type RoutingFigures,
} from "./routing.ts";
import type { LoadedRoute } from "../config/load.ts";

Deno.test("pickWeighted() maps the random point onto the weights", () => {
  const items = [{ name: "a", weight: 20 }, { name: "b", weight: 80 }];
  assertEquals(pickWeighted(items, () => 0)?.name, "a");
  assertEquals(pickWeighted(items, () => 0.19)?.name, "a");
  assertEquals(pickWeighted(items, () => 0.2)?.name, "b");
  assertEquals(pickWeighted(items, () => 0.999999)?.name, "b");
});

Deno.test("pickWeighted() never picks a destination with weight 0", () => {
  const items = [{ name: "zero", weight: 0 }, { name: "all", weight: 100 }];
  for (const r of [0, 0.5, 0.9999]) assertEquals(pickWeighted(items, () => r)?.name, "all");
});

Deno.test("pickWeighted() follows the weights over many draws", () => {
  const items = [{ name: "a", weight: 30 }, { name: "b", weight: 70 }];
  let seed = 42;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  let a = 0;
  for (let i = 0; i < 10000; i++) if (pickWeighted(items, random)?.name === "a") a++;
  assert(a > 2700 && a < 3300, `a was picked ${a} times of 10000`);
});

Deno.test("destinationOrder() tries every FALLBACK destination in order", () => {
  const route: LoadedRoute = {
    name: "r",
    type: "llm/v1/chat",
    strategy: "FALLBACK",
    destinations: [{ name: "primary", weight: null }, { name: "backup", weight: null }],
    latency: { decay: 0.2, explore: 0.05 },
    cache: null,
  };
  assertEquals(destinationOrder(route), ["primary", "backup"]);
  assertEquals(
    destinationOrder({
      ...route,
      strategy: "TRAFFIC_SPLIT",
      destinations: [{ name: "x", weight: 100 }],
    }),
    ["x"],
  );
});

/** Figures for three endpoints: prices per token and recent latencies. */
function figures(overrides: Partial<RoutingFigures> = {}): RoutingFigures {
  const prices: Record<string, Price> = {
    cheap: { input: 1e-6, output: 2e-6, cachedInput: 1e-6 },
    dear: { input: 10e-6, output: 20e-6, cachedInput: 10e-6 },
    // Cheap prompts, dear answers: the cheapest only for short answers.
    mixed: { input: 0.1e-6, output: 40e-6, cachedInput: 0.1e-6 },
  };
  const latencies: Record<string, number> = { cheap: 900, dear: 100, mixed: 400 };
  return {
    priceOf: (name) => prices[name],
    latencyOf: (name) => latencies[name],
    completionOf: () => 256,
    promptTokens: 1000,
    maxTokens: undefined,
    ...overrides,
  };
}

const three = (strategy: LoadedRoute["strategy"]): LoadedRoute => ({
  name: "r",
  type: "llm/v1/chat",
  strategy,
  destinations: [
    { name: "dear", weight: null },
    { name: "mixed", weight: null },
    { name: "cheap", weight: null },
  ],
  latency: { decay: 0.2, explore: 0.05 },
  cache: null,
});

Deno.test("chooseDestinations() LEAST_COST orders by this request's expected cost", () => {
  // 1000 prompt and 256 completion tokens: cheap 0.0015, mixed 0.0103, dear 0.0151.
  const choice = chooseDestinations(three("LEAST_COST"), () => 0.5, figures());
  assertEquals(choice.order, ["cheap", "mixed", "dear"]);
  assert(Math.abs((choice.figure as number) - (1000 * 1e-6 + 256 * 2e-6)) < 1e-12);
  // A long prompt and a one-token answer: the cheap prompts win.
  const short = chooseDestinations(
    three("LEAST_COST"),
    () => 0.5,
    figures({ promptTokens: 100_000, maxTokens: 1 }),
  );
  assertEquals(short.order[0], "mixed");
  // A destination without a price goes last.
  const unpriced = chooseDestinations(
    three("LEAST_COST"),
    () => 0.5,
    figures({
      priceOf: (
        name,
      ) => (name === "cheap" ? undefined : { input: 1e-6, output: 1e-6, cachedInput: 1e-6 }),
    }),
  );
  assertEquals(unpriced.order.at(-1), "cheap");
  assertEquals(expectedCost("cheap", figures({ priceOf: () => undefined })), Infinity);
});

Deno.test("chooseDestinations() LEAST_LATENCY tries the fastest first, an unmeasured one before it", () => {
  const route = three("LEAST_LATENCY");
  assertEquals(chooseDestinations(route, () => 0.5, figures()).order, ["dear", "mixed", "cheap"]);
  const unmeasured = figures({ latencyOf: (name) => (name === "cheap" ? undefined : 100) });
  assertEquals(chooseDestinations(route, () => 0.5, unmeasured).order[0], "cheap");
});

Deno.test("chooseDestinations() LEAST_LATENCY explores another destination about `explore` of the time", () => {
  const route = three("LEAST_LATENCY");
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  let explored = 0;
  for (let i = 0; i < 10_000; i++) {
    const choice = chooseDestinations(route, random, figures());
    if (choice.explored) {
      explored++;
      assert(choice.order[0] !== "dear" && choice.order.length === 3);
    } else assertEquals(choice.order[0], "dear");
  }
  assert(explored > 400 && explored < 600, `explored ${explored} of 10000`);
});
