import fc from "fast-check";
import type { StreamEvent } from "./provider.ts";
import { assertEquals, assertThrows } from "../../tests/assert.ts";
import type { GatewayError } from "./errors.ts";
import {
  LAST_BATCH,
  NdjsonDecoder,
  parseNdjson,
  parseSse,
  SseDecoder,
  sseEvent,
  streamBody,
  type StreamWriter,
} from "./sse.ts";

const bytes = (...parts: string[]) => {
  const encoder = new TextEncoder();
  return (async function* () {
    for (const part of parts) yield encoder.encode(part);
  })();
};

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of it) out.push(item);
  return out;
}

/** Events' names and data (without where their bytes are). */
const fields = (events: StreamEvent[]) => events.map(({ event, data }) => ({ event, data }));

Deno.test("parseSse() reassembles events split across chunks, CRLF and multi-line data", async () => {
  const events = await collect(parseSse(bytes(
    ": comment\n\nevent: message_start\r\nda",
    'ta: {"a":1}\r\n\r\ndata: line1\ndata: line2\n\n',
    "data:no-space\n\ndata: [DONE]",
  )));
  assertEquals(fields(events), [
    { event: "message_start", data: '{"a":1}' },
    { event: undefined, data: "line1\nline2" },
    { event: undefined, data: "no-space" },
    { event: undefined, data: "[DONE]" },
  ]);
});

Deno.test("parseSse() reads every form of a data line, and ignores other fields", async () => {
  const events = await collect(parseSse(bytes(
    "data\n\ndata:\n\ndata: \n\ndata:  two spaces\n\ndat\nid: 5\nretry: 10\ndata: x\n\n",
    "data:data: nested\r\n\r\n",
    "event: e\ndata: last\r",
  )));
  assertEquals(fields(events), [
    { event: undefined, data: "" },
    { event: undefined, data: "" },
    { event: undefined, data: "" },
    { event: undefined, data: " two spaces" },
    { event: undefined, data: "x" },
    { event: undefined, data: "data: nested" },
    { event: "e", data: "last" },
  ]);
});

Deno.test("parseSse() decodes a UTF-8 character split between two chunks", async () => {
  const encoded = new TextEncoder().encode("data: héllo\n\n");
  const split = (async function* () {
    yield encoded.slice(0, 8);
    yield encoded.slice(8);
  })();
  assertEquals(fields(await collect(parseSse(split))), [{ event: undefined, data: "héllo" }]);
});

/** The bytes an event says it came as, as text (undefined when it kept none). */
function wire(event: StreamEvent): string | undefined {
  if (event.source === undefined) return undefined;
  return new TextDecoder().decode(event.source.subarray(event.from, event.to));
}

Deno.test("SseDecoder says where an event's bytes are when they are exactly `data: <data>\\n\\n`", () => {
  const decoder = new SseDecoder();
  const encode = (text: string) => new TextEncoder().encode(text);
  const first = decoder.push(
    encode('data: {"a":1}\n\n: note\ndata: {"b":2}\n\nid: 7\ndata: c\n\nda'),
  );
  assertEquals(first.map(wire), ['data: {"a":1}\n\n', 'data: {"b":2}\n\n', "data: c\n\n"]);
  // Begun in the read before, so not this read's bytes; then one wholly in this read.
  const second = decoder.push(encode("ta: d\n\ndata: e\n\n"));
  assertEquals(second.map((e) => [e.data, wire(e)]), [["d", undefined], ["e", "data: e\n\n"]]);
  // Anything else is written anew: CRLF, no space, a named event, two data lines, a field after
  // the data, a CRLF blank line.
  const others = decoder.push(encode(
    "data: f\r\n\r\ndata:g\n\nevent: x\ndata: h\n\ndata: i\ndata: j\n\ndata: k\nid: 1\n\n" +
      "data: l\n\r\n",
  ));
  assertEquals(others.map((e) => [e.data, wire(e)]), [
    ["f", undefined],
    ["g", undefined],
    ["h", undefined],
    ["i\nj", undefined],
    ["k", undefined],
    ["l", undefined],
  ]);
  // A read of whole, valid UTF-8: its usual events' bytes are found by their line breaks.
  const utf8 = decoder.push(encode("data: é😀\n\ndata: m\n\n"));
  assertEquals(utf8.map(wire), ["data: é😀\n\n", "data: m\n\n"]);
  // Not valid UTF-8 on its own (a broken byte; a character cut by the read): no bytes are kept,
  // the text is as the decoder reads it.
  const broken = decoder.push(new Uint8Array([...encode("data: a"), 0xff, ...encode("\n\n")]));
  assertEquals(broken.map((e) => [e.data, wire(e)]), [["a\ufffd", undefined]]);
  const e = encode("data: é\n\n");
  assertEquals(decoder.push(e.subarray(0, 7)), []);
  assertEquals(decoder.push(e.subarray(7)).map((e) => [e.data, wire(e)]), [["é", undefined]]);
  assertEquals(decoder.push(encode("data: n\n\n")).map(wire), ["data: n\n\n"]);
  // A byte order mark that begins the stream is no part of its first event's bytes.
  const marked = new SseDecoder().push(encode("\ufeffdata: é\n\ndata: o\n\n"));
  assertEquals(marked.map((e) => [e.data, wire(e)]), [["é", undefined], ["o", undefined]]);
});

Deno.test("parseNdjson() yields one event per non-empty line", async () => {
  const events = await collect(parseNdjson(bytes('{"a":1}\n\n{"b"', ":2}\n")));
  assertEquals(events.map((e) => e.data), ['{"a":1}', '{"b":2}']);
});

Deno.test("sseEvent() writes one data line, with an event line when named", () => {
  assertEquals(sseEvent('{"a":[1,2]}'), 'data: {"a":[1,2]}\n\n');
  assertEquals(sseEvent("{}", "ping"), "event: ping\ndata: {}\n\n");
});

/** A writer of OpenAI's framing for plain JSON values, as the tests below use. */
const jsonWriter: StreamWriter<unknown> = {
  batch: (items) => items.map((item) => sseEvent(JSON.stringify(item))).join(""),
  end: () => "data: [DONE]\n\n",
  error: (e) =>
    sseEvent(JSON.stringify({ error: { message: (e as Error).message, type: "upstream_error" } })),
};

Deno.test("streamBody() writes each batch at once and ends a complete stream with the end", async () => {
  const batches = (async function* () {
    yield [{ n: 1 }];
    yield [{ n: 2 }, { n: 3 }];
    yield [];
  })();
  const response = new Response(streamBody(batches, jsonWriter));
  const reads: string[] = [];
  for await (const bytes of response.body!) reads.push(new TextDecoder().decode(bytes));
  assertEquals(
    reads.join(""),
    'data: {"n":1}\n\ndata: {"n":2}\n\ndata: {"n":3}\n\ndata: [DONE]\n\n',
  );
  assertEquals(reads.length, 3, "one write per batch, then the end");
});

Deno.test("streamBody() writes a batch marked as the last with the end, once its source finished", async () => {
  const events: string[] = [];
  const batches = (async function* () {
    try {
      yield [{ n: 1 }];
      yield Object.assign([{ n: 2 }], { [LAST_BATCH]: true as const });
    } finally {
      events.push("source finished");
    }
  })();
  const response = new Response(
    streamBody(batches, jsonWriter, { onClose: (outcome) => events.push(outcome) }),
  );
  const reads: string[] = [];
  for await (const bytes of response.body!) reads.push(new TextDecoder().decode(bytes));
  assertEquals(reads, ['data: {"n":1}\n\n', 'data: {"n":2}\n\ndata: [DONE]\n\n']);
  assertEquals(events, ["source finished", "done"]);
});

Deno.test("streamBody() writes the last batch before the error when its source fails to finish", async () => {
  const batches = (async function* () {
    try {
      yield Object.assign([{ n: 2 }], { [LAST_BATCH]: true as const });
    } finally {
      // deno-lint-ignore no-unsafe-finally
      throw new Error("cut");
    }
  })();
  let outcome = "";
  const text = await new Response(
    streamBody(batches, jsonWriter, { onClose: (o) => (outcome = o) }),
  ).text();
  assertEquals(
    text,
    'data: {"n":2}\n\ndata: {"error":{"message":"cut","type":"upstream_error"}}\n\n',
  );
  assertEquals(outcome, "error");
});

Deno.test("streamBody() ends a broken stream with the error event and no end", async () => {
  const chunks = (async function* () {
    yield [{ n: 1 }];
    throw new Error("cut");
  })();
  let outcome = "";
  const text = await new Response(
    streamBody(chunks, jsonWriter, { onClose: (o) => (outcome = o) }),
  ).text();
  assertEquals(
    text,
    'data: {"n":1}\n\ndata: {"error":{"message":"cut","type":"upstream_error"}}\n\n',
  );
  assertEquals(outcome, "error");
});

Deno.test("streamBody() cancels the source iterator when the reader goes away", async () => {
  let finalized = false;
  const chunks = (async function* () {
    try {
      for (let i = 0;; i++) yield [{ i }];
    } finally {
      finalized = true;
    }
  })();
  const reader = streamBody(chunks, jsonWriter).getReader();
  await reader.read();
  await reader.cancel();
  assertEquals(finalized, true);
});

/** The chunks a stream body gives its reader, as text. */
async function reads(body: ReadableStream<Uint8Array>): Promise<string[]> {
  const out: string[] = [];
  for await (const chunk of body) out.push(new TextDecoder().decode(chunk));
  return out;
}

/** A writer relaying each item's text as bytes, one piece per item. */
const piecesWriter: StreamWriter<string> = {
  batch: (items) => items.map((item) => new TextEncoder().encode(item)),
  end: () => "[end]",
  error: () => "[error]",
};

Deno.test("streamBody() gives a first write past its size in two and ends the stream after the second", async () => {
  const events: string[] = [];
  const batches = (async function* () {
    yield Object.assign(["a".repeat(100), "b".repeat(10)], { [LAST_BATCH]: true as const });
  })();
  const body = streamBody(batches, piecesWriter, {
    firstWriteMax: 64,
    onClose: (outcome) => events.push(outcome),
  });
  const chunks = await reads(body);
  assertEquals(chunks[0], "a".repeat(64), "the first write holds at most 64 bytes");
  assertEquals(chunks.join(""), "a".repeat(100) + "b".repeat(10) + "[end]");
  assertEquals(events, ["done"]);
});

Deno.test("streamBody() gives the first batch's pieces that fit at once and the rest next", async () => {
  const batches = (async function* () {
    yield ["a".repeat(30), "b".repeat(30), "c".repeat(30)];
    yield ["d"];
  })();
  const chunks = await reads(streamBody(batches, piecesWriter, { firstWriteMax: 64 }));
  assertEquals(chunks.slice(0, 2), ["a".repeat(30), "b".repeat(30)]);
  assertEquals(chunks.slice(2), ["c".repeat(30), "d", "[end]"]);
});

Deno.test("streamBody() cuts only the first write", async () => {
  const batches = (async function* () {
    yield ["a"];
    yield ["b".repeat(100)];
  })();
  const chunks = await reads(streamBody(batches, piecesWriter, { firstWriteMax: 64 }));
  assertEquals(chunks, ["a", "b".repeat(100), "[end]"]);
});

Deno.test("streamBody() drops what the first write held when the client goes away", async () => {
  let finalized = false;
  const events: string[] = [];
  const batches = (async function* () {
    try {
      yield ["a".repeat(100)];
      yield ["b"];
    } finally {
      finalized = true;
    }
  })();
  const reader = streamBody(batches, piecesWriter, {
    firstWriteMax: 64,
    onClose: (outcome) => events.push(outcome),
  }).getReader();
  assertEquals((await reader.read()).value?.length, 64);
  await reader.cancel();
  assertEquals([finalized, events], [true, ["cancelled"]]);
});

Deno.test("streamBody() writes a large first batch whole before the error when its source fails to finish", async () => {
  const batches = (async function* () {
    try {
      yield Object.assign(["a".repeat(100)], { [LAST_BATCH]: true as const });
    } finally {
      // deno-lint-ignore no-unsafe-finally
      throw new Error("cut");
    }
  })();
  let outcome = "";
  const chunks = await reads(
    streamBody(batches, piecesWriter, { firstWriteMax: 64, onClose: (o) => (outcome = o) }),
  );
  assertEquals(chunks.join(""), "a".repeat(100) + "[error]");
  assertEquals(outcome, "error");
});

Deno.test("SseDecoder ends the stream on a line longer than its cap, arriving in many reads", () => {
  const decoder = new SseDecoder(1024);
  assertEquals(fields(decoder.push(new TextEncoder().encode("data: ok\n\n"))), [
    { event: undefined, data: "ok" },
  ]);
  const piece = new TextEncoder().encode("x".repeat(300));
  decoder.push(new TextEncoder().encode("data: "));
  decoder.push(piece);
  decoder.push(piece);
  decoder.push(piece);
  const error = assertThrows(() => decoder.push(piece), /larger than 1024 bytes/);
  assertEquals((error as GatewayError).status, 502);
});

Deno.test("SseDecoder keeps a line just under its cap whole, however it is split", () => {
  const decoder = new SseDecoder(1024);
  const line = `data: ${"y".repeat(1018)}`;
  const events = [];
  for (let at = 0; at < line.length; at += 100) {
    events.push(...decoder.push(new TextEncoder().encode(line.slice(at, at + 100))));
  }
  events.push(...decoder.push(new TextEncoder().encode("\n\n")));
  assertEquals(fields(events), [{ event: undefined, data: "y".repeat(1018) }]);
});

Deno.test("SseDecoder ends the stream on an event whose data lines add up past its cap", () => {
  const decoder = new SseDecoder(1024);
  const line = new TextEncoder().encode(`data: ${"z".repeat(200)}\n`);
  for (let i = 0; i < 5; i++) decoder.push(line);
  assertThrows(() => decoder.push(line), /event larger than 1024 bytes/);
});

Deno.test("NdjsonDecoder ends the stream on a line longer than its cap", () => {
  const decoder = new NdjsonDecoder(2048);
  assertThrows(
    () => decoder.push(new TextEncoder().encode(`{"a": "${"q".repeat(3000)}"}\n`)),
    /line larger than 2048 bytes/,
  );
});

Deno.test("SseDecoder joins a 4 MB line that arrives in 1,024 small reads", () => {
  // 4 MB in 4 KB reads: with a re-scan of the partial line on each read this is ~2 GB of work.
  const decoder = new SseDecoder(8 * 1024 * 1024);
  const read = new TextEncoder().encode("a".repeat(4096));
  decoder.push(new TextEncoder().encode("data: "));
  for (let i = 0; i < 1024; i++) assertEquals(decoder.push(read), []);
  const [event] = decoder.push(new TextEncoder().encode("\n\n"));
  assertEquals(event?.data.length, 4 * 1024 * 1024);
});

/** SSE read as this decoder reads it (LF or CRLF lines, one optional space), on the whole text. */
function referenceEvents(text: string): { event: string | undefined; data: string }[] {
  const events: { event: string | undefined; data: string }[] = [];
  let event: string | undefined;
  let data: string[] = [];
  const dispatch = () => {
    if (data.length > 0) events.push({ event, data: data.join("\n") });
    data = [];
    event = undefined;
  };
  const lines = text.split("\n");
  const last = lines.pop() as string;
  for (const raw of [...lines, ...(last === "" ? [] : [last])]) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line === "") {
      dispatch();
      continue;
    }
    if (line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") data.push(value);
    else if (field === "event") event = value;
  }
  dispatch();
  return events;
}

Deno.test("SseDecoder reads any text split anyhow as a whole-text reading does, and its kept bytes are exact", () => {
  const piece = fc.constantFrom(
    "data: ",
    "data:",
    '{"a":1}',
    "x",
    "é",
    "😀",
    "\ufffd",
    "\n",
    "\n\n",
    "\r\n",
    "event: e\n",
    ": c\n",
    "id: 1\n",
    " ",
  );
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 30 }), fc.array(fc.nat(40)), (pieces, cuts) => {
      const text = pieces.join("");
      const bytes = new TextEncoder().encode(text);
      const at = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
      const decoder = new SseDecoder();
      const events: StreamEvent[] = [];
      let from = 0;
      for (const cut of [...at, bytes.length]) {
        events.push(...decoder.push(bytes.slice(from, cut)));
        from = cut;
      }
      events.push(...decoder.end());
      assertEquals(fields(events), referenceEvents(text), JSON.stringify(text));
      for (const event of events) {
        if (event.source !== undefined) {
          assertEquals(wire(event), `data: ${event.data}\n\n`);
        }
      }
    }),
    { numRuns: 3_000, seed: 5 },
  );
});
