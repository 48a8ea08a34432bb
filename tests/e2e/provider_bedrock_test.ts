/**
 * The official `openai` npm SDK against the gateway's /v1 routes, with Amazon Bedrock endpoints
 * served by the real gateway process and a local mock of Bedrock Runtime and STS that verifies
 * every SigV4 signature: what is Bedrock's own (Converse translation, signing, credentials from
 * the environment or STS, Titan and Cohere models, throttling, exception events). The checks
 * every provider shares (streams, errors, cut streams, records) are in `conformance_test.ts`.
 */
import OpenAI from "openai";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../assert.ts";
import { startMockBedrock } from "../mocks/bedrock.ts";
import { signV4 } from "../../src/providers/bedrock/sigv4.ts";
import { postJson, startGateway, UNDER_TEST } from "./harness.ts";
import {
  assertSecretNeverShown,
  expectFailure,
  readChatStream,
  readCompletionsText,
} from "./provider_helpers.ts";

type Json = Record<string, unknown>;

const REGION = "us-west-2";
const CONFIG_KEY_ID = "AKIDE2ECONFIGKEY0001";
const CONFIG_SECRET = "e2e/Config+Secret/bedrock0123456789abcdef";
const ENV_KEY_ID = "AKIDE2EENVKEY0000001";
const ENV_SECRET = "e2e/Env+Secret/bedrock9876543210fedcba";
const CLAUDE = "us.anthropic.claude-3-5-sonnet-20241022-v2:0";

Deno.test(`bedrock provider through the openai SDK (${UNDER_TEST})`, async (t) => {
  const upstream = startMockBedrock({
    region: REGION,
    accessKeyId: CONFIG_KEY_ID,
    secretAccessKey: CONFIG_SECRET,
    extraKeys: { [ENV_KEY_ID]: ENV_SECRET },
  });
  const keys = () => `
        aws_config:
          aws_region: ${REGION}
          aws_access_key_id: $E2E_BEDROCK_KEY_ID
          aws_secret_access_key: $E2E_BEDROCK_SECRET
        bedrock_api_base: ${upstream.url}`;
  const endpoint = (name: string, type: string, model: string, config = keys(), extra = "") => `
  - name: ${name}
    endpoint_type: llm/v1/${type}${extra}
    model:
      provider: amazon-bedrock
      name: ${model}
      config:${config}`;
  const gateway = await startGateway({
    env: {
      E2E_BEDROCK_KEY_ID: CONFIG_KEY_ID,
      E2E_BEDROCK_SECRET: CONFIG_SECRET,
      AWS_ACCESS_KEY_ID: ENV_KEY_ID,
      AWS_SECRET_ACCESS_KEY: ENV_SECRET,
      AWS_SESSION_TOKEN: "",
      AWS_REGION: REGION,
    },
    config: `
endpoints:${endpoint("chat", "chat", CLAUDE)}${
      endpoint("chat-once", "chat", CLAUDE, keys(), "\n    retries: 0")
    }${endpoint("text", "completions", "amazon.titan-text-express-v1")}${
      endpoint("titan-chat", "chat", "amazon.titan-text-premier-v1:0")
    }${endpoint("titan", "embeddings", "amazon.titan-embed-text-v2:0")}${
      endpoint("cohere", "embeddings", "cohere.embed-english-v3")
    }${
      endpoint(
        "env-chat",
        "chat",
        "meta.llama3-1-8b-instruct-v1:0",
        `\n        bedrock_api_base: ${upstream.url}`,
      )
    }${
      endpoint(
        "role-chat",
        "chat",
        CLAUDE,
        `
        aws_config:
          aws_role_arn: ${upstream.roleArn}
          session_length_seconds: 1800
        bedrock_api_base: ${upstream.url}
        sts_api_base: ${upstream.url}`,
      )
    }
`,
  });
  const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "anything", maxRetries: 0 });
  const last = () => upstream.recorder.last;
  const sent = () => last()?.body as Json;
  const requests = () => upstream.recorder.requests;
  /** Every raw body the gateway sent, checked for credentials at the end. */
  const bodies: string[] = [];
  const raw = async (path: string, body: Json) => {
    const response = await postJson(`${gateway.url}${path}`, body);
    const text = await response.text();
    bodies.push(text, JSON.stringify([...response.headers]));
    return { status: response.status, text, headers: response.headers };
  };
  const expectError = async (
    call: () => Promise<unknown>,
  ): Promise<InstanceType<typeof OpenAI.APIError>> => {
    const error = await expectFailure(OpenAI.APIError, call);
    bodies.push(error.message);
    return error;
  };
  try {
    await t.step("the mock refuses what Bedrock refuses", async () => {
      const url = `${upstream.url}/model/${encodeURIComponent(CLAUDE)}/converse`;
      const call = async (body: string, sign = true, sentBody = body) => {
        const headers = sign
          ? signV4({
            method: "POST",
            url,
            headers: { "content-type": "application/json" },
            body,
            region: REGION,
            service: "bedrock",
            credentials: { accessKeyId: CONFIG_KEY_ID, secretAccessKey: CONFIG_SECRET },
            now: Date.now(),
            contentSha256Header: true,
          }).headers
          : { "content-type": "application/json" };
        const response = await fetch(url, { method: "POST", headers, body: sentBody });
        return {
          status: response.status,
          type: response.headers.get("x-amzn-errortype")?.split(":")[0],
          message: ((await response.json()) as { message?: string }).message ?? "",
        };
      };
      const ok = JSON.stringify({ messages: [{ role: "user", content: [{ text: "hi" }] }] });
      assertEquals((await call(ok)).status, 200);
      assertEquals((await call(ok, false)).type, "MissingAuthenticationTokenException");
      const tampered = await call(ok, true, ok.replace("hi", "ho"));
      assertEquals([tampered.status, tampered.type], [403, "InvalidSignatureException"]);
      const twoUsers = await call(JSON.stringify({
        messages: [
          { role: "user", content: [{ text: "a" }] },
          { role: "user", content: [{ text: "b" }] },
        ],
      }));
      assertEquals([twoUsers.status, twoUsers.type], [400, "ValidationException"]);
      assertMatch(twoUsers.message, /must alternate between user and assistant/);
      const extraneous = await call(JSON.stringify({ messages: [], temperature: 1 }));
      assertMatch(extraneous.message, /extraneous key \[temperature\]/);
      const orphan = await call(JSON.stringify({
        messages: [{
          role: "user",
          content: [{ toolResult: { toolUseId: "x", content: [{ text: "1" }] } }],
        }],
      }));
      assertMatch(orphan.message, /toolConfig field must be defined/);
    });

    await t.step("chat answers through Converse, signed with SigV4 for the region", async () => {
      const completion = await client.chat.completions.create({
        model: "chat",
        messages: [{ role: "system", content: "Be brief." }, {
          role: "user",
          content: "Hello there",
        }],
        temperature: 0.2,
        max_tokens: 50,
      });
      assertEquals(completion.choices[0]?.message.content, "Echo: Hello there");
      assertEquals(completion.choices[0]?.finish_reason, "stop");
      assertEquals(completion.model, CLAUDE);
      assert((completion.usage?.total_tokens ?? 0) > 0);
      assertEquals(last()?.path, "/model/us.anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse");
      assertEquals(sent().system, [{ text: "Be brief." }]);
      assertEquals(sent().inferenceConfig, { temperature: 0.2, maxTokens: 50 });
      assertStringIncludes(
        last()?.headers["authorization"] ?? "",
        `Credential=${CONFIG_KEY_ID}/`,
      );
      assertStringIncludes(
        last()?.headers["authorization"] ?? "",
        `/${REGION}/bedrock/aws4_request`,
      );
    });

    await t.step(
      "parameters Bedrock cannot honour are reported in x-gateway-warnings",
      async () => {
        const { response } = await client.chat.completions.create({
          model: "chat",
          messages: [{ role: "user", content: "warn me" }],
          temperature: 1.5,
          presence_penalty: 0.5,
        }).withResponse();
        const warnings = response.headers.get("x-gateway-warnings") ?? "";
        assertStringIncludes(warnings, "clamped=temperature");
        assertStringIncludes(warnings, "unsupported=presence_penalty");
        assertEquals((sent().inferenceConfig as Json).temperature, 1);
      },
    );

    const tools: OpenAI.Chat.Completions.ChatCompletionTool[] = [{
      type: "function",
      function: {
        name: "get_weather",
        description: "Weather for a city",
        parameters: { type: "object", properties: { q: { type: "string" } }, required: ["q"] },
      },
    }, {
      type: "function",
      function: { name: "get_time", parameters: { type: "object", properties: {} } },
    }];

    await t.step("a tool round trip: toolUse out, toolResult back", async () => {
      const first = await client.chat.completions.create({
        model: "chat",
        messages: [{ role: "user", content: "Paris" }],
        tools,
        tool_choice: "auto",
      });
      const call = first.choices[0]?.message.tool_calls?.[0];
      assert(call && call.type === "function");
      assertEquals(call.function.name, "get_weather");
      assertEquals(JSON.parse(call.function.arguments), { q: "Paris" });
      assertEquals(first.choices[0]?.finish_reason, "tool_calls");
      const toolConfig = sent().toolConfig as Json;
      assertEquals(toolConfig.toolChoice, { auto: {} });
      assertEquals((toolConfig.tools as Json[])[0], {
        toolSpec: {
          name: "get_weather",
          inputSchema: {
            json: { type: "object", properties: { q: { type: "string" } }, required: ["q"] },
          },
          description: "Weather for a city",
        },
      });

      const second = await client.chat.completions.create({
        model: "chat",
        messages: [
          { role: "user", content: "Paris" },
          { role: "assistant", content: "", tool_calls: [call] },
          { role: "tool", tool_call_id: call.id, content: "sunny" },
        ],
        tools,
      });
      assertEquals(second.choices[0]?.message.content, "Tool said: sunny");
      assertEquals(second.choices[0]?.finish_reason, "stop");
      const turns = sent().messages as Json[];
      assertEquals(turns[2], {
        role: "user",
        content: [{ toolResult: { toolUseId: call.id, content: [{ text: "sunny" }] } }],
      });
    });

    await t.step("streamed tool calls after a text block keep one index per call", async () => {
      const stream = await client.chat.completions.create({
        model: "chat",
        messages: [{ role: "user", content: "parallel please" }],
        tools,
        stream: true,
      });
      const { calls, text, finish } = await readChatStream(stream);
      assertEquals(text, "Let me check.");
      assertEquals(finish, "tool_calls");
      assertEquals(calls.map((c) => c.name), ["get_weather", "get_time"]);
      assertEquals(calls.map((c) => JSON.parse(c.args)), [
        { q: "parallel please" },
        { q: "parallel please" },
      ]);
      assert(calls.every((c) => c.id.startsWith("tooluse_")));
    });

    await t.step("completions go through Converse, plain and streaming", async () => {
      const completion = await client.completions.create({
        model: "text",
        prompt: "Say hi",
        max_tokens: 5,
      });
      assertEquals(completion.choices[0]?.text, "Echo: Say hi");
      assertEquals(sent().messages, [{ role: "user", content: [{ text: "Say hi" }] }]);
      const truncated = await client.completions.create({
        model: "text",
        prompt: "a b c d",
        max_tokens: 2,
      });
      assertEquals(truncated.choices[0]?.finish_reason, "length");
      const stream = await client.completions.create({
        model: "text",
        prompt: "a b",
        stream: true,
      });
      assertEquals(await readCompletionsText(stream), "Echo: a b");
    });

    await t.step("a system prompt reaches Titan Text inside the first user turn", async () => {
      const { data, response } = await client.chat.completions.create({
        model: "titan-chat",
        messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }],
      }).withResponse();
      assertEquals(data.choices[0]?.message.content, "Echo: Be brief. Hi");
      assertEquals(sent().system, undefined);
      assertStringIncludes(response.headers.get("x-gateway-warnings") ?? "", "messages.system");
    });

    await t.step("Titan embeddings: one input per call, dimensions for v2", async () => {
      const result = await client.embeddings.create({
        model: "titan",
        input: "hello world",
        dimensions: 256,
        encoding_format: "float",
      });
      assertEquals(result.data.length, 1);
      assertEquals(result.data[0]?.embedding.length, 256);
      assertEquals(result.usage.prompt_tokens, 2);
      assertEquals(sent(), { inputText: "hello world", dimensions: 256 });
      assertMatch(last()?.path ?? "", /^\/model\/amazon\.titan-embed-text-v2%3A0\/invoke$/);
    });

    await t.step(
      "Titan embeddings: a batch of 20 texts goes one a call, vectors in order",
      async () => {
        const before = requests().length;
        const texts = Array.from({ length: 20 }, (_, i) => `document number ${i} about ${i * 7}`);
        const batch = await client.embeddings.create({
          model: "titan",
          input: texts,
          dimensions: 256,
          encoding_format: "float",
        });
        const calls = requests().slice(before);
        assertEquals(calls.length, 20);
        assertEquals(
          calls.map((call) => (call.body as { inputText: string }).inputText).sort(),
          [...texts].sort(),
        );
        assertEquals(batch.data.map((d) => d.index), texts.map((_, i) => i));
        // each vector is the one its own text gets alone
        for (const i of [0, 7, 19]) {
          const alone = await client.embeddings.create({
            model: "titan",
            input: texts[i] as string,
            dimensions: 256,
            encoding_format: "float",
          });
          assertEquals(batch.data[i]?.embedding, alone.data[0]?.embedding);
        }
        assertEquals(batch.usage.prompt_tokens, texts.reduce((n, t) => n + t.split(" ").length, 0));
      },
    );

    await t.step("Cohere embeddings: many inputs in one call", async () => {
      const result = await client.embeddings.create({ model: "cohere", input: ["a", "bb"] });
      assertEquals(result.data.map((d) => d.index), [0, 1]);
      assertEquals(result.data[1]?.embedding.length, 1024);
      assertEquals(sent(), { texts: ["a", "bb"], input_type: "search_document" });
    });

    await t.step(
      "credentials and region come from the environment when not configured",
      async () => {
        const completion = await client.chat.completions.create({
          model: "env-chat",
          messages: [{ role: "user", content: "from env" }],
        });
        assertEquals(completion.choices[0]?.message.content, "Echo: from env");
        assertStringIncludes(
          last()?.headers["authorization"] ?? "",
          `Credential=${ENV_KEY_ID}/`,
        );
        assertStringIncludes(last()?.headers["authorization"] ?? "", `/${REGION}/bedrock/`);
      },
    );

    await t.step("a role is assumed once through STS and reused for later calls", async () => {
      assertEquals(upstream.stsCalls, 0);
      for (const word of ["first", "second"]) {
        const completion = await client.chat.completions.create({
          model: "role-chat",
          messages: [{ role: "user", content: word }],
        });
        assertEquals(completion.choices[0]?.message.content, `Echo: ${word}`);
        const temp = upstream.issued[0];
        assert(temp, "STS issued credentials");
        assertStringIncludes(
          last()?.headers["authorization"] ?? "",
          `Credential=${temp.accessKeyId}/`,
        );
        assertEquals(last()?.headers["x-amz-security-token"], temp.sessionToken);
      }
      assertEquals(upstream.stsCalls, 1);
      const stsRequest = upstream.recorder.requests.find((r) => r.path === "/");
      assertStringIncludes(stsRequest?.headers["authorization"] ?? "", `Credential=${ENV_KEY_ID}/`);
      assertStringIncludes(
        stsRequest?.headers["authorization"] ?? "",
        `/${REGION}/sts/aws4_request`,
      );
      const form = new URLSearchParams(String(stsRequest?.body));
      assertEquals(form.get("DurationSeconds"), "1800");
      assertEquals(form.get("RoleSessionName"), "ai-gateway-bedrock");
    });

    await t.step(
      "throttling is retried (re-signed), then a RateLimitError once retries run out",
      async () => {
        const throttled = {
          kind: "status" as const,
          status: 429,
          headers: {
            "x-amzn-errortype":
              "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/",
          },
          body: { message: "Too many requests, please wait before trying again." },
        };
        upstream.faults.push(throttled);
        const before = upstream.recorder.requests.length;
        const completion = await client.chat.completions.create({
          model: "chat",
          messages: [{ role: "user", content: "again" }],
        });
        assertEquals(completion.choices[0]?.message.content, "Echo: again");
        assertEquals(upstream.recorder.requests.length - before, 2, "one retry");
        upstream.faults.push(throttled);
        const error = await expectError(() =>
          client.chat.completions.create({
            model: "chat-once",
            messages: [{ role: "user", content: "x" }],
          })
        );
        assert(error instanceof OpenAI.RateLimitError, String(error));
        assertMatch(error.message, /Too many requests/);
      },
    );

    await t.step("an exception event mid-stream ends the SDK stream with an error", async () => {
      upstream.streamExceptions.push({
        afterEvents: 3,
        type: "throttlingException",
        message: "Too many tokens, please wait before trying again.",
      });
      const stream = await client.chat.completions.create({
        model: "chat",
        messages: [{ role: "user", content: "one two three four" }],
        stream: true,
      });
      let text = "";
      const error = await expectError(async () => {
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
      });
      assertMatch(error.message, /Too many tokens/);
      assertEquals(text, "Echo: one");
    });

    await t.step("no credential appears in any response or log line", async () => {
      const successes = await Promise.all([
        raw("/v1/chat/completions", {
          model: "role-chat",
          messages: [{ role: "user", content: "x" }],
        }),
        raw("/v1/chat/completions", {
          model: "env-chat",
          messages: [{ role: "user", content: "x" }],
          stream: true,
        }),
        raw("/v1/embeddings", { model: "cohere", input: "x" }),
      ]);
      assert(successes.every((s) => s.status === 200));
      const secrets = [
        CONFIG_SECRET,
        ENV_SECRET,
        ...upstream.issued.flatMap((c) => [c.secretAccessKey, c.sessionToken]),
      ];
      assert(bodies.length >= 8, `collected ${bodies.length} bodies`);
      for (const secret of secrets) assertSecretNeverShown(secret, bodies, gateway);
    });
  } finally {
    await gateway.stop();
    await upstream.close();
  }
});
