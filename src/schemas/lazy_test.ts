import { assert, assertEquals } from "../../tests/assert.ts";
import { z } from "@hono/zod-openapi";
import { builtOnFirstUse } from "./lazy.ts";
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
