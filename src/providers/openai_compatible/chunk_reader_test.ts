import fc from "fast-check";
import type { z } from "zod";
import { assert, assertEquals, assertThrows } from "../../../tests/assert.ts";
import { ProviderError } from "../../core/errors.ts";
import { readWireChatResponse, readWireChunk } from "./chunk_reader.ts";
import { WireChatResponse, WireChunk } from "./wire.ts";

Deno.test("readWireChunk() passes a well-formed chunk through untouched", () => {
  const chunk = {
    id: "c",
    created: 1,
    model: "m",
    extra: true,
    choices: [{ index: 0, delta: { content: "x", reasoning_content: "y" }, finish_reason: null }],
    usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
    x_groq: { usage: null },
  };
  assertEquals(readWireChunk(chunk, "P"), chunk);
  assertEquals(readWireChunk({ choices: null, usage: null }, "P"), { choices: null, usage: null });
});

Deno.test("readWireChunk() names the first field of the wrong type", () => {
  assertThrows(
    () => readWireChunk([], "P"),
    /P returned a response the gateway could not read at '\(chunk\)'/,
  );
  assertThrows(() => readWireChunk({ choices: {} }, "P"), /at 'choices'/);
  assertThrows(() => readWireChunk({ choices: [{ delta: "x" }] }, "P"), /at 'choices\.0\.delta'/);
  assertThrows(
    () => readWireChunk({ choices: [{ finish_reason: 1 }] }, "P"),
    /at 'choices\.0\.finish_reason'/,
  );
  assertThrows(
    () => readWireChunk({ usage: { total_tokens: "3" } }, "P"),
    /at 'usage\.total_tokens'/,
  );
  assertThrows(
    () => readWireChunk({ x_groq: { usage: { prompt_tokens: [] } } }, "P"),
    /at 'x_groq\.usage\.prompt_tokens'/,
  );
  // JSON.parse reads 1e999 as Infinity, which would make every sum of counts it reaches infinite.
  assertThrows(
    () => readWireChunk(JSON.parse('{"usage":{"total_tokens":1e999}}'), "P"),
    /at 'usage\.total_tokens'/,
  );
});

Deno.test("readWireChatResponse() accepts OpenAI's answer and names a field of the wrong type", () => {
  const answer = {
    id: "c",
    created: 1,
    model: "m",
    choices: [{
      index: 0,
      message: {
        role: "assistant",
        content: null,
        tool_calls: [{ id: "t", type: "function", function: { name: "f", arguments: "{}" } }],
        annotations: [],
      },
      finish_reason: "tool_calls",
    }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  };
  assertEquals(readWireChatResponse(answer, "P"), answer);
  assertThrows(() => readWireChatResponse({ choices: "x" }, "P"), /at 'choices'/);
  assertThrows(() => readWireChatResponse({}, "P"), /at 'choices'/);
  assertThrows(() => readWireChatResponse({ choices: [{}] }, "P"), /at 'choices\.0\.message'/);
  assertThrows(
    () =>
      readWireChatResponse(
        { choices: [{ message: { tool_calls: [{ function: { name: 3 } }] } }] },
        "P",
      ),
    /at 'choices\.0\.message\.tool_calls\.0\.function\.name'/,
  );
  const second = {
    choices: [{ message: {} }, {
      message: {
        tool_calls: [{ function: { name: "f" } }, { function: { name: "g", arguments: 1 } }],
      },
    }],
  };
  assertThrows(
    () => readWireChatResponse(second, "P"),
    /at 'choices\.1\.message\.tool_calls\.1\.function\.arguments'/,
  );
  assertThrows(
    () => readWireChunk({ choices: [{}, { index: "1" }] }, "P"),
    /at 'choices\.1\.index'/,
  );
});

/** Written as 1e999 in the JSON text, which JSON.parse reads as Infinity (as it would a server's). */
const HUGE = 1.2345e300;
const HUGE_TEXT = JSON.stringify(HUGE);

const text = fc.string({ maxLength: 4 });
const anything: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(0, -1, 1.5, 2 ** 53, HUGE, -HUGE, "", "x", true, false, null, [], {}),
  fc.integer(),
  text,
  fc.jsonValue({ maxDepth: 2 }),
);
/** Mostly a value of the field's type, sometimes null, sometimes anything at all. */
const field = (good: fc.Arbitrary<unknown>) =>
  fc.oneof(
    { arbitrary: good, weight: 8 },
    { arbitrary: fc.constant(null), weight: 1 },
    { arbitrary: anything, weight: 1 },
  );
const count = fc.oneof(
  { arbitrary: fc.nat(100_000), weight: 8 },
  { arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }), weight: 2 },
  { arbitrary: fc.constantFrom(HUGE, -HUGE), weight: 1 },
);
const some = <T>(arbitrary: fc.Arbitrary<T>) => fc.array(arbitrary, { maxLength: 3 });
const optionalFields = (fields: Record<string, fc.Arbitrary<unknown>>) =>
  fc.record({ ...fields, extra: anything }, { requiredKeys: [] });
const requiredFields = (
  required: Record<string, fc.Arbitrary<unknown>>,
  optional: Record<string, fc.Arbitrary<unknown>>,
) => fc.tuple(fc.record(required), optionalFields(optional)).map(([a, b]) => ({ ...b, ...a }));

const usage = field(optionalFields({
  prompt_tokens: field(count),
  completion_tokens: field(count),
  total_tokens: field(count),
  prompt_tokens_details: anything,
}));
const head = {
  id: field(text),
  object: anything,
  created: field(count),
  model: field(text),
  usage,
  system_fingerprint: anything,
};

const chunkChoice = field(optionalFields({
  index: field(count),
  text: field(text),
  finish_reason: field(fc.constantFrom("stop", "length", "tool_calls")),
  delta: field(fc.dictionary(fc.constantFrom("role", "content", "tool_calls", "x"), anything)),
  logprobs: anything,
}));
const chunk = fc.oneof(
  {
    arbitrary: optionalFields({
      ...head,
      choices: field(some(chunkChoice)),
      x_groq: field(optionalFields({ usage })),
      obfuscation: anything,
    }),
    weight: 12,
  },
  { arbitrary: anything, weight: 1 },
);

const toolCall = field(requiredFields(
  { function: field(requiredFields({ name: field(text) }, { arguments: field(text) })) },
  { id: field(text), type: field(fc.constant("function")) },
));
const message = field(optionalFields({
  role: field(fc.constant("assistant")),
  content: anything,
  refusal: field(text),
  tool_calls: field(some(toolCall)),
}));
const responseChoice = field(requiredFields(
  { message },
  { index: field(count), finish_reason: field(text), logprobs: anything },
));
const response = fc.oneof(
  { arbitrary: requiredFields({ choices: field(some(responseChoice)) }, head), weight: 12 },
  { arbitrary: anything, weight: 1 },
);

/**
 * A server's JSON text for the value, and what JSON.parse makes of it: HUGE is written 1e999
 * (Infinity once parsed), and now and then an object gets an own `__proto__` key.
 */
function asSent(value: unknown, dice: number): { text: string; json: unknown } {
  let text = JSON.stringify(value).replaceAll(HUGE_TEXT, "1e999");
  if (dice === 0) text = text.replace(/^\{(?!\})/, '{"__proto__":{"id":1},');
  if (dice === 1) text = text.replace(/"delta":\{(?!\})/, '"delta":{"__proto__":"x",');
  return { text, json: JSON.parse(text) };
}

/** A copy without own `__proto__` keys, which zod drops and the gateway never reads. */
function withoutProto(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutProto);
  if (value === null || typeof value !== "object") return value;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (key !== "__proto__") copy[key] = withoutProto(item);
  }
  return copy;
}

/**
 * What the hand-written readers promise, for any JSON a server may send: they accept exactly what
 * the wire schema accepts; what they accept they return as is (the body itself, unchanged), and
 * the schema reads it to the same values; what they refuse is a 502 naming the schema's first bad
 * field.
 */
function agreesWithSchema(
  name: string,
  reader: (json: unknown, provider: string) => unknown,
  schema: z.ZodType,
  arbitrary: fc.Arbitrary<unknown>,
  root: string,
) {
  Deno.test(`${name}() accepts what the wire schema accepts, reads it alike, names its first bad field`, () => {
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(arbitrary, fc.nat(20), (value, dice) => {
        const { text, json } = asSent(value, dice);
        const before = JSON.stringify(json);
        const parsed = schema.safeParse(json);
        let read: unknown;
        let failure: unknown;
        try {
          read = reader(json, "P");
        } catch (error) {
          failure = error;
        }
        if (parsed.success) {
          accepted++;
          assert(failure === undefined, `${name} refused what the schema accepts: ${text}`);
          assert(read === json, "the reader returns the body itself");
          assertEquals(withoutProto(parsed.data), withoutProto(json));
        } else {
          refused++;
          assert(
            failure instanceof ProviderError,
            `${name} accepted what the schema refuses: ${text}`,
          );
          assertEquals(failure.status, 502);
          const at = /could not read at '(.*)'$/.exec(failure.message)?.[1];
          const first = parsed.error.issues[0]?.path.join(".") || root;
          assertEquals(at, first, text);
        }
        assertEquals(JSON.stringify(json), before, "the reader changed the body");
      }),
      { numRuns: 5_000, seed: 7 },
    );
    // Neither side may pass by refusing (or accepting) nearly everything.
    assert(accepted > 500 && refused > 500, `accepted ${accepted}, refused ${refused}`);
  });
}

agreesWithSchema("readWireChunk", readWireChunk, WireChunk, chunk, "(chunk)");
agreesWithSchema(
  "readWireChatResponse",
  readWireChatResponse,
  WireChatResponse,
  response,
  "(response)",
);
