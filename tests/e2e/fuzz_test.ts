/**
 * Hostile input, property-based: generated bodies and names thrown at every route. Never a 5xx
 * caused by the input, never a crash, never a secret in a reply, always the error envelope.
 */
import fc from "fast-check";
import { assert, assertEquals, assertNotIncludes } from "../assert.ts";
import { startMockOpenAI } from "../mocks/openai.ts";
import { startGateway, UNDER_TEST } from "./harness.ts";

const SECRET = "sk-fuzz-secret-0987654321abcdef";
/** Fixed so CI is repeatable; FUZZ_SEED=<n> explores other inputs. */
const SEED = Number(Deno.env.get("FUZZ_SEED") ?? 20261125);
const NAMES = [
  "chat",
  "completions",
  "embeddings",
  "upstream",
  "split",
  "nope",
  "..",
  "%2f",
  "%00",
  "a%2Fb",
  "ch%C3%A4t",
  "x".repeat(300),
];

const message = fc.record({
  role: fc.oneof(fc.constantFrom("system", "user", "assistant", "tool", "developer"), fc.string()),
  content: fc.oneof(
    fc.string(),
    fc.constant(null),
    fc.array(
      fc.oneof(
        fc.record({ type: fc.constant("text"), text: fc.string() }),
        fc.record({ type: fc.string(), text: fc.anything() }),
        fc.record({ type: fc.constant("image_url"), image_url: fc.record({ url: fc.string() }) }),
      ),
      { maxLength: 4 },
    ),
    fc.anything(),
  ),
}, { requiredKeys: ["role"] });

const plausibleBody = fc.record({
  model: fc.oneof(fc.constantFrom(...NAMES), fc.string(), fc.integer()),
  messages: fc.oneof(fc.array(message, { maxLength: 5 }), fc.anything()),
  prompt: fc.oneof(fc.string(), fc.anything()),
  input: fc.oneof(
    fc.string(),
    fc.array(fc.string(), { maxLength: 5 }),
    fc.array(fc.integer(), { maxLength: 5 }),
    fc.anything(),
  ),
  temperature: fc.oneof(fc.double(), fc.string(), fc.constant(null)),
  max_tokens: fc.oneof(fc.integer({ min: -5, max: 50 }), fc.double(), fc.string()),
  n: fc.oneof(fc.integer({ min: -2, max: 3 }), fc.anything()),
  stop: fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 20 }), fc.anything()),
  stream: fc.oneof(fc.boolean(), fc.anything()),
  tools: fc.oneof(
    fc.array(
      fc.record({
        type: fc.constant("function"),
        function: fc.record({ name: fc.string(), parameters: fc.object() }),
      }),
      { maxLength: 3 },
    ),
    fc.anything(),
  ),
  tool_choice: fc.oneof(fc.constantFrom("auto", "none", "required"), fc.anything()),
  response_format: fc.anything(),
  __proto__: fc.anything(),
  constructor: fc.anything(),
}, { requiredKeys: [] });

const rawBody = fc.oneof(
  fc.string(),
  fc.json(),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => bytes as Uint8Array<ArrayBuffer>),
  fc.jsonValue().map((value) => JSON.stringify(value)),
  fc.integer({ min: 1, max: 5000 }).map((depth) => "[".repeat(depth) + "]".repeat(depth)),
  fc.integer({ min: 1, max: 5000 }).map((depth) => '{"a":'.repeat(depth) + "1" + "}".repeat(depth)),
);

function paths(name: string): string[] {
  return [
    "/v1/chat/completions",
    "/v1/completions",
    "/v1/embeddings",
    `/gateway/${name}/invocations`,
    `/endpoints/${name}/invocations`,
  ];
}

async function check(url: string, path: string, body: BodyInit): Promise<void> {
  const response = await fetch(`${url}${path}`, {
    method: "POST",
    body,
    headers: { "content-type": "application/json" },
  });
  const text = await response.text();
  assert(
    response.status < 500,
    `HTTP ${response.status} for ${path} ${String(body).slice(0, 300)}: ${text.slice(0, 300)}`,
  );
  assertNotIncludes(text, SECRET);
  if (response.status >= 400) {
    const error = JSON.parse(text).error;
    assert(error && typeof error.message === "string" && typeof error.type === "string", text);
  }
}

Deno.test(`hostile input: generated bodies never cause a 5xx, a crash or a leak (${UNDER_TEST})`, async (t) => {
  const upstream = startMockOpenAI({ apiKey: SECRET });
  const gateway = await startGateway({
    config: `
server:
  max_body_bytes: 65536
endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    model: {provider: mock}
  - name: completions
    endpoint_type: llm/v1/completions
    model: {provider: mock}
  - name: embeddings
    endpoint_type: llm/v1/embeddings
    model: {provider: mock}
  - name: upstream
    endpoint_type: llm/v1/chat
    retries: 0
    model:
      provider: openai
      name: gpt-4o-mini
      config: {openai_api_key: ${SECRET}, openai_api_base: ${upstream.baseUrl}}
routes:
  - name: split
    task_type: llm/v1/chat
    destinations: [{name: chat, traffic_percentage: 50}, {name: upstream, traffic_percentage: 50}]
`,
  });
  try {
    await t.step("plausible-but-wrong JSON bodies", async () => {
      await fc.assert(
        fc.asyncProperty(
          plausibleBody,
          fc.constantFrom(...NAMES),
          fc.nat(4),
          async (body, name, which) => {
            await check(gateway.url, paths(name)[which] as string, JSON.stringify(body));
          },
        ),
        { numRuns: 250, seed: SEED },
      );
    });
    await t.step("arbitrary bytes, JSON values and deep nesting", async () => {
      await fc.assert(
        fc.asyncProperty(
          rawBody,
          fc.constantFrom(...NAMES),
          fc.nat(4),
          async (body, name, which) => {
            await check(gateway.url, paths(name)[which] as string, body);
          },
        ),
        { numRuns: 250, seed: SEED },
      );
    });
    await t.step("the process is still healthy", async () => {
      const response = await fetch(`${gateway.url}/health`);
      assertEquals(await response.json(), { status: "OK" });
      assertNotIncludes(gateway.output(), SECRET);
    });
  } finally {
    await gateway.stop();
    await upstream.close();
  }
});
