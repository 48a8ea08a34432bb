/**
 * Native relay: an Anthropic client (`@anthropic-ai/sdk`, as its docs show) calling an Anthropic
 * endpoint through the gateway gets what Anthropic itself would give. Its body goes upstream as
 * it came (only the model named by the config), so thinking blocks with their signatures survive
 * a multi-turn tool round trip (the mock, like the real API, refuses a tool turn without them),
 * `cache_control` reaches the upstream, and citations come back; streams relay every event.
 * A route that falls back to an OpenAI endpoint still translates, and records and usage stay right.
 */
import Anthropic from "@anthropic-ai/sdk";
import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import { signatureOf, startMockAnthropic } from "../mocks/anthropic.ts";
import { startMockOpenAI } from "../mocks/openai.ts";
import { startGateway, UNDER_TEST } from "./harness.ts";

const ANTHROPIC_KEY = "sk-ant-mock-native-0123456789";
const OPENAI_KEY = "sk-mock-openai-native-0123456789";

const TOOLS: Anthropic.Tool[] = [{
  name: "get_weather",
  description: "The weather in a city",
  input_schema: { type: "object", properties: { q: { type: "string" } }, required: ["q"] },
}];

type Json = Record<string, unknown>;

Deno.test(`Anthropic clients on an Anthropic endpoint get a native relay (${UNDER_TEST})`, async (t) => {
  const anthropic = startMockAnthropic({ apiKey: ANTHROPIC_KEY });
  const openai = startMockOpenAI({ apiKey: OPENAI_KEY });
  const gateway = await startGateway({
    args: ["--log-format", "json"],
    env: { GATEWAY_LOG_LEVEL: "info" },
    config: `
endpoints:
  - name: claude
    endpoint_type: llm/v1/chat
    model:
      provider: anthropic
      name: claude-sonnet-4-5
      config: {anthropic_api_key: ${ANTHROPIC_KEY}, anthropic_api_base: ${anthropic.baseUrl}}
  - name: gpt
    endpoint_type: llm/v1/chat
    model:
      provider: openai
      name: gpt-4o-mini
      config: {openai_api_key: ${OPENAI_KEY}, openai_api_base: ${openai.baseUrl}}
routes:
  - name: claude-then-gpt
    task_type: llm/v1/chat
    routing_strategy: FALLBACK
    destinations: [{name: claude}, {name: gpt}]
`,
  });
  const client = new Anthropic({ baseURL: gateway.url, apiKey: "sk-ant-unused", maxRetries: 0 });
  const thinking = { type: "enabled" as const, budget_tokens: 1024 };
  const upstreamBody = () => anthropic.recorder.last?.body as Json;
  try {
    await t.step("thinking with its signature survives a tool round trip", async () => {
      const asked = await client.messages.create({
        model: "claude",
        max_tokens: 2048,
        thinking,
        tools: TOOLS,
        messages: [{ role: "user", content: "Weather in Paris?" }],
      });
      assertEquals(asked.model, "claude");
      assertEquals(asked.content.map((b) => b.type), ["thinking", "text", "tool_use"]);
      const block = asked.content[0] as Anthropic.ThinkingBlock;
      assertEquals(block.signature, signatureOf(block.thinking));
      assertEquals(upstreamBody().model, "claude-sonnet-4-5");
      assertEquals(upstreamBody().thinking, thinking);
      const use = asked.content.find((b) => b.type === "tool_use") as Anthropic.ToolUseBlock;
      const answered = await client.messages.create({
        model: "claude",
        max_tokens: 2048,
        thinking,
        tools: TOOLS,
        messages: [
          { role: "user", content: "Weather in Paris?" },
          { role: "assistant", content: asked.content },
          { role: "user", content: [{ type: "tool_result", tool_use_id: use.id, content: "sun" }] },
        ],
      });
      assertEquals(answered.stop_reason, "end_turn");
      assertStringIncludes(JSON.stringify(answered.content), "Tool said: sun");
      // The assistant turn reached the upstream whole: the signed block first.
      const sent = (upstreamBody().messages as Json[])[1] as { content: Json[] };
      assertEquals(sent.content[0], { ...block });
    });

    await t.step("streamed: every event relayed, the signature delta included", async () => {
      const stream = client.messages.stream({
        model: "claude",
        max_tokens: 2048,
        thinking,
        tools: TOOLS,
        messages: [{ role: "user", content: "Weather in Rome?" }],
      });
      const kinds: string[] = [];
      stream.on("streamEvent", (event) => {
        if (event.type === "content_block_delta") kinds.push(event.delta.type);
      });
      const message = await stream.finalMessage();
      assertEquals(message.model, "claude");
      assert(kinds.includes("signature_delta") && kinds.includes("thinking_delta"), `${kinds}`);
      const block = message.content[0] as Anthropic.ThinkingBlock;
      assertEquals(block.signature, signatureOf(block.thinking));
      const use = message.content.find((b) => b.type === "tool_use") as Anthropic.ToolUseBlock;
      const next = await client.messages.stream({
        model: "claude",
        max_tokens: 2048,
        thinking,
        tools: TOOLS,
        messages: [
          { role: "user", content: "Weather in Rome?" },
          { role: "assistant", content: message.content },
          {
            role: "user",
            content: [{ type: "tool_result", tool_use_id: use.id, content: "rain" }],
          },
        ],
      }).finalMessage();
      assertStringIncludes(JSON.stringify(next.content), "Tool said: rain");
      assertEquals(next.usage.output_tokens > 0, true);
    });

    await t.step("cache_control reaches the upstream; citations come back", async () => {
      const cited = await client.messages.create({
        model: "claude",
        max_tokens: 256,
        system: [{
          type: "text",
          text: "Answer from the document.",
          cache_control: { type: "ephemeral" },
        }],
        messages: [{
          role: "user",
          content: [
            {
              type: "document",
              source: { type: "text", media_type: "text/plain", data: "The sky is green today." },
              citations: { enabled: true },
            },
            { type: "text", text: "What colour is the sky?" },
          ],
        }],
      });
      assertEquals((upstreamBody().system as Json[])[0]?.cache_control, { type: "ephemeral" });
      const text = cited.content[0] as Anthropic.TextBlock;
      assertEquals(text.citations?.[0]?.cited_text, "The sky is green tod");
    });

    await t.step("a route falling back to an OpenAI endpoint translates", async () => {
      anthropic.faults.push({
        kind: "status",
        status: 529,
        body: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } },
      }, 3);
      const answer = await client.messages.create({
        model: "claude-then-gpt",
        max_tokens: 64,
        messages: [{ role: "user", content: "Hello" }],
      });
      anthropic.faults.clear();
      assertEquals(answer.model, "claude-then-gpt");
      assertEquals(answer.type, "message");
      assert(answer.content.length > 0 && answer.content[0]?.type === "text");
    });

    await t.step("records name the ingress API and carry the usage", () => {
      const lines = gateway.output().split("\n").filter((line) => line.includes('"msg":"request"'))
        .map((line) => JSON.parse(line) as Json);
      const native = lines.filter((l) => l.endpoint === "claude" && l.status === 200);
      assert(native.length >= 4, gateway.output());
      for (const line of native) {
        assertEquals(line.ingress, "anthropic.messages");
        assert(Number(line.completion_tokens) > 0, JSON.stringify(line));
      }
      // Nothing was "not honoured": the body went as it came.
      assert(!gateway.output().includes("request fields not honoured"), gateway.output());
    });
  } finally {
    await gateway.stop();
    await anthropic.close();
    await openai.close();
  }
});
