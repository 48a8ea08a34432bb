/** Deterministic text, token counts and embeddings for the mock provider. */
import type { ChatMessage } from "../../schemas/chat.ts";

/** Splits text into word tokens, each keeping its leading whitespace ("Hello", " world"). */
export function tokenize(text: string): string[] {
  return text.match(/\s*\S+/g) ?? [];
}

/** A rough but stable token count: word pieces plus punctuation. */
export function countTokens(text: string): number {
  return (text.match(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu) ?? []).length;
}

/** The text of a message's content (text parts joined). */
export function messageText(message: ChatMessage): string {
  const content = message.content;
  if (typeof content === "string") return content;
  if (!content) return "";
  return content.map((part) => (part.type === "text" ? part.text : "")).join("");
}

/** Prompt tokens of a conversation: its text plus a small per-message overhead, as chat APIs count. */
export function countPromptTokens(messages: readonly ChatMessage[]): number {
  return messages.reduce((sum, m) => sum + countTokens(messageText(m)) + 3, 0);
}

/** Cuts text at the first stop sequence; says whether one was found. */
export function applyStop(
  text: string,
  stop: string | string[] | undefined,
): { text: string; stopped: boolean } {
  const sequences = stop === undefined ? [] : typeof stop === "string" ? [stop] : stop;
  let cut = -1;
  for (const sequence of sequences) {
    if (sequence === "") continue;
    const at = text.indexOf(sequence);
    if (at !== -1 && (cut === -1 || at < cut)) cut = at;
  }
  return cut === -1 ? { text, stopped: false } : { text: text.slice(0, cut), stopped: true };
}

/** The tokens to answer with, cut at stop sequences and `max_tokens`. */
export function plan(
  text: string,
  limits: { stop?: string | string[] | undefined; maxTokens?: number | undefined },
): { tokens: string[]; finishReason: "stop" | "length" } {
  const tokens = tokenize(applyStop(text, limits.stop).text);
  if (limits.maxTokens !== undefined && tokens.length > limits.maxTokens) {
    return { tokens: tokens.slice(0, limits.maxTokens), finishReason: "length" };
  }
  return { tokens, finishReason: "stop" };
}

function fnv1a(text: string, seed: number): number {
  let hash = 0x811c9dc5 ^ seed;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** A unit-length vector derived from the text: equal texts give equal vectors. */
export function embed(text: string, dimensions: number): number[] {
  const raw = Array.from({ length: dimensions }, (_, i) => (fnv1a(text, i) / 0xffffffff) * 2 - 1);
  const norm = Math.sqrt(raw.reduce((sum, x) => sum + x * x, 0)) || 1;
  return raw.map((x) => Math.round((x / norm) * 1e6) / 1e6);
}

/** A short id that is stable for the same input. */
export function stableId(prefix: string, text: string): string {
  return `${prefix}-${fnv1a(text, 7).toString(16).padStart(8, "0")}`;
}
