import { assertEquals } from "../../../tests/assert.ts";
import type { CallContext } from "../../core/provider.ts";
import {
  isCanonicalEmbeddings,
  parseChatResponse,
  parseCompletionsResponse,
  parseEmbeddingsResponse,
} from "./response.ts";
import { mapFinishReason } from "./finish_reason.ts";

const ctx: CallContext<unknown> = { endpoint: "ep", model: "m", config: {}, stream: false };

Deno.test("mapFinishReason() maps other servers' spellings to OpenAI's values", () => {
  assertEquals(mapFinishReason("eos"), "stop");
  assertEquals(mapFinishReason("model_length"), "length");
  assertEquals(mapFinishReason("STOP"), "stop");
  assertEquals(mapFinishReason("content_filter"), "content_filter");
  assertEquals(mapFinishReason("stop", true), "tool_calls");
  assertEquals(mapFinishReason(null, true), null);
  assertEquals(mapFinishReason("weird"), "weird");
});

Deno.test("parseChatResponse() reports tool_calls and makes ids for calls without one", () => {
  const res = parseChatResponse(
    {
      id: "r",
      created: 1,
      model: "llama",
      choices: [{
        index: 3,
        message: {
          role: "assistant",
          content: "",
          tool_calls: [{ function: { name: "f", arguments: "{}" } }],
        },
        finish_reason: "stop",
      }],
      usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
    },
    ctx,
    "Ollama",
  );
  assertEquals(res.choices[0]?.index, 0);
  assertEquals(res.choices[0]?.finish_reason, "tool_calls");
  assertEquals(res.choices[0]?.message.tool_calls, [
    { id: "call_0_0", type: "function", function: { name: "f", arguments: "{}" } },
  ]);
});

Deno.test("parseChatResponse() gives null tool_calls and refusal when absent, null usage counts", () => {
  const res = parseChatResponse(
    {
      choices: [{ message: { content: "hi", tool_calls: [] }, finish_reason: "eos" }],
    },
    ctx,
    "Together",
  );
  assertEquals(res.choices[0]?.message, {
    role: "assistant",
    content: "hi",
    tool_calls: null,
    refusal: null,
  });
  assertEquals(res.choices[0]?.finish_reason, "stop");
  assertEquals(res.model, "m");
  assertEquals(res.usage, { prompt_tokens: null, completion_tokens: null, total_tokens: null });
});

Deno.test("parseCompletionsResponse() and parseEmbeddingsResponse() normalise the shapes", () => {
  const c = parseCompletionsResponse(
    {
      id: "x",
      object: "text.completion",
      created: 2,
      model: "m2",
      choices: [{ text: "ok", finish_reason: "length" }],
    },
    ctx,
    "Together",
  );
  assertEquals(c.object, "text_completion");
  assertEquals(c.choices, [{ index: 0, text: "ok", finish_reason: "length" }]);
  const e = parseEmbeddingsResponse(
    {
      data: [{ index: 1, embedding: [2] }, { index: 0, embedding: [1] }],
      usage: { prompt_tokens: 2, total_tokens: 2 },
    },
    ctx,
    "Mistral",
  );
  assertEquals(e.data.map((d) => d.embedding), [[1], [2]]);
  assertEquals(e.usage, { prompt_tokens: 2, total_tokens: 2 });
});

Deno.test("isCanonicalEmbeddings() allows sending OpenAI's own body only when nothing needs fixing", () => {
  const body = {
    object: "list",
    model: "text-embedding-3-small",
    data: [{ object: "embedding", index: 0, embedding: [0.1] }, {
      object: "embedding",
      index: 1,
      embedding: "AAAA",
    }],
    usage: { prompt_tokens: 2, total_tokens: 2 },
  };
  assertEquals(isCanonicalEmbeddings(body), true);
  assertEquals(
    isCanonicalEmbeddings({ ...body, model: undefined }),
    false,
    "model filled in by the gateway",
  );
  assertEquals(isCanonicalEmbeddings({ ...body, usage: undefined }), false);
  assertEquals(
    isCanonicalEmbeddings({ ...body, data: [...body.data].reverse() }),
    false,
    "reordered by the gateway",
  );
});
