/**
 * Stored responses (`store`, true unless the client says false, as OpenAI's): what
 * `GET /v1/responses/{id}` returns and what `previous_response_id` continues from. Kept in this
 * process, bounded in count and bytes (the oldest go first); each belongs to the client key that
 * made it, and another key does not see it.
 */
import type { ChatMessage } from "../../schemas/chat.ts";

export interface StoredResponse {
  /** The Response object as the client got it. */
  response: Record<string, unknown>;
  /** The whole conversation up to and including this answer, as chat messages. */
  conversation: ChatMessage[];
  /** The client key that made it (`anonymous` without authentication). */
  client: string;
  bytes: number;
}

export class ResponseStore {
  readonly #entries = new Map<string, StoredResponse>();
  #bytes = 0;

  constructor(readonly maxEntries = 10_000, readonly maxBytes = 64 * 1024 * 1024) {}

  save(id: string, entry: Omit<StoredResponse, "bytes">): void {
    const bytes = JSON.stringify(entry.response).length + JSON.stringify(entry.conversation).length;
    if (bytes > this.maxBytes) return;
    // The same id saved again replaces it, whoever held it.
    const previous = this.#entries.get(id);
    if (previous !== undefined) {
      this.#entries.delete(id);
      this.#bytes -= previous.bytes;
    }
    this.#entries.set(id, { ...entry, bytes });
    this.#bytes += bytes;
    for (const [oldest, stored] of this.#entries) {
      if (this.#entries.size <= this.maxEntries && this.#bytes <= this.maxBytes) break;
      this.#entries.delete(oldest);
      this.#bytes -= stored.bytes;
    }
  }

  /** A stored response of `client`'s, if there is one. */
  get(id: string, client: string): StoredResponse | undefined {
    const entry = this.#entries.get(id);
    return entry !== undefined && entry.client === client ? entry : undefined;
  }

  /** Deletes a stored response of `client`'s; false when there is none. */
  delete(id: string, client: string): boolean {
    const entry = this.get(id, client);
    if (entry === undefined) return false;
    this.#entries.delete(id);
    this.#bytes -= entry.bytes;
    return true;
  }
}
