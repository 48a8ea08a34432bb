import { assert, assertEquals } from "../../tests/assert.ts";
import { ChatRequest } from "./chat.ts";
import { CompletionsRequest } from "./completions.ts";
import { GATEWAY_FIELD_KEYS, SAMPLING_FIELD_KEYS, SAMPLING_PARAMETER_KEYS } from "./common.ts";

const sorted = (keys: readonly string[]) => [...keys].sort();

Deno.test("SAMPLING_FIELD_KEYS are exactly the fields the chat and completions requests share", () => {
  const completions = Object.keys(CompletionsRequest.shape);
  const shared = Object.keys(ChatRequest.shape).filter((key) => completions.includes(key));
  assertEquals(sorted(SAMPLING_FIELD_KEYS), sorted(shared));
});

Deno.test("SAMPLING_PARAMETER_KEYS are the shared fields but the gateway's own and user", () => {
  for (const key of SAMPLING_PARAMETER_KEYS) {
    assert(key in ChatRequest.shape && key in CompletionsRequest.shape, key);
  }
  assertEquals(
    sorted([...SAMPLING_PARAMETER_KEYS, ...GATEWAY_FIELD_KEYS, "user"]),
    sorted(SAMPLING_FIELD_KEYS),
  );
  assert(SAMPLING_PARAMETER_KEYS.includes("seed"));
});
