import { assertEquals } from "../../../tests/assert.ts";
import type { CallContext } from "../../core/provider.ts";
import { MAX_TAIL_BYTES, readPlainEmbeddings } from "./plain_embeddings.ts";
import { embeddingsFromBytes, parseEmbeddingsResponse } from "./response.ts";

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
const bytes = (text: string) => new TextEncoder().encode(text);

/** Answers in OpenAI's shape: compact, pretty-printed, with exponents, negative zero, escapes. */
const PLAIN = [
  compact(answer([[0.1, -0.2, 3e-7], [0, -1.5e21, 12]])),
  JSON.stringify(answer([[-0.006929283495992422, 1.1e-5], [0.25]]), null, 2),
  '{"object":"list","data":[{"object":"embedding","index":0,"embedding":[-0.0,1E+2,2e-05]}],' +
  '"model":"m\\u00e9\\"x","usage":{"prompt_tokens":0,"total_tokens":0}}',
  '\n{ "object" : "list" , "data" : [ { "object" : "embedding" , "index" : 0 , "embedding" : ' +
  '[ 1 ,\t2 ] } ] , "model" : "m" , "usage" : { "prompt_tokens" : 1 , "total_tokens" : 1 } }\n',
  compact({ ...answer([[1]]), model: "modèle-ü" }),
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
  "cut inside a vector": ONE.slice(0, ONE.indexOf("0.25") + 3),
  "a byte order mark before the model": ONE.replace(',"model"', '\ufeff,"model"'),
  "a non-ASCII space": ONE.replace('"data":', '"data":\u00a0'),
  "whitespace past the pattern's window": ONE.replace('"data":', `"data":${" ".repeat(300)}`),
  "whitespace past an item's window": ONE.replace(
    '"embedding":[',
    `"embedding":${" ".repeat(300)}[`,
  ),
  "whitespace past an item end's window": ONE.replace("]}],", `]${" ".repeat(100)}}],`),
};

Deno.test("readPlainEmbeddings() reads OpenAI's float embeddings in the forms servers send", () => {
  for (const text of PLAIN) {
    const json = JSON.parse(text);
    assertEquals(readPlainEmbeddings(bytes(text)), {
      model: json.model,
      count: json.data.length,
      usage: json.usage,
    });
  }
});

Deno.test("readPlainEmbeddings() leaves every other answer to the parser", () => {
  for (const [why, text] of Object.entries(NOT_PLAIN)) {
    assertEquals([why, readPlainEmbeddings(bytes(text))], [why, undefined]);
  }
});

Deno.test("embeddingsFromBytes() gives what the parser gives, its vectors parsed only when read", () => {
  for (const text of PLAIN) {
    const read = embeddingsFromBytes(bytes(text), ctx, "OpenAI");
    const parsed = parseEmbeddingsResponse(JSON.parse(text), ctx, "OpenAI");
    assertEquals(JSON.parse(JSON.stringify(read)), JSON.parse(JSON.stringify(parsed)));
    assertEquals({ ...read }.data, parsed.data);
  }
  const base64 = bytes(NOT_PLAIN["base64 vectors"] as string);
  assertEquals(embeddingsFromBytes(base64, ctx, "OpenAI"), undefined);
});

Deno.test("readPlainEmbeddings() reads a vector of any length; a long tail is left to the parser", () => {
  const floats = Array.from({ length: 100_000 }, (_, i) => (i % 7 - 3) / 1024);
  assertEquals(readPlainEmbeddings(bytes(compact(answer([floats, floats]))))?.count, 2);
  const longModel = compact({ ...answer([[0.5]]), model: "m".repeat(MAX_TAIL_BYTES) });
  assertEquals(readPlainEmbeddings(bytes(longModel)), undefined);
});
