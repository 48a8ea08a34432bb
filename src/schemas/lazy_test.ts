import { assert, assertEquals } from "../../tests/assert.ts";
import { z } from "@hono/zod-openapi";
import { builtOnFirstUse, lazySchema } from "./lazy.ts";
import { objectKeys } from "../config/zod_issues.ts";
import { anthropicWire } from "../ingress/anthropic/wire.ts";
import { responsesWire } from "../ingress/responses/wire.ts";
import { geminiWire } from "../ingress/gemini/wire.ts";

Deno.test("builtOnFirstUse builds on the first call only, then returns the same value", () => {
  let builds = 0;
  const schemas = builtOnFirstUse(() => {
    builds++;
    return { Request: z.object({ model: z.string() }) };
  });
  assertEquals(builds, 0, "nothing is built before it is asked for");
  const first = schemas();
  assert(schemas() === first);
  assertEquals(builds, 1);
});

Deno.test("each client API's wire schemas are built once", () => {
  for (const wire of [anthropicWire, responsesWire, geminiWire]) assert(wire() === wire());
});

Deno.test("lazySchema builds on first parse, and the config tooling sees through it", () => {
  let builds = 0;
  const schema = lazySchema(() => {
    builds++;
    return z.object({ api_key: z.string().min(1) });
  });
  assertEquals(builds, 0);
  assertEquals(schema.safeParse({ api_key: "" }).success, false);
  assertEquals(schema.parse({ api_key: "k" }), { api_key: "k" });
  assert(schema.unwrap() === schema.unwrap(), "one schema, however it is reached");
  assertEquals(objectKeys(schema), ["api_key"]);
  assertEquals(builds, 1);
});
