/** Tools and tool_choice for Cohere v2, which takes OpenAI's function shape natively. */
import { InvalidRequestError } from "../../core/errors.ts";
import type { TranslationWarning } from "../../core/provider.ts";
import type { ChatRequest, Tool } from "../../schemas/chat.ts";

export interface CohereTool {
  type: "function";
  function: { name: string; description?: string; parameters: Record<string, unknown> };
}

export interface CohereToolFields {
  tools?: CohereTool[];
  tool_choice?: "REQUIRED" | "NONE";
  strict_tools?: boolean;
}

function toCohereTool(tool: Tool): CohereTool {
  const fn: CohereTool["function"] = {
    name: tool.function.name,
    parameters: tool.function.parameters ?? { type: "object", properties: {} },
  };
  if (tool.function.description !== undefined) fn.description = tool.function.description;
  return { type: "function", function: fn };
}

/**
 * The tool fields of a Cohere request. `auto` is Cohere's default; `none` and `required` map to
 * `NONE` and `REQUIRED`; a named function is honoured by offering only that tool with
 * `REQUIRED`. `strict: true` on every tool becomes `strict_tools`.
 */
export function toCohereToolFields(
  request: Pick<ChatRequest, "tools" | "tool_choice" | "parallel_tool_calls">,
  warnings: TranslationWarning[],
): CohereToolFields {
  const tools = request.tools ?? [];
  const choice = request.tool_choice;
  const out: CohereToolFields = {};
  if (request.parallel_tool_calls === false && tools.length > 0) {
    warnings.push({
      type: "unsupported",
      param: "parallel_tool_calls",
      message: "Cohere cannot be told to make at most one tool call per turn",
    });
  }
  if (tools.length === 0) {
    if (choice === "required" || (typeof choice === "object")) {
      throw new InvalidRequestError(
        "'tool_choice' requires 'tools': name at least one function the model may call",
        { param: "tool_choice" },
      );
    }
    return out;
  }
  let offered = tools;
  if (typeof choice === "object") {
    const wanted = choice.function.name;
    const tool = tools.find((t) => t.function.name === wanted);
    if (!tool) {
      throw new InvalidRequestError(
        `'tool_choice' names the function '${wanted}', which is not in 'tools'`,
        { param: "tool_choice" },
      );
    }
    offered = [tool];
    out.tool_choice = "REQUIRED";
  } else if (choice === "required") {
    out.tool_choice = "REQUIRED";
  } else if (choice === "none") {
    out.tool_choice = "NONE";
  }
  out.tools = offered.map(toCohereTool);
  const strict = offered.filter((t) => t.function.strict === true).length;
  if (strict === offered.length) {
    out.strict_tools = true;
  } else if (strict > 0) {
    warnings.push({
      type: "unsupported",
      param: "tools[].function.strict",
      message:
        "Cohere applies strict tool schemas to all tools or none; strict mode was not requested because only some tools set it",
    });
  }
  return out;
}
