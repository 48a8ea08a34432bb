/** The HTTP API end to end: MLflow and OpenAI routes, shapes, errors, docs, over a real process. */
import {
  assert,
  assertEquals,
  assertMatch,
  assertNotIncludes,
  assertStringIncludes,
} from "../assert.ts";
import { startMockOpenAI } from "../mocks/openai.ts";
import { startGateway, UNDER_TEST } from "./harness.ts";

const KEY = "sk-http-api-test-key-9876543210";

function config(upstreamBase: string): string {
  return `
endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    model: {provider: mock, name: mock-chat}
    limit: {renewal_period: minute, calls: 1000}
  - name: completions
    endpoint_type: llm/v1/completions
    model: {provider: mock, name: mock-completions}
  - name: embeddings
    endpoint_type: llm/v1/embeddings
    model:
      provider: mock
      name: mock-embeddings
      config: {embedding_dimensions: 4}
  - name: fixed
    endpoint_type: llm/v1/chat
    model:
      provider: mock
      config: {reply: fixed answer}
  - name: upstream
    endpoint_type: llm/v1/chat
    retries: 0
    timeout_seconds: 1
    model:
      provider: openai
      name: gpt-4o-mini
      config:
        openai_api_key: ${KEY}
        openai_api_base: ${upstreamBase}
  - name: upstream-completions
    endpoint_type: llm/v1/completions
    retries: 0
    model:
      provider: openai
      name: gpt-3.5-turbo-instruct
      config:
        openai_api_key: ${KEY}
        openai_api_base: ${upstreamBase}
  - name: unreachable
    endpoint_type: llm/v1/chat
    retries: 0
    model:
      provider: openai
      name: gpt-4o-mini
      config:
        openai_api_key: ${KEY}
        openai_api_base: http://127.0.0.1:9/v1
routes:
  - name: split
    task_type: llm/v1/chat
    destinations:
      - {name: fixed, traffic_percentage: 100}
      - {name: chat, traffic_percentage: 0}
server:
  max_body_bytes: 65536
`;
}

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

async function errorOf(
  response: Response,
): Promise<{ message: string; type: string; param: string | null; code: string | null }> {
  const body = await response.json();
  assert(
    body.error && typeof body.error.message === "string",
    `error envelope: ${JSON.stringify(body)}`,
  );
  assertEquals(Object.keys(body.error).sort(), ["code", "message", "param", "type"]);
  return body.error;
}

Deno.test(`HTTP API (${UNDER_TEST})`, async (t) => {
  const upstream = startMockOpenAI({ apiKey: KEY });
  const gateway = await startGateway({ config: config(upstream.baseUrl) });
  const url = gateway.url;
  const chatBody = { messages: [{ role: "user", content: "hello gateway" }] };
  try {
    await t.step("GET /health answers MLflow's body", async () => {
      const response = await fetch(`${url}/health`);
      assertEquals(response.status, 200);
      assertEquals(await response.json(), { status: "OK" });
    });

    await t.step(
      "GET / redirects to /docs; /docs serves Scalar from the binary, not a CDN",
      async () => {
        const redirect = await fetch(`${url}/`, { redirect: "manual" });
        assertEquals(redirect.status, 307);
        assertEquals(redirect.headers.get("location"), "/docs");
        const html = await (await fetch(`${url}/docs`)).text();
        assertStringIncludes(html, `src="/docs/scalar.js"`);
        assertNotIncludes(html, "cdn.jsdelivr");
        assertNotIncludes(html, "fonts.scalar.com");
        const script = await fetch(`${url}/docs/scalar.js`);
        assertEquals(script.status, 200);
        assertStringIncludes(script.headers.get("content-type") ?? "", "javascript");
        assert((await script.text()).length > 100_000, "the full Scalar bundle is served");
      },
    );

    await t.step("GET /openapi.json documents the routes and no secret", async () => {
      const text = await (await fetch(`${url}/openapi.json`)).text();
      const doc = JSON.parse(text);
      assertEquals(doc.openapi, "3.1.0");
      for (
        const path of [
          "/v1/chat/completions",
          "/v1/completions",
          "/v1/embeddings",
          "/v1/models",
          "/v1/models/{model}",
          "/gateway/{name}/invocations",
          "/endpoints/{name}/invocations",
          "/api/2.0/endpoints/",
          "/health",
        ]
      ) {
        assert(doc.paths[path], `documents ${path}`);
      }
      // The invocation paths name the endpoint: their bodies and examples carry no model.
      const invocation = doc.paths["/gateway/{name}/invocations"].post.requestBody.content[
        "application/json"
      ];
      assertEquals(invocation.example, { messages: [{ role: "user", content: "Hello!" }] });
      const chatBody = doc.components.schemas.InvocationChatRequest;
      assert(chatBody.properties.messages && !chatBody.properties.model, JSON.stringify(chatBody));
      for (
        const path of ["/v1/responses", "/v1/messages", "/v1beta/models/{model}:generateContent"]
      ) {
        assert(doc.paths[path], `documents ${path}`);
      }
      // Their wire schemas are built when first needed, here by the document itself.
      for (
        const [path, schema, field] of [
          ["/v1/responses", "ResponsesRequest", "input"],
          ["/v1/messages", "AnthropicMessagesRequest", "max_tokens"],
          ["/v1beta/models/{model}:generateContent", "GenerateContentRequest", "contents"],
        ] as const
      ) {
        const body = doc.paths[path].post.requestBody.content["application/json"].schema;
        assertEquals(body, { $ref: `#/components/schemas/${schema}` }, path);
        assert(doc.components.schemas[schema].properties[field], `${schema} has ${field}`);
      }
      assertNotIncludes(text, KEY);
    });

    await t.step("GET /v1/models/{model} reads an endpoint or a route as a model", async () => {
      const route = await (await fetch(`${url}/v1/models/split`)).json();
      assertEquals([route.id, route.owned_by, route.endpoint_type], [
        "split",
        "route",
        "llm/v1/chat",
      ]);
      const list = await (await fetch(`${url}/v1/models`)).json();
      assertEquals(list.data.find((m: { id: string }) => m.id === "split"), route);
      const unknown = await fetch(`${url}/v1/models/splt`);
      assertEquals(unknown.status, 404);
      assertStringIncludes((await unknown.json()).error.message, "Did you mean 'split'?");
    });

    await t.step(
      "GET /api/2.0/endpoints/ lists endpoints in MLflow's shape, limit always present",
      async () => {
        const body = await (await fetch(`${url}/api/2.0/endpoints/`)).json();
        assertEquals(body.next_page_token, null, "always sent, as MLflow does");
        assertEquals(body.endpoints[0], {
          name: "chat",
          endpoint_type: "llm/v1/chat",
          model: { name: "mock-chat", provider: "mock" },
          endpoint_url: "/gateway/chat/invocations",
          limit: { calls: 1000, key: null, renewal_period: "minute" },
        });
        assertEquals(body.endpoints[1].limit, null);
        assertEquals(body.endpoints[3].model, { name: null, provider: "mock" });
        assert(
          !body.endpoints.some((e: { name: string }) => e.name === "split"),
          "routes are not endpoints",
        );
        const text = JSON.stringify(body);
        assertNotIncludes(text, KEY);
        assertEquals(
          (await fetch(`${url}/api/2.0/endpoints`)).status,
          200,
          "no trailing slash works too",
        );
      },
    );

    await t.step("GET /api/2.0/endpoints/{name} and the 3.0 path; 404 for unknown", async () => {
      const one = await (await fetch(`${url}/api/2.0/endpoints/completions`)).json();
      assertEquals(one.endpoint_type, "llm/v1/completions");
      assertEquals(await (await fetch(`${url}/api/3.0/gateway/endpoint/completions`)).json(), one);
      const missing = await fetch(`${url}/api/2.0/endpoints/nope`);
      assertEquals(missing.status, 404);
      const body = await missing.json();
      assertMatch(body.error.message, /The endpoint 'nope' is not present/);
      assertEquals(body.detail, body.error.message, "MLflow's detail beside OpenAI's error");
      for (const path of ["/api/2.0/endpoints/limits/chat", "/api/2.0/gateway/limits/chat"]) {
        const limits = await fetch(`${url}${path}`);
        assertEquals(limits.status, 501);
        assertEquals((await limits.json()).detail, "The get_limits API is not available yet.");
      }
      const missingRoute = await (await fetch(`${url}/api/3.0/gateway/route/nope`)).json();
      assertMatch(missingRoute.detail, /The route 'nope' is not present/);
    });

    await t.step("routes are listed and shown at /api/3.0/gateway/route(s)", async () => {
      const list = await (await fetch(`${url}/api/3.0/gateway/routes`)).json();
      const expected = {
        name: "split",
        task_type: "llm/v1/chat",
        destinations: [{ name: "fixed", traffic_percentage: 100 }, {
          name: "chat",
          traffic_percentage: 0,
        }],
        routing_strategy: "TRAFFIC_SPLIT",
      };
      assertEquals(list, { routes: [expected], next_page_token: null });
      assertEquals(await (await fetch(`${url}/api/3.0/gateway/route/split`)).json(), expected);
      assertEquals((await fetch(`${url}/api/3.0/gateway/route/chat`)).status, 404);
    });

    await t.step("legacy /api/2.0/gateway/routes/ shape", async () => {
      const body = await (await fetch(`${url}/api/2.0/gateway/routes/`)).json();
      assertEquals(body.next_page_token, null);
      assertEquals(body.routes[1], {
        name: "completions",
        route_type: "llm/v1/completions",
        model: { name: "mock-completions", provider: "mock" },
        route_url: "/gateway/completions/invocations",
        limit: null,
      });
    });

    await t.step("a bad page_token is a 400, not a 500", async () => {
      const response = await fetch(`${url}/api/2.0/endpoints/?page_token=not-base64!`);
      assertEquals(response.status, 400);
      assertEquals((await errorOf(response)).param, "page_token");
    });

    await t.step("both invocation paths serve chat, completions and embeddings", async () => {
      for (const prefix of ["gateway", "endpoints"]) {
        const chat = await (await post(`${url}/${prefix}/chat/invocations`, chatBody)).json();
        assertEquals(chat.choices[0].message, {
          role: "assistant",
          content: "hello gateway",
          tool_calls: null,
          refusal: null,
        });
        assertEquals(chat.object, "chat.completion");
        const completion = await (await post(`${url}/${prefix}/completions/invocations`, {
          prompt: "once upon",
          max_tokens: 1,
        })).json();
        assertEquals(completion.choices[0], { index: 0, text: "once", finish_reason: "length" });
        const embeddings =
          await (await post(`${url}/${prefix}/embeddings/invocations`, { input: ["a", "b"] }))
            .json();
        assertEquals(embeddings.data.length, 2);
        assertEquals(embeddings.data[0].embedding.length, 4);
      }
    });

    await t.step(
      "invocations refuse a 'model' field, as MLflow does (but with a 400)",
      async () => {
        const response = await post(`${url}/gateway/chat/invocations`, {
          ...chatBody,
          model: "gpt-4",
        });
        assertEquals(response.status, 400);
        assertMatch((await errorOf(response)).message, /'model' is not permitted/);
      },
    );

    await t.step(
      "a route is served like an endpoint, with the destination in x-gateway-endpoint",
      async () => {
        for (const path of ["/gateway/split/invocations", "/v1/chat/completions"]) {
          const response = await post(`${url}${path}`, {
            ...chatBody,
            ...(path.startsWith("/v1") ? { model: "split" } : {}),
          });
          assertEquals(response.headers.get("x-gateway-endpoint"), "fixed");
          assertEquals((await response.json()).choices[0].message.content, "fixed answer");
        }
      },
    );

    await t.step("streaming over invocations: SSE chunks ending in [DONE]", async () => {
      const response = await post(`${url}/gateway/chat/invocations`, { ...chatBody, stream: true });
      assertEquals(response.status, 200);
      assertStringIncludes(response.headers.get("content-type") ?? "", "text/event-stream");
      const text = await response.text();
      const events = text.split("\n\n").filter(Boolean);
      assertEquals(events[events.length - 1], "data: [DONE]");
      const chunks = events.slice(0, -1).map((e) => JSON.parse(e.slice("data: ".length)));
      assertEquals(chunks.map((c) => c.choices[0]?.delta?.content ?? "").join(""), "hello gateway");
      assertEquals(chunks[chunks.length - 2].choices[0].finish_reason, "stop");
      assert(chunks.every((c) => c.object === "chat.completion.chunk"));
      // As MLflow 3's gateway: each chunk names the provider, and the stream ends with a chunk
      // carrying the usage, then [DONE].
      assert(chunks.every((c) => c.provider === "mock"), JSON.stringify(chunks[0]));
      const last = chunks[chunks.length - 1];
      assertEquals(last.choices, []);
      assert(last.usage.total_tokens > 0, JSON.stringify(last));
      // MLflow 3.17 sends every key, null when unset: `delta["content"]` never raises.
      const finish = chunks[chunks.length - 2];
      assertEquals(finish.choices[0].delta, { role: null, content: null, tool_calls: null });
      assertEquals(finish.usage, null);
    });

    await t.step(
      "streams on the invocation paths carry MLflow's keys, null when unset; /v1's do not",
      async () => {
        // An OpenAI upstream (its chunks relayed) with a streamed tool call, on both paths.
        const tools = [{ type: "function", function: { name: "lookup", parameters: {} } }];
        const chunksOf = async (path: string, body: unknown) => {
          const text = await (await post(`${url}${path}`, body)).text();
          return text.split("\n\n").filter((e) => e && e !== "data: [DONE]")
            .map((e) => JSON.parse(e.slice("data: ".length)));
        };
        const mlflow = await chunksOf("/endpoints/upstream/invocations", {
          ...chatBody,
          tools,
          stream: true,
        });
        for (const chunk of mlflow) {
          for (const key of ["id", "object", "created", "model", "choices", "usage", "provider"]) {
            assert(key in chunk, `${key} in ${JSON.stringify(chunk)}`);
          }
          assertEquals(chunk.provider, "openai");
          for (const choice of chunk.choices) {
            assertEquals(Object.keys(choice.delta).slice(0, 3), ["role", "content", "tool_calls"]);
            assert("finish_reason" in choice);
            for (const call of choice.delta.tool_calls ?? []) {
              assertEquals(Object.keys(call).slice(0, 4), ["index", "id", "type", "function"]);
              assertEquals(Object.keys(call.function).slice(0, 2), ["name", "arguments"]);
            }
          }
        }
        const args = mlflow.flatMap((c) => c.choices).flatMap((c) => c.delta.tool_calls ?? []);
        assertEquals(args[1].id, null, "a later fragment's id is null, not left out");
        assertEquals(
          args.map((call) => call.function.arguments).join(""),
          JSON.stringify({ q: "hello gateway" }),
        );
        const finish = mlflow.find((c) => c.choices[0]?.finish_reason === "tool_calls");
        assertEquals(finish.choices[0].delta, { role: null, content: null, tool_calls: null });
        // The same upstream through /v1: OpenAI's chunks as the upstream sent them.
        const openai = await chunksOf("/v1/chat/completions", {
          ...chatBody,
          model: "upstream",
          tools,
          stream: true,
        });
        const openaiFinish = openai.find((c) => c.choices[0]?.finish_reason === "tool_calls");
        assertEquals(openaiFinish.choices[0].delta, {});
        assert(openai.every((c) => !("provider" in c) && !("usage" in c)), "no keys added on /v1");
        // Completions streams on the invocation paths: usage null until the usage chunk.
        const completions = await chunksOf("/gateway/upstream-completions/invocations", {
          prompt: "x y",
          stream: true,
        });
        assertEquals(
          completions.slice(0, -1).map((c) => c.usage),
          Array(completions.length - 1).fill(null),
        );
        assert(completions[completions.length - 1].usage.total_tokens > 0);
      },
    );

    await t.step(
      "chat answers name their provider on the invocation paths and /v1, as MLflow 3.17's do",
      async () => {
        const mlflow = await (await post(`${url}/gateway/chat/invocations`, chatBody)).json();
        assertEquals(mlflow.provider, "mock");
        const openai =
          await (await post(`${url}/v1/chat/completions`, { model: "chat", ...chatBody }))
            .json();
        assertEquals(openai.provider, "mock");
        const relayed =
          await (await post(`${url}/v1/chat/completions`, { model: "upstream", ...chatBody }))
            .json();
        assertEquals(relayed.provider, "openai");
        // MLflow's completions answers have no provider field.
        const completion = await (await post(`${url}/v1/completions`, {
          model: "completions",
          prompt: "once",
        })).json();
        assertEquals("provider" in completion, false);
      },
    );

    await t.step(
      "errors on the invocation paths carry MLflow's detail beside OpenAI's error",
      async () => {
        const response = await post(`${url}/gateway/chat/invocations`, { messages: [] });
        assertEquals(response.status, 400);
        const body = await response.json();
        assertEquals(body.detail, body.error.message);
        const redoc = await fetch(`${url}/redoc`, { redirect: "manual" });
        assertEquals([redoc.status, redoc.headers.get("location")], [307, "/docs"]);
        await redoc.body?.cancel();
      },
    );

    await t.step("x-request-id is echoed, or made up", async () => {
      const given = await fetch(`${url}/health`, { headers: { "x-request-id": "req-123" } });
      assertEquals(given.headers.get("x-request-id"), "req-123");
      await given.body?.cancel();
      const made = await fetch(`${url}/health`);
      assertMatch(made.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
      await made.body?.cancel();
      // Every kind of answer carries it once: JSON, a stream, an error, an unknown path.
      const id = { "x-request-id": "req-456" };
      const answers = [
        await post(`${url}/gateway/chat/invocations`, chatBody, id),
        await post(`${url}/gateway/chat/invocations`, { ...chatBody, stream: true }, id),
        await post(`${url}/v1/chat/completions`, { model: "chat", ...chatBody }, id),
        await post(`${url}/v1/chat/completions`, { model: "nope", ...chatBody }, id),
        await post(`${url}/gateway/chat/invocations`, { messages: [] }, id),
        await post(`${url}/no/such/path`, chatBody, id),
      ];
      assertEquals(answers.map((r) => r.status), [200, 200, 200, 404, 400, 404]);
      for (const response of answers) {
        assertEquals(response.headers.get("x-request-id"), "req-456");
        await response.body?.cancel();
      }
      const bad = await fetch(`${url}/health`, {
        headers: { "x-request-id": "no spaces allowed" },
      });
      assertMatch(bad.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
      await bad.body?.cancel();
    });

    await t.step("bad bodies: 400s that name the problem", async () => {
      const cases: [string | Record<string, unknown>, RegExp, string | null][] = [
        ["{not json", /not valid JSON/, null],
        ["", /empty/, null],
        ["[1,2]", /must be a JSON object/, null],
        [{ messages: [] }, /'messages'/, "messages"],
        [
          { messages: [{ role: "robot", content: "x" }] },
          /'messages\[0\]\.role' must be one of/,
          "messages[0].role",
        ],
        [
          { messages: [{ role: "user", content: "x" }], temperature: 5 },
          /'temperature'/,
          "temperature",
        ],
        [
          { messages: [{ role: "user", content: 5 }] },
          /'messages\[0\]\.content'/,
          "messages[0].content",
        ],
      ];
      for (const [body, message, param] of cases) {
        const response = await post(`${url}/gateway/chat/invocations`, body);
        assertEquals(response.status, 400, `status for ${JSON.stringify(body)}`);
        const error = await errorOf(response);
        assertMatch(error.message, message);
        assertEquals(error.param, param);
        assertEquals(error.type, "invalid_request_error");
      }
      const invalidUtf8 = await fetch(`${url}/gateway/chat/invocations`, {
        method: "POST",
        body: new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
      });
      assertEquals(invalidUtf8.status, 400);
      assertMatch((await errorOf(invalidUtf8)).message, /UTF-8/);
      const plainText = await fetch(`${url}/gateway/chat/invocations`, {
        method: "POST",
        headers: { "content-type": "text/plain" },
        body: JSON.stringify(chatBody),
      });
      assertEquals(plainText.status, 200, "a JSON body is read whatever its content type");
      await plainText.body?.cancel();
    });

    await t.step(
      "/v1 errors: missing model 400, unknown model 404, wrong type 400 naming the right route",
      async () => {
        const missing = await post(`${url}/v1/chat/completions`, chatBody);
        assertEquals(missing.status, 400);
        assertEquals((await errorOf(missing)).param, "model");
        const unknown = await post(`${url}/v1/chat/completions`, { ...chatBody, model: "chta" });
        assertEquals(unknown.status, 404);
        assertMatch((await errorOf(unknown)).message, /Did you mean 'chat'/);
        const wrong = await post(`${url}/v1/embeddings`, { model: "chat", input: "x" });
        assertEquals(wrong.status, 400);
        assertMatch((await errorOf(wrong)).message, /POST \/v1\/chat\/completions/);
      },
    );

    await t.step("404 for unknown paths, 405 for wrong methods", async () => {
      const unknown = await fetch(`${url}/v2/whatever`);
      assertEquals(unknown.status, 404);
      const unknownBody = await unknown.json();
      assertEquals(unknownBody.error.code, "route_not_found");
      assertEquals(unknownBody.detail, unknownBody.error.message, "MLflow's detail, as for MLflow");
      const wrongMethod = await fetch(`${url}/v1/chat/completions`);
      assertEquals(wrongMethod.status, 405);
      assertEquals(wrongMethod.headers.get("allow"), "POST");
      await errorOf(wrongMethod);
      const wrongOnMlflow = await fetch(`${url}/gateway/chat/invocations`);
      assertEquals(wrongOnMlflow.status, 405);
      const wrongBody = await wrongOnMlflow.json();
      assertEquals(wrongBody.detail, wrongBody.error.message);
      const odd = await fetch(`${url}/gateway/..%2f..%2fetc/invocations`, {
        method: "POST",
        body: "{}",
      });
      assertEquals(odd.status, 404);
      await odd.body?.cancel();
    });

    await t.step("413 for a body over max_body_bytes, declared or streamed", async () => {
      const big = JSON.stringify({ messages: [{ role: "user", content: "x".repeat(70_000) }] });
      const declared = await post(`${url}/gateway/chat/invocations`, big);
      assertEquals(declared.status, 413);
      assertMatch((await errorOf(declared)).message, /65536 bytes/);
      const encoder = new TextEncoder();
      const chunked = await fetch(`${url}/gateway/chat/invocations`, {
        method: "POST",
        body: new ReadableStream({
          start(controller) {
            for (let i = 0; i < 10; i++) {
              controller.enqueue(
                encoder.encode(big.slice(i * 7000, (i + 1) * 7000 + (i === 9 ? big.length : 0))),
              );
            }
            controller.close();
          },
        }),
      });
      assertEquals(chunked.status, 413);
      await chunked.body?.cancel();
    });

    await t.step("upstream 400 → 400 with the provider's message", async () => {
      upstream.faults.push({
        kind: "status",
        status: 400,
        body: {
          error: {
            message: "Invalid value for 'logit_bias'",
            type: "invalid_request_error",
            param: "logit_bias",
            code: null,
          },
        },
      });
      const response = await post(`${url}/gateway/upstream/invocations`, chatBody);
      assertEquals(response.status, 400);
      const error = await errorOf(response);
      assertEquals(error.message, "Invalid value for 'logit_bias'");
      assertEquals(error.param, "logit_bias");
    });

    await t.step("upstream 429 → 429 keeping Retry-After", async () => {
      upstream.faults.push({
        kind: "status",
        status: 429,
        body: {
          error: { message: "Rate limit reached", type: "requests", code: "rate_limit_exceeded" },
        },
        headers: { "retry-after": "30" },
      });
      const response = await post(`${url}/gateway/upstream/invocations`, chatBody);
      assertEquals(response.status, 429);
      assertEquals(response.headers.get("retry-after"), "30");
      assertMatch((await errorOf(response)).message, /Rate limit reached/);
    });

    await t.step(
      "upstream 500 → 502; 401 → 502 naming the credentials, never the key",
      async () => {
        upstream.faults.push({
          kind: "status",
          status: 500,
          body: { error: { message: "The server had an error" } },
        });
        const failed = await post(`${url}/gateway/upstream/invocations`, chatBody);
        assertEquals(failed.status, 502);
        assertMatch((await errorOf(failed)).message, /HTTP 500: The server had an error/);
        upstream.faults.push({
          kind: "status",
          status: 401,
          body: { error: { message: `Incorrect API key provided: ${KEY}` } },
        });
        const denied = await post(`${url}/gateway/upstream/invocations`, chatBody);
        assertEquals(denied.status, 502);
        const text = await denied.text();
        assertStringIncludes(text, "rejected the gateway's credentials");
        assertNotIncludes(text, KEY);
      },
    );

    await t.step(
      "upstream timeout → 504; connection refused → 502; malformed body → 502",
      async () => {
        upstream.faults.push({ kind: "hang" });
        const slow = await post(`${url}/gateway/upstream/invocations`, chatBody);
        assertEquals(slow.status, 504);
        assertMatch((await errorOf(slow)).message, /did not answer within 1s/);
        const refused = await post(`${url}/gateway/unreachable/invocations`, chatBody);
        assertEquals(refused.status, 502);
        assertMatch(
          (await errorOf(refused)).message,
          /could not reach OpenAI at http:\/\/127\.0\.0\.1:9/,
        );
        upstream.faults.push({ kind: "malformed" });
        const malformed = await post(`${url}/gateway/upstream/invocations`, chatBody);
        assertEquals(malformed.status, 502);
        await malformed.body?.cancel();
      },
    );

    await t.step(
      "a stream whose upstream fails before the first chunk gets the real status",
      async () => {
        upstream.faults.push({
          kind: "status",
          status: 429,
          body: { error: { message: "slow down" } },
          headers: { "retry-after": "20" },
        });
        const response = await post(`${url}/gateway/upstream/invocations`, {
          ...chatBody,
          stream: true,
        });
        assertEquals(response.status, 429);
        assertStringIncludes(response.headers.get("content-type") ?? "", "application/json");
        await errorOf(response);
      },
    );

    await t.step("a stream cut mid-way ends with an error event and no [DONE]", async () => {
      upstream.faults.push({ kind: "cut", afterChunks: 2 });
      const response = await post(`${url}/gateway/upstream/invocations`, {
        ...chatBody,
        stream: true,
      });
      assertEquals(response.status, 200);
      const events = (await response.text()).split("\n\n").filter(Boolean);
      assert(!events.includes("data: [DONE]"), "no [DONE] after a broken stream");
      const last = JSON.parse((events[events.length - 1] ?? "").slice("data: ".length));
      assertEquals(last.error.type, "upstream_error");
      assertEquals(typeof last.error.message, "string");
    });

    await t.step("a client that disconnects mid-stream aborts the upstream request", async () => {
      upstream.options.chunkDelayMs = 100;
      try {
        const before = upstream.recorder.aborted;
        const controller = new AbortController();
        const response = await post(`${url}/gateway/upstream/invocations`, {
          messages: [{ role: "user", content: "a b c d e f g h i j k l m n o p" }],
          stream: true,
        }, {});
        const reader = response.body!.getReader();
        await reader.read();
        controller.abort();
        await reader.cancel();
        const deadline = Date.now() + 5000;
        while (upstream.recorder.aborted === before && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 50));
        }
        assertEquals(upstream.recorder.aborted, before + 1, "the mock saw its stream cancelled");
      } finally {
        upstream.options.chunkDelayMs = 0;
      }
    });

    await t.step(
      "GET /metrics counts requests, statuses and tokens in Prometheus format",
      async () => {
        const response = await fetch(`${url}/metrics`);
        assertStringIncludes(response.headers.get("content-type") ?? "", "text/plain");
        const text = await response.text();
        assertMatch(text, /gateway_requests_total\{endpoint="chat",status="200"\} \d+/);
        assertMatch(text, /gateway_requests_total\{endpoint="",status="404"\} \d+/);
        assertMatch(
          text,
          /gateway_tokens_total\{endpoint="chat",provider="[^"]+",model="[^"]*",key="anonymous",kind="completion"\} \d+/,
        );
        assertMatch(
          text,
          /gateway_request_duration_seconds_bucket\{endpoint="chat",le="\+Inf"\} \d+/,
        );
        assertNotIncludes(text, KEY);
      },
    );

    await t.step("completions stream relays text chunks from an OpenAI upstream", async () => {
      const response = await post(`${url}/v1/completions`, {
        model: "upstream-completions",
        prompt: "x y",
        stream: true,
      });
      const events = (await response.text()).split("\n\n").filter(Boolean);
      assertEquals(events[events.length - 1], "data: [DONE]");
      const text = events.slice(0, -1).map((e) => JSON.parse(e.slice(6)).choices[0]?.text ?? "")
        .join("");
      assertEquals(text, "Echo: x y");
    });
  } finally {
    await gateway.stop();
    await upstream.close();
  }
});
