import { assertEquals, assertNotIncludes } from "../../../tests/assert.ts";
import { parseBedrockError, sanitizeMessage, streamException } from "./errors.ts";

Deno.test("parseBedrockError() reads the message and the x-amzn-errortype code", () => {
  const info = parseBedrockError(
    400,
    '{"message":"A conversation must start with a user message. Try again."}',
    new Headers({
      "x-amzn-errortype":
        "ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/",
    }),
  );
  assertEquals(info, {
    message: "A conversation must start with a user message. Try again.",
    code: "ValidationException",
  });
});

Deno.test("parseBedrockError() accepts `Message`, plain text and empty bodies", () => {
  assertEquals(
    parseBedrockError(403, '{"Message":"User is not authorized"}', new Headers()).message,
    "User is not authorized",
  );
  assertEquals(parseBedrockError(502, "Bad Gateway", new Headers()).message, "Bad Gateway");
  assertEquals(
    parseBedrockError(503, "", new Headers({ "x-amzn-errortype": "ServiceUnavailableException" })),
    { message: "ServiceUnavailableException", code: "ServiceUnavailableException" },
  );
});

Deno.test("sanitizeMessage() drops the canonical request AWS quotes in signature errors", () => {
  const message = "The request signature we calculated does not match the signature you " +
    "provided.\n\nThe Canonical String for this request should have been\n'POST\n/model/x\n\n" +
    "x-amz-security-token:IQoJb3JpZ2luX2VjEXAMPLETOKEN\n'";
  const clean = sanitizeMessage(message);
  assertEquals(
    clean,
    "The request signature we calculated does not match the signature you provided.",
  );
  assertNotIncludes(sanitizeMessage("x-amz-security-token:SECRET123 more"), "SECRET123");
});

Deno.test("streamException() maps stream exception types to the client's statuses", () => {
  const cases: [string, number][] = [
    ["throttlingException", 429],
    ["validationException", 400],
    ["modelStreamErrorException", 502],
    ["internalServerException", 502],
    ["serviceUnavailableException", 502],
    ["modelTimeoutException", 504],
    ["somethingElse", 502],
  ];
  for (const [type, status] of cases) {
    const error = streamException(type, '{"message":"boom"}', "chat");
    assertEquals(error.status, status, type);
  }
  assertEquals(streamException("throttlingException", "{}", "chat").retryable, true);
});

Deno.test("parseBedrockError() flags rejected credentials whatever the status", () => {
  const info = parseBedrockError(
    400,
    '{"message":"Authorization header requires \'Credential\' parameter."}',
    new Headers({ "x-amzn-errortype": "IncompleteSignatureException" }),
  );
  assertEquals(info.authFailure, true);
  assertEquals(
    parseBedrockError(
      400,
      '{"message":"x"}',
      new Headers({ "x-amzn-errortype": "ValidationException" }),
    )
      .authFailure,
    undefined,
  );
});
