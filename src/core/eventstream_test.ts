import { assertEquals, assertRejects } from "../../tests/assert.ts";
import { crc32, encodeEventStreamMessage, parseAwsEventStream } from "./eventstream.ts";

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
