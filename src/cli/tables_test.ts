import { assertMatch } from "../../tests/assert.ts";
import { endpointsTable } from "./tables.ts";
import type { EndpointInfo } from "../schemas/endpoints.ts";

function endpoint(name: string, limit: EndpointInfo["limit"]): EndpointInfo {
  return {
    name,
    endpoint_type: "llm/v1/chat",
    model: { name: "m", provider: "mock" },
    endpoint_url: `/gateway/${name}/invocations`,
    limit,
  };
}

Deno.test("the endpoints table shows calls, token limits and per-client limits", () => {
  const text = endpointsTable([
    endpoint("calls", { calls: 5, key: null, renewal_period: "minute" }),
    endpoint("both", { calls: 5, tokens: 1000, key: "client_ip", renewal_period: "5 hours" }),
    endpoint("tokens", { calls: null, tokens: 2000, key: null, renewal_period: "day" }),
    endpoint("none", null),
  ], { limits: true });
  assertMatch(text, /calls\s+llm\/v1\/chat\s+mock\s+m\s+5\/minute\n/);
  assertMatch(text, /both\s.*\s5 calls, 1000 tokens\/5 hours per client\n/);
  assertMatch(text, /tokens\s.*\s2000 tokens\/day\n/);
  assertMatch(text, /none\s.*\s-(\n|$)/);
});
