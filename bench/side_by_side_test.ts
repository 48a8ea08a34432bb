import { assertEquals, assertThrows } from "../tests/assert.ts";
import { parseTarget } from "./side_by_side.ts";

Deno.test("parseTarget() reads a binary alone or with its environment", () => {
  assertEquals(parseTarget("dist/gateway"), { binary: "dist/gateway", env: {} });
  assertEquals(parseTarget("A=1,B=x=y@/tmp/gw"), { binary: "/tmp/gw", env: { A: "1", B: "x=y" } });
  assertThrows(() => parseTarget("A@/tmp/gw"), /'A' in 'A@\/tmp\/gw' is not NAME=VALUE/);
});
