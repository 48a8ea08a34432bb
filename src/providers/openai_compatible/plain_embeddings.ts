/**
 * Reads an OpenAI embeddings answer from its bytes alone, without decoding or `JSON.parse`: an
 * answer of 16 vectors of 1536 floats is ~330 KB, and parsing it (each float into a number, to be
 * thrown away, since the bytes are relayed as they came) was three quarters of what an embeddings
 * request cost the gateway (bench/README.md, issue 22). The vectors are checked against JSON's
 * number grammar in one pass that makes no string and no number (number_list.ts); only the small
 * parts around them are read as text, by pattern.
 *
 * Only OpenAI's own shape is recognised: `{"object": "list", "data": [{"object": "embedding",
 * "index": i, "embedding": [floats]}, ...], "model": "...", "usage": {"prompt_tokens": n,
 * "total_tokens": n}}`, items in index order, compact or with whitespace between tokens. What it
 * accepts is valid JSON meaning exactly that; anything else (base64 vectors, other members,
 * another order, whitespace runs longer than a pattern's window) is parsed as before.
 */
import { JSON_STRING } from "../shared/json_patterns.ts";
import { numberListReader } from "./number_list.ts";

const WS = String.raw`[ \t\r\n]*`;
const COUNT = String.raw`(0|[1-9]\d{0,15})`;
/** `"name":` with the whitespace JSON allows around it. */
const key = (name: string) => `${WS}"${name}"${WS}:${WS}`;

/** Each pattern is matched at the start of a window of the bytes, made a string of its own. */
const HEAD = new RegExp(`^${WS}\\{${key("object")}"list"${WS},${key("data")}\\[`);
const ITEM = new RegExp(
  `^${WS}\\{${key("object")}"embedding"${WS},${key("index")}${COUNT}${WS},${key("embedding")}\\[`,
);
const ITEM_END = new RegExp(`^${WS}\\}${WS}([,\\]])`);
const TAIL = new RegExp(
  `^${WS},${key("model")}(${JSON_STRING})${WS},${key("usage")}\\{${key("prompt_tokens")}${COUNT}` +
    `${WS},${key("total_tokens")}${COUNT}${WS}\\}${WS}\\}${WS}$`,
);

/**
 * How many bytes the patterns around the vectors look at (ample for any server's whitespace): the
 * head and each item's opening up to its vector's `[`, and less after a vector (its item's end),
 * so that answers of many short vectors are not decoded several times over.
 */
const WINDOW_BYTES = 256;
const END_WINDOW_BYTES = 64;
/** The longest tail after the vectors (model and usage) read by pattern. */
export const MAX_TAIL_BYTES = 4096;

/** What the gateway reads of an embeddings answer: the rest is relayed as its bytes. */
export interface PlainEmbeddings {
  model: string;
  count: number;
  usage: { prompt_tokens: number; total_tokens: number };
}

const OPEN = 0x5b;

// A byte order mark is kept, so that one inside the answer is no match (the bytes are relayed).
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

/**
 * The bytes from `position` as text. The patterns that read it are ASCII: what a byte past 0x7f
 * decodes to (a character, or U+FFFD where the window cuts one) never matches, so a match is made
 * of one-byte characters and its length is its length in bytes.
 */
function window(bytes: Uint8Array, position: number, end: number): string {
  return utf8.decode(bytes.subarray(position, end));
}

/** `pattern` matched at `position` within `size` bytes: the match, or undefined. */
function at(
  pattern: RegExp,
  bytes: Uint8Array,
  position: number,
  size = WINDOW_BYTES,
): RegExpExecArray | undefined {
  return pattern.exec(window(bytes, position, position + size)) ?? undefined;
}

/** An item's opening, read up to its vector's `[` (the pattern's last byte). */
function itemAt(bytes: Uint8Array, position: number): RegExpExecArray | undefined {
  const open = bytes.indexOf(OPEN, position);
  if (open === -1 || open - position >= WINDOW_BYTES) return undefined;
  return ITEM.exec(window(bytes, position, open + 1)) ?? undefined;
}

/** The answer's model, count and usage when `bytes` are OpenAI's float embeddings list. */
export function readPlainEmbeddings(bytes: Uint8Array): PlainEmbeddings | undefined {
  const head = at(HEAD, bytes, 0);
  if (head === undefined) return undefined;
  let position = head[0].length;
  let count = 0;
  const listEnd = numberListReader(bytes);
  for (;;) {
    const item = itemAt(bytes, position);
    if (item === undefined || Number(item[1]) !== count) return undefined;
    position = listEnd(position + item[0].length);
    if (position === -1) return undefined;
    const end = at(ITEM_END, bytes, position, END_WINDOW_BYTES);
    if (end === undefined) return undefined;
    position += end[0].length;
    count++;
    if (end[1] === "]") break;
  }
  if (bytes.length - position > MAX_TAIL_BYTES) return undefined;
  const tail = TAIL.exec(utf8.decode(bytes.subarray(position)));
  if (tail === null) return undefined;
  return {
    model: JSON.parse(tail[1] as string) as string,
    count,
    usage: { prompt_tokens: Number(tail[2]), total_tokens: Number(tail[3]) },
  };
}
