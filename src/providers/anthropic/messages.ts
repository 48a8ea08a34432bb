/**
 * OpenAI chat messages → Anthropic's `system` + alternating `messages`: system and developer
 * messages are hoisted, assistant tool calls become tool_use blocks, tool messages become
 * tool_result blocks in a user turn, and consecutive turns of one role are merged.
 */
import { InvalidRequestError } from "../../core/errors.ts";
import type { TranslationWarning } from "../../core/provider.ts";
import type { ChatMessage, ContentPart } from "../../schemas/chat.ts";
import { addWarning, type AnthropicBlock, textBlock, toContentBlocks } from "./content.ts";

/** One turn of an Anthropic conversation. */
export interface AnthropicMessage {
  role: "user" | "assistant";
  content: string | AnthropicBlock[];
}

export interface ConvertedMessages {
  /** The joined system prompt (blocks when a system part asks for prompt caching). */
  system: string | AnthropicBlock[] | undefined;
  messages: AnthropicMessage[];
}

function systemBlocks(message: ChatMessage): AnthropicBlock[] {
  const content = message.content;
  if (typeof content === "string") return content === "" ? [] : [textBlock(content)];
  if (!content) return [];
  return content.flatMap((part: ContentPart) => {
    if (part.type === "text") return part.text === "" ? [] : [textBlock(part.text, part)];
    throw new InvalidRequestError(
      `system messages may only hold text for Anthropic; got a '${part.type}' part`,
      { param: "messages" },
    );
  });
}

/** All system (and developer) messages joined with newlines, in order. */
function toSystem(blocks: AnthropicBlock[]): string | AnthropicBlock[] | undefined {
  if (blocks.length === 0) return undefined;
  if (blocks.some((b) => b.cache_control !== undefined)) return blocks;
  return blocks.map((b) => b.text as string).join("\n");
}

/** Parses a tool call's JSON arguments into the object Anthropic wants as `input`. */
export function parseToolArguments(args: string, param: string): Record<string, unknown> {
  if (args.trim() === "") return {};
  let input: unknown;
  try {
    input = JSON.parse(args);
  } catch {
    throw new InvalidRequestError(`tool call arguments are not valid JSON: ${args.slice(0, 100)}`, {
      param,
    });
  }
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    throw new InvalidRequestError("tool call arguments must be a JSON object", { param });
  }
  return input as Record<string, unknown>;
}

function assistantBlocks(message: ChatMessage, i: number): AnthropicBlock[] {
  const blocks: AnthropicBlock[] = [];
  const content = message.content;
  if (typeof content === "string") {
    if (content !== "") blocks.push(textBlock(content));
  } else if (content) {
    for (const part of content) {
      if (part.type === "text" && part.text !== "") blocks.push(textBlock(part.text, part));
      else if (part.type === "refusal" && part.refusal !== "") blocks.push(textBlock(part.refusal));
      else if (part.type !== "text" && part.type !== "refusal") {
        throw new InvalidRequestError(
          `assistant messages may only hold text for Anthropic; got a '${part.type}' part`,
          { param: `messages[${i}].content` },
        );
      }
    }
  }
  (message.tool_calls ?? []).forEach((call, j) => {
    blocks.push({
      type: "tool_use",
      id: call.id,
      name: call.function.name,
      input: parseToolArguments(
        call.function.arguments,
        `messages[${i}].tool_calls[${j}].function.arguments`,
      ),
    });
  });
  return blocks;
}

function toolResult(message: ChatMessage, i: number, warnings: TranslationWarning[]) {
  if (!message.tool_call_id) {
    throw new InvalidRequestError("tool messages need a 'tool_call_id'", {
      param: `messages[${i}].tool_call_id`,
    });
  }
  const block: AnthropicBlock = { type: "tool_result", tool_use_id: message.tool_call_id };
  const content = message.content;
  if (typeof content === "string") {
    if (content !== "") block.content = content;
  } else if (content && content.length > 0) {
    block.content = toContentBlocks(content, `messages[${i}].content`, warnings);
  }
  return block;
}

function asBlocks(content: string | AnthropicBlock[]): AnthropicBlock[] {
  if (typeof content !== "string") return content;
  return content === "" ? [] : [textBlock(content)];
}

/** Appends a turn, merging it into the previous one when both have the same role. */
function pushTurn(messages: AnthropicMessage[], turn: AnthropicMessage): void {
  const last = messages[messages.length - 1];
  if (last && last.role === turn.role) {
    last.content = [...asBlocks(last.content), ...asBlocks(turn.content)];
    return;
  }
  messages.push(turn);
}

/** Converts a whole OpenAI conversation. */
export function toAnthropicMessages(
  input: readonly ChatMessage[],
  warnings: TranslationWarning[],
): ConvertedMessages {
  const system: AnthropicBlock[] = [];
  const messages: AnthropicMessage[] = [];
  input.forEach((message, i) => {
    if (message.name !== undefined) {
      addWarning(warnings, {
        type: "unsupported",
        param: "messages[].name",
        message: "Anthropic has no participant names; the 'name' of messages is not sent",
      });
    }
    switch (message.role) {
      case "system":
      case "developer":
        system.push(...systemBlocks(message));
        return;
      case "user": {
        const content = message.content ?? "";
        pushTurn(messages, {
          role: "user",
          content: typeof content === "string"
            ? content
            : toContentBlocks(content, `messages[${i}].content`, warnings),
        });
        return;
      }
      case "assistant": {
        const blocks = assistantBlocks(message, i);
        // An empty assistant turn carries nothing, and Anthropic rejects empty content.
        if (blocks.length === 0) return;
        const only = blocks[0];
        pushTurn(messages, {
          role: "assistant",
          content: blocks.length === 1 && only?.type === "text" && only.cache_control === undefined
            ? only.text as string
            : blocks,
        });
        return;
      }
      case "tool":
        pushTurn(messages, { role: "user", content: [toolResult(message, i, warnings)] });
        return;
      case "function":
        throw new InvalidRequestError(
          "the deprecated 'function' role is not supported for Anthropic; send tool calls and 'tool' messages instead",
          { param: `messages[${i}].role` },
        );
    }
  });
  if (messages.length === 0) {
    throw new InvalidRequestError(
      "Anthropic needs at least one user or assistant message besides the system prompt",
      { param: "messages" },
    );
  }
  return { system: toSystem(system), messages };
}
