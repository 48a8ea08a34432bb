import { assert, assertEquals } from "../tests/assert.ts";
import { parseWrkSummary, staticScriptArgs } from "./wrk.ts";

/** The line the Lua scripts' `done` prints, with wrk's own output around it. */
function output(fields: Partial<Record<string, number>>): string {
  const summary = {
    requests: 30_000,
    duration_us: 3_000_000,
    connect: 0,
    read: 0,
    write: 0,
    status: 0,
    timeout: 0,
    mean: 1_250.5,
    max: 9_000,
    p50: 1_000,
    p90: 2_000,
    p99: 4_500,
    ...fields,
  };
  return `Running 3s test @ http://127.0.0.1:1/v1/chat/completions\n  1 threads and 32 connections\n` +
    `WRKJSON ${JSON.stringify(summary)}\nRequests/sec:  10000.00\n`;
}

Deno.test("parseWrkSummary: requests/s from the run's own duration, latencies in ms", () => {
  assertEquals(parseWrkSummary(output({})), {
    requests: 30_000,
    seconds: 3,
    rps: 10_000,
    p50: 1,
    p90: 2,
    p99: 4.5,
    mean: 1.2505,
    max: 9,
    non2xx: 0,
    socketErrors: 0,
    valid: true,
  });
});

Deno.test("parseWrkSummary: a run with any failed request is not a result", () => {
  const refused = parseWrkSummary(output({ status: 3 }));
  assertEquals([refused?.non2xx, refused?.valid], [3, false]);
  const broken = parseWrkSummary(output({ connect: 1, read: 2, write: 3, timeout: 4 }));
  assertEquals([broken?.socketErrors, broken?.valid], [10, false]);
  const empty = parseWrkSummary(output({ requests: 0 }));
  assertEquals([empty?.rps, empty?.valid], [0, false]);
});

Deno.test("parseWrkSummary: no summary line (wrk failed to start) gives nothing", () => {
  assert(parseWrkSummary("unable to connect to 127.0.0.1:1 Connection refused\n") === undefined);
  assert(parseWrkSummary("") === undefined);
});

Deno.test("staticScriptArgs: the body file, then header names and values, Authorization first", () => {
  assertEquals(staticScriptArgs({ path: "/v1/chat/completions", bodyFile: "/tmp/b.json" }), [
    "/tmp/b.json",
  ]);
  assertEquals(
    staticScriptArgs({
      path: "/v1/chat/completions",
      bodyFile: "/tmp/b.json",
      authorization: "Bearer k",
      headers: { "x-portkey-provider": "openai" },
    }),
    ["/tmp/b.json", "Authorization", "Bearer k", "x-portkey-provider", "openai"],
  );
});
