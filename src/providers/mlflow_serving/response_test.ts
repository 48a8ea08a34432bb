import { assertEquals, assertThrows } from "../../../tests/assert.ts";
import type { CallContext } from "../../core/provider.ts";
import type { ProviderError } from "../../core/errors.ts";
import {
  parseServingChat,
  parseServingCompletions,
  parseServingEmbeddings,
  predictionTexts,
  predictionVectors,
} from "./response.ts";
import { parseServingError } from "./errors.ts";

const ctx: CallContext<unknown> = { endpoint: "s", model: "my-model", config: {}, stream: false };

Deno.test("predictionsOf() is MLflow's 502 when 'predictions' is missing", () => {
  const error = assertThrows(
    () => parseServingCompletions({ outputs: ["x"] }, ctx),
    /^The response is missing the required key: predictions\.$/,
  );
  assertEquals((error as ProviderError).status, 502);
});

Deno.test("predictionTexts() reads a list, a dict with choices, and a single-key dict", () => {
  assertEquals(predictionTexts(["a", "b"]), ["a", "b"]);
  assertEquals(predictionTexts({ choices: ["c"], other: 1 }), ["c"]);
  assertEquals(predictionTexts({ candidates: ["d"] }), ["d"]);
  assertEquals(predictionTexts({ output: "e" }), ["e"]);
  assertEquals(predictionTexts("f"), ["f"]);
  assertEquals(predictionTexts({ choices: [{ text: "g" }, { message: { content: "h" } }] }), [
    "g",
    "h",
  ]);
  assertThrows(() => predictionTexts([]), /empty list/);
  assertThrows(() => predictionTexts({ a: ["x"], b: ["y"] }), /'choices'/);
  assertThrows(() => predictionTexts([1, 2]), /not a string at index 0/);
});

Deno.test("predictionVectors() reads float lists and one flat list", () => {
  assertEquals(predictionVectors([[0.1, 0.2], [0.3, 0.4]]), [[0.1, 0.2], [0.3, 0.4]]);
  assertEquals(predictionVectors([0.5, 0.6]), [[0.5, 0.6]]);
  assertThrows(() => predictionVectors([]), /non-empty list/);
  assertThrows(() => predictionVectors([[], []]), /not lists of numbers/);
  assertThrows(() => predictionVectors([["a"]]), /not lists of numbers/);
});

Deno.test("parseServingChat() gives one assistant message per prediction, null usage", () => {
  const response = parseServingChat({ predictions: ["Hi!"] }, ctx);
  assertEquals(response.choices, [{
    index: 0,
    message: { role: "assistant", content: "Hi!", tool_calls: null, refusal: null },
    finish_reason: null,
  }]);
  assertEquals(response.usage, {
    prompt_tokens: null,
    completion_tokens: null,
    total_tokens: null,
  });
  assertEquals(response.model, "my-model");
});

Deno.test("parseServingCompletions() and parseServingEmbeddings() keep the order", () => {
  assertEquals(
    parseServingCompletions({ predictions: { choices: ["x", "y"] } }, ctx).choices.map((c) => [
      c.index,
      c.text,
    ]),
    [[0, "x"], [1, "y"]],
  );
  const embeddings = parseServingEmbeddings({ predictions: [[1, 2], [3, 4]] }, ctx);
  assertEquals(embeddings.data, [
    { object: "embedding", embedding: [1, 2], index: 0 },
    { object: "embedding", embedding: [3, 4], index: 1 },
  ]);
});

Deno.test("parseServingError() reads MLflow's message and code, never the stack trace", () => {
  assertEquals(
    parseServingError(
      400,
      JSON.stringify({
        error_code: "BAD_REQUEST",
        message: "Invalid input. The input must be a JSON dictionary",
        stack_trace: "Traceback (most recent call last): ...",
      }),
    ),
    { message: "Invalid input. The input must be a JSON dictionary", code: "BAD_REQUEST" },
  );
  assertEquals(parseServingError(503, "upstream connect error"), {
    message: "upstream connect error",
  });
});
