/**
 * One bad save of the config must never stop the service: a config that makes loading throw (a
 * YAML alias bomb), invalid YAML or a missing file is rejected on reload and the old config keeps
 * serving, in one process and with --workers 2 (where a worker restarted while the bad file is on
 * disk starts on the last good config); the supervisor exits non-zero when no worker is left.
 */
import {
  assert,
  assertEquals,
  assertStringIncludes,
  eventually as eventuallyHolds,
} from "../assert.ts";
import { startGateway, UNDER_TEST } from "./harness.ts";

const config = (reply: string) => `
endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    model: {provider: mock, config: {reply: "${reply}"}}
`;

/** Nine levels of nine aliases: about 387 million strings if expanded. */
function aliasBomb(): string {
  const levels = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
  const lines = levels.map((name, i) =>
    i === 0
      ? `${name}: &${name} ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]`
      : `${name}: &${name} [${Array(9).fill(`*${levels[i - 1]}`).join(", ")}]`
  );
  return `${lines.join("\n")}\n${config("bomb")}`;
}

const BAD_SAVES: [string, string][] = [
  ["a YAML alias bomb", aliasBomb()],
  ["invalid YAML", "endpoints:\n  - name: chat\n    endpoint_type: [llm/v1/chat\n"],
  ["an invalid config", "endpoints:\n  - name: chat\n    endpoint_typ: llm/v1/chat\n"],
];

/** POSTs a chat on a fresh connection (so SO_REUSEPORT may pick another worker). */
async function chatReply(url: string): Promise<{ reply: string; pid: number }> {
  const client = Deno.createHttpClient({});
  try {
    const response = await fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "chat", messages: [{ role: "user", content: "hi" }] }),
      client,
    });
    const body = await response.json();
    assertEquals(response.status, 200, JSON.stringify(body));
    const details = await (await fetch(`${url}/health/details`, { client })).json();
    return { reply: body.choices[0].message.content, pid: details.pid };
  } finally {
    client.close();
  }
}

/** The worker pids seen over `attempts` fresh connections, with the reply each gave. */
async function workerReplies(url: string, attempts = 40): Promise<Map<number, string>> {
  const seen = new Map<number, string>();
  for (let i = 0; i < attempts; i++) {
    try {
      const { reply, pid } = await chatReply(url);
      seen.set(pid, reply);
    } catch {
      // a connection queued on a worker that was just killed; the next one goes elsewhere
    }
  }
  return seen;
}

/** Waits (bounded) until `check` holds. */
const eventually = (what: string, check: () => Promise<boolean>, ms = 15_000) =>
  eventuallyHolds(what, check, ms, 200);

Deno.test(`bad reloads are rejected and the gateway keeps serving (${UNDER_TEST})`, async (t) => {
  const gateway = await startGateway({
    config: config("good-1"),
    env: { GATEWAY_LOG_LEVEL: "info" },
  });
  const path = gateway.configPath as string;
  try {
    for (const [what, text] of BAD_SAVES) {
      await t.step(
        `${what} is rejected, logged with its position, and the old config serves`,
        async () => {
          const before = gateway.output().length;
          Deno.writeTextFileSync(path, text);
          await eventually(
            "the rejection",
            () =>
              Promise.resolve(gateway.output().slice(before).includes("config reload rejected")),
          );
          assertEquals((await chatReply(gateway.url)).reply, "good-1");
          assertStringIncludes(gateway.output().slice(before), path);
        },
      );
    }
    await t.step("a missing file is rejected too (SIGHUP)", async () => {
      const before = gateway.output().length;
      Deno.removeSync(path);
      gateway.child.kill("SIGHUP");
      await eventually(
        "the rejection",
        () => Promise.resolve(gateway.output().slice(before).includes("the file cannot be read")),
      );
      assertEquals((await chatReply(gateway.url)).reply, "good-1");
    });
    await t.step("then a good config is applied", async () => {
      Deno.writeTextFileSync(path, config("good-2"));
      await eventually("the reload", async () => (await chatReply(gateway.url)).reply === "good-2");
    });
  } finally {
    assertEquals(await gateway.stop(), 0);
  }
});

Deno.test(`--workers 2: a bad reload and worker restarts keep serving the last good config (${UNDER_TEST})`, async (t) => {
  const gateway = await startGateway({ config: config("good-1"), args: ["--workers", "2"] });
  const path = gateway.configPath as string;
  let stopped = false;
  try {
    await t.step("both workers serve, then a second good config reaches both", async () => {
      Deno.writeTextFileSync(path, config("good-2"));
      await eventually("both workers on good-2", async () => {
        const replies = await workerReplies(gateway.url, 20);
        return replies.size === 2 && [...replies.values()].every((r) => r === "good-2");
      });
    });

    await t.step("an alias bomb on disk: both workers keep serving good-2", async () => {
      Deno.writeTextFileSync(path, aliasBomb());
      await new Promise((r) => setTimeout(r, 1500));
      const replies = await workerReplies(gateway.url);
      assertEquals(replies.size, 2, `workers: ${[...replies.entries()]}`);
      assert([...replies.values()].every((r) => r === "good-2"), `${[...replies.entries()]}`);
    });

    await t.step("a worker killed while the bomb is on disk is replaced on good-2", async () => {
      const before = await workerReplies(gateway.url);
      const victim = [...before.keys()][0] as number;
      Deno.kill(victim, "SIGKILL");
      await eventually("a replacement worker", async () => {
        const replies = await workerReplies(gateway.url, 20);
        return replies.size === 2 && !replies.has(victim);
      });
      const replies = await workerReplies(gateway.url);
      assert([...replies.values()].every((r) => r === "good-2"), `${[...replies.entries()]}`);
    });

    await t.step("both workers killed: both replaced, still on good-2", async () => {
      const before = await workerReplies(gateway.url);
      for (const pid of before.keys()) Deno.kill(pid, "SIGKILL");
      await eventually("two replacement workers", async () => {
        const replies = await workerReplies(gateway.url, 20);
        return replies.size === 2 && [...replies.keys()].every((pid) => !before.has(pid));
      });
      const replies = await workerReplies(gateway.url);
      assert([...replies.values()].every((r) => r === "good-2"), `${[...replies.entries()]}`);
    });

    await t.step("a good config after the bomb reaches every worker", async () => {
      Deno.writeTextFileSync(path, config("good-3"));
      await eventually("both workers on good-3", async () => {
        const replies = await workerReplies(gateway.url, 20);
        return replies.size === 2 && [...replies.values()].every((r) => r === "good-3");
      });
    });

    await t.step("no worker left and none can start: the supervisor exits 1", async () => {
      const port = Number(new URL(gateway.url).port);
      const pids = [...(await workerReplies(gateway.url)).keys()];
      for (const pid of pids) Deno.kill(pid, "SIGKILL");
      // Hold the port without SO_REUSEPORT, so no replacement can bind it.
      let holder: Deno.Listener | undefined;
      const deadline = Date.now() + 5000;
      while (!holder) {
        try {
          holder = Deno.listen({ hostname: "127.0.0.1", port });
        } catch (error) {
          if (Date.now() > deadline) throw error;
          await new Promise((r) => setTimeout(r, 20));
        }
      }
      try {
        const code = await Promise.race([
          gateway.child.status.then((s) => s.code),
          new Promise<string>((r) => setTimeout(() => r("still running"), 30_000)),
        ]);
        stopped = true;
        assertEquals(code, 1);
        assertStringIncludes(gateway.output(), "no worker is serving");
      } finally {
        holder.close();
      }
    });
  } finally {
    if (!stopped) assertEquals(await gateway.stop(), 0);
    else await gateway.stop();
  }
});
