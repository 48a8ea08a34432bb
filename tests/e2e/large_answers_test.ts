/**
 * Answers larger than the server's write buffer, through the real gateway process: a JSON answer
 * of ~40 KB, an embeddings answer of ~480 KB, and a stream whose whole body the upstream sends in
 * one write (the gateway's first write to the client is then ~60 KB). The compiled binary gives
 * such answers in two writes so that Bun sends the head with the first (bench/README.md, "The
 * head of a stream" and "The head of an answer"); every byte must still arrive, in order, once.
 * An embeddings answer's numbers are checked before it is relayed: an indented one passes, a
 * broken one is a 502.
 */
import { assert, assertEquals } from "../assert.ts";
import { serveMock } from "../mocks/fault.ts";
import { postJson, sseData, startGateway, UNDER_TEST } from "./harness.ts";

const CONTENT = Array.from({ length: 4000 }, (_, i) => `word${i}`).join(" ");
const TOKENS = Array.from({ length: 300 }, (_, i) => ` token${i} ü`);
const VECTORS = Array.from(
  { length: 8 },
  (_, i) => Array.from({ length: 3072 }, (_, j) => ((i * 3072 + j) % 1999) / 1999 - 0.5),
);

function chunk(delta: Record<string, unknown>, finish: string | null = null): string {
  return `data: ${
    JSON.stringify({
      id: "chatcmpl-large",
      object: "chat.completion.chunk",
      created: 1700000000,
      model: "gpt-4o-mini",
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    })
  }\n\n`;
}

/** The whole stream in one body, sent at once. */
const STREAM = [
  chunk({ role: "assistant", content: "" }),
  ...TOKENS.map((token) => chunk({ content: token })),
  chunk({}, "stop"),
  `data: ${
    JSON.stringify({
      id: "chatcmpl-large",
      object: "chat.completion.chunk",
      created: 1700000000,
      model: "gpt-4o-mini",
      choices: [],
      usage: { prompt_tokens: 7, completion_tokens: 300, total_tokens: 307 },
    })
  }\n\n`,
  "data: [DONE]\n\n",
].join("");

function upstream(request: Request, body: Record<string, unknown>): Response {
  const path = new URL(request.url).pathname;
  if (path === "/v1/embeddings") {
    const answer = {
      object: "list",
      data: VECTORS.map((embedding, index) => ({ object: "embedding", index, embedding })),
      model: "text-embedding-3-large",
      usage: { prompt_tokens: 8, total_tokens: 8 },
    };
    const headers = { "content-type": "application/json" };
    const form = (body.input as string[])[0];
    // As OpenAI sends it: indented, each number on a line of its own.
    if (form === "indented") return new Response(JSON.stringify(answer, null, 2), { headers });
    // One number of the last vector broken, far past the first window the check copies.
    if (form === "broken") {
      const text = JSON.stringify(answer);
      const at = text.lastIndexOf(",", text.length - 2000);
      return new Response(`${text.slice(0, at)},0.5.5${text.slice(at)}`, { headers });
    }
    return Response.json(answer);
  }
  if (body.stream === true) {
    return new Response(new TextEncoder().encode(STREAM), {
      headers: { "content-type": "text/event-stream" },
    });
  }
  return Response.json({
    id: "chatcmpl-large",
    object: "chat.completion",
    created: 1700000000,
    model: "gpt-4o-mini",
    choices: [{
      index: 0,
      message: { role: "assistant", content: CONTENT },
      logprobs: null,
      finish_reason: "stop",
    }],
    usage: { prompt_tokens: 7, completion_tokens: 4000, total_tokens: 4007 },
  });
}

Deno.test(`answers past the write buffer arrive whole (${UNDER_TEST})`, async (t) => {
  const mock = serveMock(async (request) => upstream(request, await request.json()));
  const gateway = await startGateway({
    config: `
endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    model:
      provider: openai
      name: gpt-4o-mini
      config: {openai_api_key: sk-large, openai_api_base: "${mock.url}/v1"}
  - name: embeddings
    endpoint_type: llm/v1/embeddings
    model:
      provider: openai
      name: text-embedding-3-large
      config: {openai_api_key: sk-large, openai_api_base: "${mock.url}/v1"}
`,
  });
  try {
    await t.step("a 40 KB chat answer", async () => {
      const response = await postJson(`${gateway.url}/v1/chat/completions`, {
        model: "chat",
        messages: [{ role: "user", content: "Say a lot." }],
      });
      assertEquals(response.status, 200);
      assertEquals(response.headers.get("content-type"), "application/json");
      assert(response.headers.get("x-request-id"), "the gateway's headers come with the answer");
      const answer = await response.json();
      assertEquals(answer.choices[0].message.content, CONTENT);
      assertEquals(answer.usage.completion_tokens, 4000);
    });

    await t.step("a 480 KB embeddings answer", async () => {
      const response = await postJson(`${gateway.url}/v1/embeddings`, {
        model: "embeddings",
        input: ["one", "two", "three", "four", "five", "six", "seven", "eight"],
      });
      assertEquals(response.status, 200);
      const text = await response.text();
      assert(text.length > 400_000, `the answer is ${text.length} characters`);
      const answer = JSON.parse(text);
      assertEquals(
        answer.data.map((item: { embedding: number[] }) => item.embedding),
        VECTORS,
      );
    });

    await t.step("an indented embeddings answer, and a broken one", async () => {
      const indented = await postJson(`${gateway.url}/v1/embeddings`, {
        model: "embeddings",
        input: ["indented"],
      });
      assertEquals(indented.status, 200);
      const answer = await indented.json();
      assertEquals(
        answer.data.map((item: { embedding: number[] }) => item.embedding),
        VECTORS,
      );
      const broken = await postJson(`${gateway.url}/v1/embeddings`, {
        model: "embeddings",
        input: ["broken"],
      });
      const text = await broken.text();
      assertEquals(broken.status, 502, text);
      assert(!text.includes("0.5.5"), text.slice(0, 500));
    });

    await t.step("a stream whose whole body came in one read", async () => {
      const response = await postJson(`${gateway.url}/v1/chat/completions`, {
        model: "chat",
        messages: [{ role: "user", content: "Stream a lot." }],
        stream: true,
        stream_options: { include_usage: true },
      });
      assertEquals(response.status, 200);
      const data = await sseData(response);
      assertEquals(data.at(-1), "[DONE]");
      const chunks = data.slice(0, -1).map((item) => JSON.parse(item));
      const text = chunks.map((c) => c.choices[0]?.delta?.content ?? "").join("");
      assertEquals(text, TOKENS.join(""));
      assertEquals(chunks.at(-1).usage.completion_tokens, 300);
    });
  } finally {
    await gateway.stop();
    await mock.close();
  }
});
