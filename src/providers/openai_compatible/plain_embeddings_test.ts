import { assertEquals } from "../../../tests/assert.ts";
import type { CallContext } from "../../core/provider.ts";
import { MAX_VECTOR_CHARS, readPlainEmbeddings } from "./plain_embeddings.ts";
import { embeddingsFromText, parseEmbeddingsResponse } from "./response.ts";

const ctx: CallContext<unknown> = { endpoint: "ep", model: "m", config: {}, stream: false };
const usage = { prompt_tokens: 8, total_tokens: 8 };
const answer = (vectors: unknown[], extra: Record<string, unknown> = {}) => ({
  object: "list",
  data: vectors.map((embedding, index) => ({ object: "embedding", index, embedding })),
  model: "text-embedding-3-small",
  usage,
  ...extra,
});
const compact = (value: unknown) => JSON.stringify(value);

/** Answers in OpenAI's shape: compact, pretty-printed, with exponents, negative zero, escapes. */
const PLAIN = [
  compact(answer([[0.1, -0.2, 3e-7], [0, -1.5e21, 12]])),
  JSON.stringify(answer([[-0.006929283495992422, 1.1e-5], [0.25]]), null, 2),
  '{"object":"list","data":[{"object":"embedding","index":0,"embedding":[-0.0,1E+2,2e-05]}],' +
  '"model":"m\\u00e9\\"x","usage":{"prompt_tokens":0,"total_tokens":0}}',
  '\n{ "object" : "list" , "data" : [ { "object" : "embedding" , "index" : 0 , "embedding" : ' +
  '[ 1 ,\t2 ] } ] , "model" : "m" , "usage" : { "prompt_tokens" : 1 , "total_tokens" : 1 } }\n',
];

const ONE = compact(answer([[0.5, 0.25]]));
const NOT_PLAIN: Record<string, string> = {
  "base64 vectors": compact(answer(["AAAAPw=="])),
  "items out of order": ONE.replace('"index":0', '"index":1'),
  "another member": compact(answer([[1]], { id: "e-1" })),
  "members in another order": compact({
    data: answer([[1]]).data,
    object: "list",
    usage,
    model: "m",
  }),
  "no usage": compact({ object: "list", data: answer([[1]]).data, model: "m" }),
  "a leading zero": ONE.replace("0.5", "05"),
  "a bare fraction": ONE.replace("0.5", ".5"),
  "a trailing point": ONE.replace("0.5", "5."),
  "a bare exponent": ONE.replace("0.5", "5e"),
  "a double sign": ONE.replace("0.5", "--5"),
  "a plus sign": ONE.replace("0.5", "+5"),
  "an empty element": ONE.replace("0.5,", "0.5,,"),
  "a string element": ONE.replace("0.5", '"0.5"'),
  "an empty vector": compact(answer([[]])),
  "text after it": `${ONE}x`,
  "a cut answer": ONE.slice(0, -1),
  "a bad escape in the model": ONE.replace('"text-embedding-3-small"', '"a\\x"'),
  "null usage counts": ONE.replace('"prompt_tokens":8', '"prompt_tokens":null'),
  "not JSON at all": "<html>502 Bad Gateway</html>",
};

Deno.test("readPlainEmbeddings() reads OpenAI's float embeddings in the forms servers send", () => {
  for (const text of PLAIN) {
    const json = JSON.parse(text);
    assertEquals(readPlainEmbeddings(text), {
      model: json.model,
      count: json.data.length,
      usage: json.usage,
    });
  }
});

Deno.test("readPlainEmbeddings() leaves every other answer to the parser", () => {
  for (const [why, text] of Object.entries(NOT_PLAIN)) {
    assertEquals([why, readPlainEmbeddings(text)], [why, undefined]);
  }
});

Deno.test("embeddingsFromText() gives what the parser gives, its vectors parsed only when read", () => {
  for (const text of PLAIN) {
    const read = embeddingsFromText(text, ctx, "OpenAI");
    const parsed = parseEmbeddingsResponse(JSON.parse(text), ctx, "OpenAI");
    assertEquals(JSON.parse(JSON.stringify(read)), JSON.parse(JSON.stringify(parsed)));
    assertEquals({ ...read }.data, parsed.data);
  }
  assertEquals(embeddingsFromText(NOT_PLAIN["base64 vectors"] as string, ctx, "OpenAI"), undefined);
});

Deno.test("readPlainEmbeddings() leaves a vector longer than its bound, or a long tail, to the parser", () => {
  const floats = Array.from({ length: Math.ceil(MAX_VECTOR_CHARS / 6) }, () => 0.125);
  assertEquals(JSON.stringify(floats).length > MAX_VECTOR_CHARS, true);
  assertEquals(readPlainEmbeddings(compact(answer([floats]))), undefined);
  assertEquals(readPlainEmbeddings(compact(answer([floats.slice(0, 3072)])))?.count, 1);
  const longModel = compact({ ...answer([[0.5]]), model: "m".repeat(5000) });
  assertEquals(readPlainEmbeddings(longModel), undefined);
});
