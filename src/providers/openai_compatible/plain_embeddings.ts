/**
 * Reads an OpenAI embeddings answer from its bytes alone, without decoding or `JSON.parse`: an
 * answer of 16 vectors of 1536 floats is ~330 KB, and parsing it (each float into a number, to be
 * thrown away, since the bytes are relayed as they came) was three quarters of what an embeddings
 * request cost the gateway (bench/README.md, issue 22). The vectors are checked byte by byte
 * against JSON's number grammar, in one pass that makes no string and no number; only the small
 * parts around them are read as text, by pattern.
 *
 * Only OpenAI's own shape is recognised: `{"object": "list", "data": [{"object": "embedding",
 * "index": i, "embedding": [floats]}, ...], "model": "...", "usage": {"prompt_tokens": n,
 * "total_tokens": n}}`, items in index order, compact or with whitespace between tokens. What it
 * accepts is valid JSON meaning exactly that; anything else (base64 vectors, other members,
 * another order, whitespace runs longer than a pattern's window) is parsed as before.
 */
import { JSON_STRING } from "../shared/json_patterns.ts";

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

const SPACE = 0x20, TAB = 0x09, LF = 0x0a, CR = 0x0d;
const MINUS = 0x2d, PLUS = 0x2b, DOT = 0x2e, COMMA = 0x2c, OPEN = 0x5b, CLOSE = 0x5d;
const ZERO = 0x30, ONE = 0x31, NINE = 0x39, E = 0x65, UPPER_E = 0x45;
/** Four spaces, as one big-endian word. */
const SPACES = 0x20202020;

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

/**
 * Where the run of digits at `i` ends. Four bytes at a time while all four are digits: a byte
 * below 0x80 plus 0x50 reaches 0x80 from "0" on, plus 0x46 from ":" on, and neither sum carries
 * into the next byte, so one word's sums test its four bytes at once (a byte from 0x80 up fails
 * too). A quarter less time per vector than a byte at a time in a loop, on Bun and on Deno; under
 * load, 3-5% less CPU per embeddings request.
 */
function digitsEnd(b: Uint8Array, words: DataView, i: number): number {
  const last = b.length - 4;
  while (i <= last) {
    const w = words.getUint32(i);
    if (((w | (w + 0x46464646) | ~(w + 0x50505050)) & 0x80808080) !== 0) break;
    i += 4;
  }
  let c = b[i] ?? 0;
  while (c >= ZERO && c <= NINE) c = b[++i] ?? 0;
  return i;
}

/**
 * Where the whitespace at `i` ends. Runs of spaces four at a time: OpenAI's answers are indented,
 * each number on a line of its own after eight spaces, so about a third of their bytes are
 * whitespace (bench/README.md, "Embeddings as bytes").
 */
function whitespaceEnd(b: Uint8Array, words: DataView, i: number): number {
  const last = b.length - 4;
  for (;;) {
    while (i <= last && words.getUint32(i) === SPACES) i += 4;
    const c = b[i] ?? 0;
    if (c !== SPACE && c !== LF && c !== CR && c !== TAB) return i;
    i++;
  }
}

/**
 * Where the list of JSON numbers starting at `i` (just after its `[`) ends, after its `]`; -1
 * when it is not one (an empty list included). A read past the end gives 0 (`undefined ?? 0`),
 * which nothing accepts, so a cut list fails too.
 */
export function numberListEnd(
  b: Uint8Array,
  i: number,
  words = new DataView(b.buffer, b.byteOffset, b.byteLength),
): number {
  i = whitespaceEnd(b, words, i);
  let c = b[i] ?? 0;
  for (;;) {
    if (c === MINUS) c = b[++i] ?? 0;
    if (c === ZERO) c = b[++i] ?? 0;
    else if (c >= ONE && c <= NINE) {
      i = digitsEnd(b, words, i + 1);
      c = b[i] ?? 0;
    } else return -1;
    if (c === DOT) {
      c = b[++i] ?? 0;
      if (!(c >= ZERO && c <= NINE)) return -1;
      i = digitsEnd(b, words, i + 1);
      c = b[i] ?? 0;
    }
    if (c === E || c === UPPER_E) {
      c = b[++i] ?? 0;
      if (c === PLUS || c === MINUS) c = b[++i] ?? 0;
      if (!(c >= ZERO && c <= NINE)) return -1;
      i = digitsEnd(b, words, i + 1);
      c = b[i] ?? 0;
    }
    if (c === SPACE || c === LF || c === CR || c === TAB) {
      i = whitespaceEnd(b, words, i + 1);
      c = b[i] ?? 0;
    }
    if (c === COMMA) {
      c = b[++i] ?? 0;
      if (c === SPACE || c === LF || c === CR || c === TAB) {
        i = whitespaceEnd(b, words, i + 1);
        c = b[i] ?? 0;
      }
      continue;
    }
    return c === CLOSE ? i + 1 : -1;
  }
}

/** The answer's model, count and usage when `bytes` are OpenAI's float embeddings list. */
export function readPlainEmbeddings(bytes: Uint8Array): PlainEmbeddings | undefined {
  const head = at(HEAD, bytes, 0);
  if (head === undefined) return undefined;
  let position = head[0].length;
  let count = 0;
  const words = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (;;) {
    const item = itemAt(bytes, position);
    if (item === undefined || Number(item[1]) !== count) return undefined;
    position = numberListEnd(bytes, position + item[0].length, words);
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
