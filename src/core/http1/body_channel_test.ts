/** The streamed body's hand-over from the connection to its reader. */
import { assert, assertEquals, assertRejects } from "../../../tests/assert.ts";
import { BodyChannel } from "./body_channel.ts";

const bytes = (text: string) => new TextEncoder().encode(text) as Uint8Array<ArrayBuffer>;
const text = (value: Uint8Array | undefined) => new TextDecoder().decode(value);

function channel(early: string[] = [], highWater = 8) {
  const calls = { drained: 0, cancelled: 0 };
  const body = new BodyChannel(
    early.map(bytes),
    highWater,
    () => calls.drained++,
    () => calls.cancelled++,
  );
  return { body, calls };
}

Deno.test("BodyChannel gives what waits joined in one read, then what comes while it waits", async () => {
  const { body } = channel(["ab"]);
  body.push(bytes("cd"));
  assertEquals(body.size, 4);
  const first = await body.read();
  assertEquals([first.done, text(first.value)], [false, "abcd"]);
  assertEquals(body.size, 0);
  const pending = body.read();
  body.push(bytes("ef"));
  assertEquals(text((await pending).value), "ef");
  body.push(bytes("gh"));
  body.close();
  body.push(bytes("dropped after the end"));
  assertEquals(text((await body.read()).value), "gh");
  assertEquals((await body.read()).done, true);
  assertEquals((await body.read()).done, true);
});

Deno.test("BodyChannel ends a waiting read when the body ends", async () => {
  const { body } = channel();
  const pending = body.read();
  body.close();
  assertEquals((await pending).done, true);
});

Deno.test("BodyChannel says to resume only when a read took a queue at its high-water mark", async () => {
  const { body, calls } = channel([], 4);
  body.push(bytes("abc"));
  await body.read();
  assertEquals(calls.drained, 0);
  body.push(bytes("abc"));
  body.push(bytes("de"));
  assert(body.size >= body.highWater);
  assertEquals(text((await body.read()).value), "abcde");
  assertEquals(calls.drained, 1);
});

Deno.test("BodyChannel drops what waits when the body breaks off, and fails the reads after", async () => {
  const { body } = channel(["unread"]);
  body.error(new Error("connection reset"));
  await assertRejects(() => body.read(), /connection reset/);
  await assertRejects(() => body.read(), /connection reset/);
  const waiting = channel();
  const pending = waiting.body.read();
  waiting.body.error(new Error("cut"));
  await assertRejects(() => pending, /cut/);
});

Deno.test("BodyChannel lets the body go once when its reader cancels, ending a waiting read", async () => {
  const { body, calls } = channel(["unread"]);
  const drained = channel();
  const pending = drained.body.read();
  await drained.body.cancel();
  assertEquals((await pending).done, true);
  await body.cancel();
  await body.cancel();
  assertEquals(calls.cancelled, 1);
  assertEquals((await body.read()).done, true);
  body.push(bytes("late"));
  assertEquals(body.size, 0);
});

Deno.test("BodyChannel refuses a second read while one is pending", async () => {
  const { body } = channel();
  const first = body.read();
  await assertRejects(() => body.read(), /pending/);
  body.close();
  assertEquals((await first).done, true);
});
