import { assertStringIncludes } from "../../tests/assert.ts";
import { Metrics } from "./metrics.ts";

Deno.test("Metrics.render() writes Prometheus counters with labels", () => {
  const metrics = new Metrics();
  metrics.request("chat", 200, 0.5);
  metrics.request("chat", 200, 0.25);
  metrics.request(undefined, 404, 0.001);
  const labels = { endpoint: "chat", provider: "openai", model: "gpt-4o", key: "alice" };
  metrics.usage(labels, { prompt: 10, completion: 5, cached: 0 }, 0.0125);
  metrics.usage(labels, { prompt: 2, completion: 1, cached: 1 }, 0.0025);
  metrics.retry("chat");
  metrics.fallback("ha", "primary");
  const text = metrics.render();
  assertStringIncludes(text, "# TYPE gateway_requests_total counter\n");
  assertStringIncludes(text, 'gateway_requests_total{endpoint="chat",status="200"} 2\n');
  assertStringIncludes(text, 'gateway_requests_total{endpoint="",status="404"} 1\n');
  assertStringIncludes(text, 'gateway_request_seconds_total{endpoint="chat"} 0.75\n');
  const at = 'endpoint="chat",provider="openai",model="gpt-4o",key="alice"';
  assertStringIncludes(text, `gateway_tokens_total{${at},kind="prompt"} 12\n`);
  assertStringIncludes(text, `gateway_tokens_total{${at},kind="cached"} 1\n`);
  assertStringIncludes(text, `gateway_cost_usd_total{${at}} 0.015\n`);
  assertStringIncludes(text, 'gateway_upstream_retries_total{endpoint="chat"} 1\n');
  assertStringIncludes(text, 'gateway_route_fallbacks_total{route="ha",from="primary"} 1\n');
});

Deno.test("Metrics.render() writes cumulative histogram buckets with their sum and count", () => {
  const metrics = new Metrics();
  metrics.request("chat", 200, 0.004);
  metrics.request("chat", 200, 0.2);
  metrics.request("chat", 200, 1000);
  metrics.phases("chat", 0.19, 0.003, 0.05);
  const text = metrics.render();
  assertStringIncludes(text, "# TYPE gateway_request_duration_seconds histogram\n");
  assertStringIncludes(
    text,
    'gateway_request_duration_seconds_bucket{endpoint="chat",le="0.001"} 0\n',
  );
  assertStringIncludes(
    text,
    'gateway_request_duration_seconds_bucket{endpoint="chat",le="0.005"} 1\n',
  );
  assertStringIncludes(
    text,
    'gateway_request_duration_seconds_bucket{endpoint="chat",le="0.25"} 2\n',
  );
  assertStringIncludes(
    text,
    'gateway_request_duration_seconds_bucket{endpoint="chat",le="300"} 2\n',
  );
  assertStringIncludes(
    text,
    'gateway_request_duration_seconds_bucket{endpoint="chat",le="+Inf"} 3\n',
  );
  assertStringIncludes(text, 'gateway_request_duration_seconds_count{endpoint="chat"} 3\n');
  assertStringIncludes(text, 'gateway_request_duration_seconds_sum{endpoint="chat"} 1000.204\n');
  assertStringIncludes(
    text,
    'gateway_overhead_duration_seconds_bucket{endpoint="chat",le="0.005"} 1\n',
  );
  assertStringIncludes(text, 'gateway_time_to_first_chunk_seconds_count{endpoint="chat"} 1\n');
  assertStringIncludes(text, 'gateway_upstream_duration_seconds_sum{endpoint="chat"} 0.19\n');
});
