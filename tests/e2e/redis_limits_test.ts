/**
 * Shared rate limits: two gateway processes against one real Redis hold one limit together;
 * when Redis goes away requests are still served (fail-open) and the gateway reconnects.
 */
import { assert, assertEquals } from "../assert.ts";
import { postJson, startGateway, UNDER_TEST } from "./harness.ts";
import { startRedis } from "./redis_server.ts";

const body = { messages: [{ role: "user", content: "hi" }] };

async function details(url: string) {
  return await (await fetch(`${url}/health/details`)).json();
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 100));
  }
}

Deno.test(`Redis-backed limits hold across two gateway processes and fail open (${UNDER_TEST})`, async (t) => {
  let redis = await startRedis();
  const config = `
server:
  redis_url: $TEST_REDIS_URL
endpoints:
  - name: shared
    endpoint_type: llm/v1/chat
    model: {provider: mock}
    limit: {renewal_period: day, calls: 5}
  - name: burst
    endpoint_type: llm/v1/chat
    model: {provider: mock}
    limit: {renewal_period: day, calls: 10}
`;
  const env = { TEST_REDIS_URL: redis.url };
  const a = await startGateway({ config, env });
  const b = await startGateway({ config, env });
  try {
    await t.step("both instances report the Redis connection", async () => {
      await waitFor(async () => (await details(a.url)).rate_limits.connected === true);
      await waitFor(async () => (await details(b.url)).rate_limits.connected === true);
      assertEquals((await details(a.url)).rate_limits.backend, "redis");
    });

    await t.step("5 calls per day in total, whichever instance takes them", async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) {
        const response = await postJson(
          `${(i % 2 === 0 ? a : b).url}/gateway/shared/invocations`,
          body,
        );
        statuses.push(response.status);
        await response.body?.cancel();
      }
      assertEquals(statuses.filter((s) => s === 200).length, 5, `statuses: ${statuses}`);
      assertEquals(statuses.slice(5), [429, 429, 429]);
    });

    await t.step(
      "40 concurrent calls on both instances: exactly 10 pass (atomic counting)",
      async () => {
        const burst = await Promise.all(
          Array.from(
            { length: 40 },
            (_, i) =>
              postJson(`${(i % 2 === 0 ? a : b).url}/v1/chat/completions`, {
                ...body,
                model: "burst",
              }),
          ),
        );
        for (const response of burst) {
          await response.body?.cancel();
        }
        assertEquals(burst.filter((r) => r.status === 200).length, 10);
        assertEquals(burst.filter((r) => r.status === 429).length, 30);
      },
    );

    await t.step(
      "Redis down: requests are served (fail-open) and /health/details says so",
      async () => {
        await redis.stop();
        const response = await postJson(`${a.url}/gateway/shared/invocations`, body);
        assertEquals(response.status, 200);
        await response.body?.cancel();
        await waitFor(async () => (await details(a.url)).rate_limits.connected === false);
        assert(a.output().includes("redis unavailable"), "the outage is logged");
      },
    );

    await t.step(
      "Redis back: the gateway reconnects by itself and limits apply again",
      async () => {
        redis = await startRedis(redis.port);
        await waitFor(async () => (await details(a.url)).rate_limits.connected === true);
        const statuses: number[] = [];
        for (let i = 0; i < 7; i++) {
          const response = await postJson(`${a.url}/gateway/shared/invocations`, body);
          statuses.push(response.status);
          await response.body?.cancel();
        }
        assertEquals(
          statuses.filter((s) => s === 200).length,
          5,
          `a fresh Redis starts a fresh count: ${statuses}`,
        );
      },
    );
  } finally {
    await a.stop();
    await b.stop();
    await redis.stop();
  }
});
