import { assert, assertEquals, assertStringIncludes } from "../tests/assert.ts";
import {
  LITELLM_MASTER_KEY,
  LOOPBACK_PRELOAD,
  peerDir,
  peerRequest,
  PEERS,
  peerTarget,
  pythonVersion,
  type RunningPeer,
  runtimeOf,
  stampMatches,
} from "./peers.ts";
import type { ProcessGroup } from "./procs.ts";

const UPSTREAM = "http://127.0.0.1:4010";
const BODIES = { chatDirect: "/tmp/chatDirect.json", chatGateway: "/tmp/chatGateway.json" };
const peer = (key: string) => PEERS.find((p) => p.key === key)!;

Deno.test("PEERS: three gateways, each pinned to an exact version it installs at", () => {
  assertEquals(PEERS.map((p) => p.key), ["litellm", "portkey", "mlflow"]);
  for (const p of PEERS) {
    assert(/^\d+\.\d+\.\d+$/.test(p.version), `${p.key}: ${p.version}`);
    for (const spec of p.packages) {
      assert(
        spec.endsWith(`==${p.version}`) || spec.endsWith(`@${p.version}`),
        `${p.key}: ${spec} is not pinned to ${p.version}`,
      );
    }
  }
});

Deno.test("LiteLLM: one openai/ model on the mock, a master key, bound to loopback", () => {
  const litellm = peer("litellm");
  const config = litellm.config!(UPSTREAM);
  for (
    const line of [
      "  - model_name: gpt-4o-mini",
      "      model: openai/gpt-4o-mini",
      `      api_base: ${UPSTREAM}/v1`,
      `  master_key: ${LITELLM_MASTER_KEY}`,
    ]
  ) {
    assertStringIncludes(config, `${line}\n`);
  }
  const command = litellm.command({
    dir: "/p/litellm",
    config: "/t/c.yaml",
    port: 4011,
    node: "",
    preload: "",
  });
  assertEquals(command, [
    "/p/litellm/venv/bin/litellm",
    "--config",
    "/t/c.yaml",
    "--host",
    "127.0.0.1",
    "--port",
    "4011",
  ]);
  assertEquals(peerRequest(litellm, UPSTREAM, BODIES), {
    path: "/v1/chat/completions",
    bodyFile: BODIES.chatDirect,
    headers: { Authorization: `Bearer ${LITELLM_MASTER_KEY}` },
  });
});

Deno.test("MLflow: our gateway's config format (provider openai, openai_api_base), endpoint as model", () => {
  const mlflow = peer("mlflow");
  const config = mlflow.config!(UPSTREAM);
  for (
    const line of [
      "  - name: chat",
      "    endpoint_type: llm/v1/chat",
      "      provider: openai",
      `        openai_api_base: ${UPSTREAM}/v1`,
    ]
  ) {
    assertStringIncludes(config, `${line}\n`);
  }
  const command = mlflow.command({
    dir: "/p/mlflow",
    config: "/t/c.yaml",
    port: 4012,
    node: "",
    preload: "",
  });
  assertEquals(command.slice(0, 5), [
    "/p/mlflow/venv/bin/mlflow",
    "gateway",
    "start",
    "--config-path",
    "/t/c.yaml",
  ]);
  assertEquals(command.slice(5), ["--host", "127.0.0.1", "--port", "4012"]);
  assertEquals(peerRequest(mlflow, UPSTREAM, BODIES).bodyFile, BODIES.chatGateway);
});

Deno.test("Portkey: provider and custom host in headers, loopback preload on node or bun", () => {
  const portkey = peer("portkey");
  assertEquals(portkey.config, undefined);
  assertEquals(peerRequest(portkey, UPSTREAM, BODIES).headers, {
    Authorization: "Bearer sk-bench",
    "x-portkey-provider": "openai",
    "x-portkey-custom-host": `${UPSTREAM}/v1`,
  });
  const run = { dir: "/p/portkey", config: "", port: 4013, preload: "/t/loopback.mjs" };
  assertEquals(portkey.command({ ...run, node: "node" }).slice(0, 3), [
    "node",
    "--import",
    "/t/loopback.mjs",
  ]);
  assertEquals(portkey.command({ ...run, node: "/x/node_modules/.bin/bun" })[1], "--preload");
  assertEquals(portkey.command({ ...run, node: "node" }).slice(3), [
    "/p/portkey/node_modules/@portkey-ai/gateway/build/start-server.js",
    "--port=4013",
  ]);
});

Deno.test("stampMatches: reuse an install only for the same pins in the same place", () => {
  const packages = ["litellm[proxy]==1.108.7"];
  const dir = "/repo/bench/.peers/node_modules/litellm";
  const stamp = (fields: Record<string, unknown>) =>
    JSON.stringify({ packages, dir, tool: "python 3.11.7", ...fields });
  assert(stampMatches(stamp({}), packages, dir));
  assert(!stampMatches(stamp({ packages: ["litellm[proxy]==1.108.6"] }), packages, dir));
  assert(!stampMatches(stamp({ dir: "/old/bench/.peers/node_modules/litellm" }), packages, dir));
  assert(!stampMatches(undefined, packages, dir));
  assert(!stampMatches("{not json", packages, dir));
  assert(!stampMatches("{}", packages, dir));
});

Deno.test("pythonVersion: 3.10 or newer, from `python3 --version`", () => {
  assertEquals(pythonVersion("Python 3.11.7"), "3.11.7");
  assertEquals(pythonVersion("Python 3.10.0"), "3.10.0");
  assertEquals(pythonVersion("Python 4.0.1"), "4.0.1");
  assertEquals(pythonVersion("Python 3.9.18"), undefined);
  assertEquals(pythonVersion(""), undefined);
});

Deno.test("runtimeOf: Python peers need python, Portkey node (else bun)", () => {
  const none = {};
  assertEquals(runtimeOf(peer("litellm"), none), "no python3 ≥ 3.10 found");
  assertEquals(runtimeOf(peer("portkey"), none), "neither node nor bun found");
  const tools = {
    python: { command: "python3", version: "3.11.7" },
    bun: "/b/bun",
  };
  assertEquals(runtimeOf(peer("mlflow"), tools), { runtime: "python 3.11.7", node: "" });
  assertEquals(runtimeOf(peer("portkey"), tools), { runtime: "bun", node: "/b/bun" });
  assertEquals(
    runtimeOf(peer("portkey"), { ...tools, node: { command: "node", version: "v20.1.0" } }),
    { runtime: "node v20.1.0", node: "node" },
  );
});

Deno.test("peerTarget: an optional chat target whose CPU is its whole process group's", () => {
  let calls = 0;
  const group = { pid: 42, cpuSeconds: () => ++calls } as unknown as ProcessGroup;
  const running: RunningPeer = { def: peer("litellm"), group, port: 4011, runtime: "python" };
  const target = peerTarget(running, UPSTREAM, BODIES);
  assertEquals(
    [target.key, target.label, target.origin, target.optional],
    ["peer-litellm", "LiteLLM proxy 1.108.7", "http://127.0.0.1:4011", true],
  );
  assertEquals([target.cpu?.(), target.cpu?.()], [1, 2]);
});

Deno.test("LOOPBACK_PRELOAD: a listen without a host binds 127.0.0.1", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/loopback.mjs`;
    await Deno.writeTextFile(file, LOOPBACK_PRELOAD);
    await import(`file://${file}`);
    const net = await import("node:net");
    // listen(port, callback), and listen(port, undefined, callback) as @hono/node-server calls it.
    const forms: ((server: import("node:net").Server, ready: () => void) => void)[] = [
      (server, ready) => server.listen(0, ready),
      (server, ready) => server.listen(0, undefined, ready),
    ];
    for (const listen of forms) {
      const server = net.createServer();
      await new Promise<void>((resolve) => listen(server, resolve));
      const address = server.address() as { address: string };
      await new Promise((resolve) => server.close(resolve));
      assertEquals(address.address, "127.0.0.1");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("peerDir: under a node_modules folder, which Deno's tools skip", () => {
  assertEquals(peerDir("/repo", "mlflow"), "/repo/bench/.peers/node_modules/mlflow");
});
