import { assert, assertEquals, assertMatch } from "../../tests/assert.ts";
import { loadConfigText } from "./load.ts";
import type { Problem } from "./problems.ts";

function problems(text: string, options: Parameters<typeof loadConfigText>[2] = {}): Problem[] {
  return loadConfigText(text, "test.yaml", options).problems;
}

const at = (p: Problem) =>
  `${p.line}:${p.col} ${p.severity} ${p.path}: ${p.message}${p.hint ? ` (${p.hint})` : ""}`;

Deno.test("loadConfigText() loads a valid config with defaults", () => {
  const { config, problems } = loadConfigText(
    `
endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    model: {provider: OpenAI, name: gpt-4o-mini, config: {openai_api_key: sk-literal}}
    limit: {calls: 10, renewal_period: 5 minutes}
routes:
  - name: r
    task_type: llm/v1/chat
    destinations: [{name: chat, traffic_percentage: 100}]
`,
    "test.yaml",
  );
  assertEquals(problems, []);
  assert(config);
  assertEquals(config.endpoints[0]?.provider, "openai", "provider names are case-insensitive");
  assertEquals(config.endpoints[0]?.providerLabel, "OpenAI");
  assertEquals(config.endpoints[0]?.timeoutSeconds, 300);
  assertEquals(config.endpoints[0]?.retries, 2);
  assertEquals(config.routes[0]?.strategy, "TRAFFIC_SPLIT");
  assertEquals(config.server.max_body_bytes, 10 * 1024 * 1024);
  assertEquals(config.secrets, ["sk-literal"]);
});

Deno.test("loadConfigText() reports a misspelled key once, with its position and a hint", () => {
  const found = problems(`endpoints:
  - name: chat
    endpont_type: llm/v1/chat
    model: {provider: mock}
`);
  assertEquals(found.map(at), [
    "3:5 error endpoints[0].endpont_type: unknown key 'endpont_type' (did you mean 'endpoint_type'?)",
  ]);
});

Deno.test("loadConfigText() reports every problem at once, in file order", () => {
  const found = problems(`endpoints:
  - name: "bad name"
    endpoint_type: llm/v1/chatt
    model:
      provider: mock
    limit: {calls: -1, renewal_period: weekly}
  - name: ok
    endpoint_type: llm/v1/chat
    model: {provider: anthropik, config: {}}
    retries: "three"
`);
  assertEquals(found.map((p) => `${p.line}:${p.col} ${p.path}`), [
    "2:11 endpoints[0].name",
    "3:20 endpoints[0].endpoint_type",
    "6:20 endpoints[0].limit.calls",
    "6:40 endpoints[0].limit.renewal_period",
    "9:23 endpoints[1].model.provider",
    "10:14 endpoints[1].retries",
  ]);
  assertEquals(found[1]?.hint, "did you mean 'llm/v1/chat'?");
  assertEquals(found[4]?.hint, "did you mean 'anthropic'?");
});

Deno.test("a mistyped renewal_period unit gets a did-you-mean, with its count", () => {
  const found = problems(`endpoints:
  - {name: a, endpoint_type: llm/v1/chat, model: {provider: mock}, limit: {calls: 1, renewal_period: minite}}
  - {name: b, endpoint_type: llm/v1/chat, model: {provider: mock}, limit: {calls: 1, renewal_period: 5 hourz}}
  - {name: c, endpoint_type: llm/v1/chat, model: {provider: mock}, limit: {calls: 1, renewal_period: weekly}}
`);
  assertEquals(found.map((p) => p.hint), [
    "did you mean 'minute'?",
    "did you mean '5 hours'?",
    undefined,
  ]);
});

Deno.test("loadConfigText() checks routes against endpoints", () => {
  const found = problems(`endpoints:
  - {name: a, endpoint_type: llm/v1/chat, model: {provider: mock}}
  - {name: e, endpoint_type: llm/v1/embeddings, model: {provider: mock}}
routes:
  - name: r
    task_type: llm/v1/chat
    destinations:
      - {name: a, traffic_percentage: 50}
      - {name: e, traffic_percentage: 30}
      - {name: b, traffic_percentage: 10}
  - name: a
    task_type: llm/v1/chat
    routing_strategy: FALLBACK
    destinations: [{name: a}]
`);
  const messages = found.map((p) => p.message);
  assert(
    messages.some((m) =>
      m.includes("task_type llm/v1/chat but its destination 'e' is llm/v1/embeddings")
    ),
  );
  assert(messages.some((m) => m.includes("destination 'b' that is not an endpoint")));
  assert(messages.some((m) => m.includes("sum to 90")));
  assert(messages.some((m) => m.includes("duplicate name 'a'")));
});

Deno.test("loadConfigText() makes unknown model.config keys warnings, with sampling hints", () => {
  const found = problems(`endpoints:
  - name: a
    endpoint_type: llm/v1/chat
    model:
      provider: openai
      config: {openai_api_key: sk-x, openai_api_bse: "http://x", temperature: 0.1}
`);
  assertEquals(found.map((p) => [p.severity, p.path, p.hint]), [
    ["warning", "endpoints[0].model.config.openai_api_bse", "did you mean 'openai_api_base'?"],
    [
      "warning",
      "endpoints[0].model.config.temperature",
      "sampling parameters belong in the request body, not in model.config",
    ],
  ]);
});

Deno.test("loadConfigText() resolves $VAR secrets and names a missing variable and its endpoint", () => {
  const text = `endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    model: {provider: openai, config: {openai_api_key: $MY_KEY}}
`;
  const ok = loadConfigText(text, "t.yaml", { env: { MY_KEY: "sk-from-env" } });
  assertEquals(
    (ok.config?.endpoints[0]?.config as { openai_api_key: string }).openai_api_key,
    "sk-from-env",
  );
  const missing = problems(text, { env: {} });
  assertEquals(missing.map(at), [
    "4:56 error endpoints[0].model.config.openai_api_key: environment variable 'MY_KEY' is not set (needed by endpoint 'chat') (export MY_KEY=... before starting the gateway)",
  ]);
  assertEquals(problems(text, { env: {}, missingEnv: "warning" })[0]?.severity, "warning");
});

Deno.test("loadConfigText() loads MLflow 2.x files with a deprecation warning at the right place", () => {
  const { config, problems } = loadConfigText(
    `routes:
  - name: completions
    route_type: llm/v1/completions
    model: {provider: mock}
  - name: broken
    route_type: llm/v1/nope
    model: {provider: mock}
`,
    "old.yaml",
  );
  assertEquals(config, undefined);
  assertEquals(problems.map((p) => `${p.line}:${p.col} ${p.severity} ${p.path}`), [
    "1:1 warning routes",
    "6:17 error endpoints[1].endpoint_type",
  ]);
});

Deno.test("loadConfigText() refuses retired providers at start and warns in validate", () => {
  const text = `endpoints:
  - {name: p, endpoint_type: llm/v1/chat, model: {provider: palm, config: {palm_api_key: k}}}
`;
  assertEquals(problems(text)[0]?.severity, "error");
  const warned = problems(text, { mode: "validate" });
  assertEquals(warned.map((p) => p.severity), ["warning"]);
  assert(warned[0]?.hint?.includes("gemini"));
});

Deno.test("loadConfigText() reports YAML syntax errors and duplicate keys with positions", () => {
  assertEquals(problems("endpoints:\n  - name: a\n    name: b\n").map((p) => [p.line, p.message]), [
    [3, "YAML: duplicate key 'name'"],
  ]);
  const broken = problems("endpoints: [\n");
  assert(broken[0]?.message.startsWith("YAML:"));
  assertEquals(problems("").map((p) => p.message), ["the file is empty"]);
});

Deno.test("loadConfigText() reports a missing variable in server: once, not also as a bad value", () => {
  const text = `server:
  redis_url: $NO_SUCH_REDIS
endpoints: []
`;
  assertEquals(problems(text, { env: {}, missingEnv: "warning" }).map(at), [
    "2:14 warning server.redis_url: environment variable 'NO_SUCH_REDIS' is not set (export NO_SUCH_REDIS=... before starting the gateway)",
  ]);
  const resolved = loadConfigText(text, "t.yaml", {
    env: { NO_SUCH_REDIS: "redis://127.0.0.1:6379" },
  });
  assertEquals(resolved.config?.server.redis_url, "redis://127.0.0.1:6379");
});

Deno.test("loadConfigText() reports an alias bomb as a YAML error at the first alias, not a throw", () => {
  const levels = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
  const lines = levels.map((name, i) =>
    i === 0
      ? `${name}: &${name} ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]`
      : `${name}: &${name} [${Array(9).fill(`*${levels[i - 1]}`).join(", ")}]`
  );
  const result = loadConfigText(`${lines.join("\n")}\nendpoints: []\n`, "bomb.yaml");
  assertEquals(result.config, undefined);
  assertEquals(result.problems.length, 1);
  assertEquals(result.problems[0]?.severity, "error");
  assertEquals([result.problems[0]?.line, result.problems[0]?.col], [2, 8]);
  assertMatch(result.problems[0]?.message ?? "", /^YAML: .*alias/i);
});

Deno.test("loadConfigText() never shows a secret field's value, whatever its type", () => {
  const text = `
endpoints:
  - name: a
    endpoint_type: llm/v1/chat
    model: {provider: openai, name: m, config: {openai_api_key: 123456789012345678}}
  - name: b
    endpoint_type: llm/v1/chat
    model: {provider: anthropic, name: m, config: {anthropic_api_key: true}}
server:
  redis_url: http://user:hunter2secret@localhost:6379
`;
  const found = problems(text);
  assertEquals(found.length, 3);
  for (const problem of found) {
    assertMatch(problem.message, /\(a secret: not shown\)$/);
    for (const value of ["123456789012345678", "true", "hunter2secret"]) {
      assert(!problem.message.includes(value), problem.message);
    }
  }
});

Deno.test("loadConfigText() warns about a base URL at a link-local or cloud metadata address", () => {
  const { config, problems: found } = loadConfigText(
    `
endpoints:
  - name: a
    endpoint_type: llm/v1/chat
    model:
      provider: openai
      name: m
      config: {openai_api_key: sk-x, openai_api_base: "http://169.254.169.254/latest"}
`,
    "t.yaml",
  );
  assert(config !== undefined);
  assertEquals(found.length, 1);
  assertEquals(found[0]?.severity, "warning");
  assertEquals(found[0]?.path, "endpoints[0].model.config.openai_api_base");
  assertEquals(found[0]?.line, 8);
  assertMatch(found[0]?.message ?? "", /link-local/);
});
