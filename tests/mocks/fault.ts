/**
 * Faults a mock upstream can be told to inject into its next responses: an error status with
 * the provider's own body, a hang, a malformed body, a stream cut mid-way.
 */

export type Fault =
  | { kind: "status"; status: number; body: unknown; headers?: Record<string, string> }
  | { kind: "hang" }
  | { kind: "malformed" }
  | { kind: "cut"; afterChunks: number }
  | { kind: "stall"; afterChunks: number; ms: number }
  | { kind: "delay"; ms: number };

/** A queue of faults, consumed one per request. */
export class FaultQueue {
  #queue: Fault[] = [];

  /** Makes the next `times` requests fail with `fault`. */
  push(fault: Fault, times = 1): void {
    for (let i = 0; i < times; i++) this.#queue.push(fault);
  }

  next(): Fault | undefined {
    return this.#queue.shift();
  }

  clear(): void {
    this.#queue = [];
  }
}

/** A response that never completes (until the client gives up). */
export function hangingResponse(signal: AbortSignal): Promise<Response> {
  return new Promise((_, reject) =>
    signal.addEventListener("abort", () => reject(new Error("aborted")))
  );
}

/**
 * Applies the faults every mock treats alike, before it reads the request: `status` answers with
 * the fault's body and headers, `hang` never answers, `delay` waits and then lets the request go
 * on (undefined, as for every other fault, which the mock applies itself).
 */
export async function answerFault(
  given: { kind: string } | undefined,
  signal: AbortSignal,
): Promise<Response | undefined> {
  // A mock may queue kinds of its own besides these (Anthropic's stream_error): they pass through.
  const fault = given as Fault | undefined;
  if (fault?.kind === "status") {
    return Response.json(fault.body, { status: fault.status, headers: fault.headers ?? {} });
  }
  if (fault?.kind === "hang") return hangingResponse(signal);
  if (fault?.kind === "delay") await new Promise((r) => setTimeout(r, fault.ms));
  return undefined;
}

/** One request the mock received. */
export interface Recorded {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  body: unknown;
}

/** Records requests and stream aborts for assertions. */
export class Recorder {
  readonly requests: Recorded[] = [];
  aborted = 0;

  async record(request: Request): Promise<Recorded> {
    const url = new URL(request.url);
    const text = await request.text();
    let body: unknown = text;
    try {
      body = text === "" ? undefined : JSON.parse(text);
    } catch {
      // keep the raw text
    }
    const entry: Recorded = {
      method: request.method,
      path: url.pathname,
      query: url.search,
      headers: Object.fromEntries(request.headers),
      body,
    };
    this.requests.push(entry);
    return entry;
  }

  get last(): Recorded | undefined {
    return this.requests[this.requests.length - 1];
  }

  reset(): void {
    this.requests.length = 0;
    this.aborted = 0;
  }
}

export interface MockServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Serves `handler` on a free loopback port. */
export function serveMock(handler: (request: Request) => Response | Promise<Response>): MockServer {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, handler);
  const port = (server.addr as Deno.NetAddr).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: async () => {
      await server.shutdown();
    },
  };
}

/** An SSE body from `events`, optionally cut (connection dropped) after some of them. */
export function sseStream(
  events: readonly string[],
  options: {
    cutAfter?: number | undefined;
    delayMs?: number;
    onAbort?: () => void;
    /** Pause this long once `stall.after` events were sent. */
    stall?: { after: number; ms: number } | undefined;
  } = {},
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let i = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (options.cutAfter !== undefined && i >= options.cutAfter) {
        // Let the client read what was sent: a reset discards bytes still unread in its buffer.
        await new Promise((r) => setTimeout(r, 100));
        controller.error(new Error("connection cut by the mock"));
        return;
      }
      if (i >= events.length) {
        controller.close();
        return;
      }
      if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
      if (options.stall && i === options.stall.after) {
        await new Promise((r) => setTimeout(r, options.stall?.ms));
      }
      controller.enqueue(encoder.encode(events[i++]));
    },
    cancel() {
      options.onAbort?.();
    },
  });
}

/**
 * A JSON answer whose headers and first half arrive at once, and the rest only `ms` later: an
 * upstream that stalls in the middle of a complete (non-streamed) answer.
 */
export function stalledJson(body: unknown, ms: number): Response {
  const bytes = new TextEncoder().encode(JSON.stringify(body));
  const half = Math.floor(bytes.length / 2);
  let sent = 0;
  return new Response(
    new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (sent === 0) {
          controller.enqueue(bytes.slice(0, half));
        } else if (sent === 1) {
          await new Promise((r) => setTimeout(r, ms));
          controller.enqueue(bytes.slice(half));
        } else {
          controller.close();
        }
        sent++;
      },
    }),
    { headers: { "content-type": "application/json" } },
  );
}

/** A TCP server that reads a request and drops the connection without answering. */
export function startClosingServer(): MockServer & { connections: number } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const state = { connections: 0 };
  (async () => {
    for await (const conn of listener) {
      state.connections++;
      conn.read(new Uint8Array(4096)).catch(() => null).finally(() => {
        try {
          conn.close();
        } catch {
          // already closed
        }
      });
    }
  })().catch(() => {});
  const port = (listener.addr as Deno.NetAddr).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get connections() {
      return state.connections;
    },
    close: () => {
      listener.close();
      return Promise.resolve();
    },
  };
}
