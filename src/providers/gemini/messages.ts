/**
 * OpenAI-shaped messages as Gemini `contents` and `systemInstruction`: user/assistant turns get
 * the roles user/model, tool calls and results become functionCall/functionResponse parts.
 */
import { InvalidRequestError } from "../../core/errors.ts";
import type { TranslationWarning } from "../../core/provider.ts";
import type { ChatMessage, ContentPart, ToolCall } from "../../schemas/chat.ts";
import {
  type FileDataPart,
  guessMimeType,
  type InlineDataPart,
  mediaPart,
  parseDataUrl,
} from "./media.ts";

export interface FunctionCallPart {
  functionCall: { id?: string; name: string; args: Record<string, unknown> };
  thoughtSignature?: string;
}
export interface FunctionResponsePart {
  functionResponse: { id?: string; name: string; response: Record<string, unknown> };
}
export type GeminiPart =
  | { text: string }
  | InlineDataPart
  | FileDataPart
  | FunctionCallPart
  | FunctionResponsePart;

export interface GeminiContent {
  role: "user" | "model";
  parts: GeminiPart[];
}

export interface GeminiConversation {
  systemInstruction?: { parts: { text: string }[] };
  contents: GeminiContent[];
}

/**
 * Google's documented placeholder for a function call whose thought signature is unknown (the
 * client dropped it, or the history came from another model). Gemini 3 refuses such a turn
 * without a signature; this tells it to skip the check.
 */
export const SKIP_THOUGHT_SIGNATURE = "skip_thought_signature_validator";

const AUDIO_MIME = { wav: "audio/wav", mp3: "audio/mp3" } as const;

/** The thought signature a tool call carries back (`extra_content.google.thought_signature`). */
export function thoughtSignatureOf(call: ToolCall): string | undefined {
  const extra = (call as { extra_content?: unknown }).extra_content;
  if (extra === null || typeof extra !== "object") return undefined;
  const google = (extra as { google?: unknown }).google;
  if (google === null || typeof google !== "object") return undefined;
  const signature = (google as { thought_signature?: unknown }).thought_signature;
  return typeof signature === "string" && signature !== "" ? signature : undefined;
}

/** The text of a message that may only hold text (system, tool results). */
function textOnly(content: ChatMessage["content"], param: string): string {
  if (content === null || content === undefined) return "";
  if (typeof content === "string") return content;
  return content.map((part, j) => {
    if (part.type === "text") return part.text;
    if (part.type === "refusal") return part.refusal;
    throw new InvalidRequestError(
      `${param}[${j}]: a ${part.type} part is not allowed here; Gemini takes only text in this message`,
      { param: `${param}[${j}]` },
    );
  }).join("");
}

function userPart(part: ContentPart, param: string, warnings: TranslationWarning[]): GeminiPart {
  switch (part.type) {
    case "text":
      return { text: part.text };
    case "refusal":
      return { text: part.refusal };
    case "image_url": {
      const detail = part.image_url.detail;
      if (detail !== undefined && detail !== "auto") {
        warnings.push({
          type: "unsupported",
          param: `${param}.image_url.detail`,
          message: `Gemini has no per-image detail setting; '${detail}' was ignored`,
        });
      }
      return mediaPart(part.image_url.url, `${param}.image_url.url`, warnings);
    }
    case "input_audio":
      return {
        inlineData: { mimeType: AUDIO_MIME[part.input_audio.format], data: part.input_audio.data },
      };
    case "file": {
      const data = part.file.file_data;
      if (data === undefined) {
        throw new InvalidRequestError(
          `${param}.file: Gemini cannot read OpenAI file ids; send the file as file_data (a base64 data URL)`,
          { param: `${param}.file` },
        );
      }
      const inline = parseDataUrl(data);
      if (inline) return { inlineData: inline };
      const mimeType = guessMimeType(part.file.filename ?? "");
      if (mimeType === undefined) {
        throw new InvalidRequestError(
          `${param}.file.file_data: send a data URL (data:<type>;base64,...) or a filename with a known extension`,
          { param: `${param}.file.file_data` },
        );
      }
      return { inlineData: { mimeType, data } };
    }
  }
}

function userParts(
  content: ChatMessage["content"],
  param: string,
  warnings: TranslationWarning[],
): GeminiPart[] {
  if (content === null || content === undefined) return [];
  if (typeof content === "string") return content === "" ? [] : [{ text: content }];
  return content.map((part, j) => userPart(part, `${param}[${j}]`, warnings));
}

/** Parses a tool call's JSON arguments into the object Gemini's `args` must be. */
function parseArguments(text: string, param: string): Record<string, unknown> {
  if (text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidRequestError(`${param} is not valid JSON`, { param });
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new InvalidRequestError(`${param} must be a JSON object for Gemini`, { param });
  }
  return value as Record<string, unknown>;
}

/**
 * The assistant's tool calls, including a legacy `function_call` (OpenAI's pre-tools format,
 * answered by a `function` message) as a call without an id.
 */
function toolCallsOf(message: ChatMessage): ToolCall[] {
  const legacy = (message as { function_call?: { name?: unknown; arguments?: unknown } })
    .function_call;
  const calls = [...(message.tool_calls ?? [])];
  if (legacy && typeof legacy.name === "string") {
    calls.push({
      id: "",
      type: "function",
      function: {
        name: legacy.name,
        arguments: typeof legacy.arguments === "string" ? legacy.arguments : "",
      },
    });
  }
  return calls;
}

function assistantParts(message: ChatMessage, i: number): GeminiPart[] {
  const parts: GeminiPart[] = [];
  const text = textOnly(message.content, `messages[${i}].content`);
  if (text !== "") parts.push({ text });
  const calls = toolCallsOf(message).map((call, j): FunctionCallPart => {
    const args = parseArguments(
      call.function.arguments,
      `messages[${i}].tool_calls[${j}].function.arguments`,
    );
    const name = call.function.name;
    const part: FunctionCallPart = {
      functionCall: call.id === "" ? { name, args } : { id: call.id, name, args },
    };
    const signature = thoughtSignatureOf(call);
    if (signature !== undefined) part.thoughtSignature = signature;
    return part;
  });
  // Gemini signs the first call of a turn (the others of a parallel turn carry none).
  const first = calls[0];
  if (first && calls.every((c) => c.thoughtSignature === undefined)) {
    first.thoughtSignature = SKIP_THOUGHT_SIGNATURE;
  }
  parts.push(...calls);
  return parts;
}

/** A tool result's content as the object Gemini's `response` must be. */
export function toolResponse(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
  } catch {
    // not JSON: wrapped below
  }
  return { result: text };
}

/** Appends a turn, merging it into the previous one when the role is the same. */
function append(contents: GeminiContent[], role: GeminiContent["role"], parts: GeminiPart[]) {
  if (parts.length === 0) return;
  const last = contents[contents.length - 1];
  if (last && last.role === role) last.parts.push(...parts);
  else contents.push({ role, parts });
}

/**
 * Translates the conversation. System and developer messages (wherever they are) go to
 * `systemInstruction`; consecutive turns of one role are merged, so parallel tool results
 * reach Gemini as one turn of functionResponse parts.
 */
export function toGeminiConversation(
  messages: readonly ChatMessage[],
  warnings: TranslationWarning[],
): GeminiConversation {
  const system: { text: string }[] = [];
  const contents: GeminiContent[] = [];
  const callNames = new Map<string, string>();
  let namesWarned = false;
  messages.forEach((message, i) => {
    if (message.name !== undefined && !namesWarned && message.role !== "function") {
      namesWarned = true;
      warnings.push({
        type: "unsupported",
        param: "messages[].name",
        message: "Gemini has no participant names; the 'name' of messages was ignored",
      });
    }
    switch (message.role) {
      case "system":
      case "developer": {
        const text = textOnly(message.content, `messages[${i}].content`);
        if (text !== "") system.push({ text });
        return;
      }
      case "user":
        append(contents, "user", userParts(message.content, `messages[${i}].content`, warnings));
        return;
      case "assistant":
        for (const call of message.tool_calls ?? []) callNames.set(call.id, call.function.name);
        append(contents, "model", assistantParts(message, i));
        return;
      case "tool":
      case "function": {
        const id = message.tool_call_id;
        const name = (id === undefined ? undefined : callNames.get(id)) ?? message.name;
        if (name === undefined) {
          throw new InvalidRequestError(
            `messages[${i}]: tool_call_id '${
              id ?? ""
            }' matches no tool call of an earlier assistant message, so Gemini cannot tell which function answered`,
            { param: `messages[${i}].tool_call_id` },
          );
        }
        const response = toolResponse(textOnly(message.content, `messages[${i}].content`));
        const functionResponse: FunctionResponsePart["functionResponse"] = id === undefined
          ? { name, response }
          : { id, name, response };
        append(contents, "user", [{ functionResponse }]);
        return;
      }
    }
  });
  if (contents.length === 0) {
    throw new InvalidRequestError(
      "Gemini needs at least one user or assistant message besides system messages",
      { param: "messages" },
    );
  }
  const conversation: GeminiConversation = { contents };
  if (system.length > 0) conversation.systemInstruction = { parts: system };
  return conversation;
}
