/** OpenAI tools and tool_choice to Converse's `toolConfig`. */
import type { TranslationWarning } from "../../core/provider.ts";
import type { Tool, ToolChoice } from "../../schemas/chat.ts";

export interface ToolConfigResult {
  toolConfig?: Record<string, unknown>;
  warnings: TranslationWarning[];
}

const EMPTY_SCHEMA = { type: "object", properties: {} };

function toolSpec(tool: Tool): Record<string, unknown> {
  const spec: Record<string, unknown> = {
    name: tool.function.name,
    inputSchema: { json: tool.function.parameters ?? EMPTY_SCHEMA },
  };
  if (tool.function.description !== undefined) spec.description = tool.function.description;
  return { toolSpec: spec };
}

function toolChoiceOf(choice: ToolChoice | undefined): Record<string, unknown> | undefined {
  if (choice === undefined) return undefined;
  if (choice === "auto") return { auto: {} };
  if (choice === "required") return { any: {} };
  if (choice === "none") return undefined;
  return { tool: { name: choice.function.name } };
}

/**
 * `toolConfig.tools[].toolSpec` and `toolChoice` (auto → auto, required → any, a function →
 * tool). Converse has no "none": the tools are left out, unless the conversation already holds
 * tool calls (Bedrock then requires toolConfig), in which case they stay with the model's choice.
 */
export function toToolConfig(
  tools: readonly Tool[] | undefined,
  choice: ToolChoice | undefined,
  conversationHasToolBlocks: boolean,
): ToolConfigResult {
  const warnings: TranslationWarning[] = [];
  if (!tools || tools.length === 0) {
    if (choice !== undefined && choice !== "none" && choice !== "auto") {
      warnings.push({
        type: "unsupported",
        param: "tool_choice",
        message: "tool_choice was given without tools; ignored",
      });
    }
    return { warnings };
  }
  if (tools.some((tool) => tool.function.strict === true)) {
    warnings.push({
      type: "unsupported",
      param: "tools.function.strict",
      message: "Amazon Bedrock does not enforce strict tool schemas; the schemas are sent as hints",
    });
  }
  if (choice === "none") {
    if (!conversationHasToolBlocks) {
      warnings.push({
        type: "unsupported",
        param: "tool_choice",
        message: "Amazon Bedrock has no tool_choice 'none'; the tools were left out instead",
      });
      return { warnings };
    }
    warnings.push({
      type: "unsupported",
      param: "tool_choice",
      message: "Amazon Bedrock has no tool_choice 'none' and needs the tools when the " +
        "conversation holds tool calls; the model may still call a tool",
    });
  }
  const toolConfig: Record<string, unknown> = { tools: tools.map(toolSpec) };
  const toolChoice = toolChoiceOf(choice);
  if (toolChoice) toolConfig.toolChoice = toolChoice;
  return { toolConfig, warnings };
}
