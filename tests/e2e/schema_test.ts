/**
 * `gateway schema`: the config's JSON Schema as the CLI prints it is the committed one, and a
 * JSON Schema validator from npm (ajv) accepts the documented configs with it and refuses a
 * broken one, naming the field.
 */
import { Ajv2020 } from "ajv/dist/2020.js";
import { parse } from "yaml";
import { assert, assertEquals } from "../assert.ts";
import { runCli, UNDER_TEST } from "./harness.ts";

const ROOT = new URL("../../", import.meta.url);

Deno.test(`gateway schema validates the documented configs with ajv (${UNDER_TEST})`, async () => {
  const printed = await runCli(["schema"]);
  assertEquals(printed.code, 0, printed.stderr);
  const committed = Deno.readTextFileSync(new URL("schema/config.schema.json", ROOT));
  assertEquals(
    printed.stdout,
    committed,
    "run `deno task docs` to update schema/config.schema.json",
  );
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  const validate = ajv.compile(JSON.parse(printed.stdout));
  for (const file of ["config.example.yaml", "src/config/demo.yaml"]) {
    const url = new URL(file, ROOT);
    let text: string;
    try {
      text = Deno.readTextFileSync(url);
    } catch {
      continue; // the demo config may live in code only
    }
    assert(validate(parse(text)), `${file}: ${JSON.stringify(validate.errors)}`);
  }
  const broken = {
    endpoints: [{ name: "chat", endpoint_type: "llm/v1/chat", model: { provider: "mock" } }],
    server: { store: 5 },
  };
  assert(!validate(broken));
  assert(
    validate.errors?.some((e: { instancePath: string }) => e.instancePath === "/server/store"),
    JSON.stringify(validate.errors),
  );
  const example = Deno.readTextFileSync(new URL("config.example.yaml", ROOT));
  assert(example.startsWith("# yaml-language-server: $schema=./schema/config.schema.json\n"));
});
