/**
 * The config reference, `docs/config.md`, written from the schemas themselves: the config file's
 * (`GatewayConfigSpec`: keys, types, bounds, defaults and `.describe()` texts) and each
 * provider's `configSchema` and `secretKeys`. `deno task docs` writes the file;
 * `reference_test.ts` fails when it is stale. Not part of the gateway binary.
 */
import { configJsonSchemaText, JSON_SCHEMA_PATH } from "./json_schema.ts";
import process from "node:process";
import { z } from "zod";
import { configSchemas, PROVIDER_ALIASES, PROVIDER_NAMES, type ProviderName } from "./schema.ts";
import { PROVIDER_INFO } from "../providers/registry.ts";
import type { ProviderInfo } from "../core/provider.ts";

/** The reference's path, from the repository's root. */
export const REFERENCE_PATH = "docs/config.md";

/** One key of a mapping, as the reference shows it. */
export interface KeyDoc {
  /** Dotted path from the mapping the key belongs to, e.g. `aws_config.aws_region`. */
  key: string;
  type: string;
  required: boolean;
  default?: unknown;
  description?: string;
  /** A mapping below this key (an object, or a list of objects), documented on its own. */
  nested?: { suffix: string; schema: z.ZodType };
}

// deno-lint-ignore no-explicit-any
type AnySchema = any;

interface Unwrapped {
  core: AnySchema;
  optional: boolean;
  default?: unknown;
  description?: string;
}

/** Strips optional/nullable/default/pipe layers, keeping what they say about the key. */
function unwrap(schema: z.ZodType): Unwrapped {
  let current: AnySchema = schema;
  const out: Unwrapped = { core: schema, optional: false };
  for (;;) {
    const meta = z.globalRegistry.get(current);
    if (out.description === undefined && meta?.description !== undefined) {
      out.description = meta.description;
    }
    if (out.default === undefined && meta?.default !== undefined) out.default = meta.default;
    const def = current._zod.def;
    if (def.type === "optional") {
      out.optional = true;
      current = def.innerType;
    } else if (def.type === "nullable" || def.type === "readonly") {
      current = def.innerType;
    } else if (def.type === "default" || def.type === "prefault") {
      if (out.default === undefined) out.default = def.defaultValue;
      out.optional = true;
      current = def.innerType;
    } else if (def.type === "pipe") {
      current = def.in;
    } else if (def.type === "lazy") {
      current = (current as z.ZodLazy).unwrap();
    } else {
      out.core = current;
      return out;
    }
  }
}

function bounds(core: AnySchema): string {
  const parts: string[] = [];
  for (const check of core._zod.def.checks ?? []) {
    const def = check._zod.def;
    if (def.check === "greater_than") parts.push(`${def.inclusive ? "≥" : ">"} ${def.value}`);
    if (def.check === "less_than") parts.push(`${def.inclusive ? "≤" : "<"} ${def.value}`);
  }
  return parts.length === 0 ? "" : ` ${parts.join(", ")}`;
}

function isInteger(core: AnySchema): boolean {
  return (core._zod.def.checks ?? []).some((check: AnySchema) =>
    check._zod.def.check === "number_format" && /int/.test(check._zod.def.format)
  );
}

function typeOf(core: AnySchema): string {
  const def = core._zod.def;
  switch (def.type) {
    case "string":
      return def.format === "url" ? "URL" : "string";
    case "number":
      return `${isInteger(core) ? "integer" : "number"}${bounds(core)}`;
    case "boolean":
      return "boolean";
    case "enum":
      return `one of ${
        Object.values(def.entries as Record<string, string>).map((v) => `\`${v}\``).join(", ")
      }`;
    case "array": {
      const element = unwrap(def.element).core;
      return element._zod.def.type === "object" ? "list" : `list of ${typeOf(element)}`;
    }
    case "object":
    case "record":
      return "mapping";
    default:
      return "any";
  }
}

/** The keys of an object schema (wrapped or not), in declaration order. */
export function keysOf(schema: z.ZodType): KeyDoc[] {
  const object = unwrap(schema).core;
  if (object._zod.def.type !== "object") return [];
  const keys: KeyDoc[] = [];
  for (const [key, field] of Object.entries(object._zod.def.shape as Record<string, z.ZodType>)) {
    const { core, optional, default: fallback, description } = unwrap(field);
    const doc: KeyDoc = { key, type: typeOf(core), required: !optional };
    // An object default is spelled out key by key below it.
    if (fallback !== undefined && (typeof fallback !== "object" || fallback === null)) {
      doc.default = fallback;
    }
    if (description !== undefined) doc.description = description;
    if (core._zod.def.type === "object") doc.nested = { suffix: "", schema: core };
    if (core._zod.def.type === "array") {
      const element = unwrap(core._zod.def.element).core;
      if (element._zod.def.type === "object") doc.nested = { suffix: "[]", schema: element };
    }
    keys.push(doc);
  }
  return keys;
}

function sizeNote(key: string, value: unknown): string {
  if (!key.endsWith("_bytes") || typeof value !== "number") return "";
  for (const [unit, size] of [["GiB", 1024 ** 3], ["MiB", 1024 ** 2], ["KiB", 1024]] as const) {
    if (value >= size && value % size === 0) return ` (${value / size} ${unit})`;
  }
  return "";
}

/** A description as a sentence: a first word in lower case capitalised, a full stop added. */
function sentence(text: string): string {
  const trimmed = text.trim();
  const capital = /^[a-z]+\b/.test(trimmed)
    ? trimmed.charAt(0).toUpperCase() + trimmed.slice(1)
    : trimmed;
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

function keyLine(doc: KeyDoc, extra: string[] = []): string {
  const facts = [doc.type, ...extra];
  if (doc.required) facts.push("required");
  if (doc.default !== undefined) {
    facts.push(`default \`${JSON.stringify(doc.default)}\`${sizeNote(doc.key, doc.default)}`);
  }
  const text = doc.description === undefined ? "" : `: ${sentence(doc.description)}`;
  return `- **\`${doc.key}\`** (${facts.join("; ")})${text}`;
}

/** The sections of one mapping and the mappings below it, depth first. */
function mappingSections(path: string, schema: z.ZodType, lines: string[]): void {
  const keys = keysOf(schema);
  lines.push(path === "" ? "### Top level" : `### \`${path}\``, "");
  for (const doc of keys) lines.push(keyLine(doc));
  lines.push("");
  for (const doc of keys) {
    if (doc.nested === undefined) continue;
    const below = path === "" ? doc.key : `${path}.${doc.key}`;
    mappingSections(`${below}${doc.nested.suffix}`, doc.nested.schema, lines);
  }
}

/** Provider keys, nested mappings (Bedrock's `aws_config`) flattened to dotted paths. */
function providerKeys(schema: z.ZodType, prefix = ""): KeyDoc[] {
  const out: KeyDoc[] = [];
  for (const doc of keysOf(schema)) {
    const key = `${prefix}${doc.key}`;
    out.push({ ...doc, key });
    if (doc.nested !== undefined && doc.nested.suffix === "") {
      out.push(...providerKeys(doc.nested.schema, `${key}.`));
    }
  }
  return out;
}

/** Keys the provider's schema reports missing in an empty `model.config` block. */
function requiredWhenEmpty(provider: ProviderInfo): Set<string> {
  const result = provider.configSchema.safeParse({});
  if (result.success) return new Set();
  return new Set(result.error.issues.map((issue) => issue.path.join(".")));
}

const OWN_PAGE: ReadonlySet<ProviderName> = new Set([
  "openai",
  "azure",
  "anthropic",
  "gemini",
  "bedrock",
  "cohere",
  "huggingface-text-generation-inference",
  "mlflow-model-serving",
]);

function detailsPage(name: ProviderName, provider: ProviderInfo): string | undefined {
  if (name === "mock") return undefined;
  if (provider.retired !== undefined) return "providers/retired.md";
  return OWN_PAGE.has(name) ? `providers/${name}.md` : "providers/openai-compatible.md";
}

function providerSection(name: ProviderName, lines: string[]): void {
  const provider = PROVIDER_INFO[name];
  const aliases = Object.entries(PROVIDER_ALIASES).filter(([, to]) => to === name)
    .map(([alias]) => ` (also \`${alias}\`)`).join("");
  lines.push(`### \`${name}\`${aliases}`, "");
  const about: string[] = [provider.displayName + "."];
  if (provider.retired !== undefined) {
    about.push(`Retired: \`validate\` accepts it with a warning, \`start\` refuses it.`);
    // Plain text from the provider: `<host>` would read as an HTML tag, `*` as emphasis.
    about.push(sentence(provider.retired.replacement.replace(/[<*]/g, (c) => `\\${c}`)));
  } else {
    const types = (["chat", "completions", "embeddings"] as const)
      .filter((op) => provider.serves[op] !== undefined).map((op) => `\`llm/v1/${op}\``);
    about.push(`Serves ${types.join(", ")}.`);
  }
  const page = detailsPage(name, provider);
  if (page !== undefined) about.push(`Details: [${page.slice("providers/".length)}](${page}).`);
  lines.push(about.join(" "), "");
  const required = requiredWhenEmpty(provider);
  const secrets = new Set(provider.secretKeys);
  const keys = providerKeys(provider.configSchema);
  if (keys.length === 0) lines.push("No keys.");
  for (const doc of keys) {
    const last = doc.key.split(".").pop() ?? doc.key;
    const shown = { ...doc, required: required.has(doc.key) };
    lines.push(keyLine(shown, secrets.has(last) ? ["secret"] : []));
  }
  lines.push("");
}

const INTRO = `# Config reference

<!-- Generated by \`deno task docs\` from src/config/schema.ts and each provider's configSchema
(src/providers/*/). Do not edit by hand: change the schema's .describe() texts and run the task;
src/config/reference_test.ts fails when this file is stale. -->

The config is MLflow AI Gateway YAML: an MLflow \`config.yaml\` runs unchanged (but for the few
providers only MLflow has: [docs/migrating-from-mlflow.md](migrating-from-mlflow.md)), and every key
the gateway adds is optional. [\`config.reference.yaml\`](../config.reference.yaml) shows every feature
with comments, [\`config.example.yaml\`](../config.example.yaml) is a small one that starts as
written; \`gateway validate FILE\` checks a file offline and reports every problem with
file:line:col, the key's path and a "did you mean" hint.

Secrets: a value \`$VAR\` or \`\${VAR}\` anywhere in \`model.config\` (and in \`server.redis_url\`) is
read from the environment when the gateway starts; a missing one stops the start with a message
naming the variable and the endpoint (\`validate\` reports it as a warning, an error with
\`--strict\`). A secret key (marked *secret* below) whose value is a path to an existing file is read
from that file, with its trailing newline removed (MLflow keeps it, which breaks the auth header).
Secrets never appear in logs, error bodies, \`/api/2.0/endpoints\` or \`/docs\`.

MLflow 2.x files (top-level \`routes:\` listing endpoints with \`route_type\`) load with a deprecation
warning that says how to rewrite them.

## The config file

Each key shows its type, whether it is required, and its default.
`;

const PROVIDERS_INTRO = `## Provider keys

The keys of \`model.config\` for each \`model.provider\`. *required* keys are the ones \`validate\`
reports missing from an empty block; some keys are required only with other settings (their text
says when). Unknown keys are warnings, with a "did you mean".
`;

/** The reference as Markdown, before formatting. */
export function configReference(): string {
  const lines: string[] = [INTRO];
  mappingSections("", configSchemas().GatewayConfigSpec, lines);
  lines.push(PROVIDERS_INTRO);
  for (const name of PROVIDER_NAMES) providerSection(name, lines);
  return lines.join("\n");
}

/** Formats Markdown the way `deno fmt` checks it (the repository's line width). */
export async function formatMarkdown(text: string, root: URL): Promise<string> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--config", new URL("deno.json", root).pathname, "--ext", "md", "-"],
    cwd: root.pathname,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
  const { code, stdout, stderr } = await child.output();
  if (code !== 0) throw new Error(`deno fmt failed: ${new TextDecoder().decode(stderr)}`);
  return new TextDecoder().decode(stdout);
}

/** The repository's root (this file is `src/config/reference.ts`). */
export const ROOT = new URL("../../", import.meta.url);

/** `docs/config.md` as it should be. */
export function renderReference(): Promise<string> {
  return formatMarkdown(configReference(), ROOT);
}

if (import.meta.main) {
  const text = await renderReference();
  await Deno.writeTextFile(new URL(REFERENCE_PATH, ROOT), text);
  process.stderr.write(`wrote ${REFERENCE_PATH} (${text.length} characters)\n`);
  const schema = configJsonSchemaText();
  await Deno.mkdir(new URL("schema/", ROOT), { recursive: true });
  await Deno.writeTextFile(new URL(JSON_SCHEMA_PATH, ROOT), schema);
  process.stderr.write(`wrote ${JSON_SCHEMA_PATH} (${schema.length} characters)\n`);
}
