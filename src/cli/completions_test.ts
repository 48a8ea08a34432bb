import { assertEquals } from "../../tests/assert.ts";
import { optionsOf } from "./completions.ts";

Deno.test("optionsOf() reads a command's usage and options list, not its examples", () => {
  const help = `Usage: gateway init [--provider P] [--output F]

Options:
  --provider P   a provider
  --force        overwrite
  --help         this text

Then: gateway start --config-path gateway.yaml`;
  assertEquals(optionsOf(help), ["--provider", "--output", "--force"]);
});
