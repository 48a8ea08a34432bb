/**
 * Recorded-shape answers of MLflow's scoring server (testdata/*.json: the bodies `mlflow models
 * serve` returns from /invocations) read by the provider's parsers.
 */
import { assert, assertEquals } from "../../../tests/assert.ts";
import type { CallContext } from "../../core/provider.ts";
import { parseServingCompletions, parseServingEmbeddings } from "./response.ts";
import { parseServingError } from "./errors.ts";

const ctx: CallContext<unknown> = { endpoint: "s", model: "my-model", config: {}, stream: false };
const fixture = (name: string): unknown =>
  JSON.parse(Deno.readTextFileSync(new URL(`./testdata/${name}`, import.meta.url)));

Deno.test("scoring server (recorded shape): a text model's prediction is the completion", () => {
  const answer = parseServingCompletions(fixture("invocations_text.json"), ctx);
  assertEquals(answer.choices.map((c) => c.text), [
    "MLflow is an open source platform for managing the machine learning lifecycle.",
  ]);
  assertEquals(answer.usage.total_tokens, null, "the scoring server counts no tokens");
});

Deno.test("scoring server (recorded shape): a dict of candidates gives their text", () => {
  const answer = parseServingCompletions(fixture("invocations_candidates.json"), ctx);
  assertEquals(answer.choices[0]?.text, "Paris is the capital of France.");
});

Deno.test("scoring server (recorded shape): embeddings are the predicted vectors, in order", () => {
  const answer = parseServingEmbeddings(fixture("invocations_embeddings.json"), ctx);
  assertEquals(answer.data.map((d) => [d.index, d.embedding]), [
    [0, [0.0123, -0.0456, 0.0789, 0.1011]],
    [1, [0.2022, -0.3033, 0.4044, -0.5055]],
  ]);
});

Deno.test("scoring server (recorded shape): an error keeps its message, never the stack trace", () => {
  const body = JSON.stringify(fixture("error_bad_request.json"));
  const info = parseServingError(400, body);
  assert(info.message.startsWith("Failed to parse input from JSON."), info.message);
  assert(!info.message.includes("Traceback") && !info.message.includes("scoring_server"));
});
