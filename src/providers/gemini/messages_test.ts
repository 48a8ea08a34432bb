import { assert, assertEquals, assertThrows } from "../../../tests/assert.ts";
import type { TranslationWarning } from "../../core/provider.ts";
import type { ChatMessage } from "../../schemas/chat.ts";
import { SKIP_THOUGHT_SIGNATURE, toGeminiConversation, toolResponse } from "./messages.ts";

function convert(messages: ChatMessage[]) {
  const warnings: TranslationWarning[] = [];
  return { ...toGeminiConversation(messages, warnings), warnings };
}

Deno.test("toGeminiConversation() moves system and developer messages to systemInstruction", () => {
  const result = convert([
    { role: "system", content: "Be brief." },
    { role: "user", content: "Hi" },
    { role: "developer", content: [{ type: "text", text: "Answer in French." }] },
  ]);
  assertEquals(result.systemInstruction, {
    parts: [{ text: "Be brief." }, { text: "Answer in French." }],
  });
  assertEquals(result.contents, [{ role: "user", parts: [{ text: "Hi" }] }]);
  assertEquals(result.warnings, []);
});

Deno.test("toGeminiConversation() maps assistant to model and merges turns of one role", () => {
  const result = convert([
    { role: "user", content: "a" },
    { role: "user", content: "b" },
    { role: "assistant", content: "c" },
    { role: "assistant", content: null },
    { role: "user", content: "d" },
  ]);
  assertEquals(result.contents, [
    { role: "user", parts: [{ text: "a" }, { text: "b" }] },
    { role: "model", parts: [{ text: "c" }] },
    { role: "user", parts: [{ text: "d" }] },
  ]);
});

Deno.test("toGeminiConversation() inlines data URLs and references http images with a guessed type", () => {
  const result = convert([{
    role: "user",
    content: [
      { type: "text", text: "What is in these?" },
      { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
      { type: "image_url", image_url: { url: "https://example.com/cat.JPG?size=large" } },
      { type: "input_audio", input_audio: { data: "UklGRg==", format: "wav" } },
    ],
  }]);
  assertEquals(result.contents[0]?.parts, [
    { text: "What is in these?" },
    { inlineData: { mimeType: "image/png", data: "iVBORw0KGgo=" } },
    { fileData: { mimeType: "image/jpeg", fileUri: "https://example.com/cat.JPG?size=large" } },
    { inlineData: { mimeType: "audio/wav", data: "UklGRg==" } },
  ]);
  assertEquals(result.warnings, []);
});

Deno.test("toGeminiConversation() warns when an image URL gives no MIME type, or detail is set", () => {
  const result = convert([{
    role: "user",
    content: [{
      type: "image_url",
      image_url: { url: "https://example.com/image?id=7", detail: "high" },
    }],
  }]);
  assertEquals(result.contents[0]?.parts, [{
    fileData: { fileUri: "https://example.com/image?id=7" },
  }]);
  assertEquals(result.warnings.map((w) => w.param), [
    "messages[0].content[0].image_url.detail",
    "messages[0].content[0].image_url.url",
  ]);
});

Deno.test("toGeminiConversation() refuses URLs and files Gemini cannot take", () => {
  assertThrows(
    () =>
      convert([{
        role: "user",
        content: [{ type: "image_url", image_url: { url: "ftp://x/a.png" } }],
      }]),
    /data:, http\(s\):\/\/ or gs:\/\//,
  );
  assertThrows(
    () => convert([{ role: "user", content: [{ type: "file", file: { file_id: "file-abc" } }] }]),
    /file ids/,
  );
});

Deno.test("toGeminiConversation() turns tool calls into functionCall parts with ids and signatures", () => {
  const result = convert([
    { role: "user", content: "Weather in Paris and London?" },
    {
      role: "assistant",
      content: "Checking.",
      tool_calls: [
        {
          id: "call_1",
          type: "function",
          function: { name: "get_weather", arguments: '{"location":"Paris"}' },
          extra_content: { google: { thought_signature: "c2lnbmF0dXJl" } },
        },
        { id: "call_2", type: "function", function: { name: "get_weather", arguments: "" } },
      ],
    },
    { role: "tool", tool_call_id: "call_1", content: '{"temp": 21}' },
    { role: "tool", tool_call_id: "call_2", content: "rainy" },
  ]);
  assertEquals(result.contents[1], {
    role: "model",
    parts: [
      { text: "Checking." },
      {
        functionCall: { id: "call_1", name: "get_weather", args: { location: "Paris" } },
        thoughtSignature: "c2lnbmF0dXJl",
      },
      { functionCall: { id: "call_2", name: "get_weather", args: {} } },
    ],
  });
  assertEquals(result.contents[2], {
    role: "user",
    parts: [
      { functionResponse: { id: "call_1", name: "get_weather", response: { temp: 21 } } },
      { functionResponse: { id: "call_2", name: "get_weather", response: { result: "rainy" } } },
    ],
  });
});

Deno.test("toGeminiConversation() marks an unsigned function-call turn with Google's skip value", () => {
  const result = convert([
    { role: "user", content: "x" },
    {
      role: "assistant",
      content: null,
      tool_calls: [
        { id: "a", type: "function", function: { name: "f", arguments: "{}" } },
        { id: "b", type: "function", function: { name: "g", arguments: "{}" } },
      ],
    },
  ]);
  const parts = result.contents[1]?.parts as { thoughtSignature?: string }[];
  assertEquals(parts[0]?.thoughtSignature, SKIP_THOUGHT_SIGNATURE);
  assertEquals(parts[1]?.thoughtSignature, undefined);
});

Deno.test("toGeminiConversation() refuses a tool result for an unknown call and bad arguments", () => {
  assertThrows(
    () =>
      convert([{ role: "user", content: "x" }, {
        role: "tool",
        tool_call_id: "nope",
        content: "1",
      }]),
    /tool_call_id 'nope' matches no tool call/,
  );
  assertThrows(
    () =>
      convert([{ role: "user", content: "x" }, {
        role: "assistant",
        tool_calls: [{ id: "a", type: "function", function: { name: "f", arguments: "{oops" } }],
      }]),
    /messages\[1\]\.tool_calls\[0\]\.function\.arguments is not valid JSON/,
  );
  assertThrows(
    () => convert([{ role: "system", content: "only" }]),
    /at least one user or assistant/,
  );
});

Deno.test("toGeminiConversation() warns once that message names are not sent", () => {
  const result = convert([
    { role: "user", content: "a", name: "alice" },
    { role: "user", content: "b", name: "bob" },
  ]);
  assertEquals(result.warnings.length, 1);
  assert(result.warnings[0]?.param === "messages[].name");
});

Deno.test("toolResponse() keeps JSON objects and wraps anything else", () => {
  assertEquals(toolResponse('{"a":1}'), { a: 1 });
  assertEquals(toolResponse("[1,2]"), { result: "[1,2]" });
  assertEquals(toolResponse("42"), { result: "42" });
  assertEquals(toolResponse("plain text"), { result: "plain text" });
});

Deno.test("toGeminiConversation() translates the legacy function_call / function messages", () => {
  const result = convert([
    { role: "user", content: "x" },
    { role: "assistant", content: null, function_call: { name: "lookup", arguments: '{"k":1}' } },
    { role: "function", name: "lookup", content: "found" },
  ] as ChatMessage[]);
  assertEquals(result.contents.slice(1), [
    {
      role: "model",
      parts: [{
        functionCall: { name: "lookup", args: { k: 1 } },
        thoughtSignature: SKIP_THOUGHT_SIGNATURE,
      }],
    },
    {
      role: "user",
      parts: [{ functionResponse: { name: "lookup", response: { result: "found" } } }],
    },
  ]);
  assertEquals(result.warnings, []);
});
