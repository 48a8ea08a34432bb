/** Hot reload (file watch and SIGHUP) and graceful shutdown of the real process. */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../assert.ts";
import { postJson, runCli, sseData, startGateway, UNDER_TEST } from "./harness.ts";
import { startMockAnthropic } from "../mocks/anthropic.ts";

const body = { messages: [{ role: "user", content: "a b c d e f" }] };

function config(reply: string, extra = ""): string {
  return `
server:
  shutdown_grace_seconds: 2
endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    model:
      provider: mock
      config: {reply: "${reply}", delay_ms: 150}
${extra}`;
}

async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function replyOf(url: string, name = "chat"): Promise<string> {
  const response = await postJson(`${url}/gateway/${name}/invocations`, {
    messages: [{ role: "user", content: "x" }],
  });
  return (await response.json()).choices?.[0]?.message?.content ?? `HTTP ${response.status}`;
}

async function version(url: string): Promise<number> {
  return (await (await fetch(`${url}/health/details`)).json()).config.version;
}

Deno.test(`hot reload: file changes and SIGHUP apply valid configs, reject invalid ones (${UNDER_TEST})`, async (t) => {
  const gateway = await startGateway({ config: config("one") });
  const path = gateway.configPath as string;
  try {
    await t.step(
      "a changed file is applied without a restart, in-flight streams finish on the old config",
      async () => {
        const inFlight = postJson(`${gateway.url}/gateway/chat/invocations`, {
          ...body,
          stream: true,
        });
        await new Promise((r) => setTimeout(r, 100));
        Deno.writeTextFileSync(
          path,
          config(
            "two",
            `  - name: added
    endpoint_type: llm/v1/embeddings
    model: {provider: mock}
`,
          ),
        );
        await waitFor(async () => (await version(gateway.url)) === 2);
        assertEquals(await replyOf(gateway.url), "two");
        const added = await postJson(`${gateway.url}/v1/embeddings`, {
          model: "added",
          input: "x",
        });
        assertEquals(added.status, 200);
        await added.body?.cancel();
        const data = await sseData(await inFlight);
        assertEquals(data[data.length - 1], "[DONE]", "the stream in flight was not dropped");
        const text = data.slice(0, -1).map((d) => JSON.parse(d).choices[0]?.delta?.content ?? "")
          .join("");
        assertEquals(text, "one", "it finished on the config it started with");
      },
    );

    await t.step(
      "a reload that brings in a provider the process has not loaded yet serves it",
      async () => {
        // Provider implementations are loaded for the configs being served (registry.ts): the
        // start config uses only the mock, so Anthropic's is first loaded by this reload.
        const upstream = startMockAnthropic({ apiKey: "sk-ant-lifecycle-0123456789" });
        try {
          Deno.writeTextFileSync(
            path,
            config(
              "two",
              `  - name: claude
    endpoint_type: llm/v1/chat
    model:
      provider: anthropic
      name: claude-haiku-4-5
      config: {anthropic_api_key: sk-ant-lifecycle-0123456789, anthropic_api_base: "${upstream.baseUrl}"}
`,
            ),
          );
          await waitFor(async () => (await version(gateway.url)) === 3);
          const reply = await replyOf(gateway.url, "claude");
          assert(!reply.startsWith("HTTP"), `the new endpoint answered ${reply}`);
          assertEquals(upstream.recorder.last?.path, "/v1/messages");
        } finally {
          await upstream.close();
        }
      },
    );

    await t.step(
      "an invalid file is rejected with file:line:col; the old config keeps serving",
      async () => {
        Deno.writeTextFileSync(path, config("three").replace("provider: mock", "provider: mokc"));
        await waitFor(() => gateway.output().includes("config reload rejected"));
        assertMatch(
          gateway.output(),
          new RegExp(
            `${
              path.replaceAll(".", "\\.")
            }:\\d+:\\d+: error: endpoints\\[0\\]\\.model\\.provider: unknown provider 'mokc'`,
          ),
        );
        assertEquals(await replyOf(gateway.url), "two");
        assertEquals(await version(gateway.url), 3);
      },
    );

    await t.step("a missing environment variable is rejected as at start", async () => {
      Deno.writeTextFileSync(
        path,
        `
endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    model:
      provider: openai
      config: {openai_api_key: $LIFECYCLE_UNSET_KEY}
`,
      );
      await waitFor(() => gateway.output().includes("LIFECYCLE_UNSET_KEY"));
      assertEquals(await replyOf(gateway.url), "two");
    });
  } finally {
    await gateway.stop();
  }
});

Deno.test(`hot reload: with --no-watch only SIGHUP reloads; removed endpoints are gone at once (${UNDER_TEST})`, async () => {
  const gateway = await startGateway({ config: config("one"), args: ["--no-watch"] });
  try {
    Deno.writeTextFileSync(
      gateway.configPath as string,
      config("four").replace("name: chat", "name: renamed"),
    );
    await new Promise((r) => setTimeout(r, 500));
    assertEquals(await version(gateway.url), 1, "a file change alone does nothing with --no-watch");
    gateway.child.kill("SIGHUP");
    await waitFor(async () => (await version(gateway.url)) === 2);
    assertEquals(await replyOf(gateway.url, "renamed"), "four");
    assertEquals(await replyOf(gateway.url, "chat"), "HTTP 404");
  } finally {
    await gateway.stop();
  }
});

Deno.test(`graceful shutdown: in-flight streams finish, late ones end with an error event, exit 0 (${UNDER_TEST})`, async (t) => {
  await t.step(
    "a stream shorter than the grace period completes, then the process exits 0",
    async () => {
      const gateway = await startGateway({ config: config("a b c") });
      const stream = postJson(`${gateway.url}/gateway/chat/invocations`, { ...body, stream: true });
      await new Promise((r) => setTimeout(r, 150));
      const stopped = gateway.stop("SIGTERM");
      const data = await sseData(await stream);
      assertEquals(data[data.length - 1], "[DONE]");
      assertEquals(await stopped, 0);
      await assertRefused(gateway.url);
    },
  );

  await t.step(
    "a stream longer than the grace period ends with an error event and no [DONE]",
    async () => {
      const long = Array.from({ length: 40 }, (_, i) => `w${i}`).join(" ");
      const gateway = await startGateway({ config: config(long) });
      const stream = postJson(`${gateway.url}/gateway/chat/invocations`, { ...body, stream: true });
      await new Promise((r) => setTimeout(r, 200));
      const started = Date.now();
      const stopped = gateway.stop("SIGTERM");
      const data = await sseData(await stream);
      assert(!data.includes("[DONE]"));
      const last = JSON.parse(data[data.length - 1] ?? "{}");
      assertStringIncludes(last.error.message, "shutting down");
      assertEquals(await stopped, 0);
      assert(Date.now() - started < 8000, "exits soon after the grace period");
    },
  );
});

Deno.test(`shutdown: a SIGINT sent as soon as the banner appears stops the gateway with exit 0 (${UNDER_TEST})`, async () => {
  // The handlers are installed before the banner is printed; one that came after it lost a
  // signal sent in between (the process then ran on, until the harness killed it).
  for (let run = 0; run < 8; run++) {
    const gateway = await startGateway({ config: config("quick") });
    assertEquals(await gateway.stop("SIGINT"), 0, `run ${run}: ${gateway.output()}`);
  }
});

async function assertRefused(url: string): Promise<void> {
  try {
    const response = await fetch(`${url}/health`);
    await response.body?.cancel();
    throw new Error(`still answering after shutdown: ${response.status}`);
  } catch (error) {
    assert(error instanceof TypeError, String(error));
  }
}

/** The environment a process runs with now: after an execve, the new one. */
function environOf(pid: number): Record<string, string> {
  const entries = Deno.readTextFileSync(`/proc/${pid}/environ`).split("\0").filter(Boolean);
  return Object.fromEntries(
    entries.map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]),
  );
}

Deno.test(`server heap sizing: on Bun, start restarts itself in place with JSC's RAM hint; a value the user set is kept (${UNDER_TEST})`, async (t) => {
  const onBun = (await runCli(["--version"])).stdout.includes("(bun ");
  const bigMachine = Deno.systemMemoryInfo().total > 4 * 1024 ** 3;
  await t.step(
    "by default: the same process serves, with a hint of at most 4 GiB set only on Bun",
    async () => {
      const gateway = await startGateway({ config: config("sized") });
      try {
        const hint = environOf(gateway.child.pid).BUN_JSC_forceRAMSize;
        if (!onBun) assertEquals(hint, undefined);
        // 4 GiB, or the container's memory limit when that is lower.
        else if (bigMachine) {
          assert(
            hint !== undefined && Number(hint) > 0 && Number(hint) <= 4 * 1024 ** 3,
            `hint ${hint}`,
          );
        }
        assertEquals(await replyOf(gateway.url), "sized");
      } finally {
        assertEquals(await gateway.stop(), 0);
      }
    },
  );
  await t.step("the user's own value is kept", async () => {
    const gateway = await startGateway({
      config: config("kept"),
      env: { BUN_JSC_forceRAMSize: "2147483648" },
    });
    try {
      assertEquals(environOf(gateway.child.pid).BUN_JSC_forceRAMSize, "2147483648");
      assertEquals(await replyOf(gateway.url), "kept");
    } finally {
      assertEquals(await gateway.stop(), 0);
    }
  });
});
