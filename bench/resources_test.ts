import { assertEquals } from "../tests/assert.ts";
import { rssGrowth } from "./resources.ts";

Deno.test("rssGrowth: the heap growing to its working size in the first fifth is not growth", () => {
  const samples = [60, 100, 101, 100, 102, 101, 100, 101, 102, 101];
  assertEquals(rssGrowth(samples), { early: 100.5, late: 101.5, growthPercent: 1 });
});

Deno.test("rssGrowth: a steady climb (a leak) shows as growth", () => {
  const samples = Array.from({ length: 60 }, (_, i) => 100 + i);
  const growth = rssGrowth(samples);
  assertEquals([growth.early, growth.late], [117.5, 153.5]);
  assertEquals(growth.growthPercent > 10, true);
});

Deno.test("rssGrowth: five samples (a quick soak) compare the second with the last", () => {
  assertEquals(rssGrowth([50, 80, 90, 85, 84]), { early: 80, late: 84, growthPercent: 5 });
});
