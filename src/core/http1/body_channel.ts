/**
 * A streamed answer's body as the connection reads it, handed to one reader with no
 * `ReadableStream` between them: what came since the last read is given at once (joined into
 * one piece), and the socket is paused while more than the high-water mark waits unread.
 * It has the two methods of a stream reader the gateway uses (`read`, `cancel`), so a body
 * from `fetch` (`response.body.getReader()`) and one from this client are read the same way.
 */
import { joinBytes } from "../bytes.ts";

/** What reads an upstream body: a `ReadableStreamDefaultReader` or a `BodyChannel`. */
export interface BodyReader {
  read(): Promise<ReadableStreamReadResult<Uint8Array>>;
  cancel(): Promise<void>;
}

type Bytes = Uint8Array<ArrayBuffer>;

interface Waiting {
  resolve: (result: ReadableStreamReadResult<Uint8Array>) => void;
  reject: (error: unknown) => void;
}

const DONE: ReadableStreamReadResult<Uint8Array> = { done: true };

export class BodyChannel implements BodyReader {
  #queue: Bytes[];
  #size = 0;
  #closed = false;
  #failure: { error: unknown } | undefined;
  #waiting: Waiting | undefined;

  constructor(
    early: Bytes[],
    readonly highWater: number,
    /** Called when a read took the queue from at or over the high-water mark: resume reading. */
    readonly onDrain: () => void,
    /** Called once when the reader lets the body go before its end. */
    readonly onCancel: () => void,
  ) {
    this.#queue = early;
    for (const bytes of early) this.#size += bytes.length;
  }

  /** Bytes waiting unread. */
  get size(): number {
    return this.#size;
  }

  /** Bytes from the connection (dropped once the body ended, failed or was let go). */
  push(bytes: Bytes): void {
    if (this.#closed || this.#failure !== undefined) return;
    const waiting = this.#waiting;
    if (waiting !== undefined) {
      this.#waiting = undefined;
      waiting.resolve({ done: false, value: bytes });
      return;
    }
    this.#queue.push(bytes);
    this.#size += bytes.length;
  }

  /** The body ended: what waits is still read, then the end. */
  close(): void {
    if (this.#closed || this.#failure !== undefined) return;
    this.#closed = true;
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.resolve(DONE);
  }

  /** The body broke off: what waits unread is dropped and the next read fails with `error`. */
  error(error: unknown): void {
    if (this.#closed || this.#failure !== undefined) return;
    this.#failure = { error };
    this.#queue = [];
    this.#size = 0;
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.reject(error);
  }

  read(): Promise<ReadableStreamReadResult<Uint8Array>> {
    const queue = this.#queue;
    if (queue.length > 0) {
      const full = this.#size >= this.highWater;
      const value = queue.length === 1 ? queue[0] as Bytes : joinBytes(queue);
      this.#queue = [];
      this.#size = 0;
      if (full) this.onDrain();
      return Promise.resolve({ done: false, value });
    }
    if (this.#failure !== undefined) return Promise.reject(this.#failure.error);
    if (this.#closed) return Promise.resolve(DONE);
    if (this.#waiting !== undefined) return Promise.reject(new TypeError("a read is pending"));
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject };
    });
  }

  cancel(): Promise<void> {
    if (!this.#closed && this.#failure === undefined) {
      this.#closed = true;
      this.#queue = [];
      this.#size = 0;
      const waiting = this.#waiting;
      this.#waiting = undefined;
      waiting?.resolve(DONE);
      this.onCancel();
    }
    return Promise.resolve();
  }
}
