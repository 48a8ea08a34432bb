/** `gateway validate F`: checks a config offline and reports every problem with its position. */
import process from "node:process";
import { parse } from "./args.ts";
import { print, printError, UsageError } from "./output.ts";
import { ConfigFileError, loadConfigFile } from "../config/load.ts";
import { hasErrors, type ProblemFormat, renderProblems } from "../config/problems.ts";

export const VALIDATE_HELP =
  `Usage: gateway validate <config.yaml> [--format text|json|github] [--strict]

Checks a config without starting anything and reports every problem at once, each with
file:line:col, the field path and a hint.

Options:
  --config-path F  the file, as 'gateway start' takes it (instead of the argument)
  --format F       text (default), json, or github (::error annotations for GitHub Actions)
  --strict         treat a missing environment variable as an error (it is a warning by
                   default, since CI usually has no production secrets)

Exit codes: 0 valid (warnings allowed), 1 invalid, 2 usage error or unreadable file.`;

const FORMATS: readonly ProblemFormat[] = ["text", "json", "github"];

/** The file to check: the argument, or `--config-path` as `gateway start` takes it; one of them. */
function configFile(argument: string | undefined, option: string | undefined): string {
  if (argument !== undefined && option !== undefined && argument !== option) {
    throw new UsageError(
      `two config files given ('${argument}' and --config-path '${option}'); validate checks one`,
    );
  }
  // As `gateway start` does, $MLFLOW_GATEWAY_CONFIG names the file when none is given.
  const file = argument ?? option ?? (process.env.MLFLOW_GATEWAY_CONFIG || undefined);
  if (file === undefined) {
    throw new UsageError(
      "which config file? gateway validate <config.yaml> (or set $MLFLOW_GATEWAY_CONFIG)",
    );
  }
  return file;
}

export async function validateCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    "config-path": { type: "string" },
    format: { type: "string", default: "text" },
    strict: { type: "boolean", default: false },
  }, { min: 0, max: 1 });
  const format = values.format as ProblemFormat;
  if (!FORMATS.includes(format)) {
    throw new UsageError(`--format must be one of ${FORMATS.join(", ")}, got '${values.format}'`);
  }
  const file = configFile(positionals[0], values["config-path"]);
  let result;
  try {
    result = await loadConfigFile(file, {
      env: process.env,
      missingEnv: values.strict ? "error" : "warning",
      mode: "validate",
    });
  } catch (error) {
    if (error instanceof ConfigFileError) {
      // Under --format json every outcome is JSON, an unreadable file too (still exit 2).
      if (format === "json") {
        print(
          renderProblems(file, [{ severity: "error", path: "", message: error.message }], format),
        );
      } else {
        printError(`gateway validate: ${error.message}`);
      }
      return 2;
    }
    throw error;
  }
  const invalid = hasErrors(result.problems);
  const rendered = renderProblems(file, result.problems, format);
  if (format === "json") {
    print(rendered);
  } else {
    if (rendered !== "") print(rendered);
    const errors = result.problems.filter((p) => p.severity === "error").length;
    const warnings = result.problems.length - errors;
    const summary = invalid
      ? `${file}: invalid (${errors} error${errors === 1 ? "" : "s"}, ${warnings} warning${
        warnings === 1 ? "" : "s"
      })`
      : `${file}: valid (${result.config?.endpoints.length ?? 0} endpoints, ${
        result.config?.routes.length ?? 0
      } routes, ${warnings} warning${warnings === 1 ? "" : "s"})`;
    if (format === "text") print(summary);
  }
  return invalid ? 1 : 0;
}
