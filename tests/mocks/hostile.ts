/**
 * A hostile upstream: a raw HTTP/1.1 server on loopback that misbehaves in the way its path
 * names (`/<behaviour>/...`): endless or huge bodies, gzip bombs, SSE lines that never end,
 * redirects to a capture server, error bodies that carry the API key, streams that never send a
 * byte, and a stream that says `[DONE]` and keeps its connection open. Written on plain TCP so
 * that nothing (no server library) fixes its framing, and so that it sees each connection open
 * and close.
 */

export type Behaviour =
  | "ok"
  | "huge-json"
  | "declared-huge-json"
  | "endless-json"
  | "gzip-json"
  | "gzip-error"
  | "gzip-stream"
  | "huge-error"
  | "long-sse-line"
  | "sse-then-long-line"
  | "error-500"
  | "endless-sse-line"
  | "redirect-302"
  | "redirect-307"
  | "redirect-308"
  | "redirect-metadata"
  | "key-in-error"
  | "key-in-text-error"
  | "key-at-error-cap"
  | "silent-stream"
  | "silent-json"
  | "done-then-silent";

export interface HostileServer {
  url: string;
  /** Connections open now, and how many each behaviour had in all. */
  openConnections(): number;
  opened: Map<string, number>;
  close(): void;
}

export interface CaptureServer {
  url: string;
  /** Every request it received, raw (request line and headers). */
  received: string[];
  close(): void;
}

const encoder = new TextEncoder();
const CHUNK = 64 * 1024;
/** How much the gzip bombs unpack to. */
export const BOMB_BYTES = 512 * 1024 * 1024;
export const HUGE_BYTES = 500 * 1024 * 1024;

/** A gzip member holding `BOMB_BYTES` zero bytes (about 500 KB packed). */
async function gzipBomb(): Promise<Uint8Array> {
  const zeros = new Uint8Array(1024 * 1024);
  let left = BOMB_BYTES / zeros.length;
  const source = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (left-- === 0) controller.close();
      else controller.enqueue(zeros);
    },
  });
  return new Uint8Array(
    await new Response(
      source.pipeThrough(new CompressionStream("gzip") as unknown as TransformStream<Uint8Array>),
    ).arrayBuffer(),
  );
}

interface Parsed {
  method: string;
  path: string;
  headers: Map<string, string>;
  head: string;
}

/** Reads one request's head (and drains a declared body, up to 1 MB). */
async function readRequest(conn: Deno.Conn): Promise<Parsed | undefined> {
  const buffer = new Uint8Array(64 * 1024);
  let text = "";
  let raw = new Uint8Array(0);
  for (;;) {
    const n = await conn.read(buffer);
    if (n === null) return undefined;
    const joined = new Uint8Array(raw.length + n);
    joined.set(raw);
    joined.set(buffer.subarray(0, n), raw.length);
    raw = joined;
    text = new TextDecoder().decode(raw);
    const end = text.indexOf("\r\n\r\n");
    if (end === -1) {
      if (raw.length > 1024 * 1024) return undefined;
      continue;
    }
    const head = text.slice(0, end);
    const [requestLine, ...lines] = head.split("\r\n");
    const [method, path] = (requestLine ?? "").split(" ");
    const headers = new Map<string, string>();
    for (const line of lines) {
      const colon = line.indexOf(":");
      if (colon > 0) {
        headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
      }
    }
    let bodyLeft = Math.min(Number(headers.get("content-length") ?? 0), 1024 * 1024) -
      (raw.length - new TextEncoder().encode(text.slice(0, end + 4)).length);
    while (bodyLeft > 0) {
      const m = await conn.read(buffer);
      if (m === null) break;
      bodyLeft -= m;
    }
    return { method: method ?? "", path: path ?? "", headers, head };
  }
}

function headBytes(status: number, headers: Record<string, string>): Uint8Array {
  const reason: Record<number, string> = {
    200: "OK",
    302: "Found",
    307: "Temporary Redirect",
    308: "Permanent Redirect",
    400: "Bad Request",
    500: "Internal Server Error",
  };
  const lines = [`HTTP/1.1 ${status} ${reason[status] ?? "Status"}`, "connection: close"];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  return encoder.encode(lines.join("\r\n") + "\r\n\r\n");
}

/** Writes `total` bytes (Infinity: until the peer goes) made of `fill`, after `prefix`. */
async function writeMany(conn: Deno.Conn, prefix: string, fill: number, total: number) {
  await conn.write(encoder.encode(prefix));
  const block = new Uint8Array(CHUNK).fill(fill);
  let sent = 0;
  while (sent < total) {
    const size = Math.min(CHUNK, total - sent);
    await writeAll(conn, size === CHUNK ? block : block.subarray(0, size));
    sent += size;
  }
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array) {
  let at = 0;
  while (at < bytes.length) at += await conn.write(bytes.subarray(at));
}

/** Waits until the peer closes the connection (or `ms` pass). */
async function untilClosed(conn: Deno.Conn, ms: number) {
  const buffer = new Uint8Array(1024);
  const timer = new Promise((r) => setTimeout(r, ms));
  const closed = (async () => {
    try {
      while ((await conn.read(buffer)) !== null) { /* discard */ }
    } catch {
      // reset by the peer
    }
  })();
  await Promise.race([closed, timer]);
}

/** One OpenAI chat stream event: the head every chunk repeats, then `fields`. */
function chunkEvent(id: string, fields: Record<string, unknown>): string {
  const chunk = {
    id,
    object: "chat.completion.chunk",
    created: 1,
    model: "gpt-4o-mini",
    ...fields,
  };
  return `data: ${JSON.stringify(chunk)}\n\n`;
}

function chatAnswer(content: string): string {
  return JSON.stringify({
    id: "chatcmpl-hostile",
    object: "chat.completion",
    created: 1,
    model: "gpt-4o-mini",
    choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  });
}

/** Starts the hostile upstream; `key` is the API key it leaks back, `capture` where it redirects. */
export async function startHostile(
  options: { key: string; capture: string },
): Promise<HostileServer> {
  const bomb = await gzipBomb();
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const open = new Set<Deno.Conn>();
  const opened = new Map<string, number>();
  const { key, capture } = options;

  const serve = async (conn: Deno.Conn) => {
    open.add(conn);
    try {
      const request = await readRequest(conn);
      if (!request) return;
      const behaviour = (request.path.split("/")[1] ?? "ok") as Behaviour;
      opened.set(behaviour, (opened.get(behaviour) ?? 0) + 1);
      const json = { "content-type": "application/json" };
      const sse = { "content-type": "text/event-stream" };
      switch (behaviour) {
        case "ok": {
          const body = encoder.encode(chatAnswer("fine"));
          await writeAll(conn, headBytes(200, { ...json, "content-length": String(body.length) }));
          await writeAll(conn, body);
          break;
        }
        case "huge-json":
          await writeAll(conn, headBytes(200, json));
          await writeMany(conn, '{"id": "x", "padding": "', 0x61, HUGE_BYTES);
          break;
        case "declared-huge-json":
          await writeAll(conn, headBytes(200, { ...json, "content-length": String(HUGE_BYTES) }));
          await writeMany(conn, "", 0x20, HUGE_BYTES);
          break;
        case "endless-json":
          await writeAll(conn, headBytes(200, json));
          await writeMany(conn, '{"id": "x", "padding": "', 0x61, Infinity);
          break;
        case "gzip-json":
        case "gzip-error":
        case "gzip-stream": {
          const status = behaviour === "gzip-error" ? 500 : 200;
          const type = behaviour === "gzip-stream" ? sse : json;
          await writeAll(
            conn,
            headBytes(status, {
              ...type,
              "content-encoding": "gzip",
              "content-length": String(bomb.length),
            }),
          );
          await writeAll(conn, bomb);
          break;
        }
        case "huge-error":
          await writeAll(conn, headBytes(500, { "content-type": "text/plain" }));
          await writeMany(conn, "error: ", 0x65, HUGE_BYTES);
          break;
        case "long-sse-line":
          await writeAll(conn, headBytes(200, sse));
          await writeMany(conn, "data: ", 0x78, 200 * 1024 * 1024);
          break;
        case "sse-then-long-line": {
          await writeAll(conn, headBytes(200, sse));
          const first = chunkEvent("chatcmpl-hostile", {
            choices: [{ index: 0, delta: { role: "assistant", content: "first" } }],
          });
          await writeAll(conn, encoder.encode(first));
          await writeMany(conn, "data: ", 0x78, 200 * 1024 * 1024);
          break;
        }
        case "error-500": {
          const body = encoder.encode(JSON.stringify({ error: { message: "try again" } }));
          await writeAll(conn, headBytes(500, { ...json, "content-length": String(body.length) }));
          await writeAll(conn, body);
          break;
        }
        case "endless-sse-line":
          await writeAll(conn, headBytes(200, sse));
          await writeMany(conn, "data: ", 0x78, Infinity);
          break;
        case "redirect-302":
        case "redirect-307":
        case "redirect-308": {
          const status = Number(behaviour.slice(-3));
          await writeAll(
            conn,
            headBytes(status, {
              location: `${capture}/captured${request.path}`,
              "content-length": "0",
            }),
          );
          break;
        }
        case "redirect-metadata":
          await writeAll(
            conn,
            headBytes(307, {
              location: "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
              "content-length": "0",
            }),
          );
          break;
        case "key-in-error": {
          // The key in every field, and where a cut at 200 or 500 characters would split it.
          const body = encoder.encode(JSON.stringify({
            error: {
              message: `${"m".repeat(495)}${key} was rejected`,
              type: key,
              param: key,
              code: `${"c".repeat(195)}${key}`,
              nested: { detail: [key] },
            },
          }));
          await writeAll(conn, headBytes(400, { ...json, "content-length": String(body.length) }));
          await writeAll(conn, body);
          break;
        }
        case "key-in-text-error": {
          const body = encoder.encode(`${"t".repeat(495)}${key} is not valid\n`);
          await writeAll(
            conn,
            headBytes(400, { "content-type": "text/plain", "content-length": String(body.length) }),
          );
          await writeAll(conn, body);
          break;
        }
        case "key-at-error-cap": {
          // 64 KiB less 6 bytes of padding, then the key: the error-body cap falls inside it.
          const body = encoder.encode(`${"p".repeat(64 * 1024 - 6)}${key}${"q".repeat(1000)}`);
          await writeAll(conn, headBytes(500, { "content-type": "text/plain" }));
          await writeAll(conn, body);
          break;
        }
        case "silent-stream":
          await writeAll(conn, headBytes(200, sse));
          await untilClosed(conn, 120_000);
          break;
        case "silent-json":
          await writeAll(conn, headBytes(200, json));
          await untilClosed(conn, 120_000);
          break;
        case "done-then-silent": {
          // A complete OpenAI stream (content, finish, usage, [DONE]) whose body never ends.
          await writeAll(conn, headBytes(200, sse));
          const choice = (delta: Record<string, string>, finish: string | null) => ({
            choices: [{ index: 0, delta, finish_reason: finish }],
          });
          const text = [
            choice({ role: "assistant", content: "all" }, null),
            choice({ content: " said" }, null),
            choice({}, "stop"),
            { choices: [], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } },
          ].map((fields) => chunkEvent("chatcmpl-done", fields)).join("");
          await writeAll(conn, encoder.encode(`${text}data: [DONE]\n\n`));
          await untilClosed(conn, 120_000);
          break;
        }
        default: {
          const body = encoder.encode(`unknown behaviour '${behaviour}'`);
          await writeAll(conn, headBytes(400, { "content-length": String(body.length) }));
          await writeAll(conn, body);
        }
      }
    } catch {
      // the gateway closed the connection: what it should do past a cap or when its client left
    } finally {
      open.delete(conn);
      try {
        conn.close();
      } catch {
        // already closed
      }
    }
  };

  (async () => {
    for await (const conn of listener) void serve(conn);
  })().catch(() => {});
  const port = (listener.addr as Deno.NetAddr).port;
  return {
    url: `http://127.0.0.1:${port}`,
    openConnections: () => open.size,
    opened,
    close: () => {
      listener.close();
      for (const conn of open) {
        try {
          conn.close();
        } catch {
          // already closed
        }
      }
    },
  };
}

/** A server that records every request it gets (the target of redirects) and answers 200. */
export function startCapture(): CaptureServer {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const received: string[] = [];
  (async () => {
    for await (const conn of listener) {
      (async () => {
        try {
          const request = await readRequest(conn);
          if (request) received.push(request.head);
          const body = encoder.encode(chatAnswer("captured"));
          await writeAll(
            conn,
            headBytes(200, {
              "content-type": "application/json",
              "content-length": String(body.length),
            }),
          );
          await writeAll(conn, body);
        } catch {
          // gone
        } finally {
          conn.close();
        }
      })();
    }
  })().catch(() => {});
  const port = (listener.addr as Deno.NetAddr).port;
  return { url: `http://127.0.0.1:${port}`, received, close: () => listener.close() };
}
