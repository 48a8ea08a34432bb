/**
 * Config tooling. `gateway schema`: the config's JSON Schema as the CLI prints it is the
 * committed one, and a JSON Schema validator from npm (ajv) accepts the documented configs with
 * it and refuses a broken one, naming the field. `gateway init`: what it writes validates and
 * starts, with the keys of the environment or the demo provider.
 */
import { Ajv2020 } from "ajv/dist/2020.js";
import { parse } from "yaml";
import { assert, assertEquals } from "../assert.ts";
import { postJson, runCli, startGateway, UNDER_TEST } from "./harness.ts";

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
  for (const file of ["config.example.yaml", "config.reference.yaml", "src/config/demo.yaml"]) {
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
  for (const file of ["config.example.yaml", "config.reference.yaml"]) {
    const example = Deno.readTextFileSync(new URL(file, ROOT));
    assert(example.startsWith("# yaml-language-server: $schema=./schema/config.schema.json\n"));
  }
});

Deno.test(`gateway init writes a config that validates and starts (${UNDER_TEST})`, async () => {
  const dir = Deno.makeTempDirSync({ prefix: "gateway-init-" });
  try {
    const keys = { OPENAI_API_KEY: "sk-init-test-0123456789", GOOGLE_API_KEY: "g-init-0123456789" };
    const written = await runCli(["init", "--output", `${dir}/two.yaml`], { env: keys });
    assertEquals(written.code, 0, written.stderr);
    const text = Deno.readTextFileSync(`${dir}/two.yaml`);
    assert(text.includes("$OPENAI_API_KEY") && text.includes("$GOOGLE_API_KEY"), text);
    assert(!text.includes("sk-init-test"), "keys are referenced, never written");
    const valid = await runCli(["validate", `${dir}/two.yaml`], { env: keys });
    assertEquals(valid.code, 0, valid.stdout + valid.stderr);
    const again = await runCli(["init", "--output", `${dir}/two.yaml`], { env: keys });
    assertEquals(again.code, 1);
    // No key in the environment: the demo provider, which starts and answers offline.
    const demo = await runCli(["init", "--output", `${dir}/demo.yaml`]);
    assertEquals(demo.code, 0, demo.stderr);
    const gateway = await startGateway({ config: Deno.readTextFileSync(`${dir}/demo.yaml`) });
    try {
      const answer = await postJson(`${gateway.url}/v1/chat/completions`, {
        model: "chat",
        messages: [{ role: "user", content: "from init" }],
      });
      assertEquals((await answer.json()).choices[0].message.content, "from init");
    } finally {
      await gateway.stop();
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
