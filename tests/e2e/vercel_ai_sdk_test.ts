/**
 * The Vercel AI SDK (`ai` with `@ai-sdk/openai`) against the gateway as its docs show it:
 * `createOpenAI({baseURL})(model)` is its default model, which speaks OpenAI's Responses API.
 * generateText, streamText and a tool call, through the real gateway process.
 */
import { createOpenAI } from "@ai-sdk/openai";
import { generateText, jsonSchema, streamText, tool } from "ai";
import { assert, assertEquals } from "../assert.ts";
import { startMockOpenAI } from "../mocks/openai.ts";
import { startGateway, UNDER_TEST } from "./harness.ts";

const KEY = "sk-vercel-upstream-012345";

Deno.test(`Vercel AI SDK default model (Responses API) (${UNDER_TEST})`, async (t) => {
  const upstream = startMockOpenAI({ apiKey: KEY });
  const gateway = await startGateway({
    // Request lines at info say which client API each call came through.
    env: { UPSTREAM_KEY: KEY, GATEWAY_LOG_LEVEL: "info" },
    config: `
endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    model:
      provider: openai
      name: gpt-4o-mini
      config: {openai_api_key: $UPSTREAM_KEY, openai_api_base: ${upstream.baseUrl}}
`,
  });
  const openai = createOpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "anything" });
  try {
    await t.step("generateText", async () => {
      const result = await generateText({ model: openai("chat"), prompt: "Hello there" });
      assertEquals(result.text, "Echo: Hello there");
      assertEquals(result.usage.inputTokens, 10);
      assertEquals(upstream.recorder.last?.path, "/v1/chat/completions");
      // The SDK's default model spoke the Responses API to the gateway (its request line is
      // written as the answer ends, maybe just after the client has it).
      for (let i = 0; i < 50 && !gateway.output().includes("path=/v1/responses"); i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert(gateway.output().includes("path=/v1/responses"), gateway.output());
      assert(gateway.output().includes("ingress=openai.responses"));
    });

    await t.step("streamText", async () => {
      const result = streamText({ model: openai("chat"), prompt: "stream me" });
      let text = "";
      for await (const delta of result.textStream) text += delta;
      assertEquals(text, "Echo: stream me");
      assert(((await result.usage).totalTokens ?? 0) > 0);
    });

    await t.step("a tool call and its result, in two steps", async () => {
      const calls: unknown[] = [];
      const result = await generateText({
        model: openai("chat"),
        prompt: "sea",
        tools: {
          lookup: tool({
            description: "Looks a word up",
            inputSchema: jsonSchema<{ q: string }>({
              type: "object",
              properties: { q: { type: "string" } },
              required: ["q"],
            }),
            execute: ({ q }) => {
              calls.push(q);
              return Promise.resolve(`${q} is salty water`);
            },
          }),
        },
        stopWhen: ({ steps }) => steps.length >= 2,
      });
      assertEquals(calls, ["sea"]);
      assertEquals(result.text, "Tool said: sea is salty water");
    });
  } finally {
    assertEquals(await gateway.stop(), 0, gateway.output());
    await upstream.close();
  }
});
