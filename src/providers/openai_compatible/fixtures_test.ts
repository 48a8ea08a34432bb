/**
 * Recorded-shape streams of OpenAI-compatible servers (testdata/*.sse, in the exact framing and
 * fields those APIs send), replayed through the SSE decoder, the provider's stream parser and the
 * OpenAI client's writer: what a client gets from each.
 */
import { assert, assertEquals } from "../../../tests/assert.ts";
import type { CallContext } from "../../core/provider.ts";
import { SseDecoder } from "../../core/sse.ts";
import type { StreamPart } from "../../core/stream_parts.ts";
import { ChatStreamWriter, CompletionsStreamWriter } from "../../ingress/openai/stream.ts";
import { Redactor } from "../../observe/redact.ts";
import { providerFor } from "../registry.ts";
import type { ChatChunk } from "../../schemas/chat.ts";
import type { CompletionsChunk } from "../../schemas/completions.ts";
import type { ProviderName } from "../../config/schema.ts";

const ctx: CallContext<unknown> = { endpoint: "ep", model: "m", config: {}, stream: true };

/** The parts a recorded stream gives, fed to the parser in reads of 37 bytes. */
function replay(file: string, provider: ProviderName, op: "chat" | "completions"): StreamPart[] {
  const bytes = Deno.readFileSync(new URL(`./testdata/${file}`, import.meta.url));
  const impl = providerFor(provider)[op];
  assert(impl?.kind === "http" && impl.streamParser);
  const parser = impl.streamParser(ctx);
  const decoder = new SseDecoder();
  const parts: StreamPart[] = [];
  for (let at = 0; at < bytes.length; at += 37) {
    for (const event of decoder.push(bytes.subarray(at, at + 37))) {
      parts.push(...parser.push(event));
    }
  }
  for (const event of decoder.end()) parts.push(...parser.push(event));
  parts.push(...parser.end());
  return parts;
}

function chatChunks(parts: StreamPart[]): ChatChunk[] {
  return new ChatStreamWriter(true, new Redactor()).chunks(parts) as ChatChunk[];
}

Deno.test("OpenAI chat stream (recorded shape): text, finish and usage, with every relayed field", () => {
  const chunks = chatChunks(replay("chat_stream_text.sse", "openai", "chat"));
  assertEquals(chunks.length, 6);
  assertEquals(chunks.map((c) => c.choices[0]?.delta.content ?? "").join(""), "The sea is wide.");
  assertEquals(chunks[4]?.choices[0]?.finish_reason, "stop");
  assertEquals(chunks[5]?.choices, []);
  assertEquals(chunks[5]?.usage?.total_tokens, 24);
  assertEquals(chunks[5]?.usage?.completion_tokens_details?.reasoning_tokens, 0);
  // Relayed as OpenAI sent them: fingerprint, tier and the obfuscation padding of each chunk.
  assertEquals(chunks.map((c) => c.obfuscation), ["Xq3", "k9PzR", "a1", "Zp", "uT0q", "w"]);
  assert(chunks.every((c) => c.system_fingerprint === "fp_560af6e559"));
  assert(chunks.every((c) => c.id === "chatcmpl-BxRz1" && c.model === "gpt-4o-mini-2024-07-18"));
});

Deno.test("OpenAI chat stream (recorded shape): two tool calls assembled from their pieces", () => {
  const chunks = chatChunks(replay("chat_stream_tool_calls.sse", "openai", "chat"));
  const calls = new Map<number, { id: string; name: string; arguments: string }>();
  for (const chunk of chunks) {
    for (const call of chunk.choices[0]?.delta.tool_calls ?? []) {
      const seen = calls.get(call.index) ?? { id: "", name: "", arguments: "" };
      calls.set(call.index, {
        id: call.id ?? seen.id,
        name: call.function?.name ?? seen.name,
        arguments: seen.arguments + (call.function?.arguments ?? ""),
      });
    }
  }
  assertEquals([...calls.values()], [
    { id: "call_DdmO9pD3xa9XTPNJ32zg2hcA", name: "get_weather", arguments: '{"location":"Paris"}' },
    { id: "call_2Kq9vX0yTr7Lm4Nb8cZ1wQe3", name: "get_time", arguments: '{"tz":"CET"}' },
  ]);
  assertEquals(chunks.at(-2)?.choices[0]?.finish_reason, "tool_calls");
  assertEquals(chunks.at(-1)?.usage?.total_tokens, 123);
});

Deno.test("OpenAI completions stream (recorded shape): text, the finish, then usage alone", () => {
  const parts = replay("completions_stream.sse", "openai", "completions");
  const chunks = new CompletionsStreamWriter(true, new Redactor()).chunks(
    parts,
  ) as CompletionsChunk[];
  assertEquals(chunks.map((c) => c.choices[0]?.text ?? "").join(""), "\n\nHello there");
  assertEquals(chunks.at(-2)?.choices[0]?.finish_reason, "length");
  assertEquals(chunks.at(-1)?.choices, []);
  assertEquals(chunks.at(-1)?.usage?.total_tokens, 7);
});

Deno.test("Mistral chat stream (recorded shape): usage in the finishing chunk moves to its own", () => {
  const chunks = chatChunks(replay("chat_stream_mistral.sse", "mistral", "chat"));
  assertEquals(chunks.map((c) => c.choices[0]?.delta.content ?? "").join(""), "Bonjour !");
  const finishing = chunks.find((c) => c.choices[0]?.finish_reason === "stop");
  assertEquals(finishing?.usage, undefined);
  assertEquals(chunks.at(-1)?.choices, []);
  assertEquals(chunks.at(-1)?.usage, { prompt_tokens: 7, total_tokens: 10, completion_tokens: 3 });
});
