import { assert, assertEquals } from "../../tests/assert.ts";
import { destinationOrder, pickWeighted } from "./routing.ts";
import type { LoadedRoute } from "../config/load.ts";

Deno.test("pickWeighted() maps the random point onto the weights", () => {
  const items = [{ name: "a", weight: 20 }, { name: "b", weight: 80 }];
  assertEquals(pickWeighted(items, () => 0)?.name, "a");
  assertEquals(pickWeighted(items, () => 0.19)?.name, "a");
  assertEquals(pickWeighted(items, () => 0.2)?.name, "b");
  assertEquals(pickWeighted(items, () => 0.999999)?.name, "b");
});

Deno.test("pickWeighted() never picks a destination with weight 0", () => {
  const items = [{ name: "zero", weight: 0 }, { name: "all", weight: 100 }];
  for (const r of [0, 0.5, 0.9999]) assertEquals(pickWeighted(items, () => r)?.name, "all");
});

Deno.test("pickWeighted() follows the weights over many draws", () => {
  const items = [{ name: "a", weight: 30 }, { name: "b", weight: 70 }];
  let seed = 42;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  let a = 0;
  for (let i = 0; i < 10000; i++) if (pickWeighted(items, random)?.name === "a") a++;
  assert(a > 2700 && a < 3300, `a was picked ${a} times of 10000`);
});

Deno.test("destinationOrder() tries every FALLBACK destination in order", () => {
  const route: LoadedRoute = {
    name: "r",
    type: "llm/v1/chat",
    strategy: "FALLBACK",
    destinations: [{ name: "primary", weight: null }, { name: "backup", weight: null }],
  };
  assertEquals(destinationOrder(route), ["primary", "backup"]);
  assertEquals(
    destinationOrder({
      ...route,
      strategy: "TRAFFIC_SPLIT",
      destinations: [{ name: "x", weight: 100 }],
    }),
    ["x"],
  );
});
