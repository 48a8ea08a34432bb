/** What the number-list checks are held to, shared by their test under Deno and their run under Bun. */

/** Deterministic pseudo-random integers below `n`. */
export function randoms(seed: number): (n: number) => number {
  let state = seed;
  return (n) => {
    state = (state * 1664525 + 1013904223) % 4294967296;
    return Math.floor(state / 4294967296 * n);
  };
}

/**
 * Where JSON.parse ends the list `text` starts with (just after its first `]`), or -1 when that is
 * not a non-empty list of numbers.
 */
export function listEndByParse(text: string): number {
  const close = text.indexOf("]");
  try {
    const parsed = JSON.parse(text.slice(0, close + 1));
    return Array.isArray(parsed) && parsed.length > 0 ? close + 1 : -1;
  } catch {
    return -1;
  }
}
