/**
 * The benchmark itself, end to end: `bench/main.ts --quick` against the gateway under test
 * (GATEWAY_BIN picks the compiled binary; by default `deno run main.ts`, with the bare proxy on
 * Deno too). It checks that every section ran, that every load finished without a failed request
 * and that every figure and goal was measured; it never checks how fast anything was (the goals
 * are the benchmark's to report). Needs wrk (`.ci/run` installs it). Run apart from the e2e suite,
 * so its load does not slow other tests down.
 */
import { fileURLToPath } from "node:url";
import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import type { Results } from "../../bench/report.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BIN = Deno.env.get("GATEWAY_BIN");
const UNDER_TEST = BIN ?? "deno run";

async function runBench(out: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const target = BIN
    ? ["--gateway-bin", BIN.startsWith("/") ? BIN : `${ROOT}${BIN}`]
    : ["--source"];
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      `${ROOT}bench/main.ts`,
      "--quick",
      "--soak-seconds",
      "3",
      "--out",
      out,
      ...target,
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // The bench bounds every load itself; this only stops a hung run from holding up the suite.
  const guard = setTimeout(() => child.kill("SIGINT"), 240_000);
  const result = await child.output();
  clearTimeout(guard);
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: result.code, stdout: decode(result.stdout), stderr: decode(result.stderr) };
}

Deno.test(`[${UNDER_TEST}] the benchmark runs every section and measures every figure`, async () => {
  const dir = await Deno.makeTempDir({ prefix: "bench-test-" });
  try {
    const out = `${dir}/results.json`;
    const run = await runBench(out);
    assertEquals(run.code, 0, `bench exited ${run.code}:\n${run.stderr}`);
    assert(!run.stderr.includes("INVALID"), `a load had failed requests:\n${run.stderr}`);
    for (
      const section of ["## Throughput and latency", "## Streaming", "## Resources", "## Goals"]
    ) {
      assertStringIncludes(run.stdout, section);
    }

    const results = JSON.parse(await Deno.readTextFile(out)) as Results;
    assertEquals(results.mode, "quick");
    assertEquals(results.gateway.command, BIN ? "compiled binary" : "deno run -A main.ts");

    // Every scenario at each concurrency, every target loaded without a failed request.
    const runs = results.load.map((s) => `${s.key}@${s.concurrency}`);
    assertEquals(runs, [
      "chat@1",
      "chat@32",
      "stream@32",
      "embeddings@1",
      "embeddings@32",
      "large@1",
      "large@32",
    ]);
    assertEquals(
      results.load[0]!.targets.map((t) => t.key),
      ["direct", "proxy", "gateway", "gateway-limited", "gateway-many", "gateway-team"],
    );
    for (const scenario of results.load) {
      for (const t of scenario.targets) {
        const where = `${scenario.key} c=${scenario.concurrency} ${t.key}`;
        assert(t.valid && t.non2xx === 0 && t.socketErrors === 0, `${where}: failed requests`);
        assert(t.requests > 0 && t.rps > 0 && t.p50 > 0, `${where}: no load measured`);
        assert(t.cpuUs !== undefined && t.cpuUs > 0, `${where}: no CPU time measured`);
        if (t.key !== "direct") assert(Number.isFinite(t.vsDirect), `${where}: no ratio to direct`);
        if (t.key.startsWith("gateway")) {
          assert(Number.isFinite(t.vsProxy), `${where}: no ratio to the proxy`);
        }
      }
    }

    // Streams: every target answered every stream; the delayed one arrived chunk by chunk.
    assertEquals(results.streaming.map((s) => s.key), ["stream", "delayed"]);
    for (const run of results.streaming) {
      assertEquals(run.targets.map((t) => [t.key, t.valid]), [["direct", true], ["proxy", true], [
        "gateway",
        true,
      ]]);
    }
    const delayed = results.streaming[1]!.targets.find((t) => t.key === "gateway")!;
    assert(delayed.dataReads >= 10, `the delayed stream came in ${delayed.dataReads} reads`);
    assert(
      delayed.ttfbP50 < delayed.totalP50 / 4,
      "the delayed stream's first byte waited for the rest",
    );

    const r = results.resources;
    assert((r.idleRss ?? 0) > 0 && (r.idleRssManyEndpoints ?? 0) > 0, "idle RSS not measured");
    assert(
      r.underLoad?.valid && r.underLoad.max >= r.underLoad.before,
      "RSS under load not measured",
    );
    assert(r.soak?.valid && r.soak.samples.length >= 3, "the soak did not run");
    assert(
      (r.coldStart?.median ?? 0) > 0 && (r.coldStartManyEndpoints?.median ?? 0) > 0,
      "no cold start",
    );
    if (BIN) assert((results.gateway.binaryBytes ?? 0) > 1e6, "binary size not measured");

    // Every goal was measured (met or missed is the benchmark's report, not this test's).
    assertEquals(results.goals.length, 17);
    for (const goal of results.goals) assert(goal.met !== undefined, `not measured: ${goal.goal}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
