import { assertEquals, assertThrows } from "../../../tests/assert.ts";
import type { ChatMessage } from "../../schemas/chat.ts";
import { hasToolBlocks, toConverseConversation } from "./messages.ts";

const PNG = "data:image/png;base64,iVBORw0KGgo=";

Deno.test("toConverseConversation() moves system and developer messages to system", () => {
  const result = toConverseConversation([
    { role: "system", content: "Be brief." },
    { role: "developer", content: [{ type: "text", text: "Answer in French." }] },
    { role: "user", content: "Hi" },
  ]);
  assertEquals(result.system, [{ text: "Be brief." }, { text: "Answer in French." }]);
  assertEquals(result.messages, [{ role: "user", content: [{ text: "Hi" }] }]);
});

Deno.test("toConverseConversation() turns data-URL images into image blocks", () => {
  const result = toConverseConversation([{
    role: "user",
    content: [
      { type: "text", text: "What is this?" },
      { type: "image_url", image_url: { url: PNG } },
    ],
  }]);
  assertEquals(result.messages[0]?.content, [
    { text: "What is this?" },
    { image: { format: "png", source: { bytes: "iVBORw0KGgo=" } } },
  ]);
});

Deno.test("toConverseConversation() refuses image URLs that are not data URLs", () => {
  const error = assertThrows(
    () =>
      toConverseConversation([{
        role: "user",
        content: [{ type: "image_url", image_url: { url: "https://example.com/cat.png" } }],
      }]),
    /only as base64 data URLs/,
  );
  assertEquals((error as { status?: number }).status, 400);
  assertEquals((error as { param?: string }).param, "messages[0].content[0].image_url");
});

Deno.test("toConverseConversation() turns inline PDF files into document blocks", () => {
  const result = toConverseConversation([{
    role: "user",
    content: [{
      type: "file",
      file: { file_data: "data:application/pdf;base64,JVBERi0=", filename: "report_2024.pdf" },
    }],
  }]);
  assertEquals(result.messages[0]?.content, [{
    document: { format: "pdf", name: "report 2024", source: { bytes: "JVBERi0=" } },
  }]);
});

Deno.test("toConverseConversation() refuses audio parts with a 400", () => {
  assertThrows(
    () =>
      toConverseConversation([{
        role: "user",
        content: [{ type: "input_audio", input_audio: { data: "AAAA", format: "wav" } }],
      }]),
    /no equivalent for 'input_audio'/,
  );
});

Deno.test("toConverseConversation() maps tool calls and merges consecutive tool results", () => {
  const messages: ChatMessage[] = [
    { role: "user", content: "Weather in Paris and Rome?" },
    {
      role: "assistant",
      content: "",
      tool_calls: [
        {
          id: "t1",
          type: "function",
          function: { name: "weather", arguments: '{"city":"Paris"}' },
        },
        { id: "t2", type: "function", function: { name: "weather", arguments: "" } },
      ],
    },
    { role: "tool", tool_call_id: "t1", content: '{"temp": 21}' },
    { role: "tool", tool_call_id: "t2", content: "sunny" },
    { role: "user", content: "Thanks" },
  ];
  const result = toConverseConversation(messages);
  assertEquals(result.messages, [
    { role: "user", content: [{ text: "Weather in Paris and Rome?" }] },
    {
      role: "assistant",
      content: [
        { toolUse: { toolUseId: "t1", name: "weather", input: { city: "Paris" } } },
        { toolUse: { toolUseId: "t2", name: "weather", input: {} } },
      ],
    },
    {
      role: "user",
      content: [
        { toolResult: { toolUseId: "t1", content: [{ json: { temp: 21 } }] } },
        { toolResult: { toolUseId: "t2", content: [{ text: "sunny" }] } },
        { text: "Thanks" },
      ],
    },
  ]);
  assertEquals(hasToolBlocks(result.messages), true);
});

Deno.test("toConverseConversation() merges consecutive user turns so roles alternate", () => {
  const result = toConverseConversation([
    { role: "user", content: "one" },
    { role: "user", content: "two" },
    { role: "assistant", content: "three" },
  ]);
  assertEquals(result.messages, [
    { role: "user", content: [{ text: "one" }, { text: "two" }] },
    { role: "assistant", content: [{ text: "three" }] },
  ]);
  assertEquals(hasToolBlocks(result.messages), false);
});

Deno.test("toConverseConversation() rejects invalid tool call arguments and legacy roles", () => {
  assertThrows(
    () =>
      toConverseConversation([{
        role: "assistant",
        tool_calls: [{ id: "x", type: "function", function: { name: "f", arguments: "{oops" } }],
      }]),
    /not valid JSON/,
  );
  assertThrows(
    () => toConverseConversation([{ role: "function", name: "f", content: "1" }]),
    /legacy 'function' messages/,
  );
  assertThrows(
    () => toConverseConversation([{ role: "tool", content: "1" }]),
    /tool_call_id/,
  );
});
