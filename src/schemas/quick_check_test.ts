import fc from "fast-check";
import { assert, assertEquals } from "../../tests/assert.ts";
import { ChatMessage, ChatRequest } from "./chat.ts";
import { CompletionsRequest } from "./completions.ts";
import { EmbeddingsRequest } from "./embeddings.ts";
import {
  isPlainChatRequest,
  isPlainCompletionsRequest,
  isPlainEmbeddingsRequest,
} from "./quick_check.ts";
import type { z } from "@hono/zod-openapi";
import { samplingFields } from "./common.ts";

/** Values on and around every bound the schemas have, and of every JSON type. */
const edgyNumber = fc.oneof(
  fc.constantFrom(-3, -2, -1.5, -1, 0, 0.5, 1, 1.5, 2, 2.5, 16, 17, 128, 129, 4096, 4097),
  fc.constantFrom(2 ** 53 - 1, 2 ** 53, -(2 ** 53), 1e300, -1e300, 5e-324),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);
const value: fc.Arbitrary<unknown> = fc.oneof(
  edgyNumber,
  fc.string({ maxLength: 6 }),
  fc.constantFrom("float", "base64", "user", "system", "tool", "bot", ""),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.oneof(fc.string({ maxLength: 3 }), fc.integer()), { maxLength: 20 }),
  fc.record({ include_usage: fc.oneof(fc.boolean(), fc.constant(null), fc.string()) }, {
    requiredKeys: [],
  }),
  fc.jsonValue({ maxDepth: 2 }),
);

/** Mostly a valid value for the field, sometimes anything at all. */
const mostly = (good: fc.Arbitrary<unknown>) =>
  fc.oneof({ arbitrary: good, weight: 8 }, { arbitrary: value, weight: 1 });
const text = fc.string({ maxLength: 8 });
const strings = (max: number) => fc.array(text, { maxLength: max });
const positive = fc.integer({ min: 1 });

const GOOD: Record<string, fc.Arbitrary<unknown>> = {
  temperature: fc.double({ min: 0, max: 2, noNaN: true }),
  top_p: fc.double({ min: 0, max: 1, noNaN: true }),
  top_k: positive,
  n: fc.integer({ min: 1, max: 128 }),
  max_tokens: positive,
  max_completion_tokens: positive,
  presence_penalty: fc.double({ min: -2, max: 2, noNaN: true }),
  frequency_penalty: fc.double({ min: -2, max: 2, noNaN: true }),
  seed: fc.integer(),
  stop: fc.oneof(text, strings(16)),
  stream: fc.boolean(),
  stream_options: fc.oneof(fc.constant(null), fc.record({ include_usage: fc.boolean() })),
  user: text,
  model: text,
  parallel_tool_calls: fc.boolean(),
  echo: fc.boolean(),
  suffix: text,
  encoding_format: fc.constantFrom("float", "base64"),
  dimensions: positive,
};

const message = mostly(fc.record({
  role: mostly(fc.constantFrom("system", "developer", "user", "assistant", "tool", "function")),
  content: mostly(fc.oneof(
    { arbitrary: text, weight: 6 },
    { arbitrary: fc.constant(null), weight: 1 },
    { arbitrary: fc.constant([{ type: "text", text: "hi" }]), weight: 1 },
  )),
  name: mostly(text),
  tool_call_id: mostly(text),
  refusal: mostly(fc.oneof(text, fc.constant(null))),
  tool_calls: mostly(fc.constant(null)),
  extra: value,
}, { requiredKeys: ["role"] }));

const SAMPLING_KEYS = Object.keys(samplingFields);
const CHAT_KEYS = [...SAMPLING_KEYS, "parallel_tool_calls"];
const COMPLETIONS_KEYS = [...SAMPLING_KEYS, "echo", "suffix"];
const EMBEDDINGS_KEYS = ["encoding_format", "dimensions", "user", "model"];

/**
 * A body with some of `keys` (mostly valid values) and maybe unknown fields and `__proto__`, as
 * JSON.parse makes it (bodies always come from there).
 */
function bodies(
  required: Record<string, fc.Arbitrary<unknown>>,
  keys: string[],
): fc.Arbitrary<Record<string, unknown>> {
  const optional = Object.fromEntries(keys.map((key) => [key, mostly(GOOD[key]!)]));
  return fc.tuple(
    fc.record(required),
    fc.record({ ...optional, unknown_field: value }, { requiredKeys: [] }),
    fc.nat(20),
  ).map(([present, maybe, dice]) => {
    const text = JSON.stringify({ ...maybe, ...present });
    return JSON.parse(dice === 0 ? text.replace(/^\{/, '{"__proto__":1,') : text);
  });
}

function holdsPromise(
  name: string,
  quick: (body: unknown) => boolean,
  schema: z.ZodType,
  arbitrary: fc.Arbitrary<unknown>,
) {
  Deno.test(`${name}: whatever the quick check accepts, the schema accepts unchanged`, () => {
    let accepted = 0;
    fc.assert(
      fc.property(arbitrary, (body) => {
        if (!quick(body)) return;
        accepted++;
        const result = schema.safeParse(body);
        assert(result.success, `schema refused ${JSON.stringify(body)}`);
        assertEquals(result.data, body);
      }),
      { numRuns: 4_000, seed: 5 },
    );
    // The check must not pass by refusing everything.
    assert(accepted > 100, `only ${accepted} bodies took the quick path`);
  });
}

holdsPromise(
  "isPlainChatRequest",
  isPlainChatRequest,
  ChatRequest,
  bodies(
    { messages: mostly(fc.array(message, { maxLength: 3 })) },
    CHAT_KEYS,
  ),
);
holdsPromise(
  "isPlainCompletionsRequest",
  isPlainCompletionsRequest,
  CompletionsRequest,
  bodies({ prompt: mostly(text) }, COMPLETIONS_KEYS),
);
holdsPromise(
  "isPlainEmbeddingsRequest",
  isPlainEmbeddingsRequest,
  EmbeddingsRequest,
  bodies(
    { input: mostly(fc.oneof(text, strings(5))) },
    EMBEDDINGS_KEYS,
  ),
);

Deno.test("the quick checks take the everyday requests and leave tools and parts to the schema", () => {
  const messages = [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }];
  assert(isPlainChatRequest({ messages, temperature: 0.7, max_tokens: 64, stream: true }));
  assert(isPlainCompletionsRequest({ prompt: "Once", max_tokens: 8, stop: ["\n"] }));
  assert(isPlainEmbeddingsRequest({ input: ["a", "b"], encoding_format: "base64" }));
  assert(!isPlainChatRequest({ messages, tools: [] }));
  assert(
    !isPlainChatRequest({ messages: [{ role: "user", content: [{ type: "text", text: "x" }] }] }),
  );
  assert(!isPlainChatRequest({ messages: [] }));
  assert(!isPlainChatRequest({ messages, temperature: 3 }));
  assert(!isPlainEmbeddingsRequest({ input: [1, 2, 3] }));
});

Deno.test("the generators above cover every field the request schemas have", () => {
  const sorted = (keys: string[]) => [...keys].sort();
  // tools, tool_choice and response_format always take the schema's path (tested above).
  const chat = [...CHAT_KEYS, "messages", "tools", "tool_choice", "response_format"];
  assertEquals(sorted(Object.keys(ChatRequest.shape)), sorted(chat));
  assertEquals(
    sorted(Object.keys(CompletionsRequest.shape)),
    sorted([...COMPLETIONS_KEYS, "prompt"]),
  );
  assertEquals(sorted(Object.keys(EmbeddingsRequest.shape)), sorted([...EMBEDDINGS_KEYS, "input"]));
  const message = ["role", "content", "name", "tool_call_id", "refusal", "tool_calls"];
  assertEquals(sorted(Object.keys(ChatMessage.shape)), sorted(message));
});
