import { assertEquals } from "../../tests/assert.ts";
import {
  cgroupLimitFiles,
  parseCgroupLimit,
  profiled,
  SERVER_RAM_HINT_BYTES,
  serverRamHint,
} from "./server_heap.ts";

const GIB = 1024 ** 3;
const BIG = 16 * GIB;

Deno.test("server heap sizing: only `gateway start` on Bun, on a machine with more RAM than the hint", () => {
  assertEquals(
    serverRamHint(["start", "--port", "0"], {}, BIG, undefined, "bun"),
    SERVER_RAM_HINT_BYTES,
  );
  assertEquals(serverRamHint(["start"], {}, BIG, undefined, "deno"), undefined);
  assertEquals(serverRamHint(["query", "chat", "hi"], {}, BIG, undefined, "bun"), undefined);
  assertEquals(serverRamHint(["validate", "x.yaml"], {}, BIG, undefined, "bun"), undefined);
  assertEquals(serverRamHint([], {}, BIG, undefined, "bun"), undefined);
  assertEquals(serverRamHint(["start", "--help"], {}, BIG, undefined, "bun"), undefined);
  assertEquals(serverRamHint(["start", "-h"], {}, BIG, undefined, "bun"), undefined);
  // JSC already sees no more than the hint.
  assertEquals(serverRamHint(["start"], {}, SERVER_RAM_HINT_BYTES, undefined, "bun"), undefined);
  assertEquals(serverRamHint(["start"], {}, 2 * GIB, undefined, "bun"), undefined);
});

Deno.test("server heap sizing: a memory limit below the hint becomes the hint", () => {
  assertEquals(serverRamHint(["start"], {}, BIG, 512 * 1024 ** 2, "bun"), 512 * 1024 ** 2);
  assertEquals(serverRamHint(["start"], {}, BIG, 8 * GIB, "bun"), SERVER_RAM_HINT_BYTES);
  assertEquals(serverRamHint(["start"], {}, 2 * GIB, GIB, "bun"), GIB);
  assertEquals(serverRamHint(["start"], {}, 2 * GIB, 3 * GIB, "bun"), undefined);
});

Deno.test("server heap sizing: a value the user set is kept (and a restarted process does not restart again)", () => {
  assertEquals(
    serverRamHint(["start"], { BUN_JSC_forceRAMSize: "1073741824" }, BIG, undefined, "bun"),
    undefined,
  );
  assertEquals(
    serverRamHint(
      ["start"],
      { BUN_JSC_forceRAMSize: String(SERVER_RAM_HINT_BYTES) },
      BIG,
      1,
      "bun",
    ),
    undefined,
  );
});

Deno.test("server heap sizing: cgroup limit files (v2 'max', v1's near-2^63 'no limit')", () => {
  assertEquals(parseCgroupLimit("536870912\n"), 536870912);
  assertEquals(parseCgroupLimit("max\n"), undefined);
  assertEquals(parseCgroupLimit("9223372036854771712\n"), undefined);
  assertEquals(parseCgroupLimit(""), undefined);
  assertEquals(parseCgroupLimit("0"), undefined);
  assertEquals(parseCgroupLimit("-1"), undefined);
});

Deno.test("server heap sizing: the limit files of the process's own cgroup come first", () => {
  const roots = ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"];
  assertEquals(cgroupLimitFiles("0::/system.slice/gateway.service\n"), [
    "/sys/fs/cgroup/system.slice/gateway.service/memory.max",
    ...roots,
  ]);
  // A container's own cgroup is its root.
  assertEquals(cgroupLimitFiles("0::/\n"), roots);
  assertEquals(
    cgroupLimitFiles("5:devices:/\n4:memory:/process_api/abc\n3:cpu,cpuacct:/\n0::/\n"),
    ["/sys/fs/cgroup/memory/process_api/abc/memory.limit_in_bytes", ...roots],
  );
  assertEquals(
    cgroupLimitFiles("7:memory,hugetlb:/kubepods/pod1\n"),
    ["/sys/fs/cgroup/memory/kubepods/pod1/memory.limit_in_bytes", ...roots],
  );
  assertEquals(cgroupLimitFiles(""), roots);
});

Deno.test("profiled() sees the runtime's profiler and inspector flags", () => {
  assertEquals(profiled([]), false);
  assertEquals(profiled(["--smol"]), false);
  assertEquals(profiled(["--cpu-prof", "--cpu-prof-dir=/tmp/p"]), true);
  assertEquals(profiled(["--inspect=127.0.0.1:0"]), true);
  assertEquals(profiled(["--heap-prof"]), true);
});
