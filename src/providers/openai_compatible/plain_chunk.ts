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
