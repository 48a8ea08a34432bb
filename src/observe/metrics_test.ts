import { assertStringIncludes } from "../../tests/assert.ts";
import { Metrics } from "./metrics.ts";

Deno.test("Metrics.render() writes Prometheus counters with labels", () => {
  const metrics = new Metrics();
  metrics.request("chat", 200, 0.5);
  metrics.request("chat", 200, 0.25);
  metrics.request(undefined, 404, 0.001);
  metrics.tokens("chat", { prompt_tokens: 10, completion_tokens: 5 });
  metrics.retry("chat");
  metrics.fallback("ha", "primary");
  const text = metrics.render();
  assertStringIncludes(text, "# TYPE gateway_requests_total counter\n");
  assertStringIncludes(text, 'gateway_requests_total{endpoint="chat",status="200"} 2\n');
  assertStringIncludes(text, 'gateway_requests_total{endpoint="",status="404"} 1\n');
  assertStringIncludes(text, 'gateway_request_seconds_total{endpoint="chat"} 0.75\n');
  assertStringIncludes(text, 'gateway_tokens_total{endpoint="chat",kind="prompt"} 10\n');
  assertStringIncludes(text, 'gateway_upstream_retries_total{endpoint="chat"} 1\n');
  assertStringIncludes(text, 'gateway_route_fallbacks_total{route="ha",from="primary"} 1\n');
});
