/**
 * `gateway completions bash|zsh|fish`: a shell completion script for the commands and each
 * command's options, read from the commands' own help texts (so it never lists an option a
 * command does not take, nor misses a new one).
 */
import { parse } from "./args.ts";
import { UsageError, write } from "./output.ts";

export const COMPLETIONS_HELP = `Usage: gateway completions bash|zsh|fish

Prints a completion script for the shell. Install it with, for example:
  bash:  gateway completions bash > ~/.local/share/bash-completion/completions/gateway
  zsh:   gateway completions zsh > "\${fpath[1]}/_gateway"
  fish:  gateway completions fish > ~/.config/fish/completions/gateway.fish`;

/**
 * A command's options, as its help text lists them: in its usage lines (up to the first blank
 * line) and on the lines that begin with an option (its Options list), not in examples.
 */
export function optionsOf(help: string): string[] {
  const usage = help.split("\n\n")[0] ?? "";
  const listed = help.split("\n").filter((line) => /^\s+--[a-z]/.test(line)).join("\n");
  const found = [...`${usage}\n${listed}`.matchAll(/(?<![\w-])(--[a-z][a-z-]*)/g)]
    .map((m) => m[1] as string);
  return [...new Set(found)].filter((option) => option !== "--help");
}

function bash(commands: Record<string, string[]>): string {
  const cases = Object.entries(commands)
    .map(([name, options]) => `    ${name}) opts="${[...options, "--help"].join(" ")}" ;;`)
    .join("\n");
  return `# bash completion for gateway (gateway completions bash)
_gateway() {
  local cur=\${COMP_WORDS[COMP_CWORD]} opts=""
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W "${Object.keys(commands).join(" ")} --help --version" -- "$cur"))
    return
  fi
  case "\${COMP_WORDS[1]}" in
${cases}
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -o filenames -F _gateway gateway
`;
}

function zsh(commands: Record<string, string[]>): string {
  return `#compdef gateway
# zsh completion for gateway (gateway completions zsh): the bash one, through bashcompinit.
autoload -U +X bashcompinit && bashcompinit
${bash(commands)}`;
}

function fish(commands: Record<string, string[]>): string {
  const names = Object.keys(commands).join(" ");
  const lines = [
    "# fish completion for gateway (gateway completions fish)",
    `complete -c gateway -f -n "not __fish_seen_subcommand_from ${names}" -a "${names}"`,
  ];
  for (const [name, options] of Object.entries(commands)) {
    for (const option of options) {
      lines.push(
        `complete -c gateway -n "__fish_seen_subcommand_from ${name}" -l ${option.slice(2)}`,
      );
    }
  }
  return lines.join("\n") + "\n";
}

/** The completions command over the CLI's commands and their help texts. */
export function completionsCommand(commands: Record<string, { help: string }>) {
  return (argv: string[]): Promise<number> => {
    const { positionals } = parse(argv, {}, { min: 1, max: 1 });
    const options = Object.fromEntries(
      Object.entries(commands).map(([name, command]) => [name, optionsOf(command.help)]),
    );
    const shell = positionals[0];
    const script = shell === "bash"
      ? bash(options)
      : shell === "zsh"
      ? zsh(options)
      : shell === "fish"
      ? fish(options)
      : undefined;
    if (script === undefined) throw new UsageError(`unknown shell '${shell}': bash, zsh or fish`);
    write(script);
    return Promise.resolve(0);
  };
}
