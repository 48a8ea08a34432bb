/** Command-line parsing on node:util's parseArgs, with usage errors that say what is wrong. */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "./output.ts";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Parses argv strictly; unknown options and missing values become UsageErrors. */
export function parse<O extends Options>(
  argv: string[],
  options: O,
  positionals: { min: number; max: number },
) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/^TypeError \[\w+\]: /, ""));
  }
  if (parsed.positionals.length < positionals.min) throw new UsageError("missing arguments");
  if (parsed.positionals.length > positionals.max) {
    throw new UsageError(`unexpected argument '${parsed.positionals[positionals.max]}'`);
  }
  return parsed;
}

/** A number option, or a UsageError naming it. */
export function numberOption(
  name: string,
  value: string | undefined,
  check: (n: number) => boolean,
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || !check(n)) {
    throw new UsageError(`invalid value for --${name}: '${value}'`);
  }
  return n;
}
