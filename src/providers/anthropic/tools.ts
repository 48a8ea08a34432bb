/** OpenAI `tools`, `tool_choice` and `parallel_tool_calls` → Anthropic's tools and tool_choice. */
import { InvalidRequestError } from "../../core/errors.ts";
import type { ChatRequest, Tool, ToolChoice } from "../../schemas/chat.ts";

/** An Anthropic client tool definition. */
export interface AnthropicTool {
  name: string;
  description?: string;
  input_schema: Record<string, unknown>;
  strict?: boolean;
}

/** One OpenAI function tool; a tool without parameters takes an empty object. */
export function toAnthropicTool(tool: Tool): AnthropicTool {
  const fn = tool.function;
  const out: AnthropicTool = {
    name: fn.name,
    input_schema: fn.parameters ?? { type: "object", properties: {} },
  };
  if (fn.description !== undefined) out.description = fn.description;
  if (fn.strict === true) out.strict = true;
  return out;
}

/** Anthropic's tool_choice for an OpenAI one (`required` is Anthropic's `any`). */
export function toAnthropicToolChoice(choice: ToolChoice): Record<string, unknown> {
  if (choice === "none") return { type: "none" };
  if (choice === "auto") return { type: "auto" };
  if (choice === "required") return { type: "any" };
  return { type: "tool", name: choice.function.name };
}

/** The `tools` and `tool_choice` fields of the Messages body, if any. */
export function toolFields(request: ChatRequest): Record<string, unknown> {
  const tools = request.tools ?? [];
  if (tools.length === 0) {
    const choice = request.tool_choice;
    if (choice !== undefined && choice !== "none" && choice !== "auto") {
      throw new InvalidRequestError("'tool_choice' requires 'tools'", { param: "tool_choice" });
    }
    // Without tools, "none" and "auto" already hold, and parallel_tool_calls means nothing.
    return {};
  }
  const fields: Record<string, unknown> = { tools: tools.map(toAnthropicTool) };
  let choice = request.tool_choice === undefined
    ? undefined
    : toAnthropicToolChoice(request.tool_choice);
  if (request.parallel_tool_calls === false && choice?.type !== "none") {
    choice = { ...(choice ?? { type: "auto" }), disable_parallel_tool_use: true };
  }
  if (choice !== undefined) fields.tool_choice = choice;
  return fields;
}
