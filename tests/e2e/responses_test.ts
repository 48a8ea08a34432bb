/**
 * OpenAI's Responses API through the real gateway process, with the official `openai` SDK as its
 * docs show it: plain and streamed responses, a function tool round trip with
 * `previous_response_id`, stored responses (GET, DELETE, `store: false`) kept per client key.
 */
import OpenAI from "openai";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../assert.ts";
import { startMockOpenAI } from "../mocks/openai.ts";
import { postJson, startGateway, UNDER_TEST } from "./harness.ts";

const KEY = "sk-responses-upstream-0123";

Deno.test(`Responses API with the openai SDK (${UNDER_TEST})`, async (t) => {
  const upstream = startMockOpenAI({ apiKey: KEY });
  const gateway = await startGateway({
    env: { UPSTREAM_KEY: KEY, ALICE: "alice-secret-0123456789", BOB: "bob-secret-0123456789ab" },
    config: `
endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    model:
      provider: openai
      name: gpt-4o-mini
      config: {openai_api_key: $UPSTREAM_KEY, openai_api_base: ${upstream.baseUrl}}
server:
  auth:
    keys:
      - {name: alice, key: $ALICE}
      - {name: bob, key: $BOB}
`,
  });
  const client = new OpenAI({
    baseURL: `${gateway.url}/v1`,
    apiKey: "alice-secret-0123456789",
    maxRetries: 0,
  });
  try {
    let firstId = "";
    await t.step("responses.create answers with output_text and usage", async () => {
      const response = await client.responses.create({
        model: "chat",
        instructions: "Be brief.",
        input: "Hello there",
        temperature: 0.2,
      });
      assertEquals(response.object, "response");
      assertEquals(response.status, "completed");
      assertEquals(response.output_text, "Echo: Hello there");
      assertEquals(response.usage?.input_tokens, 10);
      assertMatch(response.id, /^resp_/);
      firstId = response.id;
      const sent = upstream.recorder.last?.body as { messages: { role: string }[] };
      assertEquals(sent.messages.map((m) => m.role), ["system", "user"]);
    });

    await t.step("a stream's events build the same answer", async () => {
      const stream = await client.responses.create({
        model: "chat",
        input: "stream me",
        stream: true,
      });
      const types: string[] = [];
      let text = "";
      let completed: OpenAI.Responses.Response | undefined;
      for await (const event of stream) {
        types.push(event.type);
        if (event.type === "response.output_text.delta") text += event.delta;
        if (event.type === "response.completed") completed = event.response;
      }
      assertEquals(types[0], "response.created");
      assertEquals(types.at(-1), "response.completed");
      assert(types.includes("response.output_item.done"));
      assertEquals(text, "Echo: stream me");
      assertEquals(completed?.output_text ?? textOf(completed), "Echo: stream me");
      assert((completed?.usage?.total_tokens ?? 0) > 0);
    });

    await t.step("a function tool round trip continues with previous_response_id", async () => {
      const tools: OpenAI.Responses.Tool[] = [{
        type: "function",
        name: "lookup",
        description: "Looks a word up",
        parameters: { type: "object", properties: { q: { type: "string" } } },
        strict: false,
      }];
      const first = await client.responses.create({ model: "chat", input: "sea", tools });
      const call = first.output.find((item) => item.type === "function_call");
      assert(call?.type === "function_call", JSON.stringify(first.output));
      assertEquals(call.name, "lookup");
      assertEquals(JSON.parse(call.arguments), { q: "sea" });
      const second = await client.responses.create({
        model: "chat",
        previous_response_id: first.id,
        input: [{ type: "function_call_output", call_id: call.call_id, output: "salty water" }],
      });
      assertEquals(second.output_text, "Tool said: salty water");
      assertEquals(second.previous_response_id, first.id);
      // The upstream got the whole conversation: the question, the call, its output.
      const sent = upstream.recorder.last?.body as { messages: Record<string, unknown>[] };
      assertEquals(sent.messages.map((m) => m.role), ["user", "assistant", "tool"]);
    });

    await t.step("stored responses: GET, DELETE, per client key, store:false", async () => {
      const stored = await client.responses.retrieve(firstId);
      assertEquals(stored.output_text, "Echo: Hello there");
      const bob = new OpenAI({
        baseURL: `${gateway.url}/v1`,
        apiKey: "bob-secret-0123456789ab",
        maxRetries: 0,
      });
      const hidden = await bob.responses.retrieve(firstId).catch((e) => e);
      assertEquals(hidden.status, 404);
      const continued = await bob.responses.create({
        model: "chat",
        previous_response_id: firstId,
        input: "again",
      }).catch((e) => e);
      assertEquals(continued.status, 404);
      assertStringIncludes(continued.message, "not found");
      const unstored = await client.responses.create({ model: "chat", input: "x", store: false });
      assertEquals((await client.responses.retrieve(unstored.id).catch((e) => e)).status, 404);
      await client.responses.delete(firstId);
      assertEquals((await client.responses.retrieve(firstId).catch((e) => e)).status, 404);
    });

    await t.step("MLflow 3's gateway paths serve the same client APIs", async () => {
      const auth = { authorization: "Bearer alice-secret-0123456789" };
      const chat = { model: "chat", messages: [{ role: "user", content: "mlflow 3" }] };
      for (
        const path of ["/gateway/openai/v1/chat/completions", "/gateway/mlflow/v1/chat/completions"]
      ) {
        const response = await postJson(`${gateway.url}${path}`, chat, auth);
        assertEquals(response.status, 200, path);
        assertEquals((await response.json()).choices[0].message.content, "Echo: mlflow 3");
      }
      const responses = await postJson(
        `${gateway.url}/gateway/openai/v1/responses`,
        { model: "chat", input: "mlflow 3" },
        auth,
      );
      assertEquals((await responses.json()).output[0].content[0].text, "Echo: mlflow 3");
      const messages = await postJson(
        `${gateway.url}/gateway/anthropic/v1/messages`,
        { model: "chat", max_tokens: 20, messages: [{ role: "user", content: "mlflow 3" }] },
        { "x-api-key": "alice-secret-0123456789" },
      );
      assertEquals((await messages.json()).content[0].text, "Echo: mlflow 3");
    });

    await t.step("a built-in tool is refused with a clear 400", async () => {
      const error = await client.responses.create({
        model: "chat",
        input: "news",
        tools: [{ type: "web_search" } as OpenAI.Responses.Tool],
      }).catch((e) => e);
      assertEquals(error.status, 400);
      assertStringIncludes(error.message, "web_search");
    });
  } finally {
    assertEquals(await gateway.stop(), 0, gateway.output());
    await upstream.close();
  }
});

/** A response's text from its output items (for SDK versions without `output_text` on events). */
function textOf(response: OpenAI.Responses.Response | undefined): string {
  return (response?.output ?? []).flatMap((item) =>
    item.type === "message" ? item.content.map((c) => (c.type === "output_text" ? c.text : "")) : []
  ).join("");
}

Deno.test(`stored responses outlive a restart in the SQLite store (${UNDER_TEST})`, async () => {
  const dir = Deno.makeTempDirSync({ prefix: "gateway-responses-" });
  const config = `
endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    model: {provider: mock, name: mock-1}
server:
  store: sqlite:${dir}/gateway.db
`;
  try {
    const first = await startGateway({ config });
    let id = "";
    try {
      const client = new OpenAI({ baseURL: `${first.url}/v1`, apiKey: "x", maxRetries: 0 });
      id = (await client.responses.create({ model: "chat", input: "remember me" })).id;
    } finally {
      await first.stop();
    }
    const second = await startGateway({ config });
    try {
      const client = new OpenAI({ baseURL: `${second.url}/v1`, apiKey: "x", maxRetries: 0 });
      assertEquals((await client.responses.retrieve(id)).output_text, "remember me");
      const next = await client.responses.create({
        model: "chat",
        previous_response_id: id,
        input: "and this",
      });
      assertEquals(next.output_text, "and this");
      await client.responses.delete(id);
      assertEquals((await client.responses.retrieve(id).catch((e) => e)).status, 404);
    } finally {
      await second.stop();
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
