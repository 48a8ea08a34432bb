import { assert, assertEquals } from "../../../tests/assert.ts";
import { MockConfig, mockProvider } from "./mod.ts";
import { embed, plan, stableId, tokenize } from "./generate.ts";
import type { CallContext, LocalOperation } from "../../core/provider.ts";
import type { ChatChunk, ChatRequest, ChatResponse } from "../../schemas/chat.ts";
import type {
  CompletionsChunk,
  CompletionsRequest,
  CompletionsResponse,
} from "../../schemas/completions.ts";
import type { EmbeddingsRequest, EmbeddingsResponse } from "../../schemas/embeddings.ts";
import type { StreamPart } from "../../core/stream_parts.ts";
import { ChatStreamWriter, CompletionsStreamWriter } from "../../ingress/openai/stream.ts";
import { Redactor } from "../../observe/redact.ts";

const ctx = (config: Partial<MockConfig> = {}): CallContext<MockConfig> => ({
  endpoint: "mock",
  model: "mock-1",
  config: MockConfig.parse(config),
  stream: false,
});
const signal = new AbortController().signal;
const chat = mockProvider.chat as LocalOperation<ChatRequest, ChatResponse, MockConfig>;
const completions = mockProvider.completions as LocalOperation<
  CompletionsRequest,
  CompletionsResponse,
  MockConfig
>;
const embeddings = mockProvider.embeddings as LocalOperation<
  EmbeddingsRequest,
  EmbeddingsResponse,
  MockConfig
>;

/** The chunks an OpenAI client gets for a stream of parts (usage included, as if asked for). */
async function collect<T extends ChatChunk | CompletionsChunk>(
  parts: AsyncIterable<StreamPart>,
  writer: ChatStreamWriter | CompletionsStreamWriter,
): Promise<T[]> {
  const all: StreamPart[] = [];
  for await (const part of parts) all.push(part);
  return writer.chunks(all) as T[];
}
const chatChunks = (parts: AsyncIterable<StreamPart>) =>
  collect<ChatChunk>(parts, new ChatStreamWriter(true, new Redactor()));
const completionsChunks = (parts: AsyncIterable<StreamPart>) =>
  collect<CompletionsChunk>(parts, new CompletionsStreamWriter(true, new Redactor()));

Deno.test("tokenize() keeps leading whitespace so tokens join back into the text", () => {
  assertEquals(tokenize("Hello  big world"), ["Hello", "  big", " world"]);
  assertEquals(tokenize(""), []);
});

Deno.test("plan() cuts at the first stop sequence and at max_tokens", () => {
  assertEquals(plan("a b c d", { stop: ["c"] }), { tokens: ["a", " b"], finishReason: "stop" });
  assertEquals(plan("a b c d", { maxTokens: 3 }), {
    tokens: ["a", " b", " c"],
    finishReason: "length",
  });
});

Deno.test("mock chat echoes the last user message with realistic usage", async () => {
  const response = await chat.invoke(
    {
      messages: [{ role: "system", content: "be nice" }, { role: "user", content: "first" }, {
        role: "assistant",
        content: "x",
      }, {
        role: "user",
        content: [{ type: "text", text: "hello" }, { type: "text", text: " there" }],
      }],
    },
    ctx(),
    signal,
  );
  assertEquals(response.choices[0]?.message.content, "hello there");
  assertEquals(response.choices[0]?.finish_reason, "stop");
  assertEquals(response.model, "mock-1");
  assertEquals(response.usage.completion_tokens, 2);
  assert((response.usage.prompt_tokens ?? 0) > 6);
  assertEquals(response.usage.total_tokens, (response.usage.prompt_tokens ?? 0) + 2);
});

Deno.test("mock chat uses a configured reply and n choices", async () => {
  const response = await chat.invoke(
    { messages: [{ role: "user", content: "x" }], n: 2 },
    ctx({ reply: "fixed" }),
    signal,
  );
  assertEquals(response.choices.map((c) => c.message.content), ["fixed", "fixed"]);
});

Deno.test("mock chat calls the tool the request forces", async () => {
  const response = await chat.invoke(
    {
      messages: [{ role: "user", content: "Paris" }],
      tools: [{ type: "function", function: { name: "weather" } }],
      tool_choice: "required",
    },
    ctx(),
    signal,
  );
  const call = response.choices[0]?.message.tool_calls?.[0];
  assertEquals(call?.function, { name: "weather", arguments: '{"input":"Paris"}' });
  assertEquals(response.choices[0]?.finish_reason, "tool_calls");
});

Deno.test("mock chat streams word by word: role first, finish, then usage", async () => {
  assert(chat.stream);
  const chunks = await chatChunks(
    chat.stream({ messages: [{ role: "user", content: "one two" }] }, ctx(), signal),
  );
  assertEquals(chunks[0]?.choices[0]?.delta, { role: "assistant", content: "" });
  assertEquals(chunks.slice(1, 3).map((c) => c.choices[0]?.delta.content), ["one", " two"]);
  assertEquals(chunks[3]?.choices[0]?.finish_reason, "stop");
  assertEquals(chunks[4]?.choices, []);
  assertEquals(chunks[4]?.usage?.completion_tokens, 2);
});

Deno.test("mock chat streams a forced tool call as stream parts", async () => {
  assert(chat.stream);
  const parts: StreamPart[] = [];
  for await (
    const part of chat.stream(
      {
        messages: [{ role: "user", content: "Paris" }],
        tools: [{ type: "function", function: { name: "weather" } }],
        tool_choice: "required",
      },
      ctx(),
      signal,
    )
  ) parts.push(part);
  assertEquals(parts.map((p) => p.type), [
    "start",
    "tool_call",
    "tool_arguments",
    "finish",
    "usage",
  ]);
  assertEquals(parts[1], {
    type: "tool_call",
    index: 0,
    id: stableId("call", "weather:Paris"),
    name: "weather",
  });
  assertEquals(parts[2], { type: "tool_arguments", index: 0, arguments: '{"input":"Paris"}' });
  assertEquals(parts[3], { type: "finish", reason: "tool_calls" });
});

Deno.test("mock streams n choices as relayed chunks, each part in every choice", async () => {
  assert(chat.stream && completions.stream);
  const chunks = await chatChunks(
    chat.stream({ messages: [{ role: "user", content: "one two" }], n: 2 }, ctx(), signal),
  );
  assertEquals(chunks[0]?.choices.map((c) => c.delta), [
    { role: "assistant", content: "" },
    { role: "assistant", content: "" },
  ]);
  assertEquals(chunks[1]?.choices.map((c) => [c.index, c.delta.content]), [[0, "one"], [1, "one"]]);
  assertEquals(chunks[3]?.choices.map((c) => c.finish_reason), ["stop", "stop"]);
  assertEquals(chunks[4]?.choices, []);
  assertEquals(chunks[4]?.usage?.completion_tokens, 4);
  assertEquals(new Set(chunks.map((c) => `${c.id} ${c.model}`)).size, 1);
  const texts = await completionsChunks(completions.stream({ prompt: "a b", n: 3 }, ctx(), signal));
  assertEquals(texts[0]?.choices.map((c) => c.text), ["a", "a", "a"]);
  assertEquals(texts[2]?.choices.map((c) => c.finish_reason), ["stop", "stop", "stop"]);
  assertEquals(texts[3]?.usage?.completion_tokens, 6);
});

Deno.test("mock streaming honours delay_ms and stops when aborted", async () => {
  assert(chat.stream);
  const controller = new AbortController();
  const started = Date.now();
  const seen: StreamPart[] = [];
  try {
    for await (
      const chunk of chat.stream(
        { messages: [{ role: "user", content: "a b c d e" }] },
        ctx({ delay_ms: 30 }),
        controller.signal,
      )
    ) {
      seen.push(chunk);
      if (seen.length === 3) controller.abort();
    }
  } catch {
    // aborted
  }
  assertEquals(seen.length, 3);
  assert(Date.now() - started >= 50, "tokens were delayed");
});

Deno.test("mock completions echo the prompt, streamed too", async () => {
  const response = await completions.invoke({ prompt: "the prompt" }, ctx(), signal);
  assertEquals(response.choices[0]?.text, "the prompt");
  assert(completions.stream);
  const chunks = await completionsChunks(completions.stream({ prompt: "a b" }, ctx(), signal));
  assertEquals(chunks.map((c) => c.choices[0]?.text ?? "").join(""), "a b");
});

Deno.test("mock embeddings are deterministic unit vectors of the configured size", async () => {
  const response = await embeddings.invoke(
    { input: ["cat", "dog", "cat"] },
    ctx({ embedding_dimensions: 8 }),
    signal,
  );
  const [cat, dog, cat2] = response.data.map((d) => d.embedding as number[]);
  assertEquals(cat?.length, 8);
  assertEquals(cat, cat2);
  assert(JSON.stringify(cat) !== JSON.stringify(dog));
  const norm = Math.sqrt((cat ?? []).reduce((s, x) => s + x * x, 0));
  assert(Math.abs(norm - 1) < 1e-3, `norm ${norm}`);
  assertEquals(embed("cat", 8), cat);
});
