/**
 * Reading an upstream body under a size cap. Sizes count the bytes the runtime hands over, that
 * is after it undid any Content-Encoding, so a gzip bomb stops at the same cap as a plain body.
 * Past the cap nothing more is buffered and the body is cancelled at once (its connection closes).
 */

/** What `readCapped` read: the text, and whether the body went on past the cap. */
export interface CappedText {
  text: string;
  /** The body was longer than the cap: `text` holds its first `max` bytes only. */
  cut: boolean;
}

/** What `readCappedBytes` read. */
export interface CappedBytes {
  bytes: Uint8Array<ArrayBuffer>;
  /** The body was longer than the cap: `bytes` are its first `max` only. */
  cut: boolean;
}

const decoder = new TextDecoder();

/**
 * Whether the body's size is known before reading it: a Content-Length with no Content-Encoding
 * (the runtime would unpack it to any size). Then the runtime may read it whole in one go.
 */
function declaredSize(response: Response): number | undefined {
  const headers = response.headers;
  const length = headers.get("content-length");
  if (length === null) return undefined;
  const encoding = headers.get("content-encoding");
  if (encoding !== null && encoding.trim().toLowerCase() !== "identity") return undefined;
  const size = Number(length);
  return Number.isSafeInteger(size) && size >= 0 ? size : undefined;
}

/**
 * Reads at most `max` bytes of the body, as text. A body that says it fits (Content-Length, no
 * encoding) is read in one go; any other is read chunk by chunk, counting, and cancelled as soon
 * as it goes past `max`. `whole`: only the whole body is of use, so one that declares it is
 * longer is not read at all (`cut`, empty text).
 */
export async function readCapped(
  response: Response,
  max: number,
  whole = false,
): Promise<CappedText> {
  const { bytes, cut } = await readCappedBytes(response, max, whole);
  return { text: decoder.decode(bytes), cut };
}

const NO_BYTES = new Uint8Array(0);

/** `readCapped`, the body left as bytes. */
export async function readCappedBytes(
  response: Response,
  max: number,
  whole = false,
): Promise<CappedBytes> {
  const size = declaredSize(response);
  if (size !== undefined) {
    if (size <= max) return { bytes: new Uint8Array(await response.arrayBuffer()), cut: false };
    if (whole) {
      response.body?.cancel().catch(() => {});
      return { bytes: NO_BYTES, cut: true };
    }
  }
  const body = response.body;
  if (!body) return { bytes: NO_BYTES, cut: false };
  const reader = body.getReader();
  // A body in one read is kept as it came. Longer ones are copied into one growing buffer: a
  // runtime's chunk may be a small view of a much larger buffer (Deno: 4-8 KB of 64 KB), which
  // keeping every chunk would retain.
  let first: Uint8Array<ArrayBuffer> | undefined;
  let buffer: Uint8Array<ArrayBuffer> | undefined;
  let total = 0;
  let cut = false;
  let ended = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        ended = true;
        break;
      }
      const room = max - total;
      const take = value.length > room ? value.subarray(0, room) : value;
      if (first === undefined && buffer === undefined) {
        first = take;
      } else {
        if (buffer === undefined || total + take.length > buffer.length) {
          const size = Math.min(
            max,
            Math.max((buffer?.length ?? 0) * 2, (total + take.length) * 2),
          );
          const grown = new Uint8Array(size);
          grown.set(buffer === undefined ? first as Uint8Array : buffer.subarray(0, total));
          buffer = grown;
          first = undefined;
        }
        buffer.set(take, total);
      }
      total += take.length;
      if (value.length > room) {
        cut = true;
        break;
      }
    }
  } finally {
    // Past the cap, or failed: the rest is never read, and its connection is let go now.
    if (!ended) reader.cancel().catch(() => {});
  }
  const bytes = buffer === undefined ? first : buffer.subarray(0, total);
  return { bytes: bytes ?? NO_BYTES, cut };
}
