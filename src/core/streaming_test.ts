import { assert, assertEquals, eventually } from "../../tests/assert.ts";
import type { StreamEvent, StreamParser } from "./provider.ts";
import { LAST_BATCH, SseDecoder } from "./sse.ts";
import { AFTER_END_BYTES, relay } from "./streaming.ts";
import type { StreamPart } from "./stream_parts.ts";

const encoder = new TextEncoder();

/** Text parts for `data:` events, finished at `data: END` (as OpenAI's `[DONE]`). */
function textParser(): StreamParser<StreamPart> {
  let done = false;
  return {
    push(event: StreamEvent): StreamPart[] {
      if (done) return [];
      if (event.data === "END") {
        done = true;
        return [];
      }
      return [{ type: "text", text: event.data }];
    },
    end: (): StreamPart[] => [{ type: "finish", reason: "stop" }],
    finished: () => done,
  };
}

/**
 * An upstream body: `reads`, then (unless it ends) more of `after` each time it is asked, until
 * `stop` is called; it notes whether its iterator was closed (its `finally` ran).
 */
function body(reads: string[], options: { ends: boolean; after?: string }) {
  const state = { closed: false, stopped: false, stop: () => {} };
  const stopped = new Promise<void>((resolve) => {
    state.stop = () => {
      state.stopped = true;
      resolve();
    };
  });
  async function* generate(): AsyncGenerator<Uint8Array> {
    try {
      for (const read of reads) yield encoder.encode(read);
      if (options.ends) return;
      for (;;) {
        if (options.after !== undefined) yield encoder.encode(options.after);
        else return await stopped.then(() => Promise.reject(new Error("aborted")));
      }
    } finally {
      state.closed = true;
    }
  }
  return { bytes: generate(), state };
}

async function all(batches: AsyncIterable<StreamPart[]>): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const batch of batches) parts.push(...batch);
  return parts;
}

Deno.test("relay ends a stream at its end event when the upstream's body then ends", async () => {
  const { bytes, state } = body(["data: a\n\ndata: b\n\n", "data: END\n\n"], { ends: true });
  const parts = await all(relay(bytes, new SseDecoder(), textParser(), state.stop));
  assertEquals(parts, [
    { type: "text", text: "a" },
    { type: "text", text: "b" },
    { type: "finish", reason: "stop" },
  ]);
  await eventually("the body to be read to its end", () => state.closed);
  assertEquals(state.stopped, false);
});

Deno.test("relay marks the batch its end event came in as the last, and no other", async () => {
  const { bytes, state } = body(["data: a\n\n", "data: b\n\ndata: END\n\n"], { ends: true });
  const marks: boolean[] = [];
  for await (const batch of relay(bytes, new SseDecoder(), textParser(), state.stop)) {
    marks.push((batch as { [LAST_BATCH]?: true })[LAST_BATCH] === true);
  }
  assertEquals(marks, [false, true]);
  const open = body(["data: a\n\n"], { ends: true });
  for await (const batch of relay(open.bytes, new SseDecoder(), textParser(), open.state.stop)) {
    assertEquals((batch as { [LAST_BATCH]?: true })[LAST_BATCH], undefined);
  }
});

Deno.test("relay ends a stream at its end event while the body stays open, then stops it", async () => {
  const { bytes, state } = body(["data: a\n\ndata: END\n\ndata: late\n\n"], { ends: false });
  const parts = await all(relay(bytes, new SseDecoder(), textParser(), state.stop));
  assertEquals(parts, [{ type: "text", text: "a" }, { type: "finish", reason: "stop" }]);
  assertEquals(state.stopped, false, "the client has its answer before the upstream is stopped");
  await eventually("the upstream to be stopped after the grace", () => state.stopped);
  await eventually("the body to be let go", () => state.closed);
});

Deno.test("relay lets go at once of a body that keeps sending after its end event", async () => {
  const { bytes, state } = body(["data: END\n\n"], { ends: false, after: "x".repeat(4096) });
  const parts = await all(relay(bytes, new SseDecoder(), textParser(), state.stop));
  assertEquals(parts, [{ type: "finish", reason: "stop" }]);
  await eventually(`the body to be let go past ${AFTER_END_BYTES} bytes`, () => state.closed);
  assert(!state.stopped, "closed by the byte cap, not the timer");
});

Deno.test("relay without an end event reads the body to its end, and lets it go when stopped early", async () => {
  const whole = body(["data: a\n\n", "data: b\n\n"], { ends: true });
  assertEquals(
    (await all(relay(whole.bytes, new SseDecoder(), textParser(), whole.state.stop))).length,
    3,
  );
  assert(whole.state.closed);

  const early = body(["data: a\n\n", "data: b\n\n"], { ends: false, after: "data: c\n\n" });
  for await (const _batch of relay(early.bytes, new SseDecoder(), textParser(), early.state.stop)) {
    break;
  }
  assert(early.state.closed, "a consumer that stops early closes the body");
});
