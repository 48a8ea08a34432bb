import { assertEquals } from "../../../tests/assert.ts";
import { nullsAsAbsent, openAICodec } from "./codec.ts";
import type { Snapshot } from "../../core/snapshot.ts";

const snapshot = {} as Snapshot;

Deno.test("openAICodec decodes null parameters as absent, as OpenAI and its SDKs mean them", () => {
  const chat = openAICodec("chat").decode(
    {
      model: "chat",
      messages: [
        { role: "user", content: "Hi", name: null },
        { role: "assistant", content: null, tool_calls: null, refusal: null },
        { role: "user", content: "again" },
      ],
      temperature: null,
      seed: null,
      stream: null,
      stream_options: null,
      user: null,
      tools: null,
    },
    undefined,
    snapshot,
  );
  assertEquals(chat.request, {
    messages: [{ role: "user", content: "Hi" }, { role: "assistant" }, {
      role: "user",
      content: "again",
    }],
  });
  assertEquals(chat.stream, false);
  const completions = openAICodec("completions").decode(
    { model: "c", prompt: "Say", seed: null, max_tokens: null, logprobs: null },
    undefined,
    snapshot,
  );
  assertEquals(completions.request, { prompt: "Say" });
});

Deno.test("nullsAsAbsent() leaves a tool's schema and a body without nulls untouched", () => {
  const tools = [{ type: "function", function: { name: "f", parameters: { default: null } } }];
  const body = { messages: [{ role: "user", content: "x" }], tools };
  assertEquals(nullsAsAbsent(body) === body, true, "no copy when there is nothing to drop");
  assertEquals(nullsAsAbsent({ ...body, seed: null }).tools, tools);
});
