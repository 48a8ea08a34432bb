import { assertEquals } from "../../../tests/assert.ts";
import { labelIndexes, linear, linePath, niceTicks, stack, stackedMax } from "./chart_math.ts";

Deno.test("niceTicks() steps by 1, 2, 2.5 or 5 times a power of ten, up to at least max", () => {
  assertEquals(niceTicks(6), [0, 2, 4, 6]);
  assertEquals(niceTicks(7), [0, 2, 4, 6, 8]);
  assertEquals(niceTicks(100), [0, 25, 50, 75, 100]);
  assertEquals(niceTicks(0.05), [0, 0.02, 0.04, 0.06]);
  assertEquals(niceTicks(1), [0, 0.25, 0.5, 0.75, 1]);
  assertEquals(niceTicks(0), [0, 1], "an empty chart still has an axis");
  assertEquals(niceTicks(Number.NaN), [0, 1]);
});

Deno.test("linear() maps a domain onto a range (the middle for an empty domain)", () => {
  const y = linear(0, 10, 100, 0);
  assertEquals([y(0), y(5), y(10)], [100, 50, 0]);
  assertEquals(linear(3, 3, 0, 10)(3), 5);
});

Deno.test("stack() puts each series on the ones before it", () => {
  assertEquals(stack([[1, 2], [3, null]]), [[[0, 1], [0, 2]], [[1, 4], [2, 2]]]);
  assertEquals(stackedMax([[1, 2], [3, null]]), 4);
  assertEquals(stackedMax([]), 0);
});

Deno.test("linePath() breaks the line at missing values", () => {
  assertEquals(linePath([[0, 1], [10, 2.04], [20, null], [30, 4], [40, 5]]), "M0,1L10,2M30,4L40,5");
  assertEquals(linePath([[0, null]]), "");
});

Deno.test("labelIndexes() spreads labels evenly and always labels the last point", () => {
  assertEquals(labelIndexes(3, 5), [0, 1, 2]);
  assertEquals(labelIndexes(60, 5), [11, 23, 35, 47, 59]);
  assertEquals(labelIndexes(0, 5), []);
});
