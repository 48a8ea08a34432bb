/**
 * The upstream body of a large request as the client's own JSON text with the endpoint's model
 * put in (request_text.ts says why): the text between is sent as it came, never parsed again or
 * re-serialised. Used only where the body built from the request object would mean exactly that:
 * no quirks for the path, the model sent in the body, no stream fields to change except adding
 * `stream_options` where none was given. Anything else gives undefined (the body is built as
 * usual).
 *
 * The client's `model` member is found by its key: `"model"` followed by a colon can only be a
 * member's key in JSON text (a string cannot hold an unescaped quote), so exactly one match is
 * the top-level one the gateway read; a nested `model` key anywhere (a tool's schema) means no
 * splice. Duplicate top-level keys, which JSON.parse resolves to the last, are sent as they came.
 */
import { JSON_STRING } from "../shared/json_patterns.ts";

import type { StreamUsage, WireBody } from "./profile.ts";

const MODEL_KEY = /"model"\s*:\s*/g;
const STRING = new RegExp(JSON_STRING, "y");
/** The longest client `model` value (as JSON) that is replaced; a longer one is not spliced. */
const MAX_MODEL_CHARS = 1024;
const OPENING = /^\s*\{\s*(?=[^\s}])/;

/** What the body's stream fields must become (see `applyStreamFields`), or undefined to bail. */
function streamMember(request: WireBody, stream: boolean, usage: StreamUsage): string | undefined {
  if (Object.hasOwn(request, "stream_options")) return undefined;
  if (!stream) return Object.hasOwn(request, "stream") ? undefined : "";
  if (request.stream !== true) return undefined;
  return usage === "request" ? ',"stream_options":{"include_usage":true}' : "";
}

/**
 * The spliced body, or undefined. `request` is the object parsed from `text` (less `model`),
 * `model` the endpoint's.
 */
export function splicedBody(
  text: string,
  request: WireBody,
  model: string,
  stream: boolean,
  usage: StreamUsage,
): string | undefined {
  const streamFields = streamMember(request, stream, usage);
  if (streamFields === undefined) return undefined;
  const modelJson = JSON.stringify(model);
  let body: string;
  MODEL_KEY.lastIndex = 0;
  const key = MODEL_KEY.exec(text);
  if (key === null) {
    // MLflow's invocation paths: the body names no model; it goes first.
    const opening = OPENING.exec(text);
    if (opening === null) return undefined;
    const at = opening[0].length;
    body = `{"model":${modelJson},${text.slice(at)}`;
  } else {
    const valueAt = key.index + key[0].length;
    if (MODEL_KEY.exec(text) !== null) return undefined; // a second `model` key
    // A model name is short: only its first characters are looked at (see json_patterns.ts).
    const value = text.slice(valueAt, valueAt + MAX_MODEL_CHARS);
    STRING.lastIndex = 0;
    if (!STRING.test(value)) return undefined;
    body = text.slice(0, valueAt) + modelJson + text.slice(valueAt + STRING.lastIndex);
  }
  if (streamFields === "") return body;
  // The object's closing brace: the last one, with nothing but whitespace after it.
  const closing = body.lastIndexOf("}");
  if (closing === -1 || body.slice(closing + 1).trim() !== "") return undefined;
  return body.slice(0, closing) + streamFields + body.slice(closing);
}
