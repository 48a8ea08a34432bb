import { assertEquals, assertThrows } from "../../../tests/assert.ts";
import type { CallContext, StreamParser } from "../../core/provider.ts";
import {
  chatStreamParser,
  chatStreamParts,
  completionsStreamParser,
  ToolCallIndexer,
  UsageHold,
} from "./stream.ts";
import type { OpenAIChunkPart } from "../../core/stream_parts.ts";

const ctx: CallContext<unknown> = { endpoint: "ep", model: "m", config: {}, stream: true };

function run<T>(parser: StreamParser<T>, events: unknown[]): T[] {
  const out: T[] = [];
  for (const e of events) {
    out.push(
      ...parser.push({ event: undefined, data: typeof e === "string" ? e : JSON.stringify(e) }),
    );
  }
  out.push(...parser.end());
  return out;
}

const base = { id: "c1", object: "chat.completion.chunk", created: 5, model: "mx" };
const usage = { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 };

Deno.test("chatStreamParser() moves usage from the last chunk into one usage-only chunk (Mistral)", () => {
  const chunks = run(chatStreamParser(ctx, "Mistral"), [
    {
      ...base,
      choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }],
    },
    { ...base, choices: [{ index: 0, delta: { content: "Hi" }, finish_reason: null }] },
    { ...base, choices: [{ index: 0, delta: { content: "" }, finish_reason: "stop" }], usage },
    "[DONE]",
  ]);
  assertEquals(chunks.length, 4);
  assertEquals(chunks[2]?.choices[0]?.finish_reason, "stop");
  assertEquals(chunks[2]?.usage, undefined);
  assertEquals(chunks[3], {
    id: "c1",
    created: 5,
    model: "mx",
    object: "chat.completion.chunk",
    choices: [],
    usage,
  });
});

Deno.test("chatStreamParser() reads Groq's x_groq.usage", () => {
  const chunks = run(chatStreamParser(ctx, "Groq"), [
    {
      ...base,
      choices: [{ index: 0, delta: { role: "assistant", content: "a" }, finish_reason: null }],
    },
    {
      ...base,
      choices: [{ index: 0, delta: {}, finish_reason: "stop" }],
      x_groq: { id: "r", usage: { ...usage, queue_time: 0.1 } },
    },
  ]);
  assertEquals(chunks.at(-1)?.choices, []);
  assertEquals(chunks.at(-1)?.usage, usage);
});

Deno.test("chatStreamParser() passes OpenAI's usage-only chunk once, and drops empty chunks", () => {
  const chunks = run(chatStreamParser(ctx, "OpenAI"), [
    { ...base, choices: [], prompt_filter_results: [] },
    {
      ...base,
      choices: [{ index: 0, delta: { role: "assistant", content: "a" }, finish_reason: "stop" }],
      usage: null,
    },
    { ...base, choices: [], usage },
    "[DONE]",
  ]);
  assertEquals(chunks.length, 2);
  assertEquals(chunks[1]?.usage, usage);
});

Deno.test("chatStreamParser() gives the first delta of each choice the assistant role", () => {
  const chunks = run(chatStreamParser(ctx, "Together"), [
    { ...base, choices: [{ index: 0, text: "He", delta: { content: "He" }, finish_reason: null }] },
    { ...base, choices: [{ index: 0, text: "llo", finish_reason: "eos" }] },
  ]);
  assertEquals(chunks[0]?.choices[0]?.delta, { content: "He", role: "assistant" });
  assertEquals(
    chunks[1]?.choices[0]?.delta,
    { content: "llo" },
    "Together's text fills a missing delta",
  );
  assertEquals(chunks[1]?.choices[0]?.finish_reason, "stop");
});

Deno.test("chatStreamParser() indexes whole tool calls and reports finish_reason tool_calls", () => {
  const chunks = run(chatStreamParser(ctx, "Mistral"), [
    {
      ...base,
      choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }],
    },
    {
      ...base,
      choices: [{
        index: 0,
        delta: {
          tool_calls: [
            { id: "aaaaaaaaa", function: { name: "f", arguments: "{}" } },
            { id: "bbbbbbbbb", function: { name: "g", arguments: '{"x":1}' } },
          ],
        },
        finish_reason: null,
      }],
    },
    { ...base, choices: [{ index: 0, delta: { content: "" }, finish_reason: "stop" }] },
  ]);
  const calls = chunks[1]?.choices[0]?.delta.tool_calls;
  assertEquals(calls?.map((c) => [c.index, c.id, c.type]), [[0, "aaaaaaaaa", "function"], [
    1,
    "bbbbbbbbb",
    "function",
  ]]);
  assertEquals(chunks[2]?.choices[0]?.finish_reason, "tool_calls");
});

Deno.test("ToolCallIndexer keeps given indexes and continues fragments without one", () => {
  const indexer = new ToolCallIndexer();
  assertEquals(indexer.index([{ index: 0, id: "a", function: { name: "f" } }])[0]?.index, 0);
  assertEquals(indexer.index([{ function: { arguments: "{" } }])[0]?.index, 0);
  assertEquals(indexer.index([{ id: "b", function: { name: "g" } }])[0]?.index, 1);
  assertEquals(indexer.index([{ id: "a", function: { arguments: "}" } }])[0]?.index, 0);
});

Deno.test("UsageHold sends usage once", () => {
  const hold = new UsageHold();
  assertEquals(hold.take(undefined, true), "none");
  assertEquals(
    hold.take({ prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 }, true),
    "held",
  );
  assertEquals(hold.flush()?.total_tokens, 2);
  assertEquals(hold.flush(), undefined);
});

Deno.test("chatStreamParser() throws on an error event and on a non-JSON event", () => {
  const parser = chatStreamParser(ctx, "Mistral");
  assertThrows(
    () =>
      parser.push({
        event: undefined,
        data: JSON.stringify({ object: "error", error: { message: "overloaded" } }),
      }),
    /Mistral reported an error mid-stream: overloaded/,
  );
  assertThrows(() => parser.push({ event: undefined, data: "{oops" }), /not JSON/);
});

Deno.test("completionsStreamParser() moves Together's in-chunk usage to a final chunk", () => {
  const chunks = run(completionsStreamParser(ctx, "Together"), [
    {
      id: "x",
      object: "completion.chunk",
      created: 1,
      model: "m",
      choices: [{ index: 0, text: "a", finish_reason: null }],
      usage: null,
    },
    {
      id: "x",
      object: "completion.chunk",
      created: 1,
      model: "m",
      choices: [{ index: 0, text: "b", finish_reason: "eos" }],
      usage,
    },
    "[DONE]",
  ]);
  assertEquals(chunks.map((c) => c.choices.map((ch) => ch.text).join("")), ["a", "b", ""]);
  assertEquals(chunks[1]?.choices[0]?.finish_reason, "stop");
  assertEquals(chunks[2]?.usage, usage);
  assertEquals(chunks[2]?.object, "text_completion");
});

Deno.test("chatStreamParser() relays each chunk's logprobs and system_fingerprint, and usage details", () => {
  const logprobs = {
    content: [{ token: "Hi", logprob: -0.5, bytes: [72, 105], top_logprobs: [] }],
  };
  const detailed = { ...usage, prompt_tokens_details: { cached_tokens: 2 } };
  const served = { ...base, system_fingerprint: "fp_9", service_tier: "default" };
  const chunks = run(chatStreamParser(ctx, "OpenAI"), [
    {
      ...served,
      choices: [{ index: 0, delta: { role: "assistant" }, logprobs: null, finish_reason: null }],
    },
    { ...served, choices: [{ index: 0, delta: { content: "Hi" }, logprobs, finish_reason: null }] },
    { ...served, choices: [], usage: detailed },
    "[DONE]",
  ]);
  assertEquals(chunks.map((c) => [c.system_fingerprint, c.service_tier]), [
    ["fp_9", "default"],
    ["fp_9", "default"],
    ["fp_9", "default"],
  ]);
  assertEquals("logprobs" in (chunks[0]?.choices[0] ?? {}), false);
  assertEquals(chunks[1]?.choices[0]?.logprobs, logprobs);
  assertEquals(chunks[2]?.usage, detailed);
});

Deno.test("chatStreamParser() relays OpenAI's obfuscation padding on the chunks that carry it", () => {
  const chunks = run(chatStreamParser(ctx, "OpenAI"), [
    {
      ...base,
      obfuscation: "x7Qz",
      choices: [{ index: 0, delta: { content: "Hi" }, finish_reason: null }],
    },
    { ...base, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] },
    "[DONE]",
  ]);
  assertEquals(chunks.map((c) => c.obfuscation), ["x7Qz", undefined]);
  assertEquals("obfuscation" in (chunks[1] ?? {}), false);
});

Deno.test("completionsStreamParser() relays a choice's logprobs", () => {
  const logprobs = { tokens: [" a"], token_logprobs: [-1], top_logprobs: null, text_offset: [0] };
  const chunks = run(completionsStreamParser(ctx, "OpenAI"), [
    {
      ...base,
      object: "text_completion",
      choices: [{ index: 0, text: " a", logprobs, finish_reason: null }],
    },
    "[DONE]",
  ]);
  assertEquals(chunks[0]?.choices[0]?.logprobs, logprobs);
  assertEquals("system_fingerprint" in (chunks[0] ?? {}), false);
});

Deno.test("chatStreamParts() relays plain content chunks as their text, meaning what the full path gives", () => {
  const served = { ...base, service_tier: "default", system_fingerprint: "fp_1" };
  const content = (text: string) => ({
    ...served,
    choices: [{ index: 0, delta: { content: text }, logprobs: null, finish_reason: null }],
    usage: null,
    obfuscation: "pad",
  });
  const events = [
    // the first chunk lacks the role: the full path adds it, so it is never relayed raw
    content("Hel"),
    content("lo"),
    { ...served, choices: [{ index: 1, delta: { content: "x" }, finish_reason: null }] },
    content(" there"),
    { ...served, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: "stop" }] },
    { ...served, choices: [], usage },
    "[DONE]",
  ];
  const parts = run(chatStreamParts(ctx, "OpenAI"), events) as OpenAIChunkPart[];
  const full = run(chatStreamParser(ctx, "OpenAI"), events);
  assertEquals(parts.map((part) => part.raw !== undefined), [
    false,
    true,
    false,
    true,
    false,
    false,
  ]);
  assertEquals(parts[1]?.raw, JSON.stringify(events[1]));
  // The raw chunks mean what the full path's do; only OpenAI's explicit nulls are kept.
  const withoutNulls = (chunk: unknown) =>
    JSON.parse(
      JSON.stringify(chunk),
      (key, value) => (key === "logprobs" || key === "usage") && value === null ? undefined : value,
    );
  assertEquals(parts.map((part) => withoutNulls(part.chunk)), full.map(withoutNulls));
  assertEquals(full[0]?.choices[0]?.delta.role, "assistant");
});

Deno.test("the OpenAI stream parsers finish at [DONE] and drop what follows it", () => {
  const text = (content: string) => ({
    ...base,
    choices: [{ index: 0, delta: { content }, finish_reason: null }],
  });
  const parts = chatStreamParts(ctx, "OpenAI");
  const push = (data: unknown) =>
    parts.push({ event: undefined, data: typeof data === "string" ? data : JSON.stringify(data) });
  assertEquals(push(text("one")).length, 1);
  assertEquals(push(text("two")).length, 1);
  assertEquals(parts.finished?.(), false);
  assertEquals(push("[DONE]"), []);
  assertEquals(parts.finished?.(), true);
  // A plain chunk after the end is not relayed as its text either.
  assertEquals(push(text("after")), []);
  assertEquals(push({ error: { message: "late" } }), []);
  assertEquals(parts.end(), []);

  const completions = completionsStreamParser(ctx, "Together");
  completions.push({ event: undefined, data: " [DONE] " });
  assertEquals(completions.finished(), true);
  assertEquals(
    completions.push({
      event: undefined,
      data: JSON.stringify({
        ...base,
        object: "text_completion",
        choices: [{ index: 0, text: "x" }],
      }),
    }),
    [],
  );
});
