import { assertEquals } from "../../../tests/assert.ts";
import { Redactor } from "../../observe/redact.ts";
import { RawOpenAIChunk, type StreamPart } from "../../core/stream_parts.ts";
import type { ChatChunk } from "../../schemas/chat.ts";
import { ChatStreamWriter } from "./stream.ts";
import {
  mlflowChatChunk,
  MlflowChatStreamWriter,
  mlflowCompletionsChunk,
  MlflowCompletionsStreamWriter,
} from "./mlflow_stream.ts";

/** The JSON objects of a writer's SSE text. */
/** The events of a batch's write (text, or bytes for chunks relayed as they came). */
function events(written: string | Uint8Array[]): Record<string, unknown>[] {
  const text = typeof written === "string"
    ? written
    : written.map((piece) => new TextDecoder().decode(piece)).join("");
  return text.split("\n\n").filter(Boolean).map((e) => JSON.parse(e.slice("data: ".length)));
}

const PARTS: StreamPart[] = [
  { type: "start", id: "msg_1", model: "claude-x" },
  { type: "text", text: "Hi" },
  { type: "tool_call", index: 0, id: "call_1", name: "get_weather" },
  { type: "tool_arguments", index: 0, arguments: '{"city":' },
  { type: "finish", reason: "tool_calls" },
  { type: "usage", usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } },
];

const NO_DELTA = { role: null, content: null, tool_calls: null };

Deno.test("MlflowChatStreamWriter writes every key MLflow 3.17 sends, null when unset", () => {
  const chunks = events(new MlflowChatStreamWriter(true, new Redactor(), "anthropic").batch(PARTS));
  assertEquals(
    chunks.map((c) => Object.keys(c)),
    Array(6).fill([
      "id",
      "object",
      "created",
      "model",
      "choices",
      "usage",
      "provider",
    ]),
  );
  assertEquals(chunks.map((c) => (c.choices as unknown[])[0]), [
    { index: 0, finish_reason: null, delta: { role: "assistant", content: "", tool_calls: null } },
    { index: 0, finish_reason: null, delta: { ...NO_DELTA, content: "Hi" } },
    {
      index: 0,
      finish_reason: null,
      delta: {
        ...NO_DELTA,
        tool_calls: [{
          index: 0,
          id: "call_1",
          type: "function",
          function: { name: "get_weather", arguments: "" },
        }],
      },
    },
    {
      index: 0,
      finish_reason: null,
      delta: {
        ...NO_DELTA,
        tool_calls: [{
          index: 0,
          id: null,
          type: null,
          function: { name: null, arguments: '{"city":' },
        }],
      },
    },
    // The finish: `delta` is not `{}`, so `delta["content"]` reads None as against MLflow.
    { index: 0, finish_reason: "tool_calls", delta: NO_DELTA },
    undefined,
  ]);
  assertEquals(chunks.slice(0, 5).map((c) => c.usage), Array(5).fill(null));
  assertEquals(chunks[5]?.usage, { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 });
  assertEquals(chunks.map((c) => c.provider), Array(6).fill("anthropic"));
});

Deno.test("mlflowChatChunk() keeps a relayed chunk's own fields and names our provider", () => {
  const relayed = {
    id: "chatcmpl-1",
    object: "chat.completion.chunk",
    created: 1,
    model: "m",
    system_fingerprint: "fp",
    provider: "SomeUpstreamHost",
    choices: [{
      index: 0,
      delta: { reasoning_content: "hmm", refusal: null },
      finish_reason: null,
      logprobs: null,
    }],
  } as ChatChunk;
  const before = structuredClone(relayed);
  assertEquals(mlflowChatChunk(relayed, "openrouter"), {
    id: "chatcmpl-1",
    object: "chat.completion.chunk",
    created: 1,
    model: "m",
    choices: [{
      index: 0,
      finish_reason: null,
      delta: { ...NO_DELTA, reasoning_content: "hmm", refusal: null },
      logprobs: null,
    }],
    usage: null,
    system_fingerprint: "fp",
    provider: "openrouter",
  });
  assertEquals(relayed, before, "the relayed chunk is not changed (other readers share it)");
  assertEquals(mlflowChatChunk(relayed, undefined).provider, null);
});

Deno.test("MlflowChatStreamWriter reshapes relayed OpenAI chunks; ChatStreamWriter does not", () => {
  const part: StreamPart = {
    type: "openai_chunk",
    chunk: {
      id: "c",
      object: "chat.completion.chunk",
      created: 1,
      model: "m",
      choices: [{ index: 0, delta: {}, finish_reason: "stop" }],
    },
  };
  const [mlflow] = events(new MlflowChatStreamWriter(true, new Redactor(), "openai").batch([part]));
  assertEquals(mlflow, {
    id: "c",
    object: "chat.completion.chunk",
    created: 1,
    model: "m",
    choices: [{ index: 0, finish_reason: "stop", delta: NO_DELTA }],
    usage: null,
    provider: "openai",
  });
  const [openai] = events(new ChatStreamWriter(true, new Redactor()).batch([part]));
  assertEquals(openai, {
    id: "c",
    object: "chat.completion.chunk",
    created: 1,
    model: "m",
    choices: [{ index: 0, delta: {}, finish_reason: "stop" }],
  });
});

Deno.test("a chunk relayed raw is written as its text on /v1 and reshaped on MLflow's paths", () => {
  const raw = '{"id":"c","object":"chat.completion.chunk","created":1,"model":"m",' +
    '"choices":[{"index":0,"delta":{"content":"Hi"},"logprobs":null,"finish_reason":null}],' +
    '"usage":null}';
  const part = new RawOpenAIChunk(raw);
  // whatever the client asked of usage: a raw chunk carries none
  for (const includeUsage of [true, false]) {
    assertEquals(
      new ChatStreamWriter(includeUsage, new Redactor()).batch([part]),
      `data: ${raw}\n\n`,
    );
  }
  const [mlflow] = events(new MlflowChatStreamWriter(true, new Redactor(), "openai").batch([part]));
  const choice = (mlflow?.choices as ChatChunk["choices"])[0];
  assertEquals([mlflow?.provider, choice?.delta.content], ["openai", "Hi"]);
});

Deno.test("MlflowCompletionsStreamWriter sends usage null until the usage chunk, no provider", () => {
  const chunks = events(new MlflowCompletionsStreamWriter(true, new Redactor()).batch(PARTS));
  assertEquals(chunks.map((c) => c.usage), [
    null,
    null,
    { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
  ]);
  assertEquals(chunks.some((c) => "provider" in c), false);
  assertEquals((chunks[0]?.choices as unknown[])[0], {
    index: 0,
    text: "Hi",
    finish_reason: null,
  });
  const usage = { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 };
  const last = { id: "c", object: "text_completion", created: 1, model: "m", choices: [], usage };
  assertEquals(mlflowCompletionsChunk(last as never), last, "a chunk with usage is kept as is");
});
