import { assertEquals } from "../../tests/assert.ts";
import { SERVER_RAM_HINT_BYTES, wantsServerHeapSizing } from "./server_heap.ts";

const BIG = 16 * 1024 ** 3;

Deno.test("server heap sizing: only `gateway start` on Bun, on a machine with more RAM than the hint", () => {
  assertEquals(wantsServerHeapSizing(["start", "--port", "0"], {}, BIG, "bun"), true);
  assertEquals(wantsServerHeapSizing(["start"], {}, BIG, "deno"), false);
  assertEquals(wantsServerHeapSizing(["query", "chat", "hi"], {}, BIG, "bun"), false);
  assertEquals(wantsServerHeapSizing(["validate", "x.yaml"], {}, BIG, "bun"), false);
  assertEquals(wantsServerHeapSizing([], {}, BIG, "bun"), false);
  assertEquals(wantsServerHeapSizing(["start", "--help"], {}, BIG, "bun"), false);
  assertEquals(wantsServerHeapSizing(["start", "-h"], {}, BIG, "bun"), false);
  assertEquals(wantsServerHeapSizing(["start"], {}, SERVER_RAM_HINT_BYTES, "bun"), false);
});

Deno.test("server heap sizing: a value the user set is kept (and a restarted process does not restart again)", () => {
  assertEquals(
    wantsServerHeapSizing(["start"], { BUN_JSC_forceRAMSize: "1073741824" }, BIG, "bun"),
    false,
  );
  assertEquals(
    wantsServerHeapSizing(
      ["start"],
      { BUN_JSC_forceRAMSize: String(SERVER_RAM_HINT_BYTES) },
      BIG,
      "bun",
    ),
    false,
  );
});
