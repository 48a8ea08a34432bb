/**
 * The semantic answer cache (opt-in, `cache.semantic`): a chat request whose last user message
 * means nearly the same as one answered before (cosine similarity of their embeddings, from one
 * of the gateway's own embeddings endpoints, at or above `threshold`) gets that answer. Entries
 * are scoped per name called and per system prompt, so different instructions never share
 * answers; in memory, bounded in entries over all scopes (the oldest go first), each kept
 * `ttl_seconds`.
 */
import { nodeCrypto } from "./node_crypto.ts";
import type { ChatMessage, ChatRequest } from "../schemas/chat.ts";

export interface SemanticSettings {
  embeddings_endpoint: string;
  threshold: number;
}

interface SemanticEntry {
  vector: Float64Array;
  norm: number;
  value: unknown;
  endpoint: string;
  expires: number;
}

function text(message: ChatMessage | undefined): string {
  const content = message?.content;
  if (typeof content === "string") return content;
  return (content ?? []).map((part) => (part.type === "text" ? part.text : "")).join("");
}

/** What a chat request is looked up by: its scope (name + system prompt) and last user text. */
export function semanticQuery(
  name: string,
  request: ChatRequest,
): { scope: string; text: string } | undefined {
  const last = [...request.messages].reverse().find((m) => m.role === "user");
  const question = text(last);
  if (question === "") return undefined;
  const system = request.messages.filter((m) => m.role === "system" || m.role === "developer")
    .map(text).join("\n");
  const scope = nodeCrypto().createHash("sha256").update(`${name}\u0000${system}`).digest("hex");
  return { scope, text: question };
}

function norm(vector: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) sum += (vector[i] as number) ** 2;
  return Math.sqrt(sum);
}

export class SemanticIndex {
  readonly #scopes = new Map<string, SemanticEntry[]>();
  /** Every entry in the order it came, with its scope: the oldest goes first past the bound. */
  #order: { scope: string; entry: SemanticEntry }[] = [];

  constructor(
    readonly maxEntries: number,
    readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The closest live entry of `scope` at or above `threshold`, with its similarity. */
  find(
    scope: string,
    vector: ArrayLike<number>,
    threshold: number,
  ): { value: unknown; endpoint: string; similarity: number } | undefined {
    const entries = this.#scopes.get(scope);
    if (entries === undefined) return undefined;
    const now = this.now();
    const queryNorm = norm(vector);
    let best: SemanticEntry | undefined;
    let bestSimilarity = -Infinity;
    for (const entry of entries) {
      if (entry.expires <= now || entry.vector.length !== vector.length) continue;
      let dot = 0;
      for (let i = 0; i < vector.length; i++) {
        dot += (vector[i] as number) * (entry.vector[i] as number);
      }
      const similarity = queryNorm === 0 || entry.norm === 0 ? 0 : dot / (queryNorm * entry.norm);
      if (similarity > bestSimilarity) {
        best = entry;
        bestSimilarity = similarity;
      }
    }
    if (best === undefined || bestSimilarity < threshold) return undefined;
    return { value: best.value, endpoint: best.endpoint, similarity: bestSimilarity };
  }

  add(scope: string, vector: ArrayLike<number>, value: unknown, endpoint: string): void {
    const now = this.now();
    const entry: SemanticEntry = {
      vector: Float64Array.from(vector),
      norm: norm(vector),
      value,
      endpoint,
      expires: now + this.ttlSeconds * 1000,
    };
    const entries = this.#scopes.get(scope) ?? [];
    entries.push(entry);
    this.#scopes.set(scope, entries);
    this.#order.push({ scope, entry });
    // Past the bound (or expired) the oldest go, whatever their scope.
    while (
      this.#order.length > this.maxEntries ||
      (this.#order.length > 0 && (this.#order[0] as { entry: SemanticEntry }).entry.expires <= now)
    ) {
      const oldest = this.#order.shift() as { scope: string; entry: SemanticEntry };
      const kept = (this.#scopes.get(oldest.scope) ?? []).filter((e) => e !== oldest.entry);
      if (kept.length === 0) this.#scopes.delete(oldest.scope);
      else this.#scopes.set(oldest.scope, kept);
    }
  }
}
