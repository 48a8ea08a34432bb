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

/** What OpenAI adds to an answer when asked for log probabilities, with its usage breakdowns. */
const LOGPROBS = {
  content: [{ token: "Hi", logprob: -0.01, bytes: [72, 105], top_logprobs: [] }],
  refusal: null,
};
const DETAILED_USAGE = {
  prompt_tokens: 9,
  completion_tokens: 1,
  total_tokens: 10,
  prompt_tokens_details: { cached_tokens: 8, audio_tokens: 0 },
  completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0 },
};

Deno.test("parseChatResponse() relays logprobs, system_fingerprint, service_tier and usage details", () => {
  const res = parseChatResponse(
    {
      id: "r",
      created: 1,
      model: "gpt",
      system_fingerprint: "fp_1",
      service_tier: "default",
      choices: [{
        index: 0,
        message: { role: "assistant", content: "Hi", refusal: null, annotations: [] },
        logprobs: LOGPROBS,
        finish_reason: "stop",
      }],
      usage: DETAILED_USAGE,
    },
    ctx,
    "OpenAI",
  );
  assertEquals(res.choices[0]?.logprobs, LOGPROBS);
  assertEquals([res.system_fingerprint, res.service_tier], ["fp_1", "default"]);
  assertEquals(res.usage, DETAILED_USAGE);
  assertEquals(res.choices[0]?.message.annotations, []);
});

Deno.test("parseChatResponse() adds none of those fields when the server sent none (or null)", () => {
  const res = parseChatResponse(
    {
      id: "r",
      created: 1,
      model: "llama",
      system_fingerprint: null,
      choices: [{ message: { content: "Hi" }, logprobs: null, finish_reason: "stop" }],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    },
    ctx,
    "vLLM",
  );
  assertEquals(Object.keys(res).sort(), ["choices", "created", "id", "model", "object", "usage"]);
  assertEquals(Object.keys(res.choices[0] ?? {}).sort(), ["finish_reason", "index", "message"]);
  assertEquals(Object.keys(res.usage).length, 3);
});

Deno.test("parseCompletionsResponse() relays a choice's logprobs and the system_fingerprint", () => {
  const logprobs = { tokens: ["Hi"], token_logprobs: [-0.1], top_logprobs: null, text_offset: [0] };
  const res = parseCompletionsResponse(
    {
      id: "c",
      created: 1,
      model: "gpt-3.5-turbo-instruct",
      system_fingerprint: "fp_2",
      choices: [{ index: 0, text: "Hi", logprobs, finish_reason: "stop" }],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    },
    ctx,
    "OpenAI",
  );
  assertEquals(res.choices[0]?.logprobs, logprobs);
  assertEquals(res.system_fingerprint, "fp_2");
});
