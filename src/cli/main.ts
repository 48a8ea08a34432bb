/** The CLI: dispatches to one module per command and turns failures into exit codes. */
import { BUILD, VERSION } from "../version.ts";
import { closest } from "../config/suggest.ts";
import { runtimeVersion } from "../runtime/mod.ts";
import { print, printError, UsageError } from "./output.ts";
import { START_HELP, startCommand } from "./start.ts";
import { VALIDATE_HELP, validateCommand } from "./validate.ts";
import { QUERY_HELP, queryCommand } from "./query.ts";
import { ENDPOINTS_HELP, endpointsCommand } from "./endpoints.ts";
import { HEALTH_HELP, healthCommand } from "./health.ts";
import { USAGE_HELP, usageCommand } from "./usage.ts";
import { KEYS_HELP, keysCommand } from "./keys.ts";
import { SCHEMA_HELP, schemaCommand } from "./schema.ts";
import { INIT_HELP, initCommand } from "./init.ts";
import { COMPLETIONS_HELP, completionsCommand } from "./completions.ts";

interface Command {
  run: (argv: string[]) => Promise<number>;
  help: string;
  summary: string;
}

const COMMANDS: Record<string, Command> = {
  start: {
    run: startCommand,
    help: START_HELP,
    summary: "serve the HTTP API (the built-in demo config without --config-path)",
  },
  validate: {
    run: validateCommand,
    help: VALIDATE_HELP,
    summary: "check a config file offline (for CI)",
  },
  query: {
    run: queryCommand,
    help: QUERY_HELP,
    summary: "send a prompt to a running gateway and print the answer",
  },
  endpoints: { run: endpointsCommand, help: ENDPOINTS_HELP, summary: "list endpoints and routes" },
  health: {
    run: healthCommand,
    help: HEALTH_HELP,
    summary: "check that a running gateway is serving (exit 0 or 1; for container probes)",
  },
  usage: {
    run: usageCommand,
    help: USAGE_HELP,
    summary: "usage and cost by endpoint, key, model or provider",
  },
  keys: { run: keysCommand, help: KEYS_HELP, summary: "create, list and revoke client keys" },
  schema: { run: schemaCommand, help: SCHEMA_HELP, summary: "print the config's JSON Schema" },
  init: {
    run: initCommand,
    help: INIT_HELP,
    summary: "write a small config for the provider keys set in the environment",
  },
};
COMMANDS.completions = {
  run: completionsCommand(COMMANDS),
  help: COMPLETIONS_HELP,
  summary: "print a shell completion script (bash, zsh or fish)",
};

export const MAIN_HELP = `gateway ${VERSION}: one endpoint in front of many LLM providers

Usage: gateway <command> [options]

Commands:
${Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`).join("\n")}

Options:
  -h, --help     show help (also after a command: gateway start --help)
  -v, --version  show the version

Run 'gateway start' and open http://127.0.0.1:5000/docs to try the demo endpoints.`;

/** Runs the CLI; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  // No command at all is a usage error (help on stderr, exit 2); asking for help is not.
  if (name === undefined) {
    printError(MAIN_HELP);
    return 2;
  }
  if (name === "-h" || name === "--help" || name === "help") {
    const topic = name === "help" ? rest[0] : undefined;
    print(topic && COMMANDS[topic] ? COMMANDS[topic].help : MAIN_HELP);
    return 0;
  }
  if (name === "-v" || name === "--version" || name === "version") {
    const build = BUILD === undefined ? "" : `; commit ${BUILD.commit}, built ${BUILD.date}`;
    print(`gateway ${VERSION} (${runtimeVersion()}${build})`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    const guess = closest(name, Object.keys(COMMANDS));
    const hint = guess === undefined ? "" : ` (did you mean '${guess}'?)`;
    printError(`gateway: unknown command '${name}'${hint}\n\n${MAIN_HELP}`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    print(command.help);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      printError(`gateway ${name}: ${error.message}\n\n${command.help}`);
      return 2;
    }
    printError(`gateway ${name}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}
