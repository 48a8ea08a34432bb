/**
 * Trace export through the real gateway process to a local OTLP/HTTP "collector" (a loopback
 * server that keeps what it is sent): a span per request in the caller's trace, GenAI
 * attributes, a child span per upstream attempt.
 */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { postJson, startGateway, UNDER_TEST } from "./harness.ts";

interface Span {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: Record<string, unknown> }[];
  status: { code: number };
}

const attribute = (span: Span, key: string) => {
  const value = span.attributes.find((a) => a.key === key)?.value;
  return value === undefined ? undefined : Object.values(value)[0];
};

Deno.test(`OTLP trace export: spans in the caller's trace with GenAI attributes (${UNDER_TEST})`, async () => {
  const received: { spans: Span[]; service: unknown }[] = [];
  const collector = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (req) => {
      const body = await req.json();
      for (const resource of body.resourceSpans) {
        const service = resource.resource.attributes.find((a: { key: string }) =>
          a.key === "service.name"
        )?.value.stringValue;
        for (const scope of resource.scopeSpans) received.push({ spans: scope.spans, service });
      }
      return new Response("{}", { headers: { "content-type": "application/json" } });
    },
  );
  const gateway = await startGateway({
    config: `
endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    model: {provider: mock, name: mock-1}
server:
  otel:
    endpoint: http://127.0.0.1:${collector.addr.port}/v1/traces
    service_name: gateway-under-test
`,
  });
  try {
    const trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    const parent = "00f067aa0ba902b7";
    const traced = await postJson(
      `${gateway.url}/v1/chat/completions`,
      { model: "chat", messages: [{ role: "user", content: "hello" }] },
      { traceparent: `00-${trace}-${parent}-01` },
    );
    assertEquals(traced.status, 200);
    await traced.body?.cancel();
    const untraced = await postJson(`${gateway.url}/v1/embeddings`, { model: "chat", input: "x" });
    await untraced.body?.cancel();
    let spans: Span[] = [];
    for (let i = 0; i < 50 && spans.length < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      spans = received.flatMap((batch) => batch.spans);
    }
    assertEquals(received[0]?.service, "gateway-under-test");
    const server = spans.find((s) => s.traceId === trace && s.kind === 2);
    assert(server !== undefined, JSON.stringify(spans));
    assertEquals(server.parentSpanId, parent);
    assertEquals(server.name, "chat chat");
    assertEquals(attribute(server, "gen_ai.operation.name"), "chat");
    assertEquals(attribute(server, "gen_ai.provider.name"), "mock");
    assertEquals(attribute(server, "gen_ai.response.model"), "mock-1");
    assertEquals(attribute(server, "gen_ai.usage.input_tokens"), "4");
    assertEquals(attribute(server, "http.response.status_code"), "200");
    assertEquals(server.status.code, 1);
    const attempt = spans.find((s) => s.parentSpanId === server.spanId);
    assertEquals(attempt?.kind, 3);
    assertEquals(attribute(attempt as Span, "gateway.endpoint"), "chat");
    // A request of the wrong type for the endpoint is a 400, a failed span in a trace of its own.
    const failed = spans.find((s) => s.traceId !== trace && s.kind === 2);
    assert(failed !== undefined);
    assertMatch(failed.traceId, /^[0-9a-f]{32}$/);
    assertEquals(failed.parentSpanId, undefined);
    assertEquals(failed.status.code, 2);
  } finally {
    assertEquals(await gateway.stop(), 0, gateway.output());
    await collector.shutdown();
  }
});
