import { assertEquals } from "../../../tests/assert.ts";
import { FloatVector } from "./vector.ts";

Deno.test("FloatVector accepts lists of numbers and refuses anything else", () => {
  assertEquals(FloatVector.safeParse([0.1, -2, 3e-5]).success, true);
  assertEquals(FloatVector.safeParse([]).success, true);
  assertEquals(FloatVector.safeParse([0.1, "2"]).success, false);
  assertEquals(FloatVector.safeParse("0.1,0.2").success, false);
  assertEquals(FloatVector.safeParse(null).success, false);
});
