/** Removes known secret values (and credential-looking headers) from text before it leaves the process. */

export const REDACTED = "[REDACTED]";

/** A secret's first characters this long at the very end of a text are what a cut left of it. */
const FRAGMENT_AT_END = 4;

/**
 * Replaces every occurrence of any secret in text. Text that may have been cut (an excerpt, an
 * error reply) also loses what a cut may have left of one at its end.
 */
export class Redactor {
  #secrets: string[];

  constructor(secrets: Iterable<string> = []) {
    const all = new Set<string>();
    for (const secret of secrets) {
      if (secret.length < 4) continue;
      all.add(secret);
      // As it appears inside a JSON string (a log line, a relayed body).
      const escaped = JSON.stringify(secret).slice(1, -1);
      if (escaped !== secret) all.add(escaped);
    }
    // Longest first, so a secret containing another is removed whole.
    this.#secrets = [...all].sort((a, b) => b.length - a.length);
  }

  redact(text: string): string {
    let out = text;
    for (const secret of this.#secrets) {
      if (out.includes(secret)) out = out.replaceAll(secret, REDACTED);
    }
    // Most text names neither scheme: the scan costs more than the check.
    if (!out.includes("Bearer") && !out.includes("Basic")) return out;
    return out.replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g, `$1 ${REDACTED}`);
  }

  /**
   * Redacts text that may be the start of something longer: also the first 4 or more characters
   * of a secret at its very end (or before a trailing "..."), where a cut would have left them.
   */
  redactExcerpt(text: string): string {
    let out = this.redact(text);
    for (const secret of this.#secrets) out = dropTrailingFragment(out, secret);
    return out;
  }

  /** Redacts every string in a JSON-like value (objects and arrays walked) as an excerpt. */
  redactDeep<T>(value: T): T {
    if (typeof value === "string") return this.redactExcerpt(value) as T;
    if (Array.isArray(value)) return value.map((item) => this.redactDeep(item)) as T;
    if (typeof value === "object" && value !== null) {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) out[key] = this.redactDeep(item);
      return out as T;
    }
    return value;
  }
}

/** How many characters of `secret` match `text` from `at` on. */
function matchedLength(text: string, at: number, secret: string): number {
  let n = 0;
  while (n < secret.length && text.charCodeAt(at + n) === secret.charCodeAt(n)) n++;
  return n;
}

/** A text that ends (maybe before "..." or "…") in the first 4+ characters of `secret` loses them. */
function dropTrailingFragment(text: string, secret: string): string {
  const ellipsis = text.endsWith("...") ? 3 : text.endsWith("…") ? 1 : 0;
  const end = text.length - ellipsis;
  const head = secret.slice(0, FRAGMENT_AT_END);
  for (
    let at = text.indexOf(head, Math.max(0, end - secret.length + 1));
    at !== -1 && at < end;
    at = text.indexOf(head, at + 1)
  ) {
    if (at + matchedLength(text, at, secret) >= end) {
      return text.slice(0, at) + REDACTED + text.slice(end);
    }
  }
  return text;
}
