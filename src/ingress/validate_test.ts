import { assert, assertEquals, assertThrows } from "../../tests/assert.ts";
import { z } from "@hono/zod-openapi";
import { validateBody } from "./validate.ts";
import { InvalidRequestError } from "../core/errors.ts";

Deno.test("validateBody names the first bad field", () => {
  const schema = z.object({ model: z.string(), n: z.number().int().optional() });
  assertEquals(validateBody(schema, { model: "m" }), { model: "m" });
  const error = assertThrows(() => validateBody(schema, { model: "m", n: "x" }), /'n'/);
  assert(error instanceof InvalidRequestError);
  assertEquals(error.param, "n");
});
