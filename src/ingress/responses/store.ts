/**
 * Stored responses (`store`, true unless the client says false, as OpenAI's): what
 * `GET /v1/responses/{id}` returns and what `previous_response_id` continues from. Each belongs
 * to the client key that made it, and another key does not see it. Kept in this process,
 * bounded in count and bytes (the oldest go first), or in the usage store's SQLite file
 * (`DatabaseResponses`), where they outlive a restart and workers share them, or in its
 * PostgreSQL database (`SharedResponses`), where every instance finds them.
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

/** Where stored responses are kept (a database over the network answers later). */
export interface ResponseKeeper {
  save(id: string, entry: Omit<StoredResponse, "bytes">): void;
  get(id: string, client: string): StoredResponse | undefined | Promise<StoredResponse | undefined>;
  delete(id: string, client: string): boolean | Promise<boolean>;
}

/** The rows a database keeps stored responses in (the SQLite usage store). */
export interface ResponseRows {
  saveResponse(row: { id: string; client: string; at: number; body: string }): void;
  loadResponse(id: string, client: string): string | undefined;
  deleteResponse(id: string, client: string): boolean;
}

/** Stored responses in the usage store's database. */
export class DatabaseResponses implements ResponseKeeper {
  constructor(private readonly rows: ResponseRows) {}

  save(id: string, entry: Omit<StoredResponse, "bytes">): void {
    const body = JSON.stringify({ response: entry.response, conversation: entry.conversation });
    this.rows.saveResponse({ id, client: entry.client, at: Date.now(), body });
  }

  get(id: string, client: string): StoredResponse | undefined {
    const body = this.rows.loadResponse(id, client);
    if (body === undefined) return undefined;
    const parsed = JSON.parse(body) as Pick<StoredResponse, "response" | "conversation">;
    return { ...parsed, client, bytes: body.length };
  }

  delete(id: string, client: string): boolean {
    return this.rows.deleteResponse(id, client);
  }
}

/** The rows a database over the network keeps stored responses in (the PostgreSQL store). */
export interface SharedResponseRows {
  saveResponse(row: { id: string; client: string; at: number; body: string }): Promise<void>;
  loadResponse(id: string, client: string): Promise<string | undefined>;
  deleteResponse(id: string, client: string): Promise<boolean>;
}

/**
 * Stored responses in a database every instance shares. Each save is also kept in this process
 * until it is written, so that the client's next call here (a GET, or `previous_response_id`
 * sent at once) finds it even before the database has it.
 */
export class SharedResponses implements ResponseKeeper {
  readonly #pending = new Map<string, StoredResponse>();

  constructor(
    private readonly rows: SharedResponseRows,
    private readonly onError: (error: unknown) => void,
  ) {}

  save(id: string, entry: Omit<StoredResponse, "bytes">): void {
    const body = JSON.stringify({ response: entry.response, conversation: entry.conversation });
    this.#pending.set(id, { ...entry, bytes: body.length });
    this.rows.saveResponse({ id, client: entry.client, at: Date.now(), body })
      .catch(this.onError)
      .finally(() => this.#pending.delete(id));
  }

  async get(id: string, client: string): Promise<StoredResponse | undefined> {
    const pending = this.#pending.get(id);
    if (pending !== undefined) return pending.client === client ? pending : undefined;
    const body = await this.rows.loadResponse(id, client);
    if (body === undefined) return undefined;
    const parsed = JSON.parse(body) as Pick<StoredResponse, "response" | "conversation">;
    return { ...parsed, client, bytes: body.length };
  }

  async delete(id: string, client: string): Promise<boolean> {
    const pending = this.#pending.get(id);
    if (pending !== undefined && pending.client === client) this.#pending.delete(id);
    return await this.rows.deleteResponse(id, client) || pending?.client === client;
  }
}

export class ResponseStore implements ResponseKeeper {
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
