import { assert, assertEquals } from "../tests/assert.ts";
import { groupMembers, parsePssKiB, parseStat, ProcessGroup } from "./procs.ts";

Deno.test("parseStat: parent, process group and CPU, whatever the command name holds", () => {
  // A command name with spaces and parentheses; utime 250 and stime 50 ticks (USER_HZ 100).
  const stat = "4242 (gunicorn: (w) 1) S 4200 4100 4100 0 -1 4194560 2371 0 0 0 250 50 0 0 20 0 " +
    "3 0 123456 300000000 45000 18446744073709551615 1 1 0 0 0 0 0 16781312 17003 0 0 0 17 1 0 0";
  assertEquals(parseStat(stat), { ppid: 4200, pgrp: 4100, cpu: 3 });
  assertEquals(parseStat("garbage"), undefined);
  assertEquals(parseStat("1 (x) S"), undefined);
});

Deno.test("parsePssKiB: the Pss line of smaps_rollup", () => {
  const rollup = "55d0c7a00000-7ffd5e3fe000 ---p 00000000 00:00 0  [rollup]\n" +
    "Rss:               91128 kB\nPss:               60117 kB\nPss_Dirty:         50000 kB\n";
  assertEquals(parsePssKiB(rollup), 60117);
  assert(Number.isNaN(parsePssKiB("Rss: 1 kB\n")));
});

Deno.test("ProcessGroup: a server of several processes is measured and stopped as one", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const log = `${dir}/server.log`;
    const group = ProcessGroup.spawn(
      "test server",
      "sh",
      ["-c", "sleep 30 & sleep 30 & echo started; wait"],
      { env: {}, cwd: dir, log },
    );
    let members: number[] = [];
    for (let i = 0; i < 100 && members.length < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      members = group.members();
    }
    assertEquals(members.length, 3, "the shell and its two children");
    assert(members.includes(group.pid), "the leader's pid is the group's id");
    assertEquals(group.memory()?.processes, 3);
    assert((group.cpuSeconds() ?? -1) >= 0);
    for (let i = 0; i < 100 && group.tail() === ""; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assertEquals(group.tail(), "started");
    await group.stop();
    assert(group.exited);
    assertEquals(groupMembers(group.pid), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
