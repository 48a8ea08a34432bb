import { assert, assertEquals, assertThrows } from "../../tests/assert.ts";
import { z } from "@hono/zod-openapi";
import { builtOnFirstUse, validateBody } from "./validate.ts";
import { InvalidRequestError } from "../core/errors.ts";
import { anthropicWire } from "./anthropic/wire.ts";
import { responsesWire } from "./responses/wire.ts";
import { geminiWire } from "./gemini/wire.ts";

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

Deno.test("validateBody names the first bad field", () => {
  const schema = z.object({ model: z.string(), n: z.number().int().optional() });
  assertEquals(validateBody(schema, { model: "m" }), { model: "m" });
  const error = assertThrows(() => validateBody(schema, { model: "m", n: "x" }), /'n'/);
  assert(error instanceof InvalidRequestError);
  assertEquals(error.param, "n");
});
