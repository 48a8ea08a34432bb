/**
 * Reads an OpenAI embeddings answer from its text alone, without `JSON.parse`: an answer of 16
 * vectors of 1536 floats is ~330 KB, and parsing it (each float into a number, to be thrown away,
 * since the bytes are relayed as they came) was three quarters of what an embeddings request cost
 * the gateway (bench/README.md, issue 22). Patterns compiled to native code check the same text
 * without making a number per float: in a loop, as fast as the parse on Bun and twice as fast on
 * Deno; under load, where the parse's garbage costs too, 1646 → 1329–1397 µs of CPU per request.
 *
 * Only OpenAI's own shape is recognised: `{"object": "list", "data": [{"object": "embedding",
 * "index": i, "embedding": [floats]}, ...], "model": "...", "usage": {"prompt_tokens": n,
 * "total_tokens": n}}`, items in index order, compact or with whitespace between tokens. What it
 * accepts is valid JSON meaning exactly that; anything else (base64 vectors, other members,
 * another order) is parsed as before.
 */
import { JSON_NUMBER, JSON_STRING } from "../shared/json_patterns.ts";

const WS = String.raw`[ \t\r\n]*`;
const STRING = JSON_STRING;
const NUMBER = JSON_NUMBER;
const COUNT = String.raw`(0|[1-9]\d{0,15})`;
/** `"name":` with the whitespace JSON allows around it. */
const key = (name: string) => `${WS}"${name}"${WS}:${WS}`;

const HEAD = new RegExp(`${WS}\\{${key("object")}"list"${WS},${key("data")}\\[`, "y");
const ITEM = new RegExp(
  `${WS}\\{${key("object")}"embedding"${WS},${key("index")}${COUNT}${WS},${key("embedding")}`,
  "y",
);
/** A vector as compact JSON (what most servers send), and with whitespace (pretty-printed). */
const COMPACT_VECTOR = new RegExp(String.raw`\[${NUMBER}(?:,${NUMBER})*\]`, "y");
const SPACED_VECTOR = new RegExp(
  String.raw`\[${WS}${NUMBER}(?:${WS},${WS}${NUMBER})*${WS}\]`,
  "y",
);
const ITEM_END = new RegExp(`${WS}\\}${WS}([,\\]])`, "y");
const TAIL = new RegExp(
  `${WS},${key("model")}(${STRING})${WS},${key("usage")}\\{${key("prompt_tokens")}${COUNT}${WS},` +
    `${key("total_tokens")}${COUNT}${WS}\\}${WS}\\}${WS}$`,
  "y",
);

/**
 * The longest vector read by pattern, in characters: ~16 K floats (the largest models give 3,072),
 * where the pattern is still linear (json_patterns.ts); a longer one is parsed.
 */
export const MAX_VECTOR_CHARS = 256 * 1024;
/** The longest tail after the vectors (model and usage) read by pattern. */
const MAX_TAIL_CHARS = 4096;

/** What the gateway reads of an embeddings answer: the rest is relayed as its text. */
export interface PlainEmbeddings {
  model: string;
  count: number;
  usage: { prompt_tokens: number; total_tokens: number };
}

/** Matches `pattern` at `at`; the match, or undefined. */
function at(pattern: RegExp, text: string, position: number): RegExpExecArray | undefined {
  pattern.lastIndex = position;
  return pattern.exec(text) ?? undefined;
}

/** Where the vector at `position` ends, or -1 when there is none. */
function vectorEnd(text: string, position: number): number {
  for (const pattern of [COMPACT_VECTOR, SPACED_VECTOR]) {
    pattern.lastIndex = position;
    if (pattern.test(text)) return pattern.lastIndex;
  }
  return -1;
}

/** The answer's model, count and usage when `text` is OpenAI's float embeddings list. */
export function readPlainEmbeddings(text: string): PlainEmbeddings | undefined {
  if (at(HEAD, text, 0) === undefined) return undefined;
  let position = HEAD.lastIndex;
  let count = 0;
  for (;;) {
    const item = at(ITEM, text, position);
    if (item === undefined || Number(item[1]) !== count) return undefined;
    position = ITEM.lastIndex;
    // A vector longer than any model's is parsed instead (see json_patterns.ts).
    const close = text.indexOf("]", position);
    if (close === -1 || close - position > MAX_VECTOR_CHARS) return undefined;
    // `test`, not `exec`: the vector's text is not needed, only where it ends.
    position = vectorEnd(text, position);
    if (position === -1) return undefined;
    const end = at(ITEM_END, text, position);
    if (end === undefined) return undefined;
    position = ITEM_END.lastIndex;
    count++;
    if (end[1] === "]") break;
  }
  if (text.length - position > MAX_TAIL_CHARS) return undefined;
  const tail = at(TAIL, text, position);
  if (tail === undefined) return undefined;
  return {
    model: JSON.parse(tail[1] as string) as string,
    count,
    usage: { prompt_tokens: Number(tail[2]), total_tokens: Number(tail[3]) },
  };
}
