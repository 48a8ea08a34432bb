/** `gateway start --workers N`: one port served by N processes, reloads and shutdown for all. */
import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import { runCli, startGateway, UNDER_TEST } from "./harness.ts";

const config = (reply: string) => `
endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    model: {provider: mock, config: {reply: "${reply}"}}
`;

/** GET /health/details on a fresh connection (so SO_REUSEPORT may pick another worker). */
async function detailsOnNewConnection(
  url: string,
): Promise<{ pid: number; config: { version: number } }> {
  const client = Deno.createHttpClient({});
  try {
    const response = await fetch(`${url}/health/details`, { client });
    return await response.json();
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
