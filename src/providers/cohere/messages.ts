/** Translates canonical chat messages to Cohere v2 messages (system, user, assistant, tool). */
import { InvalidRequestError } from "../../core/errors.ts";
import type { TranslationWarning } from "../../core/provider.ts";
import type { ChatMessage, ContentPart } from "../../schemas/chat.ts";

/** A content item of a Cohere v2 user message. */
export type CohereContent =
  | { type: "text"; text: string }
  | { type: "image_url"; image_url: { url: string; detail?: "auto" | "low" | "high" } };

export interface CohereToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

export type CohereMessage =
  | { role: "system"; content: string }
  | { role: "user"; content: string | CohereContent[] }
  | { role: "assistant"; content?: string; tool_plan?: string; tool_calls?: CohereToolCall[] }
  | { role: "tool"; tool_call_id: string; content: string };

function unsupportedPart(part: ContentPart, role: string, at: number): InvalidRequestError {
  return new InvalidRequestError(
    `Cohere does not accept '${part.type}' content in ${role} messages (messages[${at}]); ` +
      (role === "user" ? "send text or image_url parts" : "send text only"),
    { param: `messages[${at}].content` },
  );
}

/** The text of a message whose content may only hold text parts (system, assistant, tool). */
function textOnly(content: ChatMessage["content"], role: string, at: number): string {
  if (content === null || content === undefined) return "";
  if (typeof content === "string") return content;
  return content.map((part) => {
    if (part.type === "text") return part.text;
    if (part.type === "refusal" && role === "assistant") return part.refusal;
    throw unsupportedPart(part, role, at);
  }).join("");
}

/** User content: a string, or text and image_url parts (Cohere's vision models read images). */
function userContent(content: ChatMessage["content"], at: number): string | CohereContent[] {
  if (content === null || content === undefined) return "";
  if (typeof content === "string") return content;
  return content.map((part): CohereContent => {
    if (part.type === "text") return { type: "text", text: part.text };
    if (part.type === "image_url") {
      const image: { url: string; detail?: "auto" | "low" | "high" } = {
        url: part.image_url.url,
      };
      if (part.image_url.detail !== undefined) image.detail = part.image_url.detail;
      return { type: "image_url", image_url: image };
    }
    throw unsupportedPart(part, "user", at);
  });
}

function toolCallsOf(message: ChatMessage): CohereToolCall[] {
  return (message.tool_calls ?? []).map((call) => ({
    id: call.id,
    type: "function" as const,
    function: { name: call.function.name, arguments: call.function.arguments },
  }));
}

/**
 * The Cohere v2 `messages` list. Roles map natively (`developer` becomes `system`); an
 * assistant's text beside its tool calls becomes Cohere's `tool_plan`, as Cohere returns it.
 */
export function toCohereMessages(
  messages: readonly ChatMessage[],
  warnings: TranslationWarning[],
): CohereMessage[] {
  let named = false;
  const out = messages.map((message, at): CohereMessage => {
    if (message.name !== undefined) named = true;
    switch (message.role) {
      case "system":
      case "developer":
        return { role: "system", content: textOnly(message.content, message.role, at) };
      case "user":
        return { role: "user", content: userContent(message.content, at) };
      case "assistant": {
        const text = textOnly(message.content, "assistant", at);
        const calls = toolCallsOf(message);
        if (calls.length === 0) return { role: "assistant", content: text };
        const out: CohereMessage = { role: "assistant", tool_calls: calls };
        if (text !== "") out.tool_plan = text;
        return out;
      }
      case "tool":
        if (!message.tool_call_id) {
          throw new InvalidRequestError(
            `messages[${at}] has role 'tool' but no 'tool_call_id'; Cohere needs it to match the result to its call`,
            { param: `messages[${at}].tool_call_id` },
          );
        }
        return {
          role: "tool",
          tool_call_id: message.tool_call_id,
          content: textOnly(message.content, "tool", at),
        };
      case "function":
        throw new InvalidRequestError(
          `messages[${at}] uses the deprecated 'function' role; send tool results as role 'tool' with a 'tool_call_id'`,
          { param: `messages[${at}].role` },
        );
    }
  });
  if (named) {
    warnings.push({
      type: "unsupported",
      param: "messages[].name",
      message: "Cohere messages have no 'name' field; participant names were not sent",
    });
  }
  return out;
}
