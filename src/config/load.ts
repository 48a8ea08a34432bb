/**
 * YAML text → checked, resolved config. Every problem is reported at once with file:line:col,
 * its field path and a hint; a config is returned only when there is no error.
 */
import { LineCounter, parseDocument } from "yaml";
import { readFile } from "node:fs/promises";
import process from "node:process";
import { Buffer } from "node:buffer";
import {
  type Budget,
  canonicalProvider,
  configSchemas,
  type Cost,
  type EndpointType,
  type Limit,
  type ProviderName,
  type RoutingStrategy,
  type ServerSpec,
} from "./schema.ts";
import { formatPath, hasErrors, type Problem, type Severity } from "./problems.ts";
import { Locator } from "./locate.ts";
import { issuesToProblems, objectKeys } from "./zod_issues.ts";
import { closest } from "./suggest.ts";
import { type Env, resolveReferences } from "./secrets.ts";
import { normaliseLegacy } from "./legacy.ts";
import { crossCheck } from "./checks.ts";
import { metadataUrls } from "./addresses.ts";
import { PROVIDER_INFO } from "../providers/registry.ts";
import { isRecord } from "../core/records.ts";
import { SAMPLING_PARAMETER_KEYS } from "../schemas/common.ts";
import { sha256Hex } from "../auth/secrets.ts";
import type { CacheSettings } from "../core/cache.ts";

/** One endpoint, ready to serve. */
export interface LoadedEndpoint {
  name: string;
  type: EndpointType;
  provider: ProviderName;
  /** The provider as written in the file (e.g. `amazon-bedrock`), shown in listings. */
  providerLabel: string;
  model: string | null;
  /** The provider's parsed `model.config`, secrets resolved. */
  config: unknown;
  limit: Limit | null;
  /** `model.cost` as written (the price table is consulted when unset). */
  cost: Cost | null;
  budget: Budget | null;
  /** The answer cache (its own or `server.defaults.cache`); null: none. */
  cache: CacheSettings | null;
  timeoutSeconds: number;
  idleTimeoutSeconds: number;
  retries: number;
}

export interface LoadedRoute {
  name: string;
  type: EndpointType;
  strategy: RoutingStrategy;
  /** LEAST_LATENCY's moving-average weight and exploration share. */
  latency: { decay: number; explore: number };
  /** The answer cache for calls of the route (its own or `server.defaults.cache`). */
  cache: CacheSettings | null;
  destinations: { name: string; weight: number | null }[];
}

/** A client key of `server.auth.keys`, its secret reduced to its SHA-256. */
export interface LoadedKey {
  name: string;
  /** The secret's SHA-256, lowercase hex. */
  sha256: string;
  admin: boolean;
  /** The endpoints and routes it may call; null: all. */
  endpoints: string[] | null;
  limit: Limit | null;
  budget: Budget | null;
}

/** A config that passed every check. */
export interface LoadedConfig {
  source: string;
  endpoints: LoadedEndpoint[];
  routes: LoadedRoute[];
  server: ServerSpec;
  /** Client authentication: undefined when `server.auth` is unset (everyone is admitted). */
  auth: { keys: LoadedKey[] } | undefined;
  /** Resolved secret values, for redaction from logs and errors. */
  secrets: string[];
}

export interface LoadOptions {
  env?: Env;
  /** How a missing environment variable counts: an error at start, a warning in `validate`. */
  missingEnv?: Severity;
  /** `validate` accepts configs that `start` refuses (retired providers), with a warning. */
  mode?: "serve" | "validate";
}

export interface LoadResult {
  config: LoadedConfig | undefined;
  problems: Problem[];
}

/** A config block without its secret keys (secrets are not URLs to check, nor shown). */
function omitKeys(value: unknown, keys: readonly string[]): unknown {
  if (!isRecord(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => !keys.includes(key)));
}

/** How far aliases may expand (the yaml package's resource-exhaustion guard). */
const MAX_ALIAS_COUNT = 1000;

/** Where the first alias (`*name`) is, for a report about aliases; the top when none is found. */
function firstAliasPosition(text: string, lines: LineCounter): { line: number; col: number } {
  const at = text.search(/(^|[\s,[{:-])\*[^\s,\]}]/m);
  if (at === -1) return { line: 1, col: 1 };
  const star = text.indexOf("*", at);
  return lines.linePos(star);
}

/** Request parameters: found in `model.config`, the hint says they belong in the request body. */
const SAMPLING_KEYS: ReadonlySet<string> = new Set(SAMPLING_PARAMETER_KEYS);

function located(
  problem: Problem,
  locator: Locator,
  path: readonly PropertyKey[],
  key = false,
): Problem {
  const pos = locator.find(path, { key });
  return pos ? { ...problem, line: pos.line, col: pos.col } : problem;
}

/**
 * Resolves `$VAR` references in the `server:` block in place (e.g. `redis_url: $REDIS_URL`);
 * the Redis URL is treated as a secret since it may hold a password, and client keys' `key`
 * values are secrets (a `$VAR`, a file holding the key, or the key).
 */
function resolveServerReferences(
  data: Record<string, unknown>,
  locator: Locator,
  env: Env,
  missingEnv: Severity,
): { problems: Problem[]; secrets: string[] } {
  if (!isRecord(data.server)) return { problems: [], secrets: [] };
  const { auth, ...rest } = data.server;
  const resolved = resolveReferences(rest, ["redis_url"], env, ["server"]);
  const server = resolved.value as Record<string, unknown>;
  const missing = [...resolved.missing];
  const secrets = resolved.secrets.filter((s) => /:[^/@]+@/.test(s));
  // A database URL may hold a password: never shown.
  const store = (resolved.value as Record<string, unknown>).store;
  if (typeof store === "string" && /^postgres(ql)?:\/\/[^/]*:[^/@]+@/.test(store)) {
    secrets.push(store, decodeURIComponent(store.replace(/^[^:]+:\/\/[^:]*:([^@]*)@.*$/, "$1")));
  }
  if (auth !== undefined) server.auth = auth;
  const keys = isRecord(auth) && Array.isArray(auth.keys) ? auth.keys : [];
  keys.forEach((key, i) => {
    if (!isRecord(key) || typeof key.key !== "string") return;
    const at = ["server", "auth", "keys", i];
    const secret = resolveReferences({ key: key.key }, ["key"], env, at);
    missing.push(...secret.missing);
    secrets.push(...secret.secrets);
    keys[i] = { ...key, key: (secret.value as { key: string }).key };
  });
  // A key whose variable is missing is reported below (an error at start, a warning in
  // validate) and left out, so the schema does not also complain about the literal `$VAR`.
  for (const { path } of missing) {
    let parent: unknown = data;
    for (const segment of path.slice(0, -1)) {
      parent = isRecord(parent) || Array.isArray(parent)
        ? (parent as Record<PropertyKey, unknown>)[segment]
        : undefined;
    }
    if (path.length === 2) delete server[path[1] as string];
    else if (isRecord(parent)) parent.key = "(unset)".padEnd(16, ".");
  }
  data.server = server;
  const problems = missing.map((missing) =>
    located(
      {
        severity: missingEnv,
        path: formatPath(missing.path),
        message: `environment variable '${missing.variable}' is not set`,
        hint: `export ${missing.variable}=... before starting the gateway`,
      },
      locator,
      missing.path,
    )
  );
  return { problems, secrets };
}

interface ProviderCheck {
  configs: Map<number, unknown>;
  problems: Problem[];
  secrets: string[];
}

/** Checks and resolves each endpoint's `model.config` with its provider's own schema. */
function checkProviderConfigs(
  data: Record<string, unknown>,
  locator: Locator,
  env: Env,
  missingEnv: Severity,
  mode: "serve" | "validate",
): ProviderCheck {
  const result: ProviderCheck = { configs: new Map(), problems: [], secrets: [] };
  const endpoints = Array.isArray(data.endpoints) ? data.endpoints : [];
  endpoints.forEach((endpoint, i) => {
    if (!isRecord(endpoint) || !isRecord(endpoint.model)) return;
    const written = endpoint.model.provider;
    const name = typeof written === "string" ? canonicalProvider(written) : undefined;
    if (name === undefined) return;
    const provider = PROVIDER_INFO[name];
    if (provider.retired) {
      const at: PropertyKey[] = ["endpoints", i, "model", "provider"];
      result.problems.push(located(
        {
          severity: mode === "validate" ? "warning" : "error",
          path: formatPath(at),
          message:
            `provider '${name}' is retired: its API no longer exists, so the gateway cannot serve this endpoint`,
          hint: provider.retired.replacement,
        },
        locator,
        at,
      ));
    }
    const raw = endpoint.model.config ?? {};
    if (!isRecord(raw)) return; // the base schema reports the wrong type
    const at: PropertyKey[] = ["endpoints", i, "model", "config"];
    const endpointName = typeof endpoint.name === "string" ? endpoint.name : `#${i}`;

    const known = objectKeys(provider.configSchema);
    for (const key of Object.keys(raw)) {
      if (known.includes(key)) continue;
      const guess = closest(key, known);
      const hint = guess !== undefined
        ? `did you mean '${guess}'?`
        : SAMPLING_KEYS.has(key)
        ? "sampling parameters belong in the request body, not in model.config"
        : known.length > 0
        ? `${provider.displayName} takes: ${known.join(", ")}`
        : `${provider.displayName} takes no config keys`;
      result.problems.push(located(
        {
          severity: "warning",
          path: formatPath([...at, key]),
          message: `unknown key '${key}' for provider '${name}' (ignored)`,
          hint,
        },
        locator,
        [...at, key],
        true,
      ));
    }

    const resolved = resolveReferences(raw, provider.secretKeys, env, at);
    result.secrets.push(...resolved.secrets);
    for (const missing of resolved.missing) {
      result.problems.push(located(
        {
          severity: missingEnv,
          path: formatPath(missing.path),
          message:
            `environment variable '${missing.variable}' is not set (needed by endpoint '${endpointName}')`,
          hint: `export ${missing.variable}=... before starting the gateway`,
        },
        locator,
        missing.path,
      ));
    }
    const missingPaths = new Set(resolved.missing.map((m) => formatPath(m.path)));
    const parsed = provider.configSchema.safeParse(resolved.value);
    if (parsed.success) {
      result.configs.set(i, parsed.data);
      for (const warning of metadataUrls(omitKeys(parsed.data, provider.secretKeys))) {
        const path = [...at, ...warning.path];
        result.problems.push(located(
          {
            severity: "warning",
            path: formatPath(path),
            message: `'${warning.url}' is ${warning.why}: no LLM API is served there`,
            hint: "check the base URL; a request there could read this machine's cloud credentials",
          },
          locator,
          path,
        ));
      }
      return;
    }
    result.problems.push(
      ...issuesToProblems(parsed.error.issues, {
        schema: provider.configSchema,
        data: resolved.value,
        locator,
        prefix: at,
        secretKeys: provider.secretKeys,
      }).filter((p) => !missingPaths.has(p.path)),
    );
  });
  return result;
}

/**
 * Parses and checks config text; `source` names the file in problems. It never throws: whatever
 * goes wrong while reading, converting or checking (an alias bomb, a bug) is a problem in the
 * result, so a reload or a worker restart keeps the running config instead of crashing.
 */
export function loadConfigText(
  text: string,
  source: string,
  options: LoadOptions = {},
): LoadResult {
  try {
    return loadChecked(text, source, options);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      config: undefined,
      problems: [{
        severity: "error",
        path: "",
        message: `the config could not be loaded: ${message}`,
        line: 1,
        col: 1,
      }],
    };
  }
}

function loadChecked(text: string, source: string, options: LoadOptions): LoadResult {
  const env = options.env ?? {};
  const missingEnv = options.missingEnv ?? "error";
  const lines = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter: lines,
    prettyErrors: false,
    merge: true,
    uniqueKeys: true,
  });
  const problems: Problem[] = [];
  for (const [severity, list] of [["error", doc.errors], ["warning", doc.warnings]] as const) {
    for (const e of list) {
      const pos = lines.linePos(e.pos[0]);
      const message = e.code === "DUPLICATE_KEY"
        ? `duplicate key '${text.slice(e.pos[0]).split(/[:\n]/)[0]?.trim()}'`
        : e.message.split("\n")[0] ?? e.message;
      problems.push({
        severity,
        path: "",
        message: `YAML: ${message}`,
        line: pos.line,
        col: pos.col,
      });
    }
  }
  if (hasErrors(problems)) return { config: undefined, problems };

  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    // The yaml package refuses aliases that expand too far ("billion laughs"); say where.
    problems.push({
      severity: "error",
      path: "",
      message: `YAML: ${(error as Error).message}`,
      hint: "aliases that nest expand exponentially; write the values out instead",
      ...firstAliasPosition(text, lines),
    });
    return { config: undefined, problems };
  }
  if (!isRecord(raw)) {
    problems.push({
      severity: "error",
      path: "",
      message: raw === null || raw === undefined
        ? "the file is empty"
        : "the top level must be a mapping",
      hint: "a config starts with 'endpoints:' followed by a list of endpoints",
      line: 1,
      col: 1,
    });
    return { config: undefined, problems };
  }

  const legacy = normaliseLegacy(raw);
  const data = legacy.data as Record<string, unknown>;
  const locator = new Locator(doc, lines, legacy.rewrite);
  for (const warning of legacy.warnings) {
    problems.push(located(warning.problem, locator, warning.path, true));
  }

  const server = resolveServerReferences(data, locator, env, missingEnv);
  problems.push(...server.problems);
  const schema = configSchemas().GatewayConfigSpec;
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    problems.push(
      ...issuesToProblems(parsed.error.issues, {
        schema,
        data,
        locator,
        secretKeys: ["redis_url", "store", "key"],
      }),
    );
  }
  const providers = checkProviderConfigs(data, locator, env, missingEnv, options.mode ?? "serve");
  problems.push(...providers.problems);
  problems.push(...crossCheck(data).map((c) => located(c.problem, locator, c.at, c.atKey)));

  if (!parsed.success || hasErrors(problems)) return { config: undefined, problems };
  const spec = parsed.data;
  const defaults = spec.server.defaults;
  const config: LoadedConfig = {
    source,
    server: spec.server,
    auth: spec.server.auth && {
      keys: spec.server.auth.keys.map((key) => ({
        name: key.name,
        sha256: key.key_sha256?.toLowerCase() ?? sha256Hex(key.key as string),
        admin: key.admin,
        endpoints: key.endpoints ?? null,
        limit: key.limit ?? null,
        budget: key.budget ?? null,
      })),
    },
    secrets: [...new Set([...providers.secrets, ...server.secrets])],
    endpoints: spec.endpoints.map((e, i) => {
      const model = (data.endpoints as Record<string, Record<string, unknown>>[])[i]?.model;
      return {
        name: e.name,
        type: e.endpoint_type,
        provider: e.model.provider,
        providerLabel: typeof model?.provider === "string" ? model.provider : e.model.provider,
        model: e.model.name ?? null,
        config: providers.configs.get(i),
        limit: e.limit ?? null,
        cost: e.model.cost ?? null,
        budget: e.budget ?? null,
        cache: e.cache ?? defaults.cache ?? null,
        timeoutSeconds: e.timeout_seconds ?? defaults.timeout_seconds ?? 300,
        idleTimeoutSeconds: e.idle_timeout_seconds ?? defaults.idle_timeout_seconds ?? 60,
        retries: e.retries ?? defaults.retries ?? 2,
      };
    }),
    routes: (spec.routes ?? []).map((r) => ({
      name: r.name,
      type: r.task_type,
      strategy: r.routing_strategy,
      latency: { decay: r.latency?.decay ?? 0.2, explore: r.latency?.explore ?? 0.05 },
      cache: r.cache ?? defaults.cache ?? null,
      destinations: r.destinations.map((d) => ({
        name: d.name,
        weight: d.traffic_percentage ?? null,
      })),
    })),
  };
  return { config, problems };
}

/** Thrown when the config file cannot be read at all (missing, a directory, no permission). */
export class ConfigFileError extends Error {}

/** Reads and checks a config file. */
export async function loadConfigFile(path: string, options: LoadOptions = {}): Promise<LoadResult> {
  return loadConfigText(await readConfigFile(path), path, options);
}

/** A config file's text, or a ConfigFileError that says why it cannot be read. */
/** All of a byte stream as UTF-8 text. */
async function readStream(stream: AsyncIterable<Uint8Array | string>): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) {
    chunks.push(typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

export async function readConfigFile(path: string): Promise<string> {
  let text: string;
  try {
    // Standard input is read as a stream: Deno grants a path under /dev only with every
    // permission, and the gateway does not run with them.
    text = path === "/dev/stdin" ? await readStream(process.stdin) : await readFile(path, "utf8");
  } catch (error) {
    const code = (error as { code?: string }).code;
    const reason = code === "ENOENT"
      ? "no such file"
      : code === "EISDIR"
      ? "it is a directory"
      : code === "EACCES"
      ? "permission denied"
      : (error as Error).message;
    throw new ConfigFileError(`cannot read config file '${path}': ${reason}`);
  }
  // A NUL byte never appears in YAML: this is a binary file (a compiled gateway, an archive).
  if (text.includes("\u0000")) {
    throw new ConfigFileError(`cannot read config file '${path}': not a text file`);
  }
  return text;
}
