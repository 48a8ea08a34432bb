import { assertEquals } from "../../tests/assert.ts";
import { Buffer } from "node:buffer";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { encodeCommand, parseReply, RedisClient, RedisError } from "./redis.ts";

Deno.test("encodeCommand() writes a RESP array of bulk strings", () => {
  assertEquals(
    encodeCommand(["SET", "k", 12]).toString(),
    "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\n12\r\n",
  );
  assertEquals(encodeCommand(["ECHO", "é"]).toString(), "*2\r\n$4\r\nECHO\r\n$2\r\né\r\n");
});

Deno.test("parseReply() reads every reply type and waits for incomplete ones", () => {
  assertEquals(parseReply(Buffer.from("+OK\r\n")), { value: "OK", next: 5 });
  assertEquals(parseReply(Buffer.from(":42\r\n"))?.value, 42);
  assertEquals(parseReply(Buffer.from("$-1\r\n"))?.value, null);
  assertEquals(parseReply(Buffer.from("$5\r\nhello\r\n"))?.value, "hello");
  assertEquals(parseReply(Buffer.from("*2\r\n:1\r\n$1\r\nx\r\n"))?.value, [1, "x"]);
  assertEquals(parseReply(Buffer.from("$5\r\nhel")), undefined);
  assertEquals(parseReply(Buffer.from("*2\r\n:1\r\n")), undefined);
  const error = parseReply(Buffer.from("-NOSCRIPT No matching script\r\n"))?.value;
  assertEquals(error instanceof RedisError && error.message, "NOSCRIPT No matching script");
});

Deno.test("a rediss: URL speaks TLS (its first bytes are a TLS handshake record)", async () => {
  const first = Promise.withResolvers<number>();
  const server = createServer((socket) => {
    socket.once("data", (bytes: Buffer) => {
      first.resolve(bytes[0] ?? -1);
      socket.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const client = new RedisClient(`rediss://127.0.0.1:${port}`, { connectTimeoutMs: 2000 });
  try {
    assertEquals(await first.promise, 0x16, "a TLS record of type handshake");
  } finally {
    client.close();
    await new Promise((resolve) => server.close(resolve));
  }
});
