/**
 * The config's JSON Schema, generated from the zod schema (schema.ts) so that editors complete
 * and check gateway configs (`# yaml-language-server: $schema=...`). `gateway schema` prints it;
 * `schema/config.schema.json` is the committed copy, kept current by `deno task docs` and a test.
 * It checks shapes; `gateway validate` checks the rest (providers' keys, names across entries,
 * environment variables).
 */
import { z } from "zod";
import { configSchemas } from "./schema.ts";

/** Where the committed copy lives, from the repository's root. */
export const JSON_SCHEMA_PATH = "schema/config.schema.json";

/** `$VAR` or `${VAR}`: a value read from the environment when the config is loaded. */
const ENV_REFERENCE = {
  type: "string",
  pattern: "^\\$(\\{[A-Za-z_][A-Za-z0-9_]*\\}|[A-Za-z_][A-Za-z0-9_]*)$",
  description: "an environment variable ($VAR or ${VAR}), read when the config is loaded",
};

type Node = Record<string, unknown>;

/** The node at `path` (property names) of a generated schema, if there is one. */
function nodeAt(schema: Node, path: readonly string[]): Node | undefined {
  let node: unknown = schema;
  for (const key of path) node = (node as Node | undefined)?.[key];
  return typeof node === "object" && node !== null ? node as Node : undefined;
}

/** Lets a string field that may name an environment variable take `$VAR` as well. */
function allowEnvReference(parent: Node | undefined, field: string): void {
  const properties = parent?.properties as Node | undefined;
  const node = properties?.[field] as Node | undefined;
  if (properties === undefined || node === undefined) return;
  const { description, ...shape } = node;
  properties[field] = { ...(description ? { description } : {}), anyOf: [shape, ENV_REFERENCE] };
}

/** The config's JSON Schema (draft 2020-12) as formatted text. */
export function configJsonSchemaText(): string {
  const generated = z.toJSONSchema(configSchemas().GatewayConfigSpec, {
    io: "input",
    // A provider name is a string checked by its own rules (case-insensitive, aliases).
    unrepresentable: "any",
  }) as Record<string, unknown>;
  const server = nodeAt(generated, ["properties", "server"]);
  allowEnvReference(server, "redis_url");
  allowEnvReference(server, "store");
  allowEnvReference(
    nodeAt(generated, [
      "properties",
      "server",
      "properties",
      "auth",
      "properties",
      "keys",
      "items",
    ]),
    "key",
  );
  const { $schema, ...rest } = generated;
  const schema = {
    $schema,
    $id: "https://github.com/gateway/gateway/schema/config.schema.json",
    title: "Gateway config (MLflow AI Gateway YAML, with the gateway's additions)",
    ...rest,
  };
  return JSON.stringify(schema, null, 2) + "\n";
}
