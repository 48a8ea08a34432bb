/**
 * Regular-expression sources for JSON tokens, for the code that reads or splices JSON text
 * without parsing it (plain stream chunks, the model of float embeddings, spliced request bodies).
 * Written unrolled (`normal* (special normal*)*`), so that a failed match cannot backtrack
 * exponentially.
 *
 * Keep what they run on short, though: a repeated group over many iterations leaves the engines'
 * fast path. On Bun a float vector checked by pattern ran at ~1.5 ns a character up to 358 K
 * characters and at ~63 ns over 1.4 M (why float vectors are now checked by a byte loop); a
 * string of escapes at ~5 ns over 20 K characters and ~140 ns over 200 K (a hostile upstream's
 * 4 MiB event would cost half a second where JSON.parse takes milliseconds). Each user bounds its
 * input and leaves anything longer to JSON.parse.
 */

/** A JSON string: no raw control character, no unescaped quote, only JSON's escapes. */
export const JSON_STRING = String
  .raw`"[^"\\\u0000-\u001f]*(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})[^"\\\u0000-\u001f]*)*"`;
