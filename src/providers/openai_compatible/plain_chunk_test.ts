import fc from "fast-check";
import { assert, assertEquals } from "../../../tests/assert.ts";
import { isPlainContentChunk, MAX_PLAIN_CHUNK, PlainChunkMatcher } from "./plain_chunk.ts";

const head =
  `"id":"chatcmpl-1","object":"chat.completion.chunk","created":1726000000,"model":"gpt-4o"`;
const choice = (delta: string, rest = `"logprobs":null,"finish_reason":null`) =>
  `"choices":[{"index":0,"delta":${delta},${rest}}]`;

/** Content chunks as servers send them (OpenAI with its optional fields, vLLM, Ollama, spaced). */
const PLAIN = [
  `{${head},"service_tier":"default","system_fingerprint":"fp_1",${
    choice(`{"content":"Hello"}`)
  },"usage":null,"obfuscation":"x1"}`,
  `{${head},${choice(`{"content":" is"}`)}}`,
  `{${head},"system_fingerprint":"fp_ollama",${
    choice(`{"role":"assistant","content":"é"}`, `"finish_reason":null`)
  }}`,
  `{${head},"system_fingerprint":null,"obfuscation":"pp",${choice(`{"content":""}`)}}`,
  `{${head},${choice(`{"role":"assistant","content":"","refusal":null}`)}}`,
  `{${head},${choice(String.raw`{"content":"q\"\\\/\b\f\n\r\t\u00e9\uD83D\uDE00"}`)}}`,
];

/** Chunks that must take the full path: each differs from a plain one in one way. */
const NOT_PLAIN = {
  "a finish": `{${head},${choice(`{"content":""}`, `"logprobs":null,"finish_reason":"stop"`)}}`,
  "usage": `{${head},${choice(`{"content":"a"}`)},"usage":{"prompt_tokens":1}}`,
  "a second choice":
    `{${head},"choices":[{"index":1,"delta":{"content":"a"},"finish_reason":null}]}`,
  "two choices": `{${head},"choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null},` +
    `{"index":1,"delta":{"content":"b"},"finish_reason":null}]}`,
  "tool calls": `{${head},${choice(`{"tool_calls":[{"index":0,"function":{"arguments":"{"}}]}`)}}`,
  "reasoning": `{${head},${choice(`{"reasoning_content":"hm","content":""}`)}}`,
  "log probabilities": `{${head},${
    choice(`{"content":"a"}`, `"logprobs":{"content":[]},"finish_reason":null`)
  }}`,
  "null content": `{${head},${choice(`{"content":null}`)}}`,
  "another role": `{${head},${choice(`{"role":"user","content":"a"}`)}}`,
  "no id": `{"object":"chat.completion.chunk","created":1,"model":"m",${
    choice(`{"content":"a"}`)
  }}`,
  "no finish_reason": `{${head},"choices":[{"index":0,"delta":{"content":"a"}}]}`,
  "a leading zero": `{${head.replace("1726000000", "01")},${choice(`{"content":"a"}`)}}`,
  "a bad escape": `{${head},${choice(String.raw`{"content":"\x"}`)}}`,
  "a short unicode escape": `{${head},${choice(String.raw`{"content":"\u12"}`)}}`,
  "a raw control character": `{${head},${choice(`{"content":"a\tb"}`)}}`,
  "an unknown field": `{${head},"x_groq":{"id":"1"},${choice(`{"content":"a"}`)}}`,
  "text after the object": `{${head},${choice(`{"content":"a"}`)}} `,
  "an error": `{"error":{"message":"overloaded"}}`,
  "another object": `{${head.replace("chat.completion.chunk", "text_completion")},${
    choice(`{"content":"a"}`)
  }}`,
  "spaces between members (read on the full path)":
    `{"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m", "choices": ` +
    `[{"index": 0, "delta": {"content": "spaced"}, "finish_reason": null}]}`,
  "an unterminated string": `{${head},${choice(`{"content":"a}`)}}`,
};

Deno.test("isPlainContentChunk() accepts plain content chunks in the forms servers send", () => {
  for (const data of PLAIN) {
    assertEquals([data, isPlainContentChunk(data)], [data, true]);
    JSON.parse(data); // every accepted chunk is valid JSON
  }
});

Deno.test("isPlainContentChunk() refuses every chunk the stream parser has work on", () => {
  for (const [why, data] of Object.entries(NOT_PLAIN)) {
    assertEquals([why, isPlainContentChunk(data)], [why, false]);
  }
});

Deno.test("isPlainContentChunk() refuses a long unterminated string of escapes without backtracking", () => {
  // A pattern with nested quantifiers would take minutes on this (and hang the suite), not a step.
  const long = `{${head},${choice(`{"content":"${"\\\\".repeat(50_000)}`)}`;
  assertEquals(isPlainContentChunk(long), false);
});

Deno.test("isPlainContentChunk() leaves a chunk longer than its bound to the parser, valid or not", () => {
  const text = "é".repeat(MAX_PLAIN_CHUNK);
  const long = `{${head},${choice(`{"content":"${text}"}`)}}`;
  assertEquals(isPlainContentChunk(`{${head},${choice(`{"content":"é"}`)}}`), true);
  assertEquals(isPlainContentChunk(long), false);
});

/** Chunks of one stream as servers send them, their content put in as `CONTENT`. */
const TEMPLATES = [
  ...PLAIN.slice(0, 5).map((chunk) => chunk.replace(/"content":"[^"]*"/, `"content":"CONTENT"`)),
  `{${head},${choice(`{"content":"CONTENT"}`, `"logprobs":null,"finish_reason":"stop"`)}}`,
  `{${head},"obfuscation":"CONTENT",${choice(`{"content":"a"}`)}}`,
  `{${head},${choice(`{"content":"CONTENT"}`)},"usage":null,"obfuscation":"CONTENT"}`,
  `{${head.replace("chatcmpl-1", "CONTENT")},${choice(`{"content":"b"}`)}}`,
];

/** Text as a JSON string's body: escaped (valid), or put in raw (often not). */
const body = fc.oneof(
  fc.string({ unit: "binary", maxLength: 12 }).map((text) => JSON.stringify(text).slice(1, -1)),
  fc.string({
    unit: fc.constantFrom("a", '"', "\\", "\n", "u", "0", "\u0001", "é", "}", " "),
    maxLength: 8,
  }),
);

Deno.test("PlainChunkMatcher accepts exactly what isPlainContentChunk accepts, chunk after chunk", () => {
  let accepted = 0;
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(TEMPLATES.length - 1), body, body), { minLength: 1, maxLength: 12 }),
      (stream) => {
        const matcher = new PlainChunkMatcher();
        for (const [template, first, second] of stream) {
          let at = 0;
          const data = TEMPLATES[template]!.replace(/CONTENT/g, () => at++ === 0 ? first : second);
          const plain = isPlainContentChunk(data);
          assertEquals([data, matcher.test(data)], [data, plain]);
          if (plain) accepted++;
        }
      },
    ),
    { numRuns: 3_000, seed: 11 },
  );
  assert(accepted > 3_000, `accepted ${accepted}`);
});

Deno.test("PlainChunkMatcher takes a stream's usual chunks by their ends, and checks their text", () => {
  const matcher = new PlainChunkMatcher();
  const chunk = (text: string) => `{${head},${choice(`{"content":"${text}"}`)}}`;
  assert(matcher.test(chunk("first")));
  assert(matcher.test(chunk(" next")));
  assert(matcher.test(chunk("")));
  assert(matcher.test(chunk(String.raw`q\"\\ \u00e9`)));
  assert(!matcher.test(chunk("ends in a backslash\\")));
  assert(!matcher.test(chunk('a "quote"')));
  assert(!matcher.test(chunk("a raw\ttab")));
  assert(!matcher.test(chunk("x".repeat(MAX_PLAIN_CHUNK))));
  assert(matcher.test(chunk("still")));
});
