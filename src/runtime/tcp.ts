/**
 * TCP connections for the upstream HTTP/1.1 client (`core/http1/client.ts`): Bun's own sockets
 * (`Bun.connect`) on Bun, `node:net` elsewhere.
 *
 * On Bun, what a connection reads and writes is handled once per turn of the event loop: the
 * reads that came in a turn are handed on together, and the requests written meanwhile go out
 * together at its end. A send on loopback does the receiver's work too and wakes it, and a
 * gateway's requests arrive in bursts; Bun's fetch gets the same effect from its own thread.
 * Measured (bench/README "The upstream client"): the compiled gateway used 75–80 µs of CPU per
 * chat request at c=32 with every read and write handled at once, 44–58 µs handled per turn,
 * against 55–65 µs with fetch. On Deno, writes sent per turn cost the same as sent at once, so
 * `node:net` is used as it comes.
 */
import { connect, type Socket } from "node:net";
import { setImmediate } from "node:timers";

/** What a connection reports, in order. `close` comes once, last, whatever ended it. */
export interface TcpEvents {
  data(bytes: Uint8Array): void;
  error(error: Error): void;
  close(): void;
}

export interface TcpConnection {
  /** Writes `data` (`byteLength`: its size in bytes, UTF-8 for a string). */
  write(data: string | Uint8Array, byteLength: number): void;
  /** Stops reading (backpressure) until `resume`. */
  pause(): void;
  resume(): void;
  /** Closes at once; nothing still queued is sent. */
  destroy(): void;
  /** Whether the open connection keeps the process alive (on while in use, off while idle). */
  keepProcessAlive(on: boolean): void;
  readonly destroyed: boolean;
}

/** Opens a TCP connection to `host:port` with TCP_NODELAY. */
export function connectTcp(host: string, port: number, events: TcpEvents): TcpConnection {
  return bun === undefined ? new NodeTcp(host, port, events) : new BunTcp(host, port, events);
}

class NodeTcp implements TcpConnection {
  #socket: Socket;

  constructor(host: string, port: number, events: TcpEvents) {
    const socket = connect({ host, port, noDelay: true });
    socket.on("data", (bytes: Uint8Array) => events.data(bytes));
    socket.on("error", (error: Error) => events.error(error));
    socket.on("close", () => events.close());
    this.#socket = socket;
  }

  write(data: string | Uint8Array): void {
    this.#socket.write(data);
  }

  pause(): void {
    this.#socket.pause();
  }

  resume(): void {
    this.#socket.resume();
  }

  destroy(): void {
    this.#socket.destroy();
  }

  keepProcessAlive(on: boolean): void {
    if (on) this.#socket.ref();
    else this.#socket.unref();
  }

  get destroyed(): boolean {
    return this.#socket.destroyed;
  }
}

interface BunSocket {
  write(data: string | Uint8Array): number;
  pause(): void;
  resume(): void;
  terminate(): void;
  end(): void;
  ref(): void;
  unref(): void;
  setNoDelay(noDelay: boolean): void;
}

interface BunConnect {
  connect(options: {
    hostname: string;
    port: number;
    socket: Record<string, (socket: BunSocket, ...rest: never[]) => void>;
  }): Promise<BunSocket>;
}

const bun = (globalThis as { Bun?: BunConnect }).Bun;
const encoder = new TextEncoder();

/** What came in this turn, in order, for the connections it came on. */
let arrived: (() => void)[] = [];
/** Connections with writes waiting for the end of this turn. */
let writers: BunTcp[] = [];
let turnScheduled = false;

function endOfTurn(): void {
  turnScheduled = false;
  const events = arrived;
  arrived = [];
  for (const deliver of events) deliver();
  const waiting = writers;
  writers = [];
  for (const connection of waiting) connection.flush();
}

function scheduleTurn(): void {
  if (turnScheduled) return;
  turnScheduled = true;
  setImmediate(endOfTurn);
}

class BunTcp implements TcpConnection {
  #socket: BunSocket | undefined;
  /** Writes waiting for the end of this turn, and their sizes in bytes. */
  #queued: (string | Uint8Array)[] = [];
  #queuedBytes: number[] = [];
  /** Bytes the socket has not taken yet (before it opened, or past a partial write). */
  #unsent: Uint8Array[] = [];
  #destroyed = false;
  #closed = false;
  #paused = false;
  #referenced = true;

  constructor(host: string, port: number, events: TcpEvents) {
    // Everything the connection reports goes through the turn's queue, so that a close never
    // overtakes the data before it.
    const report = (deliver: () => void) => {
      arrived.push(deliver);
      scheduleTurn();
    };
    const close = () => {
      if (this.#closed) return;
      this.#closed = true;
      this.#destroyed = true;
      report(() => events.close());
    };
    const fail = (error: Error) => {
      if (this.#closed) return;
      report(() => events.error(error));
      close();
    };
    (bun as BunConnect).connect({
      hostname: host,
      port,
      socket: {
        open: (socket) => {
          if (this.#destroyed) {
            socket.terminate();
            return;
          }
          socket.setNoDelay(true);
          this.#socket = socket;
          if (this.#paused) socket.pause();
          if (!this.#referenced) socket.unref();
          this.#sendUnsent();
        },
        data: (_socket, bytes: Uint8Array) => report(() => events.data(bytes)),
        drain: () => this.#sendUnsent(),
        // The server ended its side: so does this one (no half-open connections).
        end: (socket) => socket.end(),
        close: () => close(),
        error: (_socket, error: Error) => fail(error),
        connectError: (_socket, error: Error) => fail(error),
      },
    }).catch((error: Error) => fail(error));
  }

  write(data: string | Uint8Array, byteLength: number): void {
    if (this.#destroyed) return;
    this.#queuedBytes.push(byteLength);
    if (this.#queued.push(data) === 1) {
      writers.push(this);
      scheduleTurn();
    }
  }

  /** Sends what was written this turn. */
  flush(): void {
    const queued = this.#queued;
    const sizes = this.#queuedBytes;
    this.#queued = [];
    this.#queuedBytes = [];
    for (let i = 0; i < queued.length; i++) {
      this.#send(queued[i] as string | Uint8Array, sizes[i] as number);
    }
  }

  #send(data: string | Uint8Array, byteLength: number): void {
    if (this.#destroyed) return;
    const socket = this.#socket;
    if (socket === undefined || this.#unsent.length > 0) {
      this.#unsent.push(typeof data === "string" ? encoder.encode(data) : data);
      return;
    }
    const written = socket.write(data);
    if (written < byteLength) {
      const bytes = typeof data === "string" ? encoder.encode(data) : data;
      this.#unsent.push(bytes.subarray(Math.max(0, written)));
    }
  }

  #sendUnsent(): void {
    const socket = this.#socket;
    if (socket === undefined || this.#destroyed) return;
    while (this.#unsent.length > 0) {
      const bytes = this.#unsent[0] as Uint8Array;
      const written = socket.write(bytes);
      if (written < bytes.length) {
        this.#unsent[0] = bytes.subarray(Math.max(0, written));
        return;
      }
      this.#unsent.shift();
    }
  }

  pause(): void {
    this.#paused = true;
    this.#socket?.pause();
  }

  resume(): void {
    this.#paused = false;
    this.#socket?.resume();
  }

  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#queued = [];
    this.#queuedBytes = [];
    this.#unsent = [];
    this.#socket?.terminate();
  }

  keepProcessAlive(on: boolean): void {
    this.#referenced = on;
    if (on) this.#socket?.ref();
    else this.#socket?.unref();
  }

  get destroyed(): boolean {
    return this.#destroyed;
  }
}
