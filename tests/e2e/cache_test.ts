/**
 * The exact answer cache through the real gateway process: a repeated request never reaches the
 * upstream, streams fill and hit the same entries as complete answers, clients opt out with
 * Cache-Control, non-deterministic requests bypass it, and a hit counts against the client key's
 * limit but not the endpoint's.
 */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { startMockOpenAI } from "../mocks/openai.ts";
import { postJson, sseData, startGateway, UNDER_TEST } from "./harness.ts";
import { startRedis } from "./redis_server.ts";

const KEY = "sk-cache-upstream-012345";
const CLIENT = "cache-client-key-0123456";

Deno.test(`the answer cache (${UNDER_TEST})`, async (t) => {
  const upstream = startMockOpenAI({ apiKey: KEY });
  const gateway = await startGateway({
    env: { UPSTREAM_KEY: KEY, CLIENT },
    config: `
endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    cache: {ttl_seconds: 60}
    limit: {calls: 4, renewal_period: day}
    model:
      provider: openai
      name: gpt-4o-mini
      config: {openai_api_key: $UPSTREAM_KEY, openai_api_base: ${upstream.baseUrl}}
server:
  auth:
    keys:
      - name: app
        key: $CLIENT
        limit: {calls: 12, renewal_period: day}
      - {name: ops, key: ops-admin-key-0123456, admin: true}
`,
  });
  const calls = () => upstream.recorder.requests.length;
  const chat = async (content: string, extra: Record<string, unknown> = {}, headers = {}) => {
    const response = await postJson(
      `${gateway.url}/v1/chat/completions`,
      { model: "chat", messages: [{ role: "user", content }], ...extra },
      { authorization: `Bearer ${CLIENT}`, ...headers },
    );
    return { response, cache: response.headers.get("x-gateway-cache") };
  };
  try {
    await t.step("a repeated request is answered from the cache, not the upstream", async () => {
      const first = await chat("hello cache");
      assertEquals([first.response.status, first.cache], [200, "miss"]);
      const firstBody = await first.response.json();
      const second = await chat("hello cache", { user: "someone-else" });
      assertEquals([second.response.status, second.cache], [200, "hit"]);
      const secondBody = await second.response.json();
      assertEquals(secondBody.choices, firstBody.choices);
      assertEquals(secondBody.usage, firstBody.usage);
      assertEquals(calls(), 1);
    });

    await t.step(
      "a stream hits an entry a complete answer filled, and the other way round",
      async () => {
        const streamed = await chat("hello cache", { stream: true });
        assertEquals(streamed.cache, "hit");
        const text = (await sseData(streamed.response)).filter((d) => d !== "[DONE]")
          .map((d) => JSON.parse(d).choices[0]?.delta?.content ?? "").join("");
        assertEquals(text, "Echo: hello cache");
        assertEquals(calls(), 1);
        const filling = await chat("streamed first", { stream: true });
        assertEquals(filling.cache, "miss");
        await filling.response.text();
        const answer = await chat("streamed first");
        assertEquals(answer.cache, "hit");
        assertEquals(
          (await answer.response.json()).choices[0].message.content,
          "Echo: streamed first",
        );
        assertEquals(calls(), 2);
      },
    );

    await t.step(
      "Cache-Control no-cache skips the lookup; a random request bypasses it",
      async () => {
        const bypass = await chat("hello cache", {}, { "cache-control": "no-cache" });
        assertEquals(bypass.cache, "bypass");
        await bypass.response.body?.cancel();
        const random = await chat("hello cache", { temperature: 0.9 });
        assertEquals(random.cache, "bypass");
        await random.response.body?.cancel();
        assertEquals(calls(), 4);
      },
    );

    await t.step("hits spend none of the endpoint's limit; no-store skips the write", async () => {
      // Four upstream calls so far (the endpoint's limit) and four hits: the limit is spent by
      // the calls only, so the next one that must go upstream is refused, and hits go on.
      const refused = await chat("never stored", {}, { "cache-control": "no-store" });
      assertEquals(refused.response.status, 429);
      await refused.response.body?.cancel();
      const hit = await chat("hello cache");
      assertEquals([hit.response.status, hit.cache], [200, "hit"]);
      await hit.response.body?.cancel();
    });

    await t.step(
      "hits count against the client key's limit, and are counted in /metrics",
      async () => {
        let status = 200;
        let served = 0;
        while (status === 200 && served < 20) {
          const hit = await chat("hello cache");
          status = hit.response.status;
          await hit.response.body?.cancel();
          if (status === 200) served++;
        }
        assertEquals(status, 429);
        assert(served < 12, `served ${served} after the key's 12 calls`);
        const metrics = await (await fetch(`${gateway.url}/metrics`, {
          headers: { "x-api-key": "ops-admin-key-0123456" },
        })).text();
        assertMatch(metrics, /gateway_cache_total\{name="chat",result="hit"\} \d+/);
        assertMatch(metrics, /gateway_cache_total\{name="chat",result="bypass"\} 2/);
      },
    );
  } finally {
    assertEquals(await gateway.stop(), 0, gateway.output());
    await upstream.close();
  }
});

Deno.test(`the answer cache in Redis is shared by two gateways (${UNDER_TEST})`, async () => {
  const redis = await startRedis();
  const upstream = startMockOpenAI({ apiKey: KEY });
  const config = `
endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    cache: {ttl_seconds: 60}
    model:
      provider: openai
      name: gpt-4o-mini
      config: {openai_api_key: $UPSTREAM_KEY, openai_api_base: ${upstream.baseUrl}}
server:
  redis_url: ${redis.url}
`;
  const a = await startGateway({ config, env: { UPSTREAM_KEY: KEY } });
  const b = await startGateway({ config, env: { UPSTREAM_KEY: KEY } });
  try {
    const ask = async (url: string) => {
      const response = await postJson(`${url}/v1/chat/completions`, {
        model: "chat",
        messages: [{ role: "user", content: "shared across instances" }],
      });
      const body = await response.json();
      return [response.headers.get("x-gateway-cache"), body.choices[0].message.content];
    };
    assertEquals(await ask(a.url), ["miss", "Echo: shared across instances"]);
    // The write goes to Redis as the answer leaves: the other instance finds it a moment later.
    let second: unknown[] = [];
    for (let i = 0; i < 20; i++) {
      second = await ask(b.url);
      if (second[0] === "hit") break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assertEquals(second, ["hit", "Echo: shared across instances"]);
    assertEquals(upstream.recorder.requests.length, 1);
  } finally {
    assertEquals(await a.stop(), 0, a.output());
    assertEquals(await b.stop(), 0, b.output());
    await upstream.close();
    await redis.stop();
  }
});

/** An embeddings upstream whose vectors the test chooses, so similarities are known. */
function vectorServer(vectors: Record<string, number[]>) {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (request) => {
    const body = await request.json();
    const texts: string[] = Array.isArray(body.input) ? body.input : [body.input];
    return Response.json({
      object: "list",
      data: texts.map((text, index) => ({
        object: "embedding",
        index,
        embedding: vectors[text] ?? [0, 0, 1],
      })),
      model: body.model,
      usage: { prompt_tokens: texts.length, total_tokens: texts.length },
    });
  });
}

Deno.test(`the semantic cache: a paraphrase above the threshold hits, below it misses (${UNDER_TEST})`, async () => {
  // cos([1,0,0], [0.995,0.0999,0]) = 0.995; cos([1,0,0], [0.9,0.4359,0]) = 0.9.
  const embeddings = vectorServer({
    "What is the sea?": [1, 0, 0],
    "Tell me what the sea is": [0.995, 0.0999, 0],
    "Is the sea a kind of lake?": [0.9, 0.4359, 0],
  });
  const gateway = await startGateway({
    config: `
endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    cache: {ttl_seconds: 60, semantic: {embeddings_endpoint: vectors, threshold: 0.99}}
    model: {provider: mock, name: mock-chat}
  - name: vectors
    endpoint_type: llm/v1/embeddings
    model:
      provider: openai
      name: text-embedding-3-small
      config:
        openai_api_key: sk-vectors-0123456789
        openai_api_base: http://127.0.0.1:${embeddings.addr.port}/v1
`,
  });
  try {
    const ask = async (content: string, system = "Be brief.") => {
      const response = await postJson(`${gateway.url}/v1/chat/completions`, {
        model: "chat",
        messages: [{ role: "system", content: system }, { role: "user", content }],
      });
      const body = await response.json();
      return {
        cache: response.headers.get("x-gateway-cache"),
        similarity: response.headers.get("x-gateway-cache-similarity"),
        text: body.choices[0].message.content,
      };
    };
    assertEquals((await ask("What is the sea?")).cache, "miss");
    const paraphrase = await ask("Tell me what the sea is");
    // Answered with the first question's answer (the mock echoes the question it was asked).
    assertEquals([paraphrase.cache, paraphrase.text], ["hit", "What is the sea?"]);
    assertEquals(paraphrase.similarity, "0.9950");
    const below = await ask("Is the sea a kind of lake?");
    assertEquals([below.cache, below.text], ["miss", "Is the sea a kind of lake?"]);
    // Other instructions never share answers.
    assertEquals((await ask("Tell me what the sea is", "Answer in French.")).cache, "miss");
  } finally {
    assertEquals(await gateway.stop(), 0, gateway.output());
    await embeddings.shutdown();
  }
});

Deno.test(`the exact cache: other parameters miss, entries expire, the byte bound evicts, no-store writes nothing (${UNDER_TEST})`, async () => {
  const gateway = await startGateway({
    config: `
endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    cache: {ttl_seconds: 1, max_bytes: 2048}
    model: {provider: mock, name: mock-chat}
`,
  });
  try {
    const ask = async (content: string, extra: Record<string, unknown> = {}, headers = {}) => {
      const response = await postJson(`${gateway.url}/v1/chat/completions`, {
        model: "chat",
        messages: [{ role: "user", content }],
        ...extra,
      }, headers);
      await response.body?.cancel();
      return response.headers.get("x-gateway-cache");
    };
    assertEquals(await ask("one"), "miss");
    assertEquals(await ask("one", { max_tokens: 20 }), "miss");
    assertEquals(await ask("one"), "hit");
    // no-store: answered, not kept.
    assertEquals(await ask("two", {}, { "cache-control": "no-store" }), "miss");
    assertEquals(await ask("two"), "miss");
    assertEquals(await ask("two"), "hit");
    // The byte bound (2 KB): a large answer (about 1.8 KB with its key) pushes the others out,
    // and a small one then pushes it out in turn.
    const long = "x".repeat(700);
    assertEquals(await ask(long), "miss");
    assertEquals(await ask(long), "hit");
    assertEquals(await ask("one"), "miss");
    assertEquals(await ask(long), "miss");
    // Entries live ttl_seconds.
    assertEquals(await ask("two"), "miss");
    assertEquals(await ask("two"), "hit");
    await new Promise((resolve) => setTimeout(resolve, 1100));
    assertEquals(await ask("two"), "miss");
  } finally {
    assertEquals(await gateway.stop(), 0, gateway.output());
  }
});
