import { assertEquals, assertRejects } from "../../tests/assert.ts";
import { parseJsonObject, startBodyRead } from "./body.ts";
import { GatewayError } from "../core/errors.ts";

/** The body as a JSON object, read as the invocation handler reads it. */
async function readJsonObject(
  request: Request,
  maxBytes: number,
  timeoutMs?: number,
): Promise<Record<string, unknown>> {
  const read = startBodyRead(request, maxBytes, timeoutMs);
  try {
    return parseJsonObject(await read.promise);
  } finally {
    read.done();
  }
}

const request = (body: BodyInit | null, headers: Record<string, string> = {}) =>
  new Request("http://gateway.test/v1/chat/completions", { method: "POST", body, headers });

Deno.test("a body read parses a JSON object", async () => {
  assertEquals(await readJsonObject(request('{"a":1}'), 100), { a: 1 });
});

Deno.test("a body read refuses a declared length over the cap before reading", async () => {
  const error = await assertRejects(() =>
    readJsonObject(request("{}", { "content-length": "5000" }), 100)
  ) as GatewayError;
  assertEquals(error.status, 413);
});

Deno.test("a body read stops a streamed body as soon as it passes the cap", async () => {
  let pulled = 0;
  const endless = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled++;
      controller.enqueue(new Uint8Array(64).fill(32));
    },
  });
  const error = await assertRejects(() => readJsonObject(request(endless), 1000)) as GatewayError;
  assertEquals(error.status, 413);
  assertEquals(pulled < 40, true, `read ${pulled} chunks`);
});

Deno.test("a body read gives a slow body a 408 instead of waiting forever", async () => {
  const stalled = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"a":'));
    },
  });
  // The deadline sweep does not keep the process alive (in the gateway the server does).
  const keepAlive = setTimeout(() => {}, 5_000);
  const error = await assertRejects(() =>
    readJsonObject(request(stalled), 1000, 50)
  ) as GatewayError;
  clearTimeout(keepAlive);
  assertEquals(error.status, 408);
});

Deno.test("a body read names what is wrong with a bad body", async () => {
  await assertRejects(
    () => readJsonObject(request(new Uint8Array([0xff, 0xfe])), 100),
    /not valid UTF-8/,
  );
  await assertRejects(() => readJsonObject(request("{"), 100), /not valid JSON/);
  await assertRejects(() => readJsonObject(request("  "), 100), /empty/);
  await assertRejects(
    () => readJsonObject(request("[]"), 100),
    /must be a JSON object, got an array/,
  );
  await assertRejects(() => readJsonObject(request("null"), 100), /got null/);
  const deep = "[".repeat(100_000) + "]".repeat(100_000);
  await assertRejects(() => readJsonObject(request(deep), 1_000_000), /JSON/);
});
