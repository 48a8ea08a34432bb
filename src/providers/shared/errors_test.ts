import { assertEquals } from "../../../tests/assert.ts";
import { parseErrorBody } from "./errors.ts";

const readMessage = (json: unknown) => {
  const message = (json as { message?: unknown }).message;
  return typeof message === "string" ? { message } : undefined;
};
const shout = (text: string) => text.toUpperCase();

Deno.test("parseErrorBody() reads JSON the provider understands", () => {
  assertEquals(parseErrorBody(400, '{"message":"bad"}', readMessage), { message: "bad" });
});

Deno.test("parseErrorBody() falls back to the JSON text, redacted and cut to 500 characters", () => {
  assertEquals(parseErrorBody(500, '{"other":"x"}', readMessage, shout), {
    message: '{"OTHER":"X"}',
  });
  const long = JSON.stringify({ other: "y".repeat(600) });
  assertEquals(parseErrorBody(500, long, readMessage).message.length, 500);
});

Deno.test("parseErrorBody() passes plain text on trimmed and names an empty body", () => {
  assertEquals(parseErrorBody(502, "  upstream down \n", readMessage, shout), {
    message: "UPSTREAM DOWN",
  });
  assertEquals(parseErrorBody(503, "", readMessage), { message: "HTTP 503 with an empty body" });
});
