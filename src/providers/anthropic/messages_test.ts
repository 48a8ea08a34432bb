import { assertEquals, assertThrows } from "../../../tests/assert.ts";
import type { TranslationWarning } from "../../core/provider.ts";
import type { ChatMessage } from "../../schemas/chat.ts";
import { parseToolArguments, toAnthropicMessages } from "./messages.ts";
import { parseDataUrl, toFileBlock, toImageBlock } from "./content.ts";

const convert = (messages: ChatMessage[], warnings: TranslationWarning[] = []) =>
  toAnthropicMessages(messages, warnings);

Deno.test("toAnthropicMessages() joins system and developer messages into system", () => {
  const out = convert([
    { role: "system", content: "Be brief." },
    { role: "user", content: "Hi" },
    { role: "developer", content: [{ type: "text", text: "Answer in French." }] },
  ]);
  assertEquals(out.system, "Be brief.\nAnswer in French.");
  assertEquals(out.messages, [{ role: "user", content: "Hi" }]);
});

Deno.test("toAnthropicMessages() keeps system blocks when a part asks for caching", () => {
  const out = convert([
    {
      role: "system",
      content: [{ type: "text", text: "Long context", cache_control: { type: "ephemeral" } }],
    },
    { role: "user", content: "Hi" },
  ]);
  assertEquals(out.system, [{
    type: "text",
    text: "Long context",
    cache_control: { type: "ephemeral" },
  }]);
});

Deno.test("toAnthropicMessages() turns a tool round trip into tool_use and tool_result", () => {
  const out = convert([
    { role: "user", content: "Weather in Paris and Rome?" },
    {
      role: "assistant",
      content: "Checking.",
      tool_calls: [
        { id: "call_1", type: "function", function: { name: "wx", arguments: '{"q":"Paris"}' } },
        { id: "call_2", type: "function", function: { name: "wx", arguments: '{"q":"Rome"}' } },
      ],
    },
    { role: "tool", tool_call_id: "call_1", content: "sunny" },
    { role: "tool", tool_call_id: "call_2", content: [{ type: "text", text: "rain" }] },
    { role: "user", content: "Thanks" },
  ]);
  assertEquals(out.messages, [
    { role: "user", content: "Weather in Paris and Rome?" },
    {
      role: "assistant",
      content: [
        { type: "text", text: "Checking." },
        { type: "tool_use", id: "call_1", name: "wx", input: { q: "Paris" } },
        { type: "tool_use", id: "call_2", name: "wx", input: { q: "Rome" } },
      ],
    },
    {
      role: "user",
      content: [
        { type: "tool_result", tool_use_id: "call_1", content: "sunny" },
        { type: "tool_result", tool_use_id: "call_2", content: [{ type: "text", text: "rain" }] },
        { type: "text", text: "Thanks" },
      ],
    },
  ]);
});

Deno.test("toAnthropicMessages() merges consecutive user turns and skips empty assistant turns", () => {
  const out = convert([
    { role: "user", content: "a" },
    { role: "assistant", content: null },
    { role: "user", content: [{ type: "text", text: "b" }] },
  ]);
  assertEquals(out.messages, [{
    role: "user",
    content: [{ type: "text", text: "a" }, { type: "text", text: "b" }],
  }]);
});

Deno.test("toAnthropicMessages() converts image parts: data URLs to base64, http URLs to url", () => {
  const warnings: TranslationWarning[] = [];
  const out = convert([{
    role: "user",
    content: [
      { type: "text", text: "What is this?" },
      { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
      { type: "image_url", image_url: { url: "https://example.com/cat.jpg", detail: "low" } },
    ],
  }], warnings);
  assertEquals(out.messages[0]?.content, [
    { type: "text", text: "What is this?" },
    { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } },
    { type: "image", source: { type: "url", url: "https://example.com/cat.jpg" } },
  ]);
  assertEquals(warnings.map((w) => w.param), ["image_url.detail"]);
});

Deno.test("toAnthropicMessages() warns once about message names", () => {
  const warnings: TranslationWarning[] = [];
  convert([{ role: "user", content: "a", name: "ann" }, {
    role: "assistant",
    content: "b",
    name: "bot",
  }], warnings);
  assertEquals(warnings.map((w) => `${w.type}=${w.param}`), ["unsupported=messages[].name"]);
});

Deno.test("toAnthropicMessages() refuses what Anthropic cannot take", () => {
  assertThrows(
    () => convert([{ role: "system", content: "only a system prompt" }]),
    /at least one/,
  );
  assertThrows(
    () =>
      convert([{
        role: "user",
        content: [{ type: "input_audio", input_audio: { data: "AAAA", format: "wav" } }],
      }]),
    /audio/,
  );
  assertThrows(() => convert([{ role: "tool", content: "x" }]), /tool_call_id/);
  assertThrows(() => convert([{ role: "function", name: "f", content: "x" }]), /function/);
  assertThrows(
    () =>
      convert([{
        role: "assistant",
        content: null,
        tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "{oops" } }],
      }]),
    /not valid JSON/,
  );
});

Deno.test("parseToolArguments() takes an empty string as no arguments and refuses non-objects", () => {
  assertEquals(parseToolArguments("", "p"), {});
  assertEquals(parseToolArguments('{"a":1}', "p"), { a: 1 });
  assertThrows(() => parseToolArguments("[1]", "p"), /JSON object/);
});

Deno.test("parseDataUrl() reads media type, encoding and data", () => {
  assertEquals(parseDataUrl("data:image/jpeg;base64,/9j/4AAQ"), {
    mediaType: "image/jpeg",
    base64: true,
    data: "/9j/4AAQ",
  });
  assertEquals(parseDataUrl("https://x"), undefined);
});

Deno.test("toImageBlock() refuses unsupported image types and other URL schemes", () => {
  assertThrows(() => toImageBlock("data:image/bmp;base64,Qk0=", "p"), /image\/jpeg/);
  assertThrows(() => toImageBlock("ftp://example.com/a.png", "p"), /http\(s\)/);
});

Deno.test("toFileBlock() turns PDFs and text into documents", () => {
  assertEquals(
    toFileBlock({ file_data: "data:application/pdf;base64,JVBERi0=", filename: "a.pdf" }, "p"),
    {
      type: "document",
      source: { type: "base64", media_type: "application/pdf", data: "JVBERi0=" },
      title: "a.pdf",
    },
  );
  assertEquals(toFileBlock({ file_data: "data:text/plain;base64,aGVsbG8=" }, "p"), {
    type: "document",
    source: { type: "text", media_type: "text/plain", data: "hello" },
  });
  assertThrows(() => toFileBlock({ file_id: "file-123" }, "p"), /file ids/);
});
