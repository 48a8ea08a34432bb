/**
 * Quick checks for the request shapes most calls have (text messages, scalar parameters): a
 * hand-written walk that is several times cheaper than the zod schemas. They only ever say
 * "certainly valid, and the schema would return it unchanged"; anything else (tools, content
 * parts, a bad value) goes to the zod schema, which decides and words the error. A property
 * test holds them to that promise.
 */
import { isRecord } from "../core/records.ts";
import type { SamplingField } from "./common.ts";

type Check = (value: unknown) => boolean;

const number = (min: number, max: number): Check => (value) =>
  typeof value === "number" && value >= min && value <= max;
const integer = (min: number, max = Number.MAX_SAFE_INTEGER): Check => (value) =>
  Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max;
const isString: Check = (value) => typeof value === "string";
const isBoolean: Check = (value) => typeof value === "boolean";
const isStringList = (max: number): Check => (value) =>
  Array.isArray(value) && value.length <= max && value.every(isString);
const isStopList = isStringList(16);

/** `samplingFields` of common.ts, field by field (a field added there must be added here). */
const SAMPLING: Record<SamplingField, Check> = {
  temperature: number(0, 2),
  top_p: number(0, 1),
  top_k: integer(1),
  n: integer(1, 128),
  max_tokens: integer(1),
  max_completion_tokens: integer(1),
  presence_penalty: number(-2, 2),
  frequency_penalty: number(-2, 2),
  seed: integer(Number.MIN_SAFE_INTEGER),
  stop: (value) => isString(value) || isStopList(value),
  stream: isBoolean,
  stream_options: (value) =>
    value === null ||
    (isRecord(value) && (value.include_usage === undefined || isBoolean(value.include_usage))),
  user: isString,
  model: isString,
};

const ROLES = new Set(["system", "developer", "user", "assistant", "tool", "function"]);
const optionalNullableString: Check = (value) => value === null || isString(value);

/** A message with text content; tool calls and content parts are left to the schema. */
const MESSAGE: Record<string, Check> = {
  role: (value) => ROLES.has(value as string),
  content: optionalNullableString,
  name: isString,
  tool_call_id: isString,
  refusal: optionalNullableString,
  tool_calls: (value) => value === null,
};

/**
 * Whether every field named in `fields` holds a value its check accepts; other fields pass as
 * they are (the schemas are loose). `__proto__` is left to the schema, which drops it.
 */
function fieldsPass(body: Record<string, unknown>, fields: Record<string, Check>): boolean {
  for (const key in body) {
    if (key === "__proto__") return false;
    const check = fields[key];
    if (check !== undefined && !check(body[key])) return false;
  }
  return true;
}

const isMessage: Check = (value) =>
  isRecord(value) && typeof value.role === "string" && fieldsPass(value, MESSAGE);

const CHAT: Record<string, Check> = {
  ...SAMPLING,
  messages: (value) => Array.isArray(value) && value.length > 0 && value.every(isMessage),
  parallel_tool_calls: isBoolean,
  // Left to the schema (defaults, unions): a request with these takes the slower path.
  tools: () => false,
  tool_choice: () => false,
  response_format: () => false,
};

const COMPLETIONS: Record<string, Check> = {
  ...SAMPLING,
  prompt: isString,
  echo: isBoolean,
  suffix: isString,
};

const EMBEDDINGS: Record<string, Check> = {
  input: (value) =>
    isString(value) ||
    (Array.isArray(value) && value.length > 0 && value.length <= 4096 && value.every(isString)),
  encoding_format: (value) => value === "float" || value === "base64",
  dimensions: integer(1),
  user: isString,
  model: isString,
};

/** A chat request the ChatRequest schema certainly accepts unchanged. */
export function isPlainChatRequest(body: unknown): boolean {
  return isRecord(body) && body.messages !== undefined && fieldsPass(body, CHAT);
}

/** A completions request the CompletionsRequest schema certainly accepts unchanged. */
export function isPlainCompletionsRequest(body: unknown): boolean {
  return isRecord(body) && body.prompt !== undefined && fieldsPass(body, COMPLETIONS);
}

/** An embeddings request the EmbeddingsRequest schema certainly accepts unchanged. */
export function isPlainEmbeddingsRequest(body: unknown): boolean {
  return isRecord(body) && body.input !== undefined && fieldsPass(body, EMBEDDINGS);
}
