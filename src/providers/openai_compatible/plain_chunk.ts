/**
 * Recognises, by its text alone, a chat stream chunk that the stream parser would pass on
 * unchanged: one choice (index 0) whose delta holds only text (with the role and `refusal: null`
 * at most), no finish, no usage, and the head fields of OpenAI's chunks. Most chunks of every
 * stream are such; relaying their text skips a JSON parse, the checks and a re-serialisation for
 * each, the larger part of what a stream cost the gateway (bench/README.md, issue 22).
 *
 * The pattern accepts exactly that subset of JSON, with members in OpenAI's order (which vLLM,
 * Ollama and the other OpenAI-compatible servers keep) and optional ones where OpenAI puts them,
 * strings with only valid escapes and no control characters: a chunk it accepts is valid JSON with
 * that meaning. Anything else (another order, spaces between members, a hostile server) takes
 * the full path. One fixed order of compact members: on a 230-byte chunk this pattern takes ~10 ns
 * on Bun and ~120 ns on Deno (JSON.parse alone: ~270 and ~770 ns), allowing a space after each
 * separator made it ~75 ns on Bun, and members in any order made it slower than parsing.
 */
import { JSON_STRING } from "../shared/json_patterns.ts";

const STRING = JSON_STRING;
/** A member's key and colon, and the comma before a member (compact JSON, as servers send it). */
const key = (name: string) => `"${name}":`;
const NEXT = ",";
const optional = (name: string, value: string) => `(?:${NEXT}${key(name)}${value})?`;

const DELTA = String.raw`\{(?:${key("role")}"assistant"${NEXT})?${key("content")}${STRING}` +
  String.raw`${optional("refusal", "null")}\}`;
const CHOICE = String.raw`\{${key("index")}0${NEXT}${key("delta")}${DELTA}` +
  String.raw`${optional("logprobs", "null")}${NEXT}${key("finish_reason")}null\}`;
const CHUNK = [
  String.raw`^\{${key("id")}${STRING}`,
  String.raw`${NEXT}${key("object")}"chat\.completion\.chunk"`,
  String.raw`${NEXT}${key("created")}(?:0|[1-9]\d{0,14})`,
  `${NEXT}${key("model")}${STRING}`,
  optional("service_tier", `(?:${STRING}|null)`),
  optional("system_fingerprint", `(?:${STRING}|null)`),
  optional("obfuscation", STRING),
  String.raw`${NEXT}${key("choices")}\[${CHOICE}\]`,
  optional("usage", "null"),
  optional("obfuscation", STRING),
  String.raw`\}$`,
].join("");

const PLAIN_CONTENT_CHUNK = new RegExp(CHUNK);

/** Content chunks are a few hundred bytes; a longer one is parsed (see json_patterns.ts). */
export const MAX_PLAIN_CHUNK = 16 * 1024;

/** Whether a stream event's data is a plain content chunk (see above). */
export function isPlainContentChunk(data: string): boolean {
  return data.length <= MAX_PLAIN_CHUNK && PLAIN_CONTENT_CHUNK.test(data);
}

/** A JSON string's body (what lies between its quotes), matched from `lastIndex`. */
const STRING_BODY = new RegExp(JSON_STRING.slice(1, -1), "y");

const DELTA_KEY = `"delta":{`;
const CONTENT_KEY = `"content":"`;

/**
 * `isPlainContentChunk` for the chunks of one stream, quicker on their usual run (12-16 against
 * ~20 us for the benchmark's 200 chunks, on Bun and Deno): a stream's content chunks differ only
 * in their text (same id, model, fields and order), so once one has been accepted, a chunk that
 * is that one's text up to its content string, then a valid string body, then that one's text
 * after the string, is accepted with a comparison of the two ends and a check of the body alone
 * (the pattern would match it the same way). Anything else (another id, per-chunk obfuscation
 * padding) is checked whole, and an accepted chunk becomes the one compared with.
 */
export class PlainChunkMatcher {
  /** The last accepted chunk up to its content string's opening quote, and from its closing one. */
  #head = "";
  #tail = "";

  test(data: string): boolean {
    const head = this.#head;
    const end = data.length - this.#tail.length;
    // Compared as cut-out copies: `startsWith` took ~0.2-0.6 us a chunk on Deno (V8) here.
    if (
      head !== "" && end >= head.length && data.length <= MAX_PLAIN_CHUNK &&
      data.slice(0, head.length) === head && data.slice(end) === this.#tail &&
      stringBodyEnd(data, head.length) === end
    ) {
      return true;
    }
    if (!isPlainContentChunk(data)) return false;
    // Every unquoted `"` of an accepted chunk delimits a string: the first `"delta":{` is its
    // delta, and the content string is the first after it.
    const open = data.indexOf(CONTENT_KEY, data.indexOf(DELTA_KEY)) + CONTENT_KEY.length;
    this.#head = data.slice(0, open);
    this.#tail = data.slice(stringBodyEnd(data, open));
    return true;
  }
}

/** Where the string body that begins at `from` ends (at its closing quote, in a valid chunk). */
function stringBodyEnd(data: string, from: number): number {
  STRING_BODY.lastIndex = from;
  STRING_BODY.test(data);
  return STRING_BODY.lastIndex;
}
