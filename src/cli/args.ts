/** Command-line parsing on node:util's parseArgs, with usage errors that say what is wrong. */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "./output.ts";
import { closest } from "../config/suggest.ts";

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
    const message = (error as Error).message.replace(/^TypeError \[\w+\]: /, "");
    const unknown = /^Unknown option '([^']+)'/.exec(message)?.[1];
    throw new UsageError(unknown === undefined ? message : unknownOption(unknown, options));
  }
  if (parsed.positionals.length < positionals.min) throw new UsageError("missing arguments");
  if (parsed.positionals.length > positionals.max) {
    throw new UsageError(`unexpected argument '${parsed.positionals[positionals.max]}'`);
  }
  return parsed;
}

/**
 * What to say of an option the command does not have: that it is on by default when its `--no-`
 * form exists, else the closest option, else how to pass an argument that starts with '-'.
 */
function unknownOption(option: string, options: Options): string {
  const name = option.replace(/^-+/, "");
  if (option.startsWith("--") && `no-${name}` in options) {
    return `unknown option '${option}': it is on by default ('--no-${name}' turns it off)`;
  }
  const guess = option.startsWith("--")
    ? closest(option, Object.keys(options).map((key) => `--${key}`))
    : undefined;
  if (guess !== undefined) return `unknown option '${option}'; did you mean '${guess}'?`;
  const hint = `an argument that starts with '-' goes after '--', as in: -- "${option}"`;
  return `unknown option '${option}' (${hint})`;
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
