import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
  assertThrows,
} from "../../../tests/assert.ts";
import type { CallContext, StreamParser } from "../../core/provider.ts";
import { GatewayError } from "../../core/errors.ts";
import { parseSse } from "../../core/sse.ts";
import type { StreamPart } from "../../core/stream_parts.ts";
import { ChatStreamWriter, CompletionsStreamWriter } from "../../ingress/openai/stream.ts";
import { Redactor } from "../../observe/redact.ts";
import type { ChatChunk } from "../../schemas/chat.ts";
import type { CompletionsChunk } from "../../schemas/completions.ts";
import { streamParser } from "./stream.ts";

const ctx: CallContext<unknown> = {
  endpoint: "chat",
  model: "gemini-2.0-flash",
  config: {},
  stream: true,
};

async function* bytesOf(text: string): AsyncGenerator<Uint8Array> {
  // split in odd places, as a network would
  const bytes = new TextEncoder().encode(text);
  for (let i = 0; i < bytes.length; i += 37) yield bytes.slice(i, i + 37);
}

async function run(parser: StreamParser<StreamPart>, sse: string): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const event of parseSse(bytesOf(sse))) parts.push(...parser.push(event));
  parts.push(...parser.end());
  return parts;
}

/** What an OpenAI chat client gets from the parts (usage asked for). */
const chatChunks = (parts: StreamPart[]) =>
  new ChatStreamWriter(true, new Redactor()).chunks(parts) as ChatChunk[];

/** What an OpenAI completions client gets from the parts (usage asked for). */
const completionsChunks = (parts: StreamPart[]) =>
  new CompletionsStreamWriter(true, new Redactor()).chunks(parts) as CompletionsChunk[];

const fixture = (name: string) => Deno.readTextFile(new URL(`./testdata/${name}`, import.meta.url));

Deno.test("streamParser() relays text, then a finish chunk, then one usage chunk", async () => {
  const chunks = chatChunks(await run(streamParser(ctx), await fixture("stream_text.sse")));
  assertEquals(chunks[0]?.choices[0]?.delta, { role: "assistant", content: "" });
  assertEquals(chunks[1]?.choices[0]?.delta, { content: "The" });
  assert(chunks.every((c) => c.model === "gemini-2.0-flash"));
  assert(
    chunks.every((c) => c.id === "xXrBaKWcHIqn7M8P3q2OmQU" && c.object === "chat.completion.chunk"),
  );
  const text = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
  assertEquals(text, "The sky is blue because of Rayleigh scattering.\n");
  const finish = chunks[chunks.length - 2]!;
  assertEquals(finish.choices, [{ index: 0, delta: {}, finish_reason: "stop" }]);
  const usage = chunks[chunks.length - 1]!;
  assertEquals(usage.choices, []);
  assertEquals(usage.usage, { prompt_tokens: 7, completion_tokens: 10, total_tokens: 17 });
  assertEquals(chunks.filter((c) => c.usage !== undefined).length, 1);
});

Deno.test("streamParser() gives each streamed function call its own index and finishes tool_calls", async () => {
  const chunks = chatChunks(
    await run(streamParser(ctx), await fixture("stream_function_calls.sse")),
  );
  const deltas = chunks.flatMap((c) =>
    c.choices.flatMap((choice) => choice.delta.tool_calls ?? [])
  );
  // each whole call: its start (id, name, no arguments yet), then all its arguments at once
  assertEquals(deltas.map((d) => [d.index, d.function?.name, d.function?.arguments]), [
    [0, "get_weather", ""],
    [0, undefined, '{"location":"Paris"}'],
    [1, "get_time", ""],
    [1, undefined, '{"tz":"Europe/Paris"}'],
  ]);
  const starts = deltas.filter((d) => d.id !== undefined);
  assertEquals(starts.length, 2);
  assert(starts.every((d) => d.type === "function" && /^call_[0-9a-f]{16}$/.test(d.id ?? "")));
  // the thought signature rides on the call's start, as on a plain answer's call
  assertEquals((starts[0] as Record<string, unknown>).extra_content, {
    google: { thought_signature: "CiQB0e2Kb3Jh0VqcBVkKq1sCWzN0Y0dKqSpxN5Wm+Hdj1vI2aGsKXgHR7Ypv" },
  });
  const finishes = chunks.flatMap((c) => c.choices.map((choice) => choice.finish_reason)).filter(
    Boolean,
  );
  assertEquals(finishes, ["tool_calls"]);
  assertEquals(chunks[0]?.choices[0]?.delta.role, "assistant");
  assertEquals(chunks.at(-1)?.usage, {
    prompt_tokens: 61,
    completion_tokens: 122,
    total_tokens: 183,
    completion_tokens_details: { reasoning_tokens: 92 },
  });
});

Deno.test("streamParser() ids match the ones of a plain answer with the same calls", async () => {
  const { parseChatResponse } = await import("./response.ts");
  const calls = await import("./testdata/generate_function_calls.json", { with: { type: "json" } });
  const plain = parseChatResponse(calls.default, ctx).choices[0]!.message.tool_calls!.map((c) =>
    c.id
  );
  const parser = streamParser(ctx);
  const streamed = parser.push({ event: undefined, data: JSON.stringify(calls.default) })
    .flatMap((part) => part.type === "tool_call" ? [part.id] : []);
  assertEquals(streamed, plain);
});

Deno.test("streamParser() fails when the stream ends before a finish reason", async () => {
  const sse = (await fixture("stream_text.sse")).split("\r\n\r\n").slice(0, 2).join("\r\n\r\n") +
    "\r\n\r\n";
  const error = await assertRejects(
    () => run(streamParser(ctx), sse),
    /ended its stream before/,
  );
  assert(error instanceof GatewayError && error.status === 502);
});

Deno.test("streamParser() turns an in-stream error object into a mapped error", () => {
  const parser = streamParser(ctx);
  const data = JSON.stringify({
    error: {
      code: 429,
      message: "Resource has been exhausted (e.g. check quota).",
      status: "RESOURCE_EXHAUSTED",
      details: [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "3s" }],
    },
  });
  try {
    parser.push({ event: undefined, data });
    throw new Error("expected a failure");
  } catch (error) {
    assert(error instanceof GatewayError, String(error));
    assertEquals(error.status, 429);
    assertEquals(error.retryAfter, 3);
    assertMatch(error.message, /Resource has been exhausted/);
  }
});

Deno.test("streamParser() answers a blocked prompt with a 400 and a broken event with a 502", () => {
  const parser = streamParser(ctx);
  try {
    parser.push({ event: undefined, data: '{"promptFeedback": {"blockReason": "SAFETY"}}' });
    throw new Error("expected a failure");
  } catch (error) {
    assert(error instanceof GatewayError && error.status === 400, String(error));
  }
  const malformed = assertThrows(() => streamParser(ctx).push({ event: undefined, data: "{oops" }));
  assert(malformed instanceof GatewayError && malformed.status === 502);
});

Deno.test("streamParser() gives a completions client text chunks, a finish chunk and usage", async () => {
  const chunks = completionsChunks(
    await run(streamParser({ ...ctx, endpoint: "completions" }), await fixture("stream_text.sse")),
  );
  assert(chunks.every((c) => c.object === "text_completion"));
  assertEquals(
    chunks.map((c) => c.choices[0]?.text ?? "").join(""),
    "The sky is blue because of Rayleigh scattering.\n",
  );
  assertEquals(chunks.at(-2)?.choices, [{ index: 0, text: "", finish_reason: "stop" }]);
  assertEquals(chunks.at(-1)?.usage?.total_tokens, 17);
});

Deno.test("streamParser() keeps choices apart when Gemini streams several candidates", () => {
  const parser = streamParser(ctx);
  const event = (data: unknown) => ({ event: undefined, data: JSON.stringify(data) });
  const out = chatChunks([
    ...parser.push(event({
      candidates: [
        { content: { role: "model", parts: [{ text: "A" }] }, index: 0 },
        { content: { role: "model", parts: [{ text: "B" }] }, index: 1 },
      ],
    })),
    ...parser.push(event({
      candidates: [
        { content: { role: "model", parts: [{ text: "a" }] }, index: 0, finishReason: "STOP" },
        { content: { role: "model", parts: [] }, index: 1, finishReason: "MAX_TOKENS" },
      ],
    })),
    ...parser.end(),
  ]);
  const textOf = (index: number) =>
    out.flatMap((c) => c.choices.filter((ch) => ch.index === index)).map((ch) =>
      ch.delta.content ?? ""
    )
      .join("");
  assertEquals([textOf(0), textOf(1)], ["Aa", "B"]);
  const finishes = out.flatMap((c) => c.choices.filter((ch) => ch.finish_reason !== null));
  assertEquals(finishes.map((ch) => [ch.index, ch.finish_reason]), [[0, "stop"], [1, "length"]]);
  // each choice's first delta carries the role
  const roles = out.flatMap((c) => c.choices.filter((ch) => ch.delta.role === "assistant"));
  assertEquals(roles.map((ch) => ch.index), [0, 1]);
  // no responseId or modelVersion: an id made from the time and the configured model
  assertMatch(out[0]?.id ?? "", /^gemini-\d+$/);
  assertEquals(out[0]?.model, "gemini-2.0-flash");
});

Deno.test("streamParser() streams thought summaries as reasoning, in the order of the parts", () => {
  const parser = streamParser(ctx);
  const parts = [
    ...parser.push({
      event: undefined,
      data: JSON.stringify({
        candidates: [{
          content: {
            role: "model",
            parts: [
              { text: "Thinking about ", thought: true },
              { text: "the sky.", thought: true },
              { text: "Blue" },
              { text: "." },
            ],
          },
          index: 0,
          finishReason: "STOP",
        }],
        responseId: "r1",
        modelVersion: "gemini-2.5-flash",
      }),
    }),
    ...parser.end(),
  ];
  assertEquals(parts.slice(0, 4), [
    { type: "start", id: "r1", model: "gemini-2.5-flash" },
    { type: "reasoning", text: "Thinking about the sky." },
    { type: "text", text: "Blue." },
    { type: "finish", reason: "stop" },
  ]);
  assertEquals(chatChunks(parts)[1]?.choices[0]?.delta, {
    reasoning_content: "Thinking about the sky.",
  });
  // a completions client gets the answer's text only
  assertEquals(completionsChunks(parts).map((c) => c.choices[0]?.text ?? null), [
    "Blue.",
    "",
    null,
  ]);
});
