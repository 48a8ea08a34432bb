/** `gateway start --workers N`: one port, N processes; reloads, Redis limits, shutdown. */
import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import { runCli, startGateway, UNDER_TEST } from "./harness.ts";
import { startRedis } from "./redis_server.ts";

const config = (reply: string) => `
endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    model: {provider: mock, config: {reply: "${reply}"}}
`;

/** GET /health/details on a fresh connection (so SO_REUSEPORT may pick another worker). */
async function detailsOnNewConnection(
  url: string,
): Promise<{ pid: number; config: { version: number }; rate_limits: { connected: boolean } }> {
  const client = Deno.createHttpClient({});
  try {
    const response = await fetch(`${url}/health/details`, { client });
    return await response.json();
  } finally {
    client.close();
  }
}

/** A POST on a fresh connection (so SO_REUSEPORT may pick another worker): status and body. */
async function postOnNewConnection(url: string, body: unknown): Promise<[number, string]> {
  const client = Deno.createHttpClient({});
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      client,
    });
    return [response.status, await response.text()];
  } finally {
    client.close();
  }
}

async function workerStates(url: string, attempts = 60): Promise<Map<number, number>> {
  const seen = new Map<number, number>();
  for (let i = 0; i < attempts; i++) {
    try {
      const details = await detailsOnNewConnection(url);
      seen.set(details.pid, details.config.version);
    } catch {
      // a connection queued on a worker that was just killed; the next one goes elsewhere
    }
  }
  return seen;
}

Deno.test(`--workers 2 serves one port from two processes (${UNDER_TEST})`, async (t) => {
  const gateway = await startGateway({ config: config("one"), args: ["--workers", "2"] });
  try {
    await t.step("the banner says so and both workers answer", async () => {
      assertStringIncludes(gateway.output(), "with 2 workers");
      const states = await workerStates(gateway.url);
      assertEquals(states.size, 2, `pids seen: ${[...states.keys()]}`);
    });

    await t.step("one scrape of /metrics counts every worker's requests", async () => {
      const chat = { model: "chat", messages: [{ role: "user", content: "hi" }] };
      const pids = new Set<number>();
      for (let i = 0; i < 30; i++) {
        const [status] = await postOnNewConnection(`${gateway.url}/v1/chat/completions`, chat);
        assertEquals(status, 200);
      }
      for (const pid of (await workerStates(gateway.url, 20)).keys()) pids.add(pid);
      assertEquals(pids.size, 2, "both workers served");
      // Each worker shares its counts every second: within a few, any scrape sees all 30.
      const deadline = Date.now() + 5_000;
      let counted = 0;
      while (Date.now() < deadline) {
        const client = Deno.createHttpClient({});
        const text = await (await fetch(`${gateway.url}/metrics`, { client })).text();
        client.close();
        counted = Number(
          /gateway_requests_total\{endpoint="chat",status="200"\} (\d+)/.exec(text)?.[1] ?? 0,
        );
        if (counted === 30) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      assertEquals(counted, 30);
    });

    await t.step("a config change reaches every worker", async () => {
      Deno.writeTextFileSync(gateway.configPath as string, config("two"));
      const deadline = Date.now() + 10_000;
      let states = await workerStates(gateway.url);
      while ([...states.values()].some((v) => v !== 2) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        states = await workerStates(gateway.url, 20);
      }
      assert([...states.values()].every((v) => v === 2), `versions: ${[...states.entries()]}`);
    });

    await t.step("a worker that dies is replaced", async () => {
      const before = await workerStates(gateway.url);
      const victim = [...before.keys()][0] as number;
      Deno.kill(victim, "SIGKILL");
      const deadline = Date.now() + 10_000;
      let after = await workerStates(gateway.url, 20);
      while ((after.size < 2 || after.has(victim)) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        after = await workerStates(gateway.url, 20);
      }
      assertEquals(after.size, 2);
      assert(!after.has(victim));
    });
  } finally {
    assertEquals(
      await gateway.stop("SIGTERM"),
      0,
      "the supervisor exits 0 once all workers drained",
    );
  }
});

Deno.test(`--workers refuses a port in use and bad counts (${UNDER_TEST})`, async () => {
  const other = await startGateway({ config: config("x") });
  try {
    const port = new URL(other.url).port;
    const busy = await runCli(["start", "--port", port, "--workers", "2"]);
    assertEquals(busy.code, 1);
    assertStringIncludes(busy.stderr, "already in use");
  } finally {
    await other.stop();
  }
  const bad = await runCli(["start", "--workers", "0"]);
  assertEquals(bad.code, 2);
  assertStringIncludes(bad.stderr, "--workers");
});

Deno.test(`--workers 2 with Redis: one limit across both workers, exact (${UNDER_TEST})`, async () => {
  const redis = await startRedis();
  const gateway = await startGateway({
    config: `
server:
  redis_url: ${redis.url}
endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    model: {provider: mock}
    limit: {renewal_period: day, calls: 5}
`,
    args: ["--workers", "2"],
  });
  try {
    // Both workers serve, each with its own connection to the same Redis.
    const connected = new Map<number, boolean>();
    const deadline = Date.now() + 10_000;
    while (
      (connected.size < 2 || [...connected.values()].includes(false)) && Date.now() < deadline
    ) {
      const details = await detailsOnNewConnection(gateway.url);
      connected.set(details.pid, details.rate_limits.connected);
    }
    assertEquals(
      [...connected.values()],
      [true, true],
      `workers seen: ${[...connected.entries()]}`,
    );
    const body = { messages: [{ role: "user", content: "hi" }] };
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const [status] = await postOnNewConnection(`${gateway.url}/gateway/chat/invocations`, body);
      statuses.push(status);
    }
    assertEquals(statuses, [...Array(5).fill(200), ...Array(7).fill(429)]);
  } finally {
    assertEquals(await gateway.stop("SIGTERM"), 0);
    await redis.stop();
  }
});

Deno.test(`--workers 2: SIGTERM lets the in-flight streams finish, then exits 0 (${UNDER_TEST})`, async () => {
  const gateway = await startGateway({
    config: `
server:
  shutdown_grace_seconds: 5
endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    model: {provider: mock, config: {reply: "a b c d", delay_ms: 150}}
`,
    args: ["--workers", "2"],
  });
  // Six streams on six connections: SO_REUSEPORT spreads them over the workers.
  const streams = Array.from(
    { length: 6 },
    () =>
      postOnNewConnection(`${gateway.url}/gateway/chat/invocations`, {
        messages: [{ role: "user", content: "x" }],
        stream: true,
      }),
  );
  await new Promise((r) => setTimeout(r, 200));
  const stopped = gateway.stop("SIGTERM");
  for (const [status, text] of await Promise.all(streams)) {
    assertEquals(status, 200);
    assert(text.trimEnd().endsWith("data: [DONE]"), `a stream was cut: ${text}`);
  }
  assertEquals(await stopped, 0, "the supervisor exits 0 once every worker drained");
});
