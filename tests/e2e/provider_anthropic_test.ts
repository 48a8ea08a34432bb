/**
 * The official `openai` npm SDK against the gateway's /v1 routes, with Anthropic endpoints
 * served by the real gateway process and a local mock of the Messages API: what is Anthropic's
 * own (translation, warnings, 529, stream error events). The checks every provider shares
 * (streams, tool round trips, errors, records) are in `conformance_test.ts`.
 */
import OpenAI from "openai";
import {
  assert,
  assertEquals,
  assertMatch,
  assertNotIncludes,
  assertStringIncludes,
} from "../assert.ts";
import { anthropicErrorBody, startMockAnthropic } from "../mocks/anthropic.ts";
import { postJson, startGateway, UNDER_TEST } from "./harness.ts";
import { expectFailure, readChatStream, readCompletionsText } from "./provider_helpers.ts";

const KEY = "sk-ant-e2e-secret-key-0123456789";

type Json = Record<string, unknown>;

Deno.test(`anthropic provider through the openai SDK (${UNDER_TEST})`, async (t) => {
  const upstream = startMockAnthropic({ apiKey: KEY });
  const model = (name: string) => `
    model:
      provider: anthropic
      name: ${name}
      config:
        anthropic_api_key: $E2E_ANTHROPIC_KEY
        anthropic_api_base: ${upstream.baseUrl}`;
  const gateway = await startGateway({
    env: { E2E_ANTHROPIC_KEY: KEY },
    config: `
endpoints:
  - name: claude
    endpoint_type: llm/v1/chat${model("claude-sonnet-4-5")}
  - name: claude-once
    endpoint_type: llm/v1/chat
    retries: 0${model("claude-sonnet-4-5")}
  - name: claude-text
    endpoint_type: llm/v1/completions${model("claude-haiku-4-5")}
`,
  });
  const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "anything", maxRetries: 0 });
  const sent = () => upstream.recorder.last?.body as Json;
  /** Every error body the gateway sent, checked for credentials at the end. */
  const errorBodies: string[] = [];
  const rawError = async (path: string, body: Json) => {
    const response = await postJson(`${gateway.url}${path}`, body);
    const text = await response.text();
    errorBodies.push(text);
    return { status: response.status, text, headers: response.headers };
  };
  try {
    await t.step("the mock refuses what the real Messages API refuses", async () => {
      const headers = { "x-api-key": KEY, "anthropic-version": "2023-06-01" };
      const good = {
        model: "claude-sonnet-4-5",
        max_tokens: 10,
        messages: [{ role: "user", content: "hi" }],
      };
      const cases: [Json, Record<string, string>, RegExp][] = [
        [{ ...good, max_tokens: undefined }, headers, /max_tokens: Field required/],
        [{ ...good, messages: [{ role: "system", content: "x" }] }, headers, /Unexpected role/],
        [
          { ...good, messages: [{ role: "user", content: "a" }, { role: "user", content: "b" }] },
          headers,
          /roles must alternate/,
        ],
        [{ ...good, temperature: 1.5 }, headers, /less than or equal to 1/],
        [{ ...good, seed: 1 }, headers, /seed: Extra inputs are not permitted/],
        [good, { "x-api-key": KEY }, /anthropic-version: header is required/],
      ];
      for (const [body, given, pattern] of cases) {
        const response = await postJson(`${upstream.url}/v1/messages`, body, given);
        const json = await response.json();
        assertEquals(response.status, 400, JSON.stringify(json));
        assertEquals(json.type, "error");
        assertEquals(json.error.type, "invalid_request_error");
        assertMatch(json.error.message, pattern);
      }
      const ok = await postJson(`${upstream.url}/v1/messages`, good, headers);
      assertEquals(ok.status, 200);
      await ok.body?.cancel();
      upstream.recorder.reset();
    });

    await t.step("chat answers, with system hoisted and max_tokens defaulted", async () => {
      const completion = await client.chat.completions.create({
        model: "claude",
        messages: [
          { role: "system", content: "Be brief." },
          { role: "user", content: "Hello there" },
        ],
        temperature: 0.2,
      });
      assertEquals(completion.choices[0]?.message.content, "Echo: Hello there");
      assertEquals(completion.choices[0]?.finish_reason, "stop");
      assertEquals(completion.object, "chat.completion");
      assert((completion.usage?.prompt_tokens ?? 0) > 0);
      assertEquals(
        completion.usage?.total_tokens,
        (completion.usage?.prompt_tokens ?? 0) + (completion.usage?.completion_tokens ?? 0),
      );
      // Anthropic's cache reads, as OpenAI's breakdown (none in this answer).
      assertEquals(completion.usage?.prompt_tokens_details?.cached_tokens, 0);
      const request = upstream.recorder.last;
      assertEquals(request?.path, "/v1/messages");
      assertEquals(request?.headers["x-api-key"], KEY);
      assertEquals(request?.headers["anthropic-version"], "2023-06-01");
      assertEquals(sent(), {
        model: "claude-sonnet-4-5",
        max_tokens: 4096,
        system: "Be brief.",
        messages: [{ role: "user", content: "Hello there" }],
        temperature: 0.2,
      });
    });

    await t.step("unsupported parameters are reported in x-gateway-warnings", async () => {
      const { data, response } = await client.chat.completions.create({
        model: "claude",
        messages: [{ role: "user", content: "warm" }],
        temperature: 1.5,
        n: 2,
        max_completion_tokens: 50,
      }).withResponse();
      assertEquals(data.choices.length, 1);
      const warnings = response.headers.get("x-gateway-warnings") ?? "";
      assertStringIncludes(warnings, "clamped=temperature");
      assertStringIncludes(warnings, "unsupported=n");
      assertEquals(sent().temperature, 1);
      assertEquals(sent().max_tokens, 50);
    });

    await t.step("image parts become base64 and url image blocks", async () => {
      await client.chat.completions.create({
        model: "claude",
        messages: [{
          role: "user",
          content: [
            { type: "text", text: "Compare" },
            { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
            { type: "image_url", image_url: { url: "https://example.com/b.jpg" } },
          ],
        }],
      });
      const messages = sent().messages as { content: Json[] }[];
      assertEquals(messages[0]?.content.slice(1), [
        {
          type: "image",
          source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" },
        },
        { type: "image", source: { type: "url", url: "https://example.com/b.jpg" } },
      ]);
    });

    const weather: OpenAI.Chat.Completions.ChatCompletionTool = {
      type: "function",
      function: {
        name: "get_weather",
        description: "Weather for a city",
        parameters: { type: "object", properties: { q: { type: "string" } }, required: ["q"] },
      },
    };

    await t.step("a tool round trip: tool_calls out, tool message back", async () => {
      const first = await client.chat.completions.create({
        model: "claude",
        messages: [{ role: "user", content: "Paris" }],
        tools: [weather],
        tool_choice: "auto",
      });
      const message = first.choices[0]?.message;
      const call = message?.tool_calls?.[0];
      assert(call && call.type === "function", JSON.stringify(first));
      assertEquals(call.function.name, "get_weather");
      assertEquals(JSON.parse(call.function.arguments), { q: "Paris" });
      assertEquals(message?.content, "Let me check.");
      assertEquals(first.choices[0]?.finish_reason, "tool_calls");
      assertEquals(sent().tools, [{
        name: "get_weather",
        description: "Weather for a city",
        input_schema: weather.function.parameters,
      }]);
      assertEquals(sent().tool_choice, { type: "auto" });

      const second = await client.chat.completions.create({
        model: "claude",
        messages: [
          { role: "user", content: "Paris" },
          { role: "assistant", content: message?.content ?? null, tool_calls: [call] },
          { role: "tool", tool_call_id: call.id, content: "sunny" },
        ],
        tools: [weather],
      });
      assertEquals(second.choices[0]?.message.content, "Tool said: sunny");
      assertEquals(second.choices[0]?.finish_reason, "stop");
      const messages = sent().messages as Json[];
      assertEquals(messages[2], {
        role: "user",
        content: [{ type: "tool_result", tool_use_id: call.id, content: "sunny" }],
      });
    });

    await t.step("streamed tool calls carry one index per call, after a text block", async () => {
      const stream = await client.chat.completions.create({
        model: "claude",
        messages: [{ role: "user", content: "Rome" }],
        tools: [weather, {
          type: "function",
          function: { name: "get_time", parameters: { type: "object", properties: {} } },
        }],
        stream: true,
      });
      const { calls, text, finish } = await readChatStream(stream);
      assertEquals(text, "Let me check.");
      assertEquals(calls.map((c) => c.name), ["get_weather", "get_time"]);
      assertEquals(calls.map((c) => JSON.parse(c.args)), [{ q: "Rome" }, { q: "Rome" }]);
      assertEquals(calls.map((c) => c.id), ["toolu_mock_1", "toolu_mock_2"]);
      assertEquals(finish, "tool_calls");
    });

    await t.step("completions are served through Messages, plain and streaming", async () => {
      const completion = await client.completions.create({
        model: "claude-text",
        prompt: "Say hi",
        max_tokens: 5,
      });
      assertEquals(completion.choices[0]?.text, "Echo: Say hi");
      assertEquals(completion.choices[0]?.finish_reason, "stop");
      assertEquals(completion.object, "text_completion");
      assertEquals(sent(), {
        model: "claude-haiku-4-5",
        max_tokens: 5,
        messages: [{ role: "user", content: "Say hi" }],
      });
      const stream = await client.completions.create({
        model: "claude-text",
        prompt: "a b",
        stream: true,
      });
      assertEquals(await readCompletionsText(stream), "Echo: a b");
    });

    await t.step("response_format json_schema uses structured outputs", async () => {
      const schema = { type: "object", properties: { answer: { type: "string" } } };
      const completion = await client.chat.completions.create({
        model: "claude",
        messages: [{ role: "user", content: "json please" }],
        response_format: { type: "json_schema", json_schema: { name: "answer", schema } },
      });
      assertEquals(JSON.parse(completion.choices[0]?.message.content ?? ""), {
        answer: "json please",
      });
      assertEquals(sent().output_config, { format: { type: "json_schema", schema } });
    });

    await t.step("529 overloaded is retried, and a 502 once retries run out", async () => {
      const overloaded = {
        kind: "status" as const,
        status: 529,
        body: anthropicErrorBody("overloaded_error", "Overloaded"),
      };
      upstream.faults.push(overloaded);
      const before = upstream.recorder.requests.length;
      const completion = await client.chat.completions.create({
        model: "claude",
        messages: [{ role: "user", content: "again" }],
      });
      assertEquals(completion.choices[0]?.message.content, "Echo: again");
      assertEquals(upstream.recorder.requests.length - before, 2, "one retry");

      upstream.faults.push(overloaded);
      const raw = await rawError("/v1/chat/completions", {
        model: "claude-once",
        messages: [{ role: "user", content: "x" }],
      });
      assertEquals(raw.status, 502);
      assertStringIncludes(raw.text, "Overloaded");
    });

    await t.step("an error event mid-stream ends the SDK stream with an error", async () => {
      upstream.faults.push({ kind: "stream_error", afterEvents: 4 });
      const stream = await client.chat.completions.create({
        model: "claude",
        messages: [{ role: "user", content: "one two three four" }],
        stream: true,
      });
      let text = "";
      const error = await expectFailure(OpenAI.APIError, async () => {
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
      });
      assertMatch(error.message, /Overloaded/);
      assertEquals(text, "Echo:");
    });

    await t.step(
      "a stream ended early (no message_stop) is an error, not a silent success",
      async () => {
        upstream.faults.push({ kind: "end_early", afterEvents: 4 });
        const response = await postJson(`${gateway.url}/v1/chat/completions`, {
          model: "claude",
          messages: [{ role: "user", content: "one two three" }],
          stream: true,
        });
        assertEquals(response.status, 200);
        const text = await response.text();
        errorBodies.push(text);
        assertStringIncludes(text, '"error"', "end_early");
        assertNotIncludes(text, "[DONE]", "end_early");
      },
    );

    await t.step("the API key never appears in any error body", () => {
      // Rejected and echoed keys are the conformance suite's; these are this file's errors.
      assert(errorBodies.length >= 2, `collected ${errorBodies.length} error bodies`);
      for (const body of errorBodies) {
        assertNotIncludes(body, KEY);
        assertNotIncludes(body, "e2e-secret");
      }
    });
  } finally {
    await gateway.stop();
    await upstream.close();
  }
});
