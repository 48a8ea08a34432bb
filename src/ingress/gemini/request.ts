/**
 * Google's `generateContent` request as the internal chat request: `systemInstruction` as a
 * system message, `contents` (roles `user` and `model`; text, inline and file data, function
 * calls and responses) as messages, `functionDeclarations` as tools, `toolConfig` as
 * `tool_choice`, `generationConfig` as sampling parameters and `response_format`. Gemini's
 * function calls carry no ids: the gateway numbers them, and a function response answers the
 * oldest unanswered call of its name.
 */
import { InvalidRequestError } from "../../core/errors.ts";
import type { ChatMessage, ChatRequest, ContentPart, Tool, ToolCall } from "../../schemas/chat.ts";
import { validateBody, withoutNulls } from "../validate.ts";
import { geminiWire, type GenerateContentRequest, type Part } from "./wire.ts";

/** The client's own data keeps its nulls. */
const OPAQUE = new Set([
  "args",
  "response",
  "parameters",
  "parametersJsonSchema",
  "parameters_json_schema",
  "responseSchema",
  "response_schema",
  "responseJsonSchema",
  "response_json_schema",
]);

/** snake_case spellings the REST API also takes, as the SDKs' camelCase. */
const SNAKE: Record<string, string> = {
  system_instruction: "systemInstruction",
  generation_config: "generationConfig",
  tool_config: "toolConfig",
  function_declarations: "functionDeclarations",
  function_calling_config: "functionCallingConfig",
  inline_data: "inlineData",
  file_data: "fileData",
  function_call: "functionCall",
  function_response: "functionResponse",
  mime_type: "mimeType",
  file_uri: "fileUri",
  max_output_tokens: "maxOutputTokens",
  stop_sequences: "stopSequences",
  top_p: "topP",
  top_k: "topK",
  candidate_count: "candidateCount",
  response_mime_type: "responseMimeType",
  response_schema: "responseSchema",
  response_json_schema: "responseJsonSchema",
  allowed_function_names: "allowedFunctionNames",
  presence_penalty: "presencePenalty",
  frequency_penalty: "frequencyPenalty",
  parameters_json_schema: "parametersJsonSchema",
};

function camelKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelKeys);
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const name = SNAKE[key] ?? key;
    out[name] = OPAQUE.has(name) ? item : camelKeys(item);
  }
  return out;
}

export interface DecodedGemini {
  request: ChatRequest;
  warnings: string[];
}

/** A part's data as a chat content part (images as image URLs, anything else as a file). */
function dataPart(part: Part, at: string): ContentPart {
  if (part.inlineData) {
    const { mimeType, data } = part.inlineData;
    return mimeType.startsWith("image/")
      ? { type: "image_url", image_url: { url: `data:${mimeType};base64,${data}` } }
      : { type: "file", file: { file_data: `data:${mimeType};base64,${data}` } };
  }
  const file = part.fileData as NonNullable<Part["fileData"]>;
  const uploaded = /^https:\/\/generativelanguage\.googleapis\.com\/.*\/files\//.test(file.fileUri);
  if (!/^https?:\/\//.test(file.fileUri) || uploaded) {
    throw new InvalidRequestError(
      "a fileData part needs a public http(s) URL: files uploaded to Google's Files API are not " +
        "reachable through the gateway (send the data inline)",
      { param: `${at}.fileData.fileUri`, code: "unsupported_content" },
    );
  }
  if (file.mimeType !== undefined && !file.mimeType.startsWith("image/")) {
    throw new InvalidRequestError(
      `a fileData part of type ${file.mimeType} cannot be passed by URL: only images can ` +
        "(send other files inline)",
      { param: `${at}.fileData.mimeType`, code: "unsupported_content" },
    );
  }
  return { type: "image_url", image_url: { url: file.fileUri } };
}

/** Contents as chat messages; function calls get ids their responses then refer to. */
function messagesOf(request: GenerateContentRequest, warnings: Set<string>): ChatMessage[] {
  const messages: ChatMessage[] = [];
  const unanswered: ToolCall[] = [];
  let counter = 0;
  request.contents.forEach((content, c) => {
    const role = content.role === "model" ? "assistant" : "user";
    const parts: ContentPart[] = [];
    const calls: ToolCall[] = [];
    const responses: ChatMessage[] = [];
    content.parts.forEach((part, p) => {
      const at = `contents[${c}].parts[${p}]`;
      if (part.thought === true) {
        warnings.add("thought parts are not carried to the endpoint");
      } else if (part.functionCall) {
        const call: ToolCall = {
          id: part.functionCall.id ?? `call_${++counter}`,
          type: "function",
          function: {
            name: part.functionCall.name,
            arguments: JSON.stringify(part.functionCall.args ?? {}),
          },
        };
        calls.push(call);
        unanswered.push(call);
      } else if (part.functionResponse) {
        const { name, id, response } = part.functionResponse;
        const index = unanswered.findIndex((call) =>
          id !== undefined ? call.id === id : call.function.name === name
        );
        const call = index < 0 ? undefined : unanswered.splice(index, 1)[0];
        responses.push({
          role: "tool",
          tool_call_id: call?.id ?? id ?? `call_${name}`,
          content: JSON.stringify(response ?? {}),
        });
      } else if (part.text !== undefined) {
        parts.push({ type: "text", text: part.text });
      } else if (part.inlineData || part.fileData) {
        parts.push(dataPart(part, at));
      } else {
        throw new InvalidRequestError(`a part of a kind the gateway cannot carry`, {
          param: at,
          code: "unsupported_content",
        });
      }
    });
    messages.push(...responses);
    if (role === "assistant") {
      const text = parts.map((part) => (part.type === "text" ? part.text : "")).join("");
      if (text !== "" || calls.length > 0) {
        messages.push({
          role: "assistant",
          content: text === "" ? null : text,
          ...(calls.length > 0 ? { tool_calls: calls } : {}),
        });
      }
    } else if (parts.length > 0) {
      const onlyText = parts.every((part) => part.type === "text");
      messages.push({
        role: "user",
        content: onlyText ? parts.map((part) => (part as { text: string }).text).join("") : parts,
      });
    }
  });
  return messages;
}

function toolsOf(request: GenerateContentRequest): Tool[] | undefined {
  const tools: Tool[] = [];
  request.tools?.forEach((tool, t) => {
    const known = Object.keys(tool).filter((key) => key !== "functionDeclarations");
    if (known.length > 0) {
      throw new InvalidRequestError(
        `the tool '${
          known[0]
        }' is not available through the gateway: only functionDeclarations are`,
        { param: `tools[${t}].${known[0]}`, code: "unsupported_tool" },
      );
    }
    for (const fn of tool.functionDeclarations ?? []) {
      const parameters = fn.parametersJsonSchema ?? fn.parameters;
      tools.push({
        type: "function",
        function: {
          name: fn.name,
          ...(fn.description ? { description: fn.description } : {}),
          ...(parameters ? { parameters: lowerTypes(parameters) as Record<string, unknown> } : {}),
        },
      });
    }
  });
  return tools.length > 0 ? tools : undefined;
}

/** Gemini's OpenAPI-style schemas name types in capitals (`OBJECT`); JSON Schema in lower case. */
function lowerTypes(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(lowerTypes);
  if (typeof schema !== "object" || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    out[key] = key === "type" && typeof value === "string"
      ? value.toLowerCase()
      : lowerTypes(value);
  }
  return out;
}

/** Decodes a generateContent body (the endpoint is named by the path). */
export function decodeGenerateContent(body: unknown, stream: boolean): DecodedGemini {
  const parsed = validateBody(
    geminiWire().GenerateContentRequest,
    camelKeys(withoutNulls(body, OPAQUE)),
  );
  const warnings = new Set<string>();
  const messages: ChatMessage[] = [];
  const system = parsed.systemInstruction?.parts.map((part) => part.text ?? "").join("") ?? "";
  if (system !== "") messages.push({ role: "system", content: system });
  messages.push(...messagesOf(parsed, warnings));
  if (messages.length === 0) {
    throw new InvalidRequestError("'contents' must hold at least one part", { param: "contents" });
  }
  const request: ChatRequest = { messages };
  const tools = toolsOf(parsed);
  if (tools) request.tools = tools;
  const calling = parsed.toolConfig?.functionCallingConfig;
  if (calling?.mode === "NONE") request.tool_choice = "none";
  else if (calling?.mode === "ANY" || calling?.mode === "VALIDATED") {
    const only = calling.allowedFunctionNames;
    request.tool_choice = only?.length === 1
      ? { type: "function", function: { name: only[0] as string } }
      : "required";
  } else if (calling?.mode === "AUTO") request.tool_choice = "auto";
  const config = parsed.generationConfig ?? {};
  if (config.temperature !== undefined) request.temperature = config.temperature;
  if (config.topP !== undefined) request.top_p = config.topP;
  if (config.topK !== undefined) request.top_k = config.topK;
  if (config.maxOutputTokens !== undefined) request.max_tokens = config.maxOutputTokens;
  if (config.stopSequences !== undefined) request.stop = config.stopSequences;
  if (config.candidateCount !== undefined) request.n = config.candidateCount;
  if (config.seed !== undefined) request.seed = config.seed;
  if (config.presencePenalty !== undefined) request.presence_penalty = config.presencePenalty;
  if (config.frequencyPenalty !== undefined) request.frequency_penalty = config.frequencyPenalty;
  const schema = config.responseJsonSchema ?? config.responseSchema;
  if (schema !== undefined) {
    request.response_format = {
      type: "json_schema",
      json_schema: { name: "response", schema: lowerTypes(schema) as Record<string, unknown> },
    };
  } else if (config.responseMimeType === "application/json") {
    request.response_format = { type: "json_object" };
  }
  if (stream) {
    request.stream = true;
    request.stream_options = { include_usage: true };
  }
  return { request, warnings: [...warnings] };
}
