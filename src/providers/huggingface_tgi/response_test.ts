import { assertEquals, assertThrows } from "../../../tests/assert.ts";
import type { CallContext } from "../../core/provider.ts";
import { parseTgiChat, parseTgiGenerate } from "./response.ts";
import { parseTgiError } from "./errors.ts";
import { mapTgiFinishReason } from "./finish_reason.ts";

const ctx: CallContext<unknown> = { endpoint: "tgi", model: "llama", config: {}, stream: false };

Deno.test("mapTgiFinishReason() maps eos_token and stop_sequence to stop", () => {
  assertEquals(mapTgiFinishReason("eos_token"), "stop");
  assertEquals(mapTgiFinishReason("stop_sequence"), "stop");
  assertEquals(mapTgiFinishReason("length"), "length");
  assertEquals(mapTgiFinishReason(null), null);
});

Deno.test("parseTgiGenerate() reads text, finish reason and token counts from details", () => {
  const response = parseTgiGenerate({
    generated_text: " there was a cat",
    details: {
      finish_reason: "length",
      generated_tokens: 4,
      seed: null,
      prefill: [{ id: 1, text: "<s>", logprob: null }, { id: 2, text: "Once", logprob: -1 }],
      tokens: [],
    },
  }, ctx);
  assertEquals(response.choices, [{ index: 0, text: " there was a cat", finish_reason: "length" }]);
  assertEquals(response.usage, { prompt_tokens: 2, completion_tokens: 4, total_tokens: 6 });
  assertEquals(response.object, "text_completion");
  const listed = parseTgiGenerate([{ generated_text: "hi" }], ctx);
  assertEquals(listed.choices[0]?.text, "hi");
  assertEquals(listed.usage.total_tokens, null);
  assertThrows(() => parseTgiGenerate({ text: "x" }, ctx), /could not read/);
});

Deno.test("parseTgiChat() normalises TGI's empty id and finish reasons", () => {
  const response = parseTgiChat({
    object: "chat.completion",
    id: "",
    created: 1700000000,
    model: "meta-llama/Meta-Llama-3-8B-Instruct",
    system_fingerprint: "2.4.1-native",
    choices: [{
      index: 0,
      message: { role: "assistant", content: "Hello" },
      logprobs: null,
      finish_reason: "eos_token",
    }],
    usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
  }, ctx);
  assertEquals(response.id, null);
  assertEquals(response.model, "llama");
  assertEquals(response.choices, [{
    index: 0,
    message: { role: "assistant", content: "Hello", tool_calls: null, refusal: null },
    finish_reason: "stop",
  }]);
  assertEquals(response.usage, { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 });
});

Deno.test("parseTgiError() reads {error, error_type} and axum's plain-text rejections", () => {
  assertEquals(
    parseTgiError(
      422,
      '{"error":"Input validation error: `temperature` must be strictly positive","error_type":"validation"}',
    ),
    {
      message: "Input validation error: `temperature` must be strictly positive",
      code: "validation",
    },
  );
  assertEquals(
    parseTgiError(
      422,
      "Failed to deserialize the JSON body into the target type: missing field `inputs`",
    ),
    { message: "Failed to deserialize the JSON body into the target type: missing field `inputs`" },
  );
});
