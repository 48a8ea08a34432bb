import { assert, assertEquals, assertThrows } from "../../../tests/assert.ts";
import { HttpParseError, MAX_HEAD_BYTES, type ResponseHead, ResponseParser } from "./parser.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface Parsed {
  head: ResponseHead | undefined;
  body: string;
  ended: boolean;
  rest: string;
  parser: ResponseParser;
}

/** Feeds `text` in pieces of `step` bytes (all at once when 0). */
function parse(text: string, step = 0, noBody = false): Parsed {
  const out: Parsed = {
    head: undefined,
    body: "",
    ended: false,
    rest: "",
    parser: undefined as unknown as ResponseParser,
  };
  out.parser = new ResponseParser({
    head: (head) => out.head = head,
    body: (bytes) => out.body += decoder.decode(bytes),
    end: () => out.ended = true,
  }, noBody);
  const bytes = encoder.encode(text);
  const size = step === 0 ? bytes.length : step;
  for (let at = 0; at < bytes.length; at += size) {
    const rest = out.parser.push(bytes.subarray(at, at + size));
    if (rest !== undefined) out.rest += decoder.decode(rest);
  }
  return out;
}

const OK = 'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 7\r\n\r\n{"a":1}';
const CHUNKED = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
  "5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nx-trailer: 1\r\n\r\n";

Deno.test("ResponseParser reads a Content-Length answer the same whole and byte by byte", () => {
  for (const step of [0, 1, 3, 17]) {
    const out = parse(OK, step);
    assertEquals(out.head?.status, 200);
    assertEquals(out.head?.headers, [
      ["content-type", "application/json"],
      ["content-length", "7"],
    ]);
    assertEquals(out.body, '{"a":1}');
    assert(out.ended && out.parser.done && out.parser.keepAlive);
  }
});

Deno.test("ResponseParser decodes chunked bodies with extensions and trailers in any split", () => {
  for (const step of [0, 1, 2, 5]) {
    const out = parse(CHUNKED, step);
    assertEquals(out.body, "hello, world");
    assert(out.ended && out.parser.keepAlive);
  }
  assertEquals(parse("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n").body, "");
});

Deno.test("ResponseParser reads every form of chunk-size line alike, however it is split", () => {
  let seed = 11;
  // The high bits of a small linear congruential generator (its low bits repeat too soon).
  const random = (n: number) => {
    seed = (seed * 48271) % 2147483647;
    return Math.floor((seed / 2147483647) * n);
  };
  for (let run = 0; run < 300; run++) {
    let text = "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n";
    let body = "";
    for (let chunk = 0; chunk < 1 + random(4); chunk++) {
      const data = "xyz".repeat(random(40)).slice(random(3)) || "q";
      let hex = data.length.toString(16);
      if (random(2) === 0) hex = hex.toUpperCase();
      // Leading zeros (past the plain line's eleven digits too), an extension, spaces, bare LF.
      hex = "0".repeat([0, 0, 1, 12][random(4)] as number) + hex;
      const extension = ["", "", ";ext=1", " "][random(4)] as string;
      const end = random(3) === 0 ? "\n" : "\r\n";
      text += `${hex}${extension}${end}${data}\r\n`;
      body += data;
    }
    text += "0\r\n\r\n";
    const out = parse(text, [0, 1, 2, 7][run % 4] as number);
    assertEquals([out.body, out.ended], [body, true], text);
  }
});

Deno.test("ResponseParser skips interim 100 answers and accepts bare LF line ends", () => {
  const out = parse(`HTTP/1.1 100 Continue\r\n\r\n${OK}`, 4);
  assertEquals(out.head?.status, 200);
  assertEquals(out.body, '{"a":1}');
  const lf = parse("HTTP/1.1 201 Created\ncontent-length: 2\n\nok");
  assertEquals([lf.head?.status, lf.head?.statusText, lf.body], [201, "Created", "ok"]);
});

Deno.test("ResponseParser reads a body without a length until the connection closes", () => {
  const out = parse("HTTP/1.1 200 OK\r\n\r\npart one, ", 0);
  assert(!out.ended);
  out.parser.push(encoder.encode("part two"));
  out.parser.close();
  assertEquals(out.body, "part one, part two");
  assert(out.ended && !out.parser.keepAlive);
});

Deno.test("ResponseParser says when a connection may not be reused", () => {
  assert(
    !parse("HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 0\r\n\r\n").parser.keepAlive,
  );
  assert(!parse("HTTP/1.0 200 OK\r\ncontent-length: 0\r\n\r\n").parser.keepAlive);
  assert(
    parse("HTTP/1.0 200 OK\r\nconnection: keep-alive\r\ncontent-length: 0\r\n\r\n").parser
      .keepAlive,
  );
});

Deno.test("ResponseParser ends at once for 204 and HEAD, and returns bytes past the end", () => {
  const noContent = parse("HTTP/1.1 204 No Content\r\n\r\n");
  assert(noContent.ended);
  const head = parse("HTTP/1.1 200 OK\r\ncontent-length: 99\r\n\r\n", 0, true);
  assert(head.ended && head.body === "");
  assertEquals(parse(`${OK}HTTP/1.1 200 OK`).rest, "HTTP/1.1 200 OK");
});

Deno.test("ResponseParser refuses what breaks HTTP/1.1 framing, naming it", () => {
  const fails = (text: string, pattern: RegExp) => {
    assert(assertThrows(() => parse(text), pattern) instanceof HttpParseError);
  };
  fails("SSH-2.0-OpenSSH\r\n\r\n", /not an HTTP\/1\.x status line/);
  fails("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", /malformed header line/);
  fails("HTTP/1.1 200 OK\r\ncontent-length: 5\r\ncontent-length: 6\r\n\r\n", /Content-Length/);
  fails("HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n", /Content-Length/);
  fails("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n", /not a chunk size/);
  fails("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nfffffffffffff\r\n", /chunk size/);
  fails("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nabX", /line break/);
  fails("HTTP/1.1 101 Switching Protocols\r\n\r\n", /switched protocols/);
});

Deno.test("ResponseParser caps the head, however it is split", () => {
  const big = `HTTP/1.1 200 OK\r\nx-big: ${"a".repeat(MAX_HEAD_BYTES)}\r\n\r\n`;
  for (const step of [0, 1000]) {
    const error = assertThrows(() => parse(big, step), /larger than 65536 bytes/);
    assert(error instanceof HttpParseError);
  }
});

Deno.test("ResponseParser.close() fails a response cut short, and says whether one began", () => {
  const none = parse("");
  assertThrows(() => none.parser.close(), /before a response came/);
  const cut = parse("HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc");
  assertThrows(() => cut.parser.close(), /before the response ended/);
  assert(cut.parser.started && !none.parser.started);
});

Deno.test("ResponseParser's header fields: names lower-cased, values trimmed, folded lines joined", () => {
  const head = "HTTP/1.1 200 OK\r\n" +
    "Content-Type:\t application/json \t\r\n" +
    "X-Folded: first\r\n  second \r\n\tthird\r\n" +
    "X-Empty:\r\n" +
    "X-Latin-\xc4: Caf\xe9 \xa0\r\n" +
    "X-Colons: a:b: c\r\n" +
    "Content-Length: 7, 7\r\n\r\n" + '{"a":1}';
  // As the bytes come off the wire: one byte per character (Latin-1), not UTF-8.
  const bytes = Uint8Array.from(head, (c) => c.charCodeAt(0));
  for (const step of [0, 1, 7]) {
    let got: ResponseHead | undefined;
    let body = "";
    const parser = new ResponseParser({
      head: (h) => got = h,
      body: (b) => body += decoder.decode(b),
      end: () => {},
    });
    for (let at = 0; at < bytes.length; at += step || bytes.length) {
      parser.push(bytes.subarray(at, at + (step || bytes.length)));
    }
    assertEquals(got?.headers, [
      ["content-type", "application/json"],
      ["x-folded", "first second third"],
      ["x-empty", ""],
      ["x-latin-\xe4", "Caf\xe9"],
      ["x-colons", "a:b: c"],
      ["content-length", "7, 7"],
    ]);
    assertEquals(body, '{"a":1}');
  }
  assertThrows(() => parse("HTTP/1.1 200 OK\r\n: no name\r\n\r\n"), /malformed header line/);
  assertThrows(() => parse("HTTP/1.1 200 OK\r\nx-a: 1\r\nnone\r\n\r\n"), /malformed.*'none'/);
});
