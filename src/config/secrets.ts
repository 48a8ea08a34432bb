/**
 * Resolves `$VAR` / `${VAR}` references in `model.config` from the environment, and secret
 * values that name an existing file from that file (trailing newline trimmed, unlike MLflow).
 */
import { existsSync, readFileSync, statSync } from "node:fs";

const ENV_REFERENCE = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))$/;

/** The variable a value refers to (`$OPENAI_API_KEY` → `OPENAI_API_KEY`), if it is a reference. */
export function envReference(value: string): string | undefined {
  const match = ENV_REFERENCE.exec(value.trim());
  return match ? (match[1] ?? match[2]) : undefined;
}

export interface Missing {
  path: PropertyKey[];
  variable: string;
}

export interface Resolved {
  value: unknown;
  missing: Missing[];
  /** Every resolved secret value, for redaction. */
  secrets: string[];
}

export type Env = Readonly<Record<string, string | undefined>>;

function readSecretFile(value: string): string | undefined {
  try {
    if (value.length > 4096 || !existsSync(value) || !statSync(value).isFile()) return undefined;
    return readFileSync(value, "utf8").replace(/\r?\n$/, "");
  } catch {
    return undefined;
  }
}

/**
 * Resolves every string in `value` (recursively). Keys named in `secretKeys` are secrets: they
 * may also name a file, and their resolved values are collected for redaction.
 */
export function resolveReferences(
  value: unknown,
  secretKeys: readonly string[],
  env: Env,
  path: PropertyKey[] = [],
): Resolved {
  const missing: Missing[] = [];
  const secrets: string[] = [];
  const walk = (node: unknown, at: PropertyKey[], isSecret: boolean): unknown => {
    if (typeof node === "string") {
      const variable = envReference(node);
      let resolved: string = node;
      if (variable !== undefined) {
        const fromEnv = env[variable];
        if (fromEnv === undefined || fromEnv === "") {
          missing.push({ path: at, variable });
          return node;
        }
        resolved = fromEnv;
      }
      if (isSecret) {
        resolved = readSecretFile(resolved) ?? resolved;
        if (resolved.length >= 4) secrets.push(resolved);
      }
      return resolved;
    }
    if (Array.isArray(node)) return node.map((item, i) => walk(item, [...at, i], isSecret));
    if (node !== null && typeof node === "object") {
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(node)) {
        out[key] = walk(child, [...at, key], isSecret || secretKeys.includes(key));
      }
      return out;
    }
    return node;
  };
  return { value: walk(value, path, false), missing, secrets };
}
