import { assertEquals } from "../../../tests/assert.ts";
import { applyQuirks, applyRenames, applyStreamFields, dropUnsupported } from "./profile.ts";

Deno.test("applyRenames() renames, and drops the OpenAI name when both are given", () => {
  const body: Record<string, unknown> = { seed: 1, max_completion_tokens: 5, max_tokens: 9 };
  const warnings = applyRenames(body, {
    seed: "random_seed",
    max_completion_tokens: "max_tokens",
  });
  assertEquals(body, { random_seed: 1, max_tokens: 9 });
  assertEquals(warnings.map((w) => `${w.type}:${w.param}`), ["unsupported:max_completion_tokens"]);
});

Deno.test("dropUnsupported() warns only for parameters that had a value", () => {
  const body: Record<string, unknown> = { user: "u", top_k: null, temperature: 1 };
  const warnings = dropUnsupported(body, { user: "no user", top_k: "no top_k" });
  assertEquals(body, { temperature: 1 });
  assertEquals(warnings, [{ type: "unsupported", param: "user", message: "no user" }]);
});

Deno.test("applyStreamFields() sets stream fields per usage mode", () => {
  const plain: Record<string, unknown> = { stream: false, stream_options: { include_usage: true } };
  assertEquals(applyStreamFields(plain, false, "request"), []);
  assertEquals(plain, {});
  const asked: Record<string, unknown> = { stream_options: { x: 1 } };
  applyStreamFields(asked, true, "request");
  assertEquals(asked, { stream: true, stream_options: { x: 1, include_usage: true } });
  const automatic: Record<string, unknown> = { stream_options: { include_usage: true } };
  assertEquals(applyStreamFields(automatic, true, "automatic"), []);
  assertEquals(automatic, { stream: true });
  const old: Record<string, unknown> = { stream_options: { include_usage: true } };
  assertEquals(applyStreamFields(old, true, "unavailable").map((w) => w.param), [
    "stream_options.include_usage",
  ]);
});

Deno.test("applyQuirks() runs renames, then drops, then rewrites", () => {
  const body: Record<string, unknown> = { seed: 3, user: "u" };
  const order: string[] = [];
  const warnings = applyQuirks(body, {
    renames: { seed: "random_seed" },
    unsupported: { user: "no" },
    rewrites: [(b) => {
      order.push(Object.keys(b).join(","));
      return [];
    }],
  });
  assertEquals(order, ["random_seed"]);
  assertEquals(warnings.length, 1);
  assertEquals(applyQuirks(body, undefined), []);
});
