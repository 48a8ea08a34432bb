/**
 * The JSON text a large request was parsed from, kept beside the request object (never copied),
 * so that a provider that sends the request on almost as it came can splice that text instead of
 * serialising the object again: for a 200 KB prompt, JSON.stringify of the upstream body was the
 * larger part of what the request cost the gateway on Bun (bench/README.md, issue 22). Only an
 * object that still means exactly its text (less its `model`, which the provider replaces) is
 * given one; small bodies are not (serialising them costs less than looking).
 */

/** Bodies from this size (in UTF-16 code units of their text) keep their text. */
export const KEPT_TEXT_MIN = 16 * 1024;

const TEXTS = new WeakMap<object, string>();

/** Keeps `text` as what `value` was parsed from, when it is large enough to be worth it. */
export function keepText(value: object, text: string): void {
  if (text.length >= KEPT_TEXT_MIN) TEXTS.set(value, text);
}

/** The text `value` was parsed from, if it was kept. */
export function keptTextOf(value: object): string | undefined {
  return TEXTS.get(value);
}
