import { assertEquals } from "../../../tests/assert.ts";
import {
  clampParam,
  deepseekBetaUrl,
  developerAsSystem,
  keepMessageFields,
  singleChoice,
  stripMessageField,
  togetherLogprobs,
} from "./quirks.ts";

Deno.test("developerAsSystem() turns developer messages into system ones", () => {
  const body: Record<string, unknown> = {
    messages: [{ role: "developer", content: "a" }, { role: "user", content: "b" }],
  };
  assertEquals(developerAsSystem(body), []);
  assertEquals(body.messages, [{ role: "system", content: "a" }, { role: "user", content: "b" }]);
});

Deno.test("keepMessageFields() keeps allowed fields and does not touch the client's messages", () => {
  const original = { role: "assistant", content: "x", refusal: "no", tool_calls: [] };
  const body: Record<string, unknown> = { messages: [original] };
  const warnings = keepMessageFields(["role", "content", "tool_calls"])(body);
  assertEquals(body.messages, [{ role: "assistant", content: "x", tool_calls: [] }]);
  assertEquals(warnings.map((w) => w.param), ["messages[].refusal"]);
  assertEquals(original.refusal, "no");
});

Deno.test("stripMessageField() removes a field from copies, with one warning", () => {
  const first = { role: "user", content: "a", name: "ann" };
  const body: Record<string, unknown> = {
    messages: [first, { role: "user", content: "b", name: "bob" }],
  };
  const warnings = stripMessageField("name", "no names")(body);
  assertEquals(body.messages, [{ role: "user", content: "a" }, { role: "user", content: "b" }]);
  assertEquals(warnings.length, 1);
  assertEquals(first.name, "ann");
  assertEquals(stripMessageField("name", "no names")({ messages: [{ role: "user" }] }), []);
});

Deno.test("clampParam() and singleChoice() lower values above the maximum", () => {
  const body: Record<string, unknown> = { n: 4, max_tokens: 10 };
  assertEquals(singleChoice(body).map((w) => w.type), ["clamped"]);
  assertEquals(clampParam("max_tokens", 100, "r")(body), []);
  assertEquals(body, { n: 1, max_tokens: 10 });
});

Deno.test("togetherLogprobs() maps OpenAI's boolean logprobs to Together's integer", () => {
  const cases: [Record<string, unknown>, Record<string, unknown>][] = [
    [{ logprobs: true, top_logprobs: 4 }, { logprobs: 4 }],
    [{ top_logprobs: 2 }, { logprobs: 2 }],
    [{ logprobs: true }, { logprobs: 1 }],
    [{ logprobs: false }, {}],
    [{ logprobs: 5 }, { logprobs: 5 }],
  ];
  for (const [input, output] of cases) {
    togetherLogprobs(input);
    assertEquals(input, output);
  }
  const off: Record<string, unknown> = { logprobs: false, top_logprobs: 3 };
  assertEquals(togetherLogprobs(off).map((w) => w.param), ["top_logprobs"]);
  assertEquals(off, {});
});

Deno.test("deepseekBetaUrl() finds /beta beside /v1", () => {
  assertEquals(
    deepseekBetaUrl("https://api.deepseek.com"),
    "https://api.deepseek.com/beta/completions",
  );
  assertEquals(
    deepseekBetaUrl("https://api.deepseek.com/v1/"),
    "https://api.deepseek.com/beta/completions",
  );
  assertEquals(deepseekBetaUrl("http://127.0.0.1:1/beta"), "http://127.0.0.1:1/beta/completions");
});
