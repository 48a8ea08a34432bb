import { assert, assertEquals } from "../tests/assert.ts";
import { compare, failedRun, type Measured, runScenario, summarise, type Target } from "./load.ts";
import { type LoadResult, writeWrkScripts, wrkVersion } from "./wrk.ts";
import { freePort } from "./procs.ts";

function run(rps: number, p50: number, p99: number, extra: Partial<LoadResult> = {}): LoadResult {
  const requests = rps * 3;
  return {
    requests,
    seconds: 3,
    rps,
    p50,
    p90: p99 / 2,
    p99,
    mean: p50,
    max: p99 * 2,
    non2xx: 0,
    socketErrors: 0,
    valid: true,
    ...extra,
  };
}

function target(key: string): Target {
  return { key, label: key, origin: "http://127.0.0.1:1", requests: [] };
}

const measured = (load: LoadResult, cpu?: number): Measured => ({ load, cpu });

Deno.test("summarise: medians over rounds, CPU per request over all of them, errors summed", () => {
  const figures = summarise(target("gateway"), [
    measured(run(1000, 1, 4), 0.15),
    measured(run(3000, 3, 2), 0.3),
    measured(run(2000, 2, 3), 0.15),
  ]);
  assertEquals(
    [figures.rps, figures.p50, figures.p99, figures.requests, figures.cpuUs],
    [2000, 2, 3, 18_000, 33.3],
  );
  assertEquals([figures.non2xx, figures.socketErrors, figures.valid], [0, 0, true]);
});

Deno.test("summarise: one round with errors makes the whole figure invalid", () => {
  const figures = summarise(target("gateway"), [
    measured(run(1000, 1, 4), 0.1),
    measured(run(1000, 1, 4, { non2xx: 7, valid: false }), 0.1),
  ]);
  assertEquals([figures.non2xx, figures.valid], [7, false]);
});

Deno.test("summarise: no CPU figure unless every round has one", () => {
  const figures = summarise(target("direct"), [
    measured(run(1000, 1, 4), 0.1),
    measured(run(1000, 1, 4)),
  ]);
  assert(figures.cpuUs === undefined);
});

Deno.test("compare: ratios are taken within each round, so drift between rounds cancels", () => {
  // The machine slows down in the second round and recovers in the third: within each round the
  // gateway does 0.7-0.8x what the proxy does, while the medians per target would give 70/90.
  const proxy = summarise(
    target("proxy"),
    [run(100, 1, 2), run(60, 2, 4), run(90, 1, 2)].map((r) => measured(r)),
  );
  const gateway = summarise(
    target("gateway"),
    [run(70, 1.5, 3), run(48, 2.2, 5), run(72, 1.1, 2.5)].map((r) => measured(r)),
  );
  const direct = summarise(
    target("direct"),
    [run(200, 0.5, 1), run(120, 1, 2), run(180, 0.5, 1)].map((r) => measured(r)),
  );
  compare([direct, proxy, gateway], {});
  assertEquals(gateway.vsProxy, 0.8);
  assertEquals(gateway.vsDirect, 0.4);
  assertEquals([gateway.addedP50, gateway.addedP99], [1, 2]);
  assertEquals(proxy.vsProxy, undefined);
  assertEquals([proxy.vsDirect, proxy.addedP50], [0.5, 0.5]);
  assertEquals([direct.vsDirect, direct.vsProxy], [undefined, undefined]);
});

Deno.test("compare: a scenario's extra pairs are compared the same way", () => {
  const small = summarise(target("gateway"), [measured(run(100, 1, 2)), measured(run(80, 1.2, 2))]);
  const many = summarise(target("gateway-many"), [
    measured(run(95, 1.1, 2)),
    measured(run(84, 1.3, 2)),
  ]);
  compare([small, many], { "gateway-many": "gateway" });
  assertEquals(many.vsOther, { key: "gateway", ratio: 1, addedP50: 0.1 });
  assertEquals(small.vsOther, undefined);
});

Deno.test("compare: each target against its own runtime's bare proxy; peers against none", () => {
  const rounds = (rps: number) => [measured(run(rps, 1, 2)), measured(run(rps, 1, 2))];
  const direct = summarise(target("direct"), rounds(400));
  const proxy = summarise(target("proxy"), rounds(200));
  const gateway = summarise(target("gateway"), rounds(160));
  const denoProxy = summarise(target("proxy-deno"), rounds(100));
  const denoGateway = summarise(target("gateway-deno"), rounds(70));
  const peer = summarise(target("peer-x"), rounds(10));
  compare([direct, proxy, gateway, denoProxy, denoGateway, peer], {}, {
    "gateway-deno": "proxy-deno",
    "peer-x": "none",
  });
  assertEquals([gateway.vsProxy, denoGateway.vsProxy], [0.8, 0.7]);
  assertEquals([proxy.vsProxy, denoProxy.vsProxy, peer.vsProxy], [undefined, undefined, undefined]);
  assertEquals([denoProxy.vsDirect, peer.vsDirect], [0.25, 0.025]);
});

const wrk = await wrkVersion();

Deno.test({
  name: "runScenario: an optional target that cannot be loaded is an INVALID row, not the end",
  ignore: wrk === undefined,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      const body = `${dir}/body.json`;
      await Deno.writeTextFile(body, "{}");
      const gone: Target = {
        key: "peer-gone",
        label: "a peer that died",
        origin: `http://127.0.0.1:${freePort()}`,
        requests: [{ path: "/v1/chat/completions", bodyFile: body }],
        optional: true,
      };
      const figures = await runScenario(
        { key: "chat", title: "chat", concurrencies: [1], targets: [gone] },
        { scripts: writeWrkScripts(dir), seconds: 1, warmupSeconds: 1, rounds: 1, log: () => {} },
      );
      const row = figures[0]!.targets[0]!;
      assertEquals([row.key, row.valid, row.requests], ["peer-gone", false, 0]);
      assertEquals(row.rounds, [failedRun(1)]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
