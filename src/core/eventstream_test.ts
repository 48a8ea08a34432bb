import { assertEquals, assertRejects, assertThrows } from "../../tests/assert.ts";
import {
  crc32,
  encodeEventStreamMessage,
  EventStreamSplitter,
  parseAwsEventStream,
} from "./eventstream.ts";

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of it) out.push(item);
  return out;
}

function chunked(bytes: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  return (async function* () {
    for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
  })();
}

Deno.test("crc32() matches the IEEE check value", () => {
  assertEquals(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
});

Deno.test("parseAwsEventStream() decodes messages split at any byte boundary", async () => {
  const a = encodeEventStreamMessage(
    { ":message-type": "event", ":event-type": "messageStart" },
    '{"role":"assistant"}',
  );
  const b = encodeEventStreamMessage({
    ":message-type": "event",
    ":event-type": "contentBlockDelta",
  }, '{"delta":{"text":"hé"}}');
  const all = new Uint8Array([...a, ...b]);
  for (const size of [1, 3, 7, all.length]) {
    assertEquals(await collect(parseAwsEventStream(chunked(all, size))), [
      { event: "messageStart", data: '{"role":"assistant"}' },
      { event: "contentBlockDelta", data: '{"delta":{"text":"hé"}}' },
    ]);
  }
});

Deno.test("parseAwsEventStream() reports exceptions with their type", async () => {
  const message = encodeEventStreamMessage(
    { ":message-type": "exception", ":exception-type": "throttlingException" },
    '{"message":"slow down"}',
  );
  assertEquals(await collect(parseAwsEventStream(chunked(message, 10))), [
    { event: "exception:throttlingException", data: '{"message":"slow down"}' },
  ]);
});

Deno.test("parseAwsEventStream() rejects a corrupted checksum and a truncated message", async () => {
  const message = encodeEventStreamMessage({ ":event-type": "x" }, "{}");
  const corrupted = message.slice();
  corrupted[corrupted.length - 6] = (corrupted[corrupted.length - 6] ?? 0) ^ 0xff;
  await assertRejects(() => collect(parseAwsEventStream(chunked(corrupted, 5))), /checksum/);
  await assertRejects(
    () => collect(parseAwsEventStream(chunked(message.slice(0, 20), 5))),
    /ended inside/,
  );
});

Deno.test("EventStreamSplitter refuses a message longer than its cap from its prelude, before buffering it", () => {
  const splitter = new EventStreamSplitter(2048);
  const big = encodeEventStreamMessage({ ":event-type": "x" }, "p".repeat(4096));
  assertThrows(() => splitter.push(big.slice(0, 12)), /message larger than 2048 bytes/);
});

Deno.test("EventStreamSplitter joins a message under its cap that arrives in many reads", () => {
  const splitter = new EventStreamSplitter(64 * 1024);
  const payload = "q".repeat(40_000);
  const message = encodeEventStreamMessage({ ":event-type": "chunk" }, payload);
  const messages = [];
  for (let at = 0; at < message.length; at += 1000) {
    messages.push(...splitter.push(message.slice(at, at + 1000)));
  }
  assertEquals(messages.length, 1);
  assertEquals(new TextDecoder().decode(messages[0]?.payload), payload);
  splitter.end();
});
