/**
 * The upstream HTTP/1.1 client against local TCP servers that answer with hand-written bytes:
 * keep-alive reuse, a kept connection the server closed, streamed and packed bodies, aborts,
 * broken answers and requests that would split their own head.
 */
import { createServer, type Server, type Socket } from "node:net";
import { gzipSync } from "node:zlib";
import { Buffer } from "node:buffer";
import { assert, assertEquals, assertMatch, assertRejects } from "../../../tests/assert.ts";
import {
  closeIdleConnections,
  http1Call,
  http1Fetch,
  http1Stream,
  servesDirectly,
  type StreamedAnswer,
  type WholeAnswer,
} from "./client.ts";

/** A request as the server read it. */
interface Seen {
  connection: number;
  head: string;
  body: string;
}

interface RawServer {
  url: string;
  seen: Seen[];
  connections: number;
  close(): Promise<void>;
}

/** A server that reads each request whole and lets `answer` write whatever it likes. */
async function rawServer(
  answer: (socket: Socket, request: Seen, server: RawServer) => void,
): Promise<RawServer> {
  const sockets = new Set<Socket>();
  const state: RawServer = {
    url: "",
    seen: [],
    connections: 0,
    close: () => Promise.resolve(),
  };
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    const connection = ++state.connections;
    let buffer = "";
    socket.on("data", (bytes: Uint8Array) => {
      // Latin-1: one character per byte, so lengths count bytes.
      buffer += new TextDecoder("latin1").decode(bytes);
      for (;;) {
        const end = buffer.indexOf("\r\n\r\n");
        if (end === -1) return;
        const head = buffer.slice(0, end);
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (buffer.length < end + 4 + length) return;
        const request = { connection, head, body: buffer.slice(end + 4, end + 4 + length) };
        buffer = buffer.slice(end + 4 + length);
        state.seen.push(request);
        answer(socket, request, state);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as { port: number };
  state.url = `http://127.0.0.1:${address.port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      closeIdleConnections();
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return state;
}

/** A 200 with a JSON body given as Latin-1 text (one character per byte). */
const JSON_OK = (body: string) =>
  Buffer.from(
    `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
    "latin1",
  );

const post = (url: string, body = '{"q":1}', init: RequestInit = {}) =>
  http1Fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer sk-test" },
    body,
    ...init,
  });

Deno.test("http1Fetch sends the request as given and reuses its connection", async () => {
  const server = await rawServer((socket, request) => socket.write(JSON_OK(request.body)));
  try {
    for (const body of ['{"n":1}', '{"n":2}', '{"é":"ü"}']) {
      const response = await post(`${server.url}/v1/chat/completions?x=1`, body);
      assertEquals(response.status, 200);
      assertEquals(response.headers.get("content-type"), "application/json");
      assertEquals(await response.text(), body);
    }
    assertEquals(server.connections, 1);
    const head = server.seen[0]!.head;
    assertMatch(head, /^POST \/v1\/chat\/completions\?x=1 HTTP\/1\.1\r\n/);
    assertMatch(head, /\r\nhost: 127\.0\.0\.1:\d+\r\n/);
    assertMatch(head, /\r\nauthorization: Bearer sk-test\r\n/);
    assertMatch(server.seen[2]!.head, /content-length: 11$/);
  } finally {
    await server.close();
  }
});

Deno.test("http1Call gives a whole small answer as its bytes, without a Response", async () => {
  const server = await rawServer((socket) => socket.write(JSON_OK('{"ok":true}')));
  try {
    const answer = await http1Call(`${server.url}/v1/x`, { method: "POST", body: "{}" });
    assert(!(answer instanceof Response));
    const whole = answer as WholeAnswer;
    assertEquals([whole.status, new TextDecoder().decode(whole.bytes)], [200, '{"ok":true}']);
  } finally {
    await server.close();
  }
});

Deno.test("http1Fetch sends once more on a new connection when a kept one was closed", async () => {
  const server = await rawServer((socket) => {
    // Answers, then closes the connection without saying so (as an idle timeout would).
    socket.write(JSON_OK("{}"), () => setTimeout(() => socket.destroy(), 20));
  });
  try {
    assertEquals(await (await post(server.url)).text(), "{}");
    await new Promise((resolve) => setTimeout(resolve, 80));
    assertEquals(await (await post(server.url)).text(), "{}");
    assertEquals(server.connections, 2);
  } finally {
    await server.close();
  }
});

Deno.test("http1Fetch does not reuse a connection after an error answer or 'connection: close'", async () => {
  let n = 0;
  const server = await rawServer((socket) => {
    n++;
    socket.write(
      n === 1
        ? "HTTP/1.1 429 Too Many Requests\r\nretry-after: 1\r\ncontent-length: 2\r\n\r\n{}"
        : "HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\n{}",
    );
  });
  try {
    const limited = await post(server.url);
    assertEquals([limited.status, limited.headers.get("retry-after")], [429, "1"]);
    await limited.text();
    await (await post(server.url)).text();
    await (await post(server.url)).text();
    assertEquals(server.connections, 3);
  } finally {
    await server.close();
  }
});

Deno.test("http1Fetch streams a chunked answer as its chunks come", async () => {
  const server = await rawServer((socket) => {
    socket.write("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n");
    socket.write("transfer-encoding: chunked\r\n\r\n");
    socket.write("d\r\ndata: first\n\n\r\n");
    setTimeout(() => socket.write("e\r\ndata: second\n\n\r\n0\r\n\r\n"), 50);
  });
  try {
    const response = await post(server.url);
    const reader = response.body!.getReader();
    const first = await reader.read();
    assertEquals(new TextDecoder().decode(first.value), "data: first\n\n");
    let rest = "";
    for (;;) {
      const next = await reader.read();
      if (next.done) break;
      rest += new TextDecoder().decode(next.value);
    }
    assertEquals(rest, "data: second\n\n");
  } finally {
    await server.close();
  }
});

const streamed = (url: string, init: RequestInit = {}) =>
  http1Stream(url, { method: "POST", body: "{}", ...init });

/** Reads a streamed answer's body to its end, one read at a time. */
async function readAll(answer: StreamedAnswer): Promise<string[]> {
  const reads: string[] = [];
  for (;;) {
    const next = await answer.reader.read();
    if (next.done) return reads;
    reads.push(new TextDecoder().decode(next.value));
  }
}

Deno.test("http1Stream gives a 2xx answer's body to a reader as it comes, and keeps the connection", async () => {
  const server = await rawServer((socket) => {
    socket.write("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n");
    socket.write("transfer-encoding: chunked\r\n\r\nd\r\ndata: first\n\n\r\n");
    setTimeout(() => socket.write("e\r\ndata: second\n\n\r\n0\r\n\r\n"), 50);
  });
  try {
    const answer = await streamed(server.url);
    assert(!(answer instanceof Response));
    assertEquals(answer.status, 200);
    assertEquals(
      answer.headers.find(([name]) => name === "content-type")?.[1],
      "text/event-stream",
    );
    assertEquals(await readAll(answer), ["data: first\n\n", "data: second\n\n"]);
    const again = await streamed(server.url);
    assert(!(again instanceof Response));
    assertEquals((await readAll(again)).join(""), "data: first\n\ndata: second\n\n");
    assertEquals(server.connections, 1);
  } finally {
    await server.close();
  }
});

Deno.test("http1Stream pauses a body that waits unread past its high-water mark, and resumes it", async () => {
  const body = "x".repeat(300 * 1024);
  const server = await rawServer((socket) => {
    socket.write(`HTTP/1.1 200 OK\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
  });
  try {
    const answer = await streamed(server.url);
    assert(!(answer instanceof Response));
    await new Promise((r) => setTimeout(r, 100));
    const reads = await readAll(answer);
    assertEquals(reads.join(""), body);
    // Paused: the first read took what had come up to the mark, not the whole body.
    assert(reads.length > 1 && reads[0]!.length < body.length, `${reads.length} reads`);
  } finally {
    await server.close();
  }
});

Deno.test("http1Stream answers an error status and a packed body as a Response", async () => {
  const packed = gzipSync(new TextEncoder().encode("data: packed\n\n"));
  const server = await rawServer((socket, request) => {
    if (request.head.startsWith("POST /error")) {
      socket.write(JSON_OK("").toString("latin1").replace("200 OK", "500 Internal Server Error"));
      return;
    }
    socket.write(
      `HTTP/1.1 200 OK\r\ncontent-encoding: gzip\r\ncontent-length: ${packed.length}\r\n\r\n`,
    );
    socket.write(packed);
  });
  try {
    const failed = await streamed(`${server.url}/error`);
    assert(failed instanceof Response);
    assertEquals(failed.status, 500);
    const unpacked = await streamed(server.url);
    assert(unpacked instanceof Response);
    assertEquals(await unpacked.text(), "data: packed\n\n");
  } finally {
    await server.close();
  }
});

Deno.test("http1Stream fails the read when the connection breaks off mid-body", async () => {
  const server = await rawServer((socket) =>
    socket.end("HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\ndata: cut")
  );
  try {
    const answer = await streamed(server.url);
    assert(!(answer instanceof Response));
    await assertRejects(() => readAll(answer), /./);
  } finally {
    await server.close();
  }
});

Deno.test("http1Stream closes the connection when the reader lets the body go, or the signal aborts", async () => {
  let closed = 0;
  const server = await rawServer((socket) => {
    socket.on("close", () => closed++);
    socket.write("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nfirst\r\n");
  });
  try {
    const answer = await streamed(server.url);
    assert(!(answer instanceof Response));
    assertEquals(new TextDecoder().decode((await answer.reader.read()).value), "first");
    await answer.reader.cancel();
    for (let i = 0; i < 50 && closed < 1; i++) await new Promise((r) => setTimeout(r, 10));
    assertEquals(closed, 1);
    const controller = new AbortController();
    const aborted = await streamed(server.url, { signal: controller.signal });
    assert(!(aborted instanceof Response));
    await aborted.reader.read();
    const pending = aborted.reader.read();
    controller.abort(new Error("client gone"));
    await assertRejects(() => pending, /client gone/);
    for (let i = 0; i < 50 && closed < 2; i++) await new Promise((r) => setTimeout(r, 10));
    assertEquals(closed, 2);
  } finally {
    await server.close();
  }
});

Deno.test("http1Fetch unpacks a gzip body and drops the headers that described the packing", async () => {
  const packed = gzipSync(new TextEncoder().encode('{"packed":true}'));
  const server = await rawServer((socket) => {
    socket.write(
      `HTTP/1.1 200 OK\r\ncontent-encoding: gzip\r\ncontent-length: ${packed.length}\r\n\r\n`,
    );
    socket.write(packed);
  });
  try {
    const response = await post(server.url);
    assertEquals(response.headers.get("content-encoding"), null);
    assertEquals(await response.text(), '{"packed":true}');
  } finally {
    await server.close();
  }
});

Deno.test("http1Fetch stops on abort, closing the connection, with the signal's reason", async () => {
  let closed = false;
  const server = await rawServer((socket) => {
    socket.on("close", () => closed = true);
  });
  try {
    const controller = new AbortController();
    const pending = post(server.url, "{}", { signal: controller.signal });
    setTimeout(() => controller.abort(new Error("stop now")), 30);
    await assertRejects(() => pending, /stop now/);
    for (let i = 0; i < 50 && !closed; i++) await new Promise((r) => setTimeout(r, 10));
    assert(closed, "the server saw the connection close");
  } finally {
    await server.close();
  }
});

Deno.test("http1Fetch rejects a broken answer and a connection closed mid-body", async () => {
  const broken = await rawServer((socket) => socket.end("SSH-2.0-not-http\r\n\r\n"));
  const cut = await rawServer((socket) =>
    socket.end("HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{")
  );
  try {
    await assertRejects(() => post(broken.url), /not an HTTP\/1\.x status line/);
    const response = await post(cut.url);
    await assertRejects(() => response.text(), /./);
  } finally {
    await broken.close();
    await cut.close();
  }
});

Deno.test("http1Fetch refuses a header that would split the request, and sends nothing", async () => {
  const server = await rawServer((socket) => socket.write(JSON_OK("{}")));
  try {
    await assertRejects(
      () => post(server.url, "{}", { headers: { "x-evil": "a\r\nx-injected: 1" } }),
      /invalid header 'x-evil'/,
    );
    assertEquals(server.seen.length, 0);
  } finally {
    await server.close();
  }
});

Deno.test("http1Fetch names a refused connection's cause", async () => {
  const server = await rawServer(() => {});
  const url = server.url;
  await server.close();
  const error = await assertRejects(() => post(url));
  assertEquals((error as { code?: string }).code, "ECONNREFUSED");
});

Deno.test("servesDirectly takes plain-http calls with a body of at most 64 KiB, fetch the rest", () => {
  const init = (body: BodyInit | null) => ({ method: "POST", body });
  assert(servesDirectly("http://127.0.0.1:8000/v1/chat/completions", init("{}")));
  assert(servesDirectly("http://vllm:8000/v1/models", { method: "GET" }));
  assert(servesDirectly("http://h/x", init(new Uint8Array(64 * 1024))));
  assert(!servesDirectly("https://api.openai.com/v1/chat/completions", init("{}")));
  assert(!servesDirectly("http://h/x", init("x".repeat(64 * 1024 + 1))));
  assert(!servesDirectly("http://h/x", init(new FormData())));
});
