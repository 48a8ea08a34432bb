import { assert, assertEquals, assertThrows } from "../../../tests/assert.ts";
import { ProviderError } from "../../core/errors.ts";
import { streamEventJson } from "./stream_event.ts";

Deno.test("streamEventJson() parses data and skips keep-alives and [DONE]", () => {
  assertEquals(streamEventJson({ event: undefined, data: ' {"a":1} ' }, "Acme", true), { a: 1 });
  assertEquals(streamEventJson({ event: undefined, data: "  " }, "Acme", true), undefined);
  assertEquals(streamEventJson({ event: undefined, data: "[DONE]" }, "Acme", true), undefined);
});

Deno.test("streamEventJson() turns data that is not JSON into a 502 naming the provider", () => {
  for (const retryable of [true, false]) {
    const error = assertThrows(
      () => streamEventJson({ event: undefined, data: "{oops" }, "Acme", retryable),
      /^Acme sent a stream event that is not JSON$/,
    );
    assert(error instanceof ProviderError);
    assertEquals([error.status, error.type, error.retryable], [502, "upstream_error", retryable]);
  }
});
