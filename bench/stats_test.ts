import { assert, assertEquals } from "../tests/assert.ts";
import { fmt, markdownTable, median, quantile, rate, signed } from "./stats.ts";

Deno.test("quantile interpolates between the sorted values and leaves its input alone", () => {
  const values = [4, 1, 3, 2];
  assertEquals(quantile(values, 0), 1);
  assertEquals(quantile(values, 1), 4);
  assertEquals(quantile(values, 0.5), 2.5);
  assertEquals(values, [4, 1, 3, 2]);
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
  assertEquals(Math.round(quantile(hundred, 0.99) * 100) / 100, 99.01);
  assertEquals(median([5, 1, 9]), 5);
  assert(Number.isNaN(median([])));
});

Deno.test("table cells: missing figures are a dash, signs and thousands are written out", () => {
  assertEquals(fmt(undefined), "–");
  assertEquals(fmt(NaN), "–");
  assertEquals(fmt(0.8049), "0.80");
  assertEquals(signed(0.5, 3), "+0.500");
  assertEquals(signed(-0.25), "-0.25");
  assertEquals(signed(Infinity), "–");
  assertEquals(rate(12345.6), "12,346");
  assertEquals(rate(undefined), "–");
});

Deno.test("markdownTable pads every column to its widest cell", () => {
  assertEquals(
    markdownTable(["a", "long header"], [["wide cell", "x"], ["y"]]),
    [
      "| a         | long header |",
      "| --------- | ----------- |",
      "| wide cell | x           |",
      "| y         |             |",
    ].join("\n"),
  );
});
