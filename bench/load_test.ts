import { assert, assertEquals } from "../tests/assert.ts";
import { compare, type Measured, summarise, type Target } from "./load.ts";
import type { LoadResult } from "./wrk.ts";

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
