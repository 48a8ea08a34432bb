/**
 * A fast mock OpenAI upstream for the benchmark: every answer is precomputed bytes, and what to
 * answer is read from the path alone (no JSON parsing), so the mock costs as little as possible.
 *
 *   POST /v1/chat/completions                   a chat completion (JSON)
 *   POST /v1/embeddings                         16 embeddings of 1536 floats
 *   POST /stream/{n}/{delay}/v1/chat/completions   an SSE stream of n content chunks, each sent
 *                                               `delay` ms after the previous one (0: at once)
 *   POST /stream-split/{n}/{gap}/v1/chat/completions   the first chunk at once, all the others in
 *                                               one write `gap` ms later (times the first chunk
 *                                               alone, then the relay of the rest)
 *   GET  /health                                200
 *
 * Run: `bun bench/mock_upstream.ts --port 0` (or `deno run -A`); prints `listening <port>`.
 */
import { chatResponse, embeddingsResponse, streamEvents } from "./payloads.ts";
import { flag, pathOf, serveLoopback } from "./serve.ts";

const CHAT = chatResponse();
const EMBEDDINGS = embeddingsResponse();
const JSON_HEADERS = { "content-type": "application/json" };
const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
};

type Bytes = Uint8Array<ArrayBuffer>;

function join(parts: Bytes[]): Bytes {
  const joined = new Uint8Array(parts.reduce((size, e) => size + e.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.byteLength;
  }
  return joined;
}

interface StreamBodies {
  events: Bytes[];
  /** All events in one buffer, and all but the first. */
  joined: Bytes;
  rest: Bytes;
}

const streams = new Map<number, StreamBodies>();

function streamFor(n: number): StreamBodies {
  let entry = streams.get(n);
  if (!entry) {
    const events = streamEvents(n);
    entry = { events, joined: join(events), rest: join(events.slice(1)) };
    streams.set(n, entry);
  }
  return entry;
}

/** Sends `first` at once and `rest` `gapMs` later. */
function splitStream(first: Bytes, rest: Bytes, gapMs: number): ReadableStream<Uint8Array> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(first);
      timer = setTimeout(() => {
        controller.enqueue(rest);
        controller.close();
      }, gapMs);
    },
    cancel() {
      clearTimeout(timer);
    },
  });
}

/** Sends each event `delayMs` after the previous one (the first too), stopping if cancelled. */
function delayedStream(
  events: Bytes[],
  delayMs: number,
): ReadableStream<Uint8Array> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let index = 0;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const next = () => {
        const event = events[index++];
        if (event === undefined) {
          controller.close();
          return;
        }
        controller.enqueue(event);
        timer = setTimeout(next, delayMs);
      };
      timer = setTimeout(next, delayMs);
    },
    cancel() {
      clearTimeout(timer);
    },
  });
}

async function handle(request: Request): Promise<Response> {
  const path = pathOf(request.url);
  if (request.method === "GET") {
    return path === "/health" ? new Response("ok") : new Response("not found", { status: 404 });
  }
  // Read the whole body, as a real upstream does, before answering.
  await request.arrayBuffer();
  if (path.startsWith("/stream")) {
    const [, kind, count, delay] = path.split("/");
    const n = Number(count);
    const delayMs = Number(delay);
    if (!Number.isInteger(n) || n < 1 || n > 100_000 || !(delayMs >= 0)) {
      return new Response("bad stream path", { status: 400 });
    }
    const { events, joined, rest } = streamFor(n);
    const body = kind === "stream-split"
      ? splitStream(events[0]!, rest, delayMs)
      : delayMs === 0
      ? joined
      : delayedStream(events, delayMs);
    return new Response(body, { headers: SSE_HEADERS });
  }
  if (path.endsWith("/chat/completions")) return new Response(CHAT, { headers: JSON_HEADERS });
  if (path.endsWith("/embeddings")) return new Response(EMBEDDINGS, { headers: JSON_HEADERS });
  return new Response(`no mock for ${path}`, { status: 404 });
}

serveLoopback(Number(flag("port", "0")), handle);
