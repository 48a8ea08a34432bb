/**
 * A minimal HTTP/1.1 client over one keep-alive TCP connection, for timing streams: time to the
 * first body byte, time to the end, and how many separate reads carried body bytes (a relay that
 * buffers delivers a delayed stream in one or two reads, late). No fetch in the way.
 */

/** The timing of one request. */
export interface Timed {
  status: number;
  /** Milliseconds from sending the request to the first body byte. */
  ttfbMs: number;
  /** Milliseconds from sending the request to the end of the body. */
  totalMs: number;
  bodyBytes: number;
  /** Reads that carried body bytes. */
  dataReads: number;
  /** The body ended with `data: [DONE]` (a complete SSE stream). */
  done: boolean;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const CRLF2 = [13, 10, 13, 10];

function indexOfSeq(buf: Uint8Array, seq: number[], from = 0): number {
  outer: for (let i = from; i <= buf.length - seq.length; i++) {
    for (let j = 0; j < seq.length; j++) if (buf[i + j] !== seq[j]) continue outer;
    return i;
  }
  return -1;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** One keep-alive connection to 127.0.0.1:port. */
export class RawClient {
  #conn: Deno.TcpConn | undefined;
  #buffer = new Uint8Array(64 * 1024);

  constructor(readonly port: number) {}

  async #connection(): Promise<Deno.TcpConn> {
    if (!this.#conn) {
      this.#conn = await Deno.connect({ hostname: "127.0.0.1", port: this.port });
      this.#conn.setNoDelay(true);
    }
    return this.#conn;
  }

  close(): void {
    try {
      this.#conn?.close();
    } catch {
      // already closed
    }
    this.#conn = undefined;
  }

  /** POSTs `body` to `path` and times the answer; gives up (throws) after `timeoutMs`. */
  async post(path: string, body: string, timeoutMs = 30_000): Promise<Timed> {
    const conn = await this.#connection();
    const payload = encoder.encode(body);
    const head = encoder.encode(
      `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${this.port}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${payload.length}\r\n\r\n`,
    );
    const timer = setTimeout(() => this.close(), timeoutMs);
    try {
      const started = performance.now();
      await writeAll(conn, concat(head, payload));
      return await this.#read(conn, started);
    } catch (error) {
      this.close();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  async #read(conn: Deno.TcpConn, started: number): Promise<Timed> {
    let pending: Uint8Array = new Uint8Array(0);
    let status = 0;
    let chunked = false;
    let remaining = -1; // content-length bytes left, or bytes left in the current chunk
    let headersDone = false;
    let ended = false;
    let closeAfter = false;
    let ttfb = -1;
    let bodyBytes = 0;
    let dataReads = 0;
    let tail = "";
    let chunkState: "size" | "data" | "crlf" | "trailer" = "size";

    while (!ended) {
      const n = await conn.read(this.#buffer);
      if (n === null) throw new Error("connection closed mid-response");
      const now = performance.now();
      pending = concat(pending, this.#buffer.slice(0, n));
      let gotData = false;
      const onData = (bytes: Uint8Array) => {
        if (bytes.length === 0) return;
        if (ttfb < 0) ttfb = now - started;
        bodyBytes += bytes.length;
        gotData = true;
        tail = (tail + decoder.decode(bytes.slice(-64))).slice(-64);
      };
      if (!headersDone) {
        const end = indexOfSeq(pending, CRLF2);
        if (end < 0) continue;
        const head = decoder.decode(pending.slice(0, end)).split("\r\n");
        status = Number(head[0]?.split(" ")[1]);
        for (const line of head.slice(1)) {
          const [name, ...rest] = line.split(":");
          const value = rest.join(":").trim().toLowerCase();
          const key = name?.trim().toLowerCase();
          if (key === "transfer-encoding" && value.includes("chunked")) chunked = true;
          if (key === "content-length") remaining = Number(value);
          if (key === "connection" && value === "close") closeAfter = true;
        }
        headersDone = true;
        pending = pending.slice(end + 4);
        if (!chunked && remaining < 0) throw new Error("response without length or chunking");
      }
      if (!chunked) {
        const take = Math.min(remaining, pending.length);
        onData(pending.slice(0, take));
        remaining -= take;
        pending = pending.slice(take);
        ended = remaining === 0;
      } else {
        for (;;) {
          if (chunkState === "size") {
            const eol = indexOfSeq(pending, [13, 10]);
            if (eol < 0) break;
            remaining = parseInt(decoder.decode(pending.slice(0, eol)), 16);
            pending = pending.slice(eol + 2);
            chunkState = remaining === 0 ? "trailer" : "data";
          } else if (chunkState === "data") {
            if (pending.length === 0) break;
            const take = Math.min(remaining, pending.length);
            onData(pending.slice(0, take));
            remaining -= take;
            pending = pending.slice(take);
            if (remaining === 0) chunkState = "crlf";
          } else if (chunkState === "crlf") {
            if (pending.length < 2) break;
            pending = pending.slice(2);
            chunkState = "size";
          } else {
            // Trailer section: ends at an empty line.
            if (pending.length >= 2 && pending[0] === 13 && pending[1] === 10) {
              ended = true;
              break;
            }
            const eol = indexOfSeq(pending, CRLF2);
            if (eol < 0) break;
            ended = true;
            break;
          }
        }
      }
      if (gotData) dataReads++;
      if (ended) {
        const totalMs = now - started;
        if (closeAfter) this.close();
        return {
          status,
          ttfbMs: ttfb < 0 ? totalMs : ttfb,
          totalMs,
          bodyBytes,
          dataReads,
          done: tail.includes("data: [DONE]"),
        };
      }
    }
    throw new Error("unreachable");
  }
}

async function writeAll(conn: Deno.TcpConn, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) offset += await conn.write(bytes.subarray(offset));
}

/** GET `path` once on a fresh connection: the status, or 0 when nothing answers. */
export async function probe(port: number, path: string): Promise<number> {
  let conn: Deno.TcpConn | undefined;
  try {
    conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await writeAll(
      conn,
      encoder.encode(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`),
    );
    const buffer = new Uint8Array(1024);
    const n = await conn.read(buffer);
    if (n === null) return 0;
    return Number(decoder.decode(buffer.subarray(0, n)).split(" ")[1]) || 0;
  } catch {
    return 0;
  } finally {
    try {
      conn?.close();
    } catch {
      // already closed
    }
  }
}
