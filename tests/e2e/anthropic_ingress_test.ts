/**
 * Anthropic's Messages API served by the gateway (`POST /v1/messages`), with the official clients
 * used as their docs show: `@anthropic-ai/sdk` here, the `anthropic` Python SDK through
 * tests/clients/anthropic_python.py. Each runs against an OpenAI endpoint and an Anthropic one
 * (both local mocks), and each request's record names the ingress API.
 */
import Anthropic from "@anthropic-ai/sdk";
import { fileURLToPath } from "node:url";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../assert.ts";
import { startMockOpenAI } from "../mocks/openai.ts";
import { startMockAnthropic } from "../mocks/anthropic.ts";
import { postJson, startGateway, UNDER_TEST } from "./harness.ts";

const OPENAI_KEY = "sk-mock-openai-ingress-0123456789";
const ANTHROPIC_KEY = "sk-ant-mock-ingress-0123456789";
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const PYTHON = `${ROOT}.venv-clients/bin/python`;

const TOOLS: Anthropic.Tool[] = [{
  name: "get_weather",
  description: "The weather in a city",
  input_schema: { type: "object", properties: { q: { type: "string" } }, required: ["q"] },
}];

function hasClients(): boolean {
  try {
    return Deno.statSync(PYTHON).isFile;
  } catch {
    return false;
  }
}

/** The text of a message's text blocks. */
function textOf(message: Anthropic.Message): string {
  return message.content.flatMap((block) => block.type === "text" ? [block.text] : []).join("");
}

Deno.test(`Anthropic Messages API through the gateway (${UNDER_TEST})`, async (t) => {
  const openai = startMockOpenAI({ apiKey: OPENAI_KEY });
  const anthropic = startMockAnthropic({ apiKey: ANTHROPIC_KEY });
  const gateway = await startGateway({
    args: ["--log-format", "json"],
    env: { GATEWAY_LOG_LEVEL: "info" },
    config: `
endpoints:
  - name: gpt
    endpoint_type: llm/v1/chat
    model:
      provider: openai
      name: gpt-4o-mini
      config: {openai_api_key: ${OPENAI_KEY}, openai_api_base: ${openai.baseUrl}}
  - name: claude
    endpoint_type: llm/v1/chat
    model:
      provider: anthropic
      name: claude-sonnet-4-5
      config: {anthropic_api_key: ${ANTHROPIC_KEY}, anthropic_api_base: ${anthropic.baseUrl}}
  - name: embeddings
    endpoint_type: llm/v1/embeddings
    model: {provider: mock}
`,
  });
  const client = new Anthropic({
    baseURL: gateway.url,
    apiKey: "sk-ant-client-unused",
    maxRetries: 0,
  });
  try {
    for (const model of ["gpt", "claude"]) {
      await t.step(
        `${model}: messages.create with system blocks answers in Anthropic's shape`,
        async () => {
          const message = await client.messages.create({
            model,
            max_tokens: 64,
            system: [{
              type: "text",
              text: "Answer briefly.",
              cache_control: { type: "ephemeral" },
            }],
            messages: [{ role: "user", content: "Hello there" }],
          });
          assertEquals([message.type, message.role, message.model], [
            "message",
            "assistant",
            model,
          ]);
          assertMatch(message.id, /^msg_/);
          assert(textOf(message).length > 0, JSON.stringify(message));
          assertEquals(message.stop_reason, "end_turn");
          assert(message.usage.output_tokens > 0, JSON.stringify(message.usage));
        },
      );

      await t.step(
        `${model}: messages.stream gives the same text and a final message`,
        async () => {
          const plain = await client.messages.create({
            model,
            max_tokens: 64,
            messages: [{ role: "user", content: "Hello there" }],
          });
          const stream = client.messages.stream({
            model,
            max_tokens: 64,
            messages: [{ role: "user", content: "Hello there" }],
          });
          let streamed = "";
          stream.on("text", (text) => (streamed += text));
          const final = await stream.finalMessage();
          assertEquals(streamed, textOf(plain));
          assertEquals(textOf(final), textOf(plain));
          assertEquals(final.stop_reason, "end_turn");
          assert(final.usage.output_tokens > 0);
        },
      );

      await t.step(`${model}: a tool round trip, plain and streamed`, async () => {
        const asked = await client.messages.create({
          model,
          max_tokens: 64,
          tools: TOOLS,
          messages: [{ role: "user", content: "Weather in Paris?" }],
        });
        assertEquals(asked.stop_reason, "tool_use");
        const use = asked.content.find((block) => block.type === "tool_use");
        assert(use?.type === "tool_use" && use.name === "get_weather");
        assertEquals(typeof use.input, "object");
        const answered = await client.messages.create({
          model,
          max_tokens: 64,
          tools: TOOLS,
          messages: [
            { role: "user", content: "Weather in Paris?" },
            { role: "assistant", content: asked.content },
            {
              role: "user",
              content: [{ type: "tool_result", tool_use_id: use.id, content: "sunny, 21 C" }],
            },
          ],
        });
        assertEquals(answered.stop_reason, "end_turn");
        assertStringIncludes(textOf(answered), "sunny");
        const streamed = await client.messages.stream({
          model,
          max_tokens: 64,
          tools: TOOLS,
          messages: [{ role: "user", content: "Weather in Paris?" }],
        }).finalMessage();
        const streamedUse = streamed.content.find((block) => block.type === "tool_use");
        assert(streamedUse?.type === "tool_use" && streamedUse.name === "get_weather");
        assertEquals(streamedUse.input, use.input);
        assertEquals(streamed.stop_reason, "tool_use");
      });

      await t.step(`${model}: count_tokens estimates the input`, async () => {
        const count = await client.messages.countTokens({
          model,
          messages: [{ role: "user", content: "Hello there, how are you today?" }],
        });
        assert(count.input_tokens > 0);
      });
    }

    await t.step("errors are Anthropic's envelope and the SDK's typed errors", async () => {
      const unknown = await client.messages.create({
        model: "nope",
        max_tokens: 8,
        messages: [{ role: "user", content: "x" }],
      }).then(() => undefined, (error) => error);
      assert(unknown instanceof Anthropic.NotFoundError, String(unknown));
      const raw = await postJson(`${gateway.url}/v1/messages`, { model: "gpt", messages: [] });
      assertEquals(raw.status, 400);
      const body = await raw.json();
      assertEquals(body.type, "error");
      assertEquals(body.error.type, "invalid_request_error");
      const wrongType = await postJson(`${gateway.url}/v1/messages`, {
        model: "embeddings",
        max_tokens: 8,
        messages: [{ role: "user", content: "x" }],
      });
      assertEquals(wrongType.status, 400);
      assertEquals((await wrongType.json()).error.type, "invalid_request_error");
    });

    await t.step(
      "also served under /anthropic/v1/messages, and x-api-key is accepted",
      async () => {
        const other = new Anthropic({
          baseURL: `${gateway.url}/anthropic`,
          apiKey: "sk-ant-x",
          maxRetries: 0,
        });
        const message = await other.messages.create({
          model: "gpt",
          max_tokens: 16,
          messages: [{ role: "user", content: "Hi" }],
        });
        assertEquals(message.type, "message");
      },
    );

    await t.step("records name the ingress API", async () => {
      const response = await postJson(`${gateway.url}/v1/messages`, {
        model: "gpt",
        max_tokens: 16,
        messages: [{ role: "user", content: "Hi" }],
      });
      await response.text();
      const id = response.headers.get("x-request-id");
      await new Promise((r) => setTimeout(r, 50));
      const line = gateway.output().split("\n").find((l) =>
        l.includes('"msg":"request"') && l.includes(`"request_id":"${id}"`)
      );
      assert(line, "the request's access log line");
      const record = JSON.parse(line);
      assertEquals([record.ingress, record.endpoint, record.status], [
        "anthropic.messages",
        "gpt",
        200,
      ]);
      assert(record.prompt_tokens > 0 && record.completion_tokens > 0, line);
    });

    await t.step({
      name: "the anthropic Python SDK, against an OpenAI and an Anthropic endpoint",
      ignore: !hasClients(),
      fn: async () => {
        for (const model of ["gpt", "claude"]) {
          const out = await new Deno.Command(PYTHON, {
            args: [`${ROOT}tests/clients/anthropic_python.py`, gateway.url, model],
            stdout: "piped",
            stderr: "piped",
          }).output();
          const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
          assert(out.success, `${model}:\n${text}`);
          assertStringIncludes(text, "anthropic python SDK: OK");
        }
      },
    });
  } finally {
    await gateway.stop();
    await openai.close();
    await anthropic.close();
  }
});
