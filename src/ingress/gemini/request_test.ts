import { assert, assertEquals, assertMatch, assertThrows } from "../../../tests/assert.ts";
import { InvalidRequestError } from "../../core/errors.ts";
import type { ChatRequest } from "../../schemas/chat.ts";
import { decodeGenerateContent } from "./request.ts";

/** The chat request decoded from a non-streaming body. */
function decode(body: Record<string, unknown>): ChatRequest {
  return decodeGenerateContent(body, false).request;
}

/** A body with one user text turn and `fields` over it. */
function withHello(fields: Record<string, unknown>): Record<string, unknown> {
  return { contents: [{ role: "user", parts: [{ text: "Hello" }] }], ...fields };
}

/** The 400 that decoding `body` throws. */
function rejection(body: unknown): InvalidRequestError {
  const error = assertThrows(() => decodeGenerateContent(body, false));
  assert(error instanceof InvalidRequestError, `not an InvalidRequestError: ${error}`);
  assertEquals(error.status, 400);
  return error;
}

/** The tools of a body whose only tool declares `declaration`. */
function toolsOf(declaration: Record<string, unknown>): ChatRequest["tools"] {
  return decode(withHello({ tools: [{ functionDeclarations: [declaration] }] })).tools;
}

/** The tool_choice a functionCallingConfig gives. */
function toolChoiceOf(config: Record<string, unknown>): ChatRequest["tool_choice"] {
  return decode(withHello({
    tools: [{ functionDeclarations: [{ name: "get_weather" }] }],
    toolConfig: { functionCallingConfig: config },
  })).tool_choice;
}

Deno.test("decodeGenerateContent() makes the systemInstruction a leading system message", () => {
  const request = decode(withHello({ systemInstruction: { parts: [{ text: "Be brief." }] } }));
  assertEquals(request.messages, [
    { role: "system", content: "Be brief." },
    { role: "user", content: "Hello" },
  ]);
});

Deno.test("decodeGenerateContent() makes a user text part a user message with string content", () => {
  const decoded = decodeGenerateContent(withHello({}), false);
  assertEquals(decoded.request, { messages: [{ role: "user", content: "Hello" }] });
  assertEquals(decoded.warnings, []);
});

Deno.test("decodeGenerateContent() joins several text parts of one turn into one string", () => {
  const request = decode({
    contents: [{ role: "user", parts: [{ text: "Hello, " }, { text: "world" }, { text: "!" }] }],
  });
  assertEquals(request.messages, [{ role: "user", content: "Hello, world!" }]);
});

Deno.test("decodeGenerateContent() takes a turn without a role as the user's", () => {
  const request = decode({ contents: [{ parts: [{ text: "Hi" }] }] });
  assertEquals(request.messages, [{ role: "user", content: "Hi" }]);
});

Deno.test("decodeGenerateContent() makes inline image data an image_url part with a data: URL", () => {
  const request = decode({
    contents: [{
      role: "user",
      parts: [{ text: "What is this?" }, {
        inlineData: { mimeType: "image/png", data: "iVBORw0K" },
      }],
    }],
  });
  assertEquals(request.messages, [{
    role: "user",
    content: [
      { type: "text", text: "What is this?" },
      { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0K" } },
    ],
  }]);
});

Deno.test("decodeGenerateContent() makes inline PDF data a file part with a data: URL", () => {
  const request = decode({
    contents: [{
      role: "user",
      parts: [{ inlineData: { mimeType: "application/pdf", data: "JVBERi0x" } }],
    }],
  });
  assertEquals(request.messages, [{
    role: "user",
    content: [{ type: "file", file: { file_data: "data:application/pdf;base64,JVBERi0x" } }],
  }]);
});

Deno.test("decodeGenerateContent() makes fileData with an https fileUri an image_url part", () => {
  const request = decode({
    contents: [{
      role: "user",
      parts: [{ fileData: { mimeType: "image/jpeg", fileUri: "https://example.com/cat.jpg" } }],
    }],
  });
  assertEquals(request.messages, [{
    role: "user",
    content: [{ type: "image_url", image_url: { url: "https://example.com/cat.jpg" } }],
  }]);
});

Deno.test("decodeGenerateContent() rejects fileData with a gs:// fileUri, naming the part", () => {
  const error = rejection({
    contents: [
      { role: "user", parts: [{ text: "Hi" }] },
      {
        role: "user",
        parts: [{ text: "Look:" }, { fileData: { fileUri: "gs://bucket/cat.jpg" } }],
      },
    ],
  });
  assertEquals(error.param, "contents[1].parts[1].fileData.fileUri");
  assertEquals(error.code, "unsupported_content");
  assertMatch(error.message, /http\(s\) URL/);
});

Deno.test("decodeGenerateContent() rejects fileData naming an uploaded file (files/...)", () => {
  const error = rejection({
    contents: [{ role: "user", parts: [{ file_data: { file_uri: "files/abc-123" } }] }],
  });
  assertEquals(error.param, "contents[0].parts[0].fileData.fileUri");
  assertMatch(error.message, /Files API/);
});

Deno.test("decodeGenerateContent() rejects a part that holds nothing it can carry", () => {
  const error = rejection({ contents: [{ role: "user", parts: [{ executableCode: {} }] }] });
  assertEquals(error.param, "contents[0].parts[0]");
});

Deno.test("decodeGenerateContent() makes role model text an assistant message", () => {
  const request = decode({
    contents: [
      { role: "user", parts: [{ text: "Hi" }] },
      { role: "model", parts: [{ text: "Hello! " }, { text: "How can I help?" }] },
      { role: "user", parts: [{ text: "Tell a joke" }] },
    ],
  });
  assertEquals(request.messages, [
    { role: "user", content: "Hi" },
    { role: "assistant", content: "Hello! How can I help?" },
    { role: "user", content: "Tell a joke" },
  ]);
});

Deno.test("decodeGenerateContent() makes a model turn's function calls one assistant message numbered call_1, call_2", () => {
  const request = decode({
    contents: [
      { role: "user", parts: [{ text: "Weather in Paris and Rome?" }] },
      {
        role: "model",
        parts: [
          { functionCall: { name: "get_weather", args: { city: "Paris" } } },
          { functionCall: { name: "get_time", args: { zone: "CET", hours: 24 } } },
        ],
      },
    ],
  });
  assertEquals(request.messages.slice(1), [{
    role: "assistant",
    content: null,
    tool_calls: [
      {
        id: "call_1",
        type: "function",
        function: { name: "get_weather", arguments: '{"city":"Paris"}' },
      },
      {
        id: "call_2",
        type: "function",
        function: { name: "get_time", arguments: '{"zone":"CET","hours":24}' },
      },
    ],
  }]);
});

Deno.test("decodeGenerateContent() keeps a function call's own id and gives {} for missing args", () => {
  const request = decode({
    contents: [
      { role: "user", parts: [{ text: "Now?" }] },
      {
        role: "model",
        parts: [{ text: "Checking." }, { functionCall: { id: "fc-7", name: "now" } }],
      },
    ],
  });
  assertEquals(request.messages[1], {
    role: "assistant",
    content: "Checking.",
    tool_calls: [{ id: "fc-7", type: "function", function: { name: "now", arguments: "{}" } }],
  });
});

Deno.test("decodeGenerateContent() answers function calls of one name in order with later function responses", () => {
  const request = decode({
    contents: [
      { role: "user", parts: [{ text: "Weather in Paris and Rome?" }] },
      {
        role: "model",
        parts: [
          { functionCall: { name: "get_weather", args: { city: "Paris" } } },
          { functionCall: { name: "get_weather", args: { city: "Rome" } } },
        ],
      },
      {
        role: "user",
        parts: [
          { functionResponse: { name: "get_weather", response: { temp: 18 } } },
          { functionResponse: { name: "get_weather", response: { temp: 24 } } },
        ],
      },
    ],
  });
  assertEquals(request.messages.slice(2), [
    { role: "tool", tool_call_id: "call_1", content: '{"temp":18}' },
    { role: "tool", tool_call_id: "call_2", content: '{"temp":24}' },
  ]);
});

Deno.test("decodeGenerateContent() answers the oldest unanswered call of the response's name", () => {
  const request = decode({
    contents: [
      { role: "user", parts: [{ text: "Go" }] },
      {
        role: "model",
        parts: [
          { functionCall: { name: "a", args: {} } },
          { functionCall: { name: "b", args: {} } },
          { functionCall: { name: "a", args: {} } },
        ],
      },
      {
        role: "user",
        parts: [
          { functionResponse: { name: "a", response: { n: 1 } } },
          { functionResponse: { name: "b", response: { n: 2 } } },
          { functionResponse: { name: "a", response: { n: 3 } } },
        ],
      },
    ],
  });
  assertEquals(request.messages.slice(2).map((m) => (m as { tool_call_id: string }).tool_call_id), [
    "call_1",
    "call_2",
    "call_3",
  ]);
});

Deno.test("decodeGenerateContent() puts a turn's function responses before its text", () => {
  const request = decode({
    contents: [
      { role: "user", parts: [{ text: "Go" }] },
      { role: "model", parts: [{ functionCall: { name: "lookup", args: {} } }] },
      {
        role: "user",
        parts: [{ text: "Thanks" }, { functionResponse: { name: "lookup", response: {} } }],
      },
    ],
  });
  assertEquals(request.messages.slice(2), [
    { role: "tool", tool_call_id: "call_1", content: "{}" },
    { role: "user", content: "Thanks" },
  ]);
});

Deno.test("decodeGenerateContent() drops thought parts with a warning", () => {
  const decoded = decodeGenerateContent({
    contents: [
      { role: "user", parts: [{ text: "Hi" }] },
      {
        role: "model",
        parts: [{ text: "Let me think...", thought: true }, { text: "Hello!" }],
      },
    ],
  }, false);
  assertEquals(decoded.request.messages, [
    { role: "user", content: "Hi" },
    { role: "assistant", content: "Hello!" },
  ]);
  assertEquals(decoded.warnings, ["thought parts are not carried to the endpoint"]);
});

Deno.test("decodeGenerateContent() drops a model turn holding only thoughts", () => {
  const decoded = decodeGenerateContent({
    contents: [
      { role: "user", parts: [{ text: "Hi" }] },
      { role: "model", parts: [{ text: "hmm", thought: true }] },
    ],
  }, false);
  assertEquals(decoded.request.messages, [{ role: "user", content: "Hi" }]);
  assertEquals(decoded.warnings.length, 1);
});

Deno.test("decodeGenerateContent() reads snake_case keys as their camelCase names", () => {
  const snake = decode({
    system_instruction: { parts: [{ text: "Be brief." }] },
    contents: [{
      role: "user",
      parts: [{ text: "See" }, { inline_data: { mime_type: "image/png", data: "AAAA" } }],
    }],
    tools: [{
      function_declarations: [{ name: "f", parameters: { type: "OBJECT", properties: {} } }],
    }],
    tool_config: { function_calling_config: { mode: "ANY" } },
    generation_config: { max_output_tokens: 50, stop_sequences: ["END"], top_p: 0.5 },
  });
  const camel = decode({
    systemInstruction: { parts: [{ text: "Be brief." }] },
    contents: [{
      role: "user",
      parts: [{ text: "See" }, { inlineData: { mimeType: "image/png", data: "AAAA" } }],
    }],
    tools: [{
      functionDeclarations: [{ name: "f", parameters: { type: "OBJECT", properties: {} } }],
    }],
    toolConfig: { functionCallingConfig: { mode: "ANY" } },
    generationConfig: { maxOutputTokens: 50, stopSequences: ["END"], topP: 0.5 },
  });
  assertEquals(snake, camel);
  assertEquals(snake.max_tokens, 50);
  assertEquals(snake.messages[0], { role: "system", content: "Be brief." });
  assertEquals(snake.messages[1], {
    role: "user",
    content: [
      { type: "text", text: "See" },
      { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } },
    ],
  });
});

Deno.test("decodeGenerateContent() leaves snake_case keys inside args and parameters as sent", () => {
  const request = decode({
    contents: [
      { role: "user", parts: [{ text: "Go" }] },
      { role: "model", parts: [{ function_call: { name: "f", args: { max_output_tokens: 3 } } }] },
    ],
    tools: [{
      function_declarations: [{
        name: "f",
        parameters: { type: "object", properties: { top_p: { type: "number" } } },
      }],
    }],
  });
  assertEquals(request.messages[1], {
    role: "assistant",
    content: null,
    tool_calls: [{
      id: "call_1",
      type: "function",
      function: { name: "f", arguments: '{"max_output_tokens":3}' },
    }],
  });
  assertEquals(request.tools?.[0]?.function.parameters, {
    type: "object",
    properties: { top_p: { type: "number" } },
  });
});

Deno.test("decodeGenerateContent() drops null fields but keeps the nulls in args and parameters", () => {
  const request = decode({
    contents: [
      { role: "user", parts: [{ text: "Go" }] },
      {
        role: "model",
        parts: [{ text: null, functionCall: { id: null, name: "f", args: { x: null } } }],
      },
    ],
    systemInstruction: null,
    tools: [{
      functionDeclarations: [{
        name: "f",
        description: null,
        parameters: { type: "OBJECT", properties: { x: { type: "STRING", default: null } } },
      }],
    }],
    toolConfig: null,
    generationConfig: { temperature: null, maxOutputTokens: 10 },
  });
  assertEquals(request.messages, [
    { role: "user", content: "Go" },
    {
      role: "assistant",
      content: null,
      tool_calls: [{
        id: "call_1",
        type: "function",
        function: { name: "f", arguments: '{"x":null}' },
      }],
    },
  ]);
  assertEquals(request.tools, [{
    type: "function",
    function: {
      name: "f",
      parameters: { type: "object", properties: { x: { type: "string", default: null } } },
    },
  }]);
  assertEquals(request.temperature, undefined);
  assertEquals(request.max_tokens, 10);
  assertEquals(request.tool_choice, undefined);
});

Deno.test("decodeGenerateContent() makes functionDeclarations function tools with lower-case types", () => {
  const tools = toolsOf({
    name: "get_weather",
    description: "The weather in a city",
    parameters: {
      type: "OBJECT",
      properties: {
        city: { type: "STRING", description: "The city" },
        days: { type: "ARRAY", items: { type: "INTEGER" } },
      },
      required: ["city"],
    },
  });
  assertEquals(tools, [{
    type: "function",
    function: {
      name: "get_weather",
      description: "The weather in a city",
      parameters: {
        type: "object",
        properties: {
          city: { type: "string", description: "The city" },
          days: { type: "array", items: { type: "integer" } },
        },
        required: ["city"],
      },
    },
  }]);
});

Deno.test("decodeGenerateContent() prefers parametersJsonSchema to parameters", () => {
  const tools = toolsOf({
    name: "f",
    parameters: { type: "OBJECT", properties: { old: { type: "STRING" } } },
    parametersJsonSchema: { type: "object", properties: { fresh: { type: "boolean" } } },
  });
  assertEquals(tools?.[0]?.function.parameters, {
    type: "object",
    properties: { fresh: { type: "boolean" } },
  });
});

Deno.test("decodeGenerateContent() gives a function declaration without parameters none", () => {
  assertEquals(toolsOf({ name: "ping" }), [{ type: "function", function: { name: "ping" } }]);
});

Deno.test("decodeGenerateContent() gives no tools for empty functionDeclarations", () => {
  assertEquals(decode(withHello({ tools: [{ functionDeclarations: [] }] })).tools, undefined);
});

Deno.test("decodeGenerateContent() rejects a googleSearch tool, naming it", () => {
  const error = rejection(withHello({
    tools: [{ functionDeclarations: [{ name: "f" }] }, { googleSearch: {} }],
  }));
  assertEquals(error.param, "tools[1].googleSearch");
  assertEquals(error.code, "unsupported_tool");
  assertMatch(error.message, /'googleSearch'/);
});

Deno.test("decodeGenerateContent() maps functionCallingConfig mode NONE to tool_choice none", () => {
  assertEquals(toolChoiceOf({ mode: "NONE" }), "none");
});

Deno.test("decodeGenerateContent() maps functionCallingConfig mode ANY to tool_choice required", () => {
  assertEquals(toolChoiceOf({ mode: "ANY" }), "required");
  assertEquals(toolChoiceOf({ mode: "ANY", allowedFunctionNames: ["a", "b"] }), "required");
});

Deno.test("decodeGenerateContent() maps mode ANY with one allowed function name to that function", () => {
  assertEquals(toolChoiceOf({ mode: "ANY", allowedFunctionNames: ["get_weather"] }), {
    type: "function",
    function: { name: "get_weather" },
  });
});

Deno.test("decodeGenerateContent() maps functionCallingConfig mode AUTO to tool_choice auto", () => {
  assertEquals(toolChoiceOf({ mode: "AUTO" }), "auto");
  assertEquals(toolChoiceOf({}), undefined);
});

Deno.test("decodeGenerateContent() rejects an unknown functionCallingConfig mode", () => {
  const error = rejection(withHello({ toolConfig: { functionCallingConfig: { mode: "SOME" } } }));
  assertEquals(error.param, "toolConfig.functionCallingConfig.mode");
});

Deno.test("decodeGenerateContent() carries generationConfig as sampling parameters", () => {
  const request = decode(withHello({
    generationConfig: {
      temperature: 0.7,
      topP: 0.9,
      topK: 40,
      maxOutputTokens: 256,
      stopSequences: ["END", "STOP"],
      candidateCount: 2,
      seed: 42,
      presencePenalty: 0.5,
      frequencyPenalty: -0.5,
    },
  }));
  assertEquals(request, {
    messages: [{ role: "user", content: "Hello" }],
    temperature: 0.7,
    top_p: 0.9,
    top_k: 40,
    max_tokens: 256,
    stop: ["END", "STOP"],
    n: 2,
    seed: 42,
    presence_penalty: 0.5,
    frequency_penalty: -0.5,
  });
});

Deno.test("decodeGenerateContent() rejects a generationConfig value out of range, naming it", () => {
  const error = rejection(withHello({ generationConfig: { temperature: 3 } }));
  assertEquals(error.param, "generationConfig.temperature");
});

Deno.test("decodeGenerateContent() maps responseMimeType application/json to a json_object format", () => {
  const request = decode(withHello({ generationConfig: { responseMimeType: "application/json" } }));
  assertEquals(request.response_format, { type: "json_object" });
  const plain = decode(withHello({ generationConfig: { responseMimeType: "text/plain" } }));
  assertEquals(plain.response_format, undefined);
});

Deno.test("decodeGenerateContent() maps responseSchema to a json_schema format with lower-case types", () => {
  const request = decode(withHello({
    generationConfig: {
      responseMimeType: "application/json",
      responseSchema: {
        type: "ARRAY",
        items: { type: "OBJECT", properties: { name: { type: "STRING" } } },
      },
    },
  }));
  assertEquals(request.response_format, {
    type: "json_schema",
    json_schema: {
      name: "response",
      schema: {
        type: "array",
        items: { type: "object", properties: { name: { type: "string" } } },
      },
    },
  });
});

Deno.test("decodeGenerateContent() prefers responseJsonSchema to responseSchema", () => {
  const request = decode(withHello({
    generationConfig: {
      responseSchema: { type: "STRING" },
      responseJsonSchema: { type: "integer" },
    },
  }));
  assertEquals(request.response_format, {
    type: "json_schema",
    json_schema: { name: "response", schema: { type: "integer" } },
  });
});

Deno.test("decodeGenerateContent() with stream true asks for a stream with usage", () => {
  const streamed = decodeGenerateContent(withHello({}), true).request;
  assertEquals(streamed.stream, true);
  assertEquals(streamed.stream_options, { include_usage: true });
  const whole = decodeGenerateContent(withHello({}), false).request;
  assertEquals(whole.stream, undefined);
  assertEquals(whole.stream_options, undefined);
});

Deno.test("decodeGenerateContent() rejects empty contents", () => {
  const error = rejection({ contents: [] });
  assertEquals(error.param, "contents");
});

Deno.test("decodeGenerateContent() rejects contents whose only parts are thoughts", () => {
  const error = rejection({ contents: [{ role: "user", parts: [{ text: "x", thought: true }] }] });
  assertEquals(error.param, "contents");
});

Deno.test("decodeGenerateContent() rejects a body without contents, naming the field", () => {
  const error = rejection({ generationConfig: {} });
  assertEquals(error.param, "contents");
  assertMatch(error.message, /'contents' is required/);
});

Deno.test("decodeGenerateContent() refuses a Files API upload and a non-image file by URL", () => {
  const upload = rejection({
    contents: [{
      role: "user",
      parts: [{
        fileData: {
          mimeType: "image/png",
          fileUri: "https://generativelanguage.googleapis.com/v1beta/files/abc-123",
        },
      }],
    }],
  });
  assertEquals(upload.param, "contents[0].parts[0].fileData.fileUri");
  const pdf = rejection({
    contents: [{
      role: "user",
      parts: [{ fileData: { mimeType: "application/pdf", fileUri: "https://example.com/a.pdf" } }],
    }],
  });
  assertEquals(pdf.param, "contents[0].parts[0].fileData.mimeType");
});

Deno.test("decodeGenerateContent() reads snake_case penalties and parameters_json_schema", () => {
  const request = decode(withHello({
    generation_config: { presence_penalty: 0.5, frequency_penalty: 0.25 },
    tools: [{
      function_declarations: [{
        name: "f",
        parameters_json_schema: { type: "object", properties: { a: { default: null } } },
      }],
    }],
  }));
  assertEquals([request.presence_penalty, request.frequency_penalty], [0.5, 0.25]);
  assertEquals(request.tools?.[0]?.function.parameters, {
    type: "object",
    properties: { a: { default: null } },
  });
});
