/** `gateway schema`: prints the config's JSON Schema (for editors and CI checks). */
import { parse } from "./args.ts";
import { write } from "./output.ts";
import { configJsonSchemaText } from "../config/json_schema.ts";

export const SCHEMA_HELP = `Usage: gateway schema

Prints the config file's JSON Schema (draft 2020-12). Editors that read a first line
'# yaml-language-server: $schema=PATH' then complete and check configs as you type;
'gateway validate' checks more (providers' keys, names across entries, environment variables).`;

export function schemaCommand(argv: string[]): Promise<number> {
  parse(argv, {}, { min: 0, max: 0 });
  write(configJsonSchemaText());
  return Promise.resolve(0);
}
