import { assertEquals, assertRejects } from "../../tests/assert.ts";
import { MemoryStore, RateLimiter } from "./limits.ts";
import { silentLogger } from "../observe/logs.ts";
import { GatewayError } from "./errors.ts";

function clock(start = 60_000 * 1000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

Deno.test("RateLimiter.take() allows `calls` per window, then answers 429 with headers", async () => {
  const time = clock();
  const limiter = new RateLimiter(new MemoryStore(time.now), silentLogger(), time.now);
  const subject = {
    endpoint: "chat",
    limit: { calls: 2, renewal_period: "minute" },
    client: "1.2.3.4",
  };
  assertEquals(await limiter.take(subject), { limit: 2, remaining: 1, reset: 60 });
  time.advance(15_000);
  assertEquals(await limiter.take(subject), { limit: 2, remaining: 0, reset: 45 });
  const error = await assertRejects(async () => await limiter.take(subject)) as GatewayError;
  assertEquals(error.status, 429);
  assertEquals(error.retryAfter, 45);
  assertEquals(error.headers, {
    "x-ratelimit-limit": "2",
    "x-ratelimit-remaining": "0",
    "x-ratelimit-reset": "45",
  });
  time.advance(45_000);
  assertEquals((await limiter.take(subject))?.remaining, 1, "a new window starts");
});

Deno.test("RateLimiter counts per client address when key is client_ip", async () => {
  const limiter = new RateLimiter(new MemoryStore(), silentLogger());
  const limit = { calls: 1, renewal_period: "hour", key: "client_ip" };
  await limiter.take({ endpoint: "chat", limit, client: "a" });
  await limiter.take({ endpoint: "chat", limit, client: "b" });
  await assertRejects(
    async () => await limiter.take({ endpoint: "chat", limit, client: "a" }),
    /Rate limit exceeded/,
  );
});

Deno.test("RateLimiter token budgets refuse once the spent tokens reach the limit", async () => {
  const limiter = new RateLimiter(new MemoryStore(), silentLogger());
  const subject = { endpoint: "chat", limit: { tokens: 100, renewal_period: "day" }, client: "x" };
  assertEquals((await limiter.take(subject))?.remaining, 100);
  await limiter.spend(subject, 60);
  assertEquals((await limiter.take(subject))?.remaining, 40);
  await limiter.spend(subject, 45);
  await assertRejects(async () => await limiter.take(subject), /100 tokens per day/);
});

Deno.test("RateLimiter fails open when the store fails", async () => {
  const broken = {
    add: () => Promise.reject(new Error("redis down")),
    describe: () => ({ backend: "redis" as const, connected: false }),
    close: () => {},
  };
  const limiter = new RateLimiter(broken, silentLogger());
  assertEquals(
    await limiter.take({
      endpoint: "chat",
      limit: { calls: 1, renewal_period: "minute" },
      client: "x",
    }),
    undefined,
  );
});

Deno.test("RateLimiter answers at once with counters in memory (no promise to wait for)", () => {
  const limiter = new RateLimiter(new MemoryStore(), silentLogger());
  const subject = {
    endpoint: "chat",
    limit: { calls: 5, tokens: 100, renewal_period: "minute" },
    client: "x",
  };
  const taken = limiter.take(subject);
  assertEquals(taken instanceof Promise, false);
  // With both kinds the calls are what the headers report.
  assertEquals(taken, { limit: 5, remaining: 4, reset: 60 });
  assertEquals(limiter.spend(subject, 30), undefined);
  assertEquals(limiter.take({ ...subject, limit: { tokens: 100, renewal_period: "minute" } }), {
    limit: 100,
    remaining: 70,
    reset: 60,
  });
});

Deno.test("RateLimiter keeps separate counters for endpoints that share one limit object", () => {
  // A YAML anchor can give two endpoints the same limit.
  const limiter = new RateLimiter(new MemoryStore(), silentLogger());
  const limit = { calls: 1, renewal_period: "minute" };
  assertEquals(
    (limiter.take({ endpoint: "a", limit, client: "x" }) as { remaining: number }).remaining,
    0,
  );
  assertEquals(
    (limiter.take({ endpoint: "b", limit, client: "x" }) as { remaining: number }).remaining,
    0,
  );
});

Deno.test("RateLimiter fails open when the store throws at once", () => {
  const broken = {
    add: (): never => {
      throw new Error("store broken");
    },
    describe: () => ({ backend: "memory" as const, connected: false }),
    close: () => {},
  };
  const limiter = new RateLimiter(broken, silentLogger());
  const subject = {
    endpoint: "chat",
    limit: { calls: 1, tokens: 5, renewal_period: "minute" },
    client: "x",
  };
  assertEquals(limiter.take(subject), undefined);
  assertEquals(limiter.spend(subject, 3), undefined);
});
