import { assert, assertEquals, assertMatch } from "../../../tests/assert.ts";
import { capabilitiesOf } from "../../core/provider.ts";
import { loadConfigText } from "../../config/load.ts";
import { objectKeys } from "../../config/zod_issues.ts";
import { retiredProviders } from "./mod.ts";

const CONFIG = `
endpoints:
  - name: palm-chat
    endpoint_type: llm/v1/chat
    model: {provider: palm, name: chat-bison-001, config: {palm_api_key: k1}}
  - name: mosaic
    endpoint_type: llm/v1/completions
    model: {provider: mosaicml, name: mpt-7b-instruct, config: {mosaicml_api_key: k2}}
  - name: j2
    endpoint_type: llm/v1/completions
    model: {provider: ai21labs, name: j2-mid, config: {ai21labs_api_key: k3}}
`;

Deno.test("retiredProviders: each names a provider to move to and serves nothing", () => {
  const expected = { palm: "'gemini'", mosaicml: "'vllm'", ai21labs: "'openai'" } as const;
  for (const [name, provider] of Object.entries(retiredProviders)) {
    assertEquals(provider.name, name);
    assert(provider.retired, `${name} is retired`);
    assertMatch(provider.retired.replacement, new RegExp(expected[name as keyof typeof expected]));
    assertEquals(capabilitiesOf(provider).operations, []);
  }
  assertMatch(retiredProviders.palm.retired?.replacement ?? "", /gemini_api_key/);
  assertMatch(retiredProviders.ai21labs.retired?.replacement ?? "", /api\.ai21\.com\/studio\/v1/);
});

Deno.test("retiredProviders: MLflow's config keys are known, API keys are secrets", () => {
  assertEquals(objectKeys(retiredProviders.palm.configSchema), ["palm_api_key"]);
  assertEquals(objectKeys(retiredProviders.mosaicml.configSchema), [
    "mosaicml_api_key",
    "mosaicml_api_base",
  ]);
  assertEquals(retiredProviders.mosaicml.secretKeys, ["mosaicml_api_key"]);
  assertEquals(retiredProviders.ai21labs.secretKeys, ["ai21labs_api_key"]);
});

Deno.test("a config with retired providers validates with warnings and is refused for serving", () => {
  const validated = loadConfigText(CONFIG, "c.yaml", { mode: "validate" });
  assert(validated.config, "validate accepts it");
  const warnings = validated.problems.filter((p) =>
    p.severity === "warning" && p.message.includes("is retired")
  );
  assertEquals(warnings.length, 3);
  assert(!validated.problems.some((p) => p.severity === "error"));
  assertMatch(warnings[0]?.message ?? "", /provider 'palm' is retired/);
  assertMatch(warnings[0]?.hint ?? "", /gemini/);
  const served = loadConfigText(CONFIG, "c.yaml", { mode: "serve" });
  assertEquals(served.config, undefined);
  assertEquals(served.problems.filter((p) => p.severity === "error").length, 3);
});
