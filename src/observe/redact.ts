/** Removes known secret values (and credential-looking headers) from text before it leaves the process. */

export const REDACTED = "[REDACTED]";

/** Replaces every occurrence of any secret in text. */
export class Redactor {
  #secrets: string[];

  constructor(secrets: Iterable<string> = []) {
    // Longest first, so a secret containing another is removed whole.
    this.#secrets = [...new Set(secrets)].filter((s) => s.length >= 4).sort((a, b) =>
      b.length - a.length
    );
  }

  redact(text: string): string {
    let out = text;
    for (const secret of this.#secrets) {
      if (out.includes(secret)) out = out.replaceAll(secret, REDACTED);
    }
    return out.replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g, `$1 ${REDACTED}`);
  }
}
