/**
 * Routes by cost and by latency through the real gateway process, against mock upstreams of
 * different prices and speeds: LEAST_COST sends to the cheapest and falls back when it fails;
 * LEAST_LATENCY moves to the faster destination when the other slows, and back when that one
 * recovers and the other slows, while a share of requests explores.
 */
import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import { startMockOpenAI } from "../mocks/openai.ts";
import { postJson, runCli, startGateway, tempFile, UNDER_TEST } from "./harness.ts";

const KEY = "sk-routing-upstream-0123";

const endpoint = (name: string, base: string, cost: string) => `
  - name: ${name}
    endpoint_type: llm/v1/chat
    retries: 0
    model:
      provider: openai
      name: gpt-4o-mini
      cost: ${cost}
      config: {openai_api_key: $UPSTREAM_KEY, openai_api_base: ${base}}`;

Deno.test(`LEAST_COST and LEAST_LATENCY routes (${UNDER_TEST})`, async (t) => {
  const cheap = startMockOpenAI({ apiKey: KEY });
  const dear = startMockOpenAI({ apiKey: KEY });
  const fast = startMockOpenAI({ apiKey: KEY });
  const slow = startMockOpenAI({ apiKey: KEY });
  const gateway = await startGateway({
    env: { UPSTREAM_KEY: KEY },
    config: `
endpoints:${endpoint("cheap", cheap.baseUrl, "{input: 0.1, output: 0.4}")}${
      endpoint("dear", dear.baseUrl, "{input: 10, output: 30}")
    }${endpoint("a", fast.baseUrl, "{input: 1, output: 1}")}${
      endpoint("b", slow.baseUrl, "{input: 1, output: 1}")
    }
routes:
  - name: by-cost
    task_type: llm/v1/chat
    routing_strategy: LEAST_COST
    destinations: [{name: dear}, {name: cheap}]
  - name: by-latency
    task_type: llm/v1/chat
    routing_strategy: LEAST_LATENCY
    latency: {decay: 0.5, explore: 0.2}
    destinations: [{name: a}, {name: b}]
`,
  });
  /** Sends `count` chats to `route`; the endpoint that served each, in order. */
  const send = async (route: string, count: number): Promise<string[]> => {
    const served: string[] = [];
    for (let i = 0; i < count; i++) {
      const response = await postJson(`${gateway.url}/v1/chat/completions`, {
        model: route,
        messages: [{ role: "user", content: `request ${i}` }],
      });
      assertEquals(response.status, 200, await response.clone().text());
      served.push(response.headers.get("x-gateway-endpoint") ?? "");
      await response.body?.cancel();
    }
    return served;
  };
  const count = (served: string[], name: string) => served.filter((s) => s === name).length;
  try {
    await t.step("LEAST_COST sends every request to the cheapest destination", async () => {
      assertEquals(await send("by-cost", 5), Array(5).fill("cheap"));
      assertEquals(dear.recorder.requests.length, 0);
    });

    await t.step("LEAST_COST moves down the cost order when the cheapest fails", async () => {
      cheap.faults.push({ kind: "status", status: 500, body: { error: { message: "down" } } });
      assertEquals(await send("by-cost", 2), ["dear", "cheap"]);
      // Rate-limited by its upstream: the same.
      cheap.faults.push({
        kind: "status",
        status: 429,
        body: { error: { message: "slow down", type: "rate_limit_error" } },
        headers: { "retry-after": "30" },
      });
      assertEquals(await send("by-cost", 2), ["dear", "cheap"]);
    });

    await t.step(
      "LEAST_LATENCY shifts to the faster destination when the other slows",
      async () => {
        slow.faults.push({ kind: "delay", ms: 150 }, 1000);
        const served = await send("by-latency", 25);
        // The first two measure both; of the next twenty, the fast one gets most (a fifth explore).
        const later = served.slice(5);
        assert(count(later, "a") >= 11, `a served ${count(later, "a")} of ${later.length}`);
        assert(count(served, "b") >= 1, "the slow one is still measured now and then");
      },
    );

    await t.step("...and back when that one recovers and the other slows", async () => {
      slow.faults.clear();
      fast.faults.push({ kind: "delay", ms: 150 }, 1000);
      const served = await send("by-latency", 45);
      const later = served.slice(25);
      assert(count(later, "b") >= 11, `b served ${count(later, "b")} of ${later.length}`);
      fast.faults.clear();
    });

    await t.step("/health/details shows each destination's price, latency and picks", async () => {
      const details = await (await fetch(`${gateway.url}/health/details`)).json();
      const byCost = details.routes.find((r: { name: string }) => r.name === "by-cost");
      const cheapest = byCost.destinations.find((d: { name: string }) => d.name === "cheap");
      assertEquals(cheapest.price, { input: 0.1, output: 0.4 });
      assertEquals(cheapest.picked, 9);
      const byLatency = details.routes.find((r: { name: string }) => r.name === "by-latency");
      const a = byLatency.destinations.find((d: { name: string }) => d.name === "a");
      assert(a.latency_ms.answer > 0 && a.picked > 0, JSON.stringify(a));
      // gateway endpoints shows the same figures.
      const listed = await runCli(["endpoints", "--url", gateway.url]);
      assertEquals(listed.code, 0, listed.stderr);
      assertStringIncludes(listed.stdout, "PRICE IN/OUT (USD/M)");
      assert(/by-cost\s+cheap\s+9\s+0\.1 \/ 0\.4/.test(listed.stdout), listed.stdout);
    });
  } finally {
    assertEquals(await gateway.stop(), 0, gateway.output());
    for (const upstream of [cheap, dear, fast, slow]) await upstream.close();
  }
});

Deno.test(`validate: LEAST_COST needs a price for every destination (${UNDER_TEST})`, async () => {
  const file = tempFile(`
endpoints:
  - name: known
    endpoint_type: llm/v1/chat
    model: {provider: openai, name: gpt-4o-mini, config: {openai_api_key: sk-x}}
  - name: unknown
    endpoint_type: llm/v1/chat
    model: {provider: openai, name: my-fine-tune, config: {openai_api_key: sk-x}}
routes:
  - name: by-cost
    task_type: llm/v1/chat
    routing_strategy: LEAST_COST
    destinations: [{name: known}, {name: unknown}]
`);
  const result = await runCli(["validate", file]);
  assertEquals(result.code, 1, result.stdout);
  assertStringIncludes(result.stdout, "destination 'unknown' has no price");
  assertStringIncludes(result.stdout, "routes[0].destinations[1].name");
});
