import { assert, assertEquals } from "../../tests/assert.ts";
import { PROVIDER_NAMES } from "../config/schema.ts";
import { servesOf } from "../core/provider.ts";
import { loadProviders, PROVIDER_INFO, providerFor } from "./registry.ts";

Deno.test("every provider's info is what its implementation is and serves", async () => {
  for (const name of PROVIDER_NAMES) {
    const info = PROVIDER_INFO[name];
    const impl = await info.load();
    assertEquals(info.name, name);
    assertEquals(impl.name, name);
    assertEquals(impl.displayName, info.displayName, name);
    assert(impl.configSchema === info.configSchema, name);
    assertEquals(impl.secretKeys, info.secretKeys, name);
    assertEquals(impl.supportsTools, info.supportsTools, name);
    assertEquals(impl.retired, info.retired, name);
    assertEquals(servesOf(impl), info.serves, `${name}: the operations its info declares`);
  }
});

Deno.test("loadProviders() makes an implementation available to providerFor(), once", async () => {
  await loadProviders(["cohere", "cohere", "gemini"]);
  assert(providerFor("cohere") === await PROVIDER_INFO.cohere.load());
  assert(providerFor("gemini") === await PROVIDER_INFO.gemini.load());
  assert(providerFor("openai") === await PROVIDER_INFO.openai.load());
});

Deno.test("a provider with its own wire format is not loaded until a config needs it", async () => {
  // A fresh process: in this one, other tests may already have loaded it.
  const script = `
    const { providerFor, loadProviders } = await import(${
    JSON.stringify(new URL("./registry.ts", import.meta.url).href)
  });
    const before = (() => { try { providerFor("bedrock"); return "loaded"; } catch (e) { return e.message; } })();
    await loadProviders(["bedrock"]);
    console.log(JSON.stringify({ before, after: providerFor("bedrock").name, openai: providerFor("openai").name }));
  `;
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["eval", script],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  assert(output.success, stderr);
  const result = JSON.parse(new TextDecoder().decode(output.stdout));
  assertEquals(
    result.before,
    "the 'bedrock' provider's implementation is not loaded: loadConfigProviders() runs before a config is served",
  );
  assertEquals(result.after, "bedrock");
  assertEquals(result.openai, "openai", "the OpenAI-compatible family loads with the registry");
});
