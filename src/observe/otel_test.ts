import { assertEquals } from "../../tests/assert.ts";
import { RequestRecord } from "../core/request_record.ts";
import { parentOf, spansOf } from "./otel.ts";

Deno.test("parentOf() reads a W3C traceparent and refuses malformed or all-zero ids", () => {
  assertEquals(parentOf("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"), {
    trace: "4bf92f3577b34da6a3ce929d0e0e4736",
    span: "00f067aa0ba902b7",
  });
  for (
    const bad of [
      null,
      "",
      "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
      "00-4bf92f3577b34da6a3ce929d0e0e47-00f067aa0ba902b7-01",
    ]
  ) {
    assertEquals(parentOf(bad), undefined, String(bad));
  }
});

Deno.test("spansOf() makes a server span with GenAI attributes and a client span per attempt", () => {
  const record = new RequestRecord("req-1", { remoteAddress: "x" }, "POST", "/v1/embeddings");
  record.ingress = "openai.embeddings";
  record.operation = "embeddings";
  record.target = "route";
  record.traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  record.attempt({
    endpoint: "a",
    provider: "openai",
    model: "m1",
    outcome: "timeout_error",
    status: 504,
    ms: 5,
  });
  record.followedBy("fallback");
  record.attempt({
    endpoint: "b",
    provider: "cohere",
    model: "m2",
    outcome: "ok",
    status: 200,
    ms: 3,
  });
  record.usage = { prompt: 7, completion: 0, total: 7, cached: 0, reasoning: 0 };
  record.status = 200;
  record.complete();
  const [server, first, second] = spansOf(record) as Record<string, unknown>[];
  const attributes = (span: Record<string, unknown> | undefined) =>
    Object.fromEntries(
      (span?.attributes as { key: string; value: Record<string, unknown> }[]).map((a) => [
        a.key,
        Object.values(a.value)[0],
      ]),
    );
  assertEquals(server?.traceId, "4bf92f3577b34da6a3ce929d0e0e4736");
  assertEquals(server?.parentSpanId, "00f067aa0ba902b7");
  assertEquals(server?.name, "embeddings route");
  const a = attributes(server);
  assertEquals([a["gen_ai.operation.name"], a["gen_ai.provider.name"]], ["embeddings", "cohere"]);
  assertEquals([a["gen_ai.usage.input_tokens"], a["http.response.status_code"]], ["7", "200"]);
  assertEquals(first?.parentSpanId, server?.spanId);
  assertEquals([first?.kind, (first?.status as { code: number }).code], [3, 2]);
  assertEquals(attributes(first)["error.type"], "timeout_error");
  assertEquals(attributes(second)["gateway.endpoint"], "b");
});
