import { assert, assertEquals, assertThrows } from "../../../tests/assert.ts";
import { GatewayError } from "../../core/errors.ts";
import type { CallContext, StreamEvent, StreamParser } from "../../core/provider.ts";
import { chatStreamParser, completionsStreamParser } from "./stream.ts";

const ctx: CallContext<unknown> = {
  endpoint: "chat",
  model: "anthropic.claude-3-haiku-20240307-v1:0",
  config: {},
  stream: true,
};

const ev = (event: string, data: unknown): StreamEvent => ({
  event,
  data: JSON.stringify(data),
});

/** A ConverseStream with a text block, then two tool blocks (content blocks 1 and 2). */
const TOOL_STREAM: StreamEvent[] = [
  ev("messageStart", { role: "assistant", p: "abcd" }),
  ev("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "Checking" }, p: "ab" }),
  ev("contentBlockStop", { contentBlockIndex: 0 }),
  ev("contentBlockStart", {
    contentBlockIndex: 1,
    start: { toolUse: { toolUseId: "tooluse_a", name: "weather" } },
  }),
  ev("contentBlockDelta", { contentBlockIndex: 1, delta: { toolUse: { input: '{"city":' } } }),
  ev("contentBlockStart", {
    contentBlockIndex: 2,
    start: { toolUse: { toolUseId: "tooluse_b", name: "time" } },
  }),
  ev("contentBlockDelta", { contentBlockIndex: 1, delta: { toolUse: { input: '"Paris"}' } } }),
  ev("contentBlockDelta", { contentBlockIndex: 2, delta: { toolUse: { input: "{}" } } }),
  ev("contentBlockStop", { contentBlockIndex: 1 }),
  ev("contentBlockStop", { contentBlockIndex: 2 }),
  ev("messageStop", { stopReason: "tool_use" }),
  ev("metadata", {
    usage: { inputTokens: 20, outputTokens: 9, totalTokens: 29 },
    metrics: { latencyMs: 100 },
  }),
];

function run<C>(parser: StreamParser<C>, events: StreamEvent[]): C[] {
  return [...events.flatMap((e) => parser.push(e)), ...parser.end()];
}

Deno.test("chatStreamParser() relays text, numbers tool calls 0, 1 and ends with usage", () => {
  const chunks = run(chatStreamParser(ctx), TOOL_STREAM);
  assertEquals(new Set(chunks.map((c) => c.id)).size, 1, "one id for the whole stream");
  assertEquals(chunks[0]?.choices[0]?.delta, { role: "assistant", content: "" });
  assertEquals(chunks[1]?.choices[0]?.delta, { content: "Checking" });
  const toolDeltas = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
  assertEquals(toolDeltas, [
    { index: 0, id: "tooluse_a", type: "function", function: { name: "weather", arguments: "" } },
    { index: 0, function: { arguments: '{"city":' } },
    { index: 1, id: "tooluse_b", type: "function", function: { name: "time", arguments: "" } },
    { index: 0, function: { arguments: '"Paris"}' } },
    { index: 1, function: { arguments: "{}" } },
  ]);
  const finish = chunks[chunks.length - 2];
  assertEquals(finish?.choices[0]?.finish_reason, "tool_calls");
  assertEquals(finish?.choices[0]?.delta, {});
  const usage = chunks[chunks.length - 1];
  assertEquals(usage?.choices, []);
  assertEquals(usage?.usage, { prompt_tokens: 20, completion_tokens: 9, total_tokens: 29 });
  assertEquals(chunks.filter((c) => c.usage).length, 1, "exactly one usage chunk");
});

Deno.test("chatStreamParser() gives the role to the first chunk without messageStart", () => {
  const parser = chatStreamParser(ctx);
  const [first] = parser.push(
    ev("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "Hi" } }),
  );
  assertEquals(first?.choices[0]?.delta, { role: "assistant", content: "Hi" });
  parser.push(ev("messageStop", { stopReason: "max_tokens" }));
  const rest = parser.end();
  assertEquals(rest.length, 1, "a usage chunk even without metadata");
  assertEquals(rest[0]?.usage?.total_tokens, null);
});

Deno.test("chatStreamParser() turns an exception event into the matching error", () => {
  const parser = chatStreamParser(ctx);
  parser.push(ev("messageStart", { role: "assistant" }));
  const error = assertThrows(() =>
    parser.push({
      event: "exception:throttlingException",
      data: '{"message":"Too many tokens, please wait before trying again."}',
    }), /Too many tokens/);
  assert(error instanceof GatewayError);
  assertEquals(error.status, 429);
  assertEquals(error.code, "ThrottlingException");
  const validation = assertThrows(() =>
    chatStreamParser(ctx).push({
      event: "exception:validationException",
      data: '{"message":"Input is too long"}',
    })
  );
  assertEquals((validation as GatewayError).status, 400);
  const internal = assertThrows(() =>
    chatStreamParser(ctx).push({ event: "exception:internalServerException", data: "{}" })
  );
  assertEquals((internal as GatewayError).status, 502);
});

Deno.test("chatStreamParser() fails a stream that ends before messageStop", () => {
  const parser = chatStreamParser(ctx);
  parser.push(ev("messageStart", { role: "assistant" }));
  parser.push(ev("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "Hal" } }));
  const error = assertThrows(() => parser.end(), /ended its stream before/);
  assertEquals((error as GatewayError).status, 502);
});

Deno.test("chatStreamParser() reports a non-JSON event payload as a 502", () => {
  assertThrows(
    () => chatStreamParser(ctx).push({ event: "contentBlockDelta", data: "{not json" }),
    /not JSON/,
  );
});

Deno.test("chatStreamParser() ignores event types it does not know", () => {
  assertEquals(chatStreamParser(ctx).push(ev("somethingNew", { x: 1 })), []);
});

Deno.test("completionsStreamParser() relays text, then a finish chunk and usage", () => {
  const chunks = run(completionsStreamParser(ctx), [
    ev("messageStart", { role: "assistant" }),
    ev("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "Once" } }),
    ev("contentBlockDelta", { contentBlockIndex: 0, delta: { text: " upon" } }),
    ev("contentBlockStop", { contentBlockIndex: 0 }),
    ev("messageStop", { stopReason: "end_turn" }),
    ev("metadata", { usage: { inputTokens: 2, outputTokens: 2, totalTokens: 4 } }),
  ]);
  assertEquals(chunks.map((c) => c.choices[0]?.text), ["Once", " upon", "", undefined]);
  assertEquals(chunks[2]?.choices[0]?.finish_reason, "stop");
  assertEquals(chunks[3]?.usage?.total_tokens, 4);
  assertEquals(chunks.every((c) => c.object === "text_completion"), true);
});
