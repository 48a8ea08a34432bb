/** Turns zod issues into config problems: one readable message per mistake, with hints. */
import type { z } from "zod";
import { closest } from "./suggest.ts";

/** The units a limit's `renewal_period` takes, for its did-you-mean. */
const PERIOD_UNITS = ["second", "minute", "hour", "day", "month", "year"];
import { formatPath, type Problem, type Severity } from "./problems.ts";
import type { Locator } from "./locate.ts";

type Schema = z.ZodType;

/** The schema reached by following `path` into objects, arrays and wrappers. */
export function schemaAt(schema: Schema, path: readonly PropertyKey[]): Schema | undefined {
  let current: Schema | undefined = unwrap(schema);
  for (const segment of path) {
    if (current === undefined) return undefined;
    const def = current._zod.def as {
      type: string;
      shape?: Record<string, Schema>;
      element?: Schema;
    };
    if (def.type === "object" && typeof segment === "string") current = def.shape?.[segment];
    else if (def.type === "array" && typeof segment === "number") current = def.element;
    else return undefined;
    current = current === undefined ? undefined : unwrap(current);
  }
  return current;
}

/** Strips optional, nullable, default and pipe wrappers. */
export function unwrap(schema: Schema): Schema {
  let current = schema;
  for (let i = 0; i < 16; i++) {
    const def = current._zod.def as { type: string; innerType?: Schema; in?: Schema };
    if (def.innerType) current = def.innerType;
    else if (def.type === "pipe" && def.in) current = def.in;
    else if (def.type === "lazy") current = (current as z.ZodLazy).unwrap() as Schema;
    else break;
  }
  return current;
}

/** The keys an object schema declares (empty for non-objects). */
export function objectKeys(schema: Schema | undefined): string[] {
  if (schema === undefined) return [];
  const def = unwrap(schema)._zod.def as { type: string; shape?: Record<string, unknown> };
  return def.type === "object" && def.shape ? Object.keys(def.shape) : [];
}

/** A value for a message; a secret field's value is never shown, whatever its type. */
function describe(value: unknown, secret = false): string {
  if (value === null) return "null";
  if (secret && (typeof value !== "object" || value === null)) {
    return `${typeof value === "string" ? "a string" : `a ${typeof value}`} (a secret: not shown)`;
  }
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return JSON.stringify(value);
  return `${typeof value} ${String(value)}`;
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let node = data;
  for (const segment of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<PropertyKey, unknown>)[segment as string];
  }
  return node;
}

interface Draft {
  path: PropertyKey[];
  message: string;
  hint?: string;
  atKey?: boolean;
  /** A missing key; dropped when an unknown sibling key is its likely misspelling. */
  missingKey?: string;
  misspelling?: string;
}

function isMissing(data: unknown, path: readonly PropertyKey[]): boolean {
  const key = path[path.length - 1];
  if (typeof key !== "string") return false;
  const parent = valueAt(data, path.slice(0, -1));
  return parent !== null && typeof parent === "object" && !Array.isArray(parent) &&
    !(key in parent);
}

function draftOf(
  issue: z.core.$ZodIssue,
  schema: Schema,
  data: unknown,
  secretKeys: readonly string[],
): Draft[] {
  const path = [...issue.path];
  const secret = path.some((segment) =>
    typeof segment === "string" && secretKeys.includes(segment)
  );
  const shown = (at: readonly PropertyKey[]) => describe(valueAt(data, at), secret);
  if (issue.code !== "unrecognized_keys" && issue.code !== "custom" && isMissing(data, path)) {
    const key = String(path[path.length - 1]);
    return [{ path, message: `missing required key '${key}'`, missingKey: key }];
  }
  switch (issue.code) {
    case "unrecognized_keys": {
      const parent = valueAt(data, path);
      const present = parent && typeof parent === "object" ? Object.keys(parent) : [];
      const known = objectKeys(schemaAt(schema, path));
      const absent = known.filter((k) => !present.includes(k));
      return issue.keys.map((key) => {
        const guess = closest(key, absent) ?? closest(key, known);
        const draft: Draft = { path: [...path, key], message: `unknown key '${key}'`, atKey: true };
        if (guess !== undefined) {
          draft.hint = `did you mean '${guess}'?`;
          draft.misspelling = guess;
        } else if (known.length > 0) {
          draft.hint = `expected one of: ${known.join(", ")}`;
        }
        return draft;
      });
    }
    case "invalid_type":
      return [{
        path,
        message: `expected ${issue.expected}, got ${shown(path)}`,
      }];
    case "invalid_value": {
      const value = valueAt(data, path);
      const options = issue.values.map((v) => String(v));
      const guess = typeof value === "string" && !secret ? closest(value, options) : undefined;
      const draft: Draft = {
        path,
        message: `invalid value ${describe(value, secret)}; expected one of: ${options.join(", ")}`,
      };
      if (guess !== undefined) draft.hint = `did you mean '${guess}'?`;
      return [draft];
    }
    case "custom": {
      const params = issue.params as { candidates?: string[]; value?: string } | undefined;
      const draft: Draft = { path, message: issue.message };
      if (params?.candidates && params.value !== undefined) {
        const guess = closest(params.value, params.candidates);
        draft.hint = guess === undefined
          ? `expected one of: ${params.candidates.join(", ")}`
          : `did you mean '${guess}'?`;
      }
      return [draft];
    }
    case "invalid_format": {
      const draft: Draft = { path, message: `${issue.message}, got ${shown(path)}` };
      const value = valueAt(data, path);
      // A mistyped period unit ('minite', '5 hourz') gets the unit it most likely meant.
      if (path.at(-1) === "renewal_period" && typeof value === "string") {
        const [, count = "", unit = ""] = /^\s*(\d+\s*)?(.*?)\s*$/.exec(value) ?? [];
        const guess = closest(unit.toLowerCase().replace(/s$/, ""), PERIOD_UNITS);
        if (guess !== undefined) draft.hint = `did you mean '${count}${guess}${count ? "s" : ""}'?`;
      }
      return [draft];
    }
    case "invalid_union":
      return [{ path, message: `invalid value ${shown(path)}` }];
    case "too_small":
    case "too_big": {
      const value = valueAt(data, path);
      const bound = issue.code === "too_small" ? issue.minimum : issue.maximum;
      const what = Array.isArray(value) ? "entries" : "";
      const relation = issue.code === "too_small"
        ? (issue.inclusive ? "at least" : "more than")
        : (issue.inclusive ? "at most" : "less than");
      return [{
        path,
        message: `must be ${relation} ${String(bound)}${what ? ` ${what}` : ""}, got ${
          Array.isArray(value) ? value.length : describe(value, secret)
        }`,
      }];
    }
    default:
      return [{ path, message: issue.message }];
  }
}

/**
 * Problems for a failed parse. A misspelled key gives one problem ("unknown key 'x', did you
 * mean 'y'?") rather than that plus "missing key 'y'".
 */
export function issuesToProblems(
  issues: readonly z.core.$ZodIssue[],
  options: {
    schema: Schema;
    data: unknown;
    locator: Locator | undefined;
    prefix?: readonly PropertyKey[];
    severity?: Severity;
    /** Keys whose values are secrets: a problem names their type, never their value. */
    secretKeys?: readonly string[];
  },
): Problem[] {
  const prefix = options.prefix ?? [];
  const secretKeys = options.secretKeys ?? [];
  const drafts = issues.flatMap((issue) =>
    draftOf(issue, options.schema, options.data, secretKeys)
  );
  const misspelled = new Set(
    drafts.filter((d) => d.misspelling !== undefined).map((d) =>
      formatPath([...d.path.slice(0, -1), d.misspelling as string])
    ),
  );
  return drafts
    .filter((d) => d.missingKey === undefined || !misspelled.has(formatPath(d.path)))
    .map((d) => {
      const full = [...prefix, ...d.path];
      const problem: Problem = {
        severity: options.severity ?? "error",
        path: formatPath(full),
        message: d.message,
      };
      if (d.hint !== undefined) problem.hint = d.hint;
      const pos = options.locator?.find(full, { key: d.atKey ?? false });
      if (pos) {
        problem.line = pos.line;
        problem.col = pos.col;
      }
      return problem;
    });
}
