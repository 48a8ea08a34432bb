import { assertEquals } from "../../../tests/assert.ts";
import { parseOpenAIError } from "./errors.ts";

const read = (body: unknown) =>
  parseOpenAIError(400, typeof body === "string" ? body : JSON.stringify(body));

Deno.test("parseOpenAIError() reads OpenAI's and Groq's {error: {...}}", () => {
  assertEquals(
    read({ error: { message: "bad n", type: "invalid_request_error", code: "bad", param: "n" } }),
    { message: "bad n", code: "bad", param: "n" },
  );
  assertEquals(read({ error: { message: "x", code: 400 } }).code, "400");
});

Deno.test("parseOpenAIError() reads Mistral's and vLLM's top-level {object: error, message}", () => {
  assertEquals(
    read({
      object: "error",
      message: "Invalid model: nope",
      type: "invalid_request_error",
      param: "model",
      code: "1500",
    }),
    { message: "Invalid model: nope", code: "1500", param: "model" },
  );
});

Deno.test("parseOpenAIError() reads {message}, {detail: string} and FastAPI detail lists", () => {
  assertEquals(read({ message: "Input validation error" }).message, "Input validation error");
  assertEquals(read({ detail: "Not Found" }).message, "Not Found");
  assertEquals(
    read({
      message: "Invalid request",
      detail: [{ loc: ["body", "temperature"], msg: "value is not a valid float", type: "x" }],
    }).message,
    "Invalid request: temperature: value is not a valid float",
  );
  assertEquals(read({ detail: { message: "nested" } }).message, "nested");
});

Deno.test("parseOpenAIError() reads bare {error: string} (Ollama, xAI), text and empty bodies", () => {
  assertEquals(read({ error: "model 'x' not found" }).message, "model 'x' not found");
  assertEquals(read("upstream connect error").message, "upstream connect error");
  assertEquals(parseOpenAIError(502, "").message, "HTTP 502 with an empty body");
  assertEquals(read({ weird: true }).message, '{"weird":true}');
  assertEquals(read("x".repeat(900)).message.length, 503);
});
