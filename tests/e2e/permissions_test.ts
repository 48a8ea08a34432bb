/**
 * Least privilege under Deno: the gateway runs with the scoped flags (never -A), and once it knows
 * its config it gives up file writes and starting processes that it will not need. The Bun binary
 * has no permission model, so these run under `deno run` only.
 */
import { assert, assertEquals, assertStringIncludes, eventually } from "../assert.ts";
import { postJson, startGateway, tempFile } from "./harness.ts";

const underDeno = (Deno.env.get("GATEWAY_BIN") ?? "deno") === "deno";

const CHAT = `endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    model: {provider: mock, name: mock-chat}
`;

async function waitFor(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

Deno.test({
  name: "deno run: a config that writes no file gives up writes and processes; adding an " +
    "audit file then needs a restart",
  ignore: !underDeno,
  fn: async () => {
    const gateway = await startGateway({ config: CHAT, env: { GATEWAY_LOG_LEVEL: "debug" } });
    const dir = Deno.makeTempDirSync({ prefix: "gateway-permissions-" });
    try {
      assertStringIncludes(gateway.output(), "permissions given up permissions=write,run");
      const answer = await postJson(`${gateway.url}/v1/chat/completions`, {
        model: "chat",
        messages: [{ role: "user", content: "hi" }],
      });
      assertEquals(answer.status, 200);
      await answer.body?.cancel();
      // A reload that asks for an audit file is refused, and the old config keeps serving.
      Deno.writeTextFileSync(
        gateway.configPath!,
        `server:\n  audit: {path: ${dir}/audit.log}\n${CHAT}`,
      );
      await waitFor(() => gateway.output().includes("restart the gateway to start the audit file"));
      const again = await postJson(`${gateway.url}/v1/chat/completions`, {
        model: "chat",
        messages: [{ role: "user", content: "hi" }],
      });
      assertEquals(again.status, 200);
      await again.body?.cancel();
      assertEquals([...Deno.readDirSync(dir)], []);
    } finally {
      await gateway.stop();
      Deno.removeSync(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "deno run: a config with an audit file and a SQLite store keeps writes and writes both",
  ignore: !underDeno,
  fn: async () => {
    const dir = Deno.makeTempDirSync({ prefix: "gateway-permissions-" });
    const config = tempFile(
      `server:\n  store: sqlite:${dir}/usage.db\n  audit: {path: ${dir}/audit.log}\n${CHAT}`,
    );
    const gateway = await startGateway({
      args: ["--config-path", config],
      env: { GATEWAY_LOG_LEVEL: "debug" },
    });
    try {
      // Log lines written in one turn of the event loop may follow the banner (stdout).
      await eventually(
        "the permissions line",
        () => gateway.output().includes("permissions given up permissions=run"),
      );
      // The store's writer thread started before the write permission could have gone.
      assertStringIncludes(gateway.output(), "usage store opened path=");
      assertStringIncludes(gateway.output(), 'writes="writer thread"');
      const answer = await postJson(`${gateway.url}/v1/chat/completions`, {
        model: "chat",
        messages: [{ role: "user", content: "hi" }],
      });
      assertEquals(answer.status, 200);
      await answer.body?.cancel();
    } finally {
      assertEquals(await gateway.stop(), 0);
      Deno.removeSync(config);
    }
    try {
      const names = [...Deno.readDirSync(dir)].map((e) => e.name);
      assert(names.includes("usage.db"), names.join(","));
      assertStringIncludes(Deno.readTextFileSync(`${dir}/audit.log`), '"endpoint":"chat"');
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});
