/** Tools and tool choice as Gemini function declarations and function-calling config. */
import type { TranslationWarning } from "../../core/provider.ts";
import type { ChatRequest } from "../../schemas/chat.ts";

export interface FunctionDeclaration {
  name: string;
  description?: string;
  /** Full JSON Schema, passed through unchanged (nested objects, anyOf, $ref...). */
  parametersJsonSchema?: Record<string, unknown>;
}

export interface FunctionCallingConfig {
  mode: "AUTO" | "ANY" | "NONE";
  allowedFunctionNames?: string[];
}

export interface GeminiTools {
  tools?: { functionDeclarations: FunctionDeclaration[] }[];
  toolConfig?: { functionCallingConfig: FunctionCallingConfig };
}

/** OpenAI's `tool_choice` as Gemini's function-calling mode. */
export function toFunctionCallingConfig(
  choice: NonNullable<ChatRequest["tool_choice"]>,
): FunctionCallingConfig {
  if (choice === "auto") return { mode: "AUTO" };
  if (choice === "none") return { mode: "NONE" };
  if (choice === "required") return { mode: "ANY" };
  return { mode: "ANY", allowedFunctionNames: [choice.function.name] };
}

/** Translates `tools`, `tool_choice` and `parallel_tool_calls`. */
export function toGeminiTools(
  request: Pick<ChatRequest, "tools" | "tool_choice" | "parallel_tool_calls">,
  warnings: TranslationWarning[],
): GeminiTools {
  const result: GeminiTools = {};
  const tools = request.tools ?? [];
  if (tools.length > 0) {
    const declarations = tools.map((tool): FunctionDeclaration => {
      const fn = tool.function;
      const declaration: FunctionDeclaration = { name: fn.name };
      if (fn.description !== undefined) declaration.description = fn.description;
      if (fn.parameters !== undefined) declaration.parametersJsonSchema = fn.parameters;
      return declaration;
    });
    if (tools.some((tool) => tool.function.strict === true)) {
      warnings.push({
        type: "unsupported",
        param: "tools[].function.strict",
        message: "Gemini has no strict mode for function arguments; 'strict' was ignored",
      });
    }
    result.tools = [{ functionDeclarations: declarations }];
    if (request.tool_choice !== undefined) {
      result.toolConfig = { functionCallingConfig: toFunctionCallingConfig(request.tool_choice) };
    }
  } else if (
    request.tool_choice !== undefined && request.tool_choice !== "none" &&
    request.tool_choice !== "auto"
  ) {
    warnings.push({
      type: "unsupported",
      param: "tool_choice",
      message: "tool_choice asks for a tool call but the request offers no tools; it was ignored",
    });
  }
  if (request.parallel_tool_calls === false) {
    warnings.push({
      type: "unsupported",
      param: "parallel_tool_calls",
      message:
        "Gemini cannot be told to avoid parallel function calls; 'parallel_tool_calls: false' was ignored",
    });
  }
  return result;
}

/** 32-bit FNV-1a of a string, with a seed to get independent hashes. */
function fnv1a(text: string, seed: number): number {
  let hash = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/**
 * The id of a function call Gemini sent without one: derived from its name, arguments and
 * position, so the same answer always gets the same ids (streamed or not) and two identical
 * calls in one answer still get different ones.
 */
export function stableCallId(name: string, args: unknown, position: number): string {
  const text = `${name}\n${JSON.stringify(args ?? {})}\n${position}`;
  const hex = (n: number) => n.toString(16).padStart(8, "0");
  return `call_${hex(fnv1a(text, 0))}${hex(fnv1a(text, 0x9e3779b9))}`;
}
