/**
 * Google's Gemini API through the real gateway process, with the official `@google/genai` SDK
 * as its docs show it (pointed at the gateway with `httpOptions.baseUrl`): generateContent,
 * generateContentStream, function calling with its response, errors in Google's shape; then the
 * `google-genai` Python SDK does the same (tests/clients/google_genai_python.py).
 */
import { type Content, type FunctionCall, GoogleGenAI, Type } from "@google/genai";
import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import { startMockOpenAI } from "../mocks/openai.ts";
import { startGateway, UNDER_TEST } from "./harness.ts";
import { fileURLToPath } from "node:url";

const KEY = "sk-gemini-ingress-upstream";
const CLIENT_KEY = "gemini-client-key-0123";
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const PYTHON = `${ROOT}.venv-clients/bin/python`;

function hasPythonClients(): boolean {
  try {
    return Deno.statSync(PYTHON).isFile;
  } catch {
    return false;
  }
}

Deno.test(`Gemini API with the google-genai SDK (${UNDER_TEST})`, async (t) => {
  const upstream = startMockOpenAI({ apiKey: KEY });
  const gateway = await startGateway({
    env: { UPSTREAM_KEY: KEY, CLIENT: CLIENT_KEY },
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
    keys: [{name: gemini, key: $CLIENT}]
`,
  });
  const ai = new GoogleGenAI({
    apiKey: CLIENT_KEY,
    httpOptions: { baseUrl: gateway.url },
  });
  try {
    await t.step("generateContent, with a system instruction and generation config", async () => {
      const response = await ai.models.generateContent({
        model: "chat",
        contents: "Hello there",
        config: { systemInstruction: "Be brief.", temperature: 0.2, maxOutputTokens: 50 },
      });
      assertEquals(response.text, "Echo: Hello there");
      assertEquals(response.usageMetadata?.promptTokenCount, 10);
      const sent = upstream.recorder.last?.body as Record<string, unknown>;
      assertEquals((sent.messages as { role: string }[]).map((m) => m.role), ["system", "user"]);
      assertEquals(sent.temperature, 0.2);
    });

    await t.step("generateContentStream", async () => {
      const stream = await ai.models.generateContentStream({
        model: "chat",
        contents: "stream me",
      });
      let text = "";
      let usage = 0;
      for await (const chunk of stream) {
        text += chunk.text ?? "";
        usage = chunk.usageMetadata?.totalTokenCount ?? usage;
      }
      assertEquals(text, "Echo: stream me");
      assert(usage > 0);
    });

    await t.step("function calling and the function's response", async () => {
      const tools = [{
        functionDeclarations: [{
          name: "lookup",
          description: "Looks a word up",
          parameters: { type: Type.OBJECT, properties: { q: { type: Type.STRING } } },
        }],
      }];
      const first = await ai.models.generateContent({
        model: "chat",
        contents: "sea",
        config: { tools },
      });
      const call = first.functionCalls?.[0];
      assertEquals(call?.name, "lookup");
      assertEquals(call?.args, { q: "sea" });
      const sent = upstream.recorder.last?.body as {
        tools: { function: { parameters: unknown } }[];
      };
      // Gemini's upper-case types reach the endpoint as JSON Schema's.
      assertEquals(sent.tools[0]?.function.parameters, {
        type: "object",
        properties: { q: { type: "string" } },
      });
      const conversation: Content[] = [
        { role: "user", parts: [{ text: "sea" }] },
        { role: "model", parts: [{ functionCall: call as FunctionCall }] },
        {
          role: "user",
          parts: [{ functionResponse: { name: "lookup", response: { meaning: "salty water" } } }],
        },
      ];
      const second = await ai.models.generateContent({
        model: "chat",
        contents: conversation,
        config: { tools },
      });
      assertStringIncludes(second.text ?? "", "salty water");
    });

    await t.step("an unknown endpoint is Google's 404, a missing key Google's 401", async () => {
      const missing = await ai.models.generateContent({ model: "nope", contents: "x" })
        .catch((e) => e);
      assertStringIncludes(String(missing.message), "NOT_FOUND");
      const anonymous = new GoogleGenAI({
        apiKey: "wrong-key-0123456789",
        httpOptions: { baseUrl: gateway.url },
      });
      const refused = await anonymous.models.generateContent({ model: "chat", contents: "x" })
        .catch((e) => e);
      assertStringIncludes(String(refused.message), "UNAUTHENTICATED");
    });

    await t.step({
      name: "the google-genai Python SDK: generate, stream, function calling, errors",
      ignore: !hasPythonClients(),
      fn: async () => {
        const out = await new Deno.Command(PYTHON, {
          args: [`${ROOT}tests/clients/google_genai_python.py`, gateway.url, "chat", CLIENT_KEY],
          stdout: "piped",
          stderr: "piped",
        }).output();
        const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
        assert(out.success, text);
        assertStringIncludes(text, "google-genai python SDK: OK");
      },
    });
  } finally {
    assertEquals(await gateway.stop(), 0, gateway.output());
    await upstream.close();
  }
});
