import { assert, assertEquals } from "../../tests/assert.ts";
import { z } from "zod";
import { configSchemas } from "./schema.ts";
import { keysOf, REFERENCE_PATH, renderReference, ROOT } from "./reference.ts";

Deno.test("docs/config.md is what deno task docs writes from the schemas", async () => {
  const want = await renderReference();
  const have = await Deno.readTextFile(new URL(REFERENCE_PATH, ROOT)).catch(() => "");
  if (have !== want) throw new Error("docs/config.md is stale: run deno task docs");
});

/** Every key of the config file, with its path, depth first. */
function allKeys(schema: z.ZodType, path = ""): { path: string; description?: string }[] {
  return keysOf(schema).flatMap((doc) => {
    const at = path === "" ? doc.key : `${path}.${doc.key}`;
    const below = doc.nested ? allKeys(doc.nested.schema, `${at}${doc.nested.suffix}`) : [];
    return [{ path: at, ...(doc.description ? { description: doc.description } : {}) }, ...below];
  });
}

Deno.test("every key of the config file has a description in the schema", () => {
  const keys = allKeys(configSchemas().GatewayConfigSpec);
  assert(keys.length > 30, `only ${keys.length} keys found`);
  const bare = keys.filter((key) => key.description === undefined).map((key) => key.path);
  assertEquals(bare, [], `add .describe("...") in src/config/schema.ts for: ${bare.join(", ")}`);
});

Deno.test("the reference lists the upstream caps with their defaults", async () => {
  const text = await renderReference();
  for (
    const line of [
      "**`max_upstream_answer_bytes`** (integer ≥ 1024, ≤ 1073741824; default `33554432` (32 MiB))",
      "**`max_upstream_error_bytes`** (integer ≥ 1024, ≤ 16777216; default `65536` (64 KiB))",
      "**`timeout_seconds`** (number > 0, ≤ 86400; default `300`)",
    ]
  ) assert(text.includes(line), `missing: ${line}`);
});
