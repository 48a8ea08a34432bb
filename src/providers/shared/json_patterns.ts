/**
 * Regular-expression sources for JSON tokens, for the code that reads or splices JSON text
 * without parsing it (plain stream chunks, float embeddings, spliced request bodies). Written
 * unrolled (`normal* (special normal*)*`), so that a failed match cannot backtrack exponentially.
 */

/** A JSON string: no raw control character, no unescaped quote, only JSON's escapes. */
export const JSON_STRING = String
  .raw`"[^"\\\u0000-\u001f]*(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})[^"\\\u0000-\u001f]*)*"`;

/** A JSON number. */
export const JSON_NUMBER = String.raw`-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?`;
