/**
 * The gateway's chat answer (OpenAI-shaped, first choice) as Anthropic's Message: content blocks
 * (thinking, text, tool_use) in order, the stop reason in Anthropic's words, and usage counted
 * the way Anthropic counts it (cached input tokens apart from `input_tokens`).
 */
import type { ChatResponse, ResponseMessage } from "../../schemas/chat.ts";
import type { Usage } from "../../schemas/common.ts";

/** A `text` content block. */
export interface AnthropicTextBlock {
  type: "text";
  text: string;
}

/**
 * A `thinking` content block. The signature is always "": OpenAI-shaped answers carry none, so a
 * client that sends the block back sends no proof of it (the request decoder must not pass it on
 * to an upstream that checks signatures).
 */
export interface AnthropicThinkingBlock {
  type: "thinking";
  thinking: string;
  signature: string;
}

/** A `tool_use` content block: the tool call's id and name, its arguments as an object. */
export interface AnthropicToolUseBlock {
  type: "tool_use";
  id: string;
  name: string;
  input: Record<string, unknown>;
}

export type AnthropicContentBlock =
  | AnthropicTextBlock
  | AnthropicThinkingBlock
  | AnthropicToolUseBlock;

/** Anthropic's usage block; `input_tokens` excludes the tokens read from (or written to) a cache. */
export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

/** Anthropic's stop reasons that an OpenAI-shaped answer can give. */
export type AnthropicStopReason =
  | "end_turn"
  | "max_tokens"
  | "stop_sequence"
  | "tool_use"
  | "refusal";

/** A complete Messages API answer. */
export interface AnthropicMessage {
  id: string;
  type: "message";
  role: "assistant";
  model: string;
  content: AnthropicContentBlock[];
  stop_reason: AnthropicStopReason | null;
  stop_sequence: string | null;
  usage: AnthropicUsage;
}

/**
 * The key under which a tool call's arguments are kept when they are not a JSON object: Anthropic's
 * `input` must be an object, and an empty one would let a tool with optional parameters run on
 * nothing, silently. With this key the client's schema check sees the call for what it is, and
 * the text is not lost.
 */
export const UNPARSED_ARGUMENTS_KEY = "_unparsed_arguments";

/** How an answer id looks (`msg_` and letters, digits, `_`, `-`). */
const UNSAFE_ID_CHARACTERS = /[^A-Za-z0-9_-]/g;

/** A fresh id of Anthropic's kind, for an answer or tool call the upstream gave none. */
export function freshId(prefix: "msg" | "toolu"): string {
  return `${prefix}_${crypto.randomUUID().replaceAll("-", "")}`;
}

/**
 * The Message id for an upstream answer id: `msg_` and the id's safe characters (an id that
 * already begins with `msg_`, e.g. Anthropic's own, is kept as it is), or a fresh one.
 */
export function anthropicMessageId(upstreamId: string | null | undefined): string {
  const safe = (upstreamId ?? "").replace(UNSAFE_ID_CHARACTERS, "");
  if (safe === "") return freshId("msg");
  return safe.startsWith("msg_") ? safe : `msg_${safe}`;
}

/**
 * A tool call's arguments as Anthropic's `input`: the parsed JSON object; empty text (or `null`)
 * is `{}` (a call without arguments); anything else (text that is not JSON, or JSON that is not
 * an object) is kept as `{"_unparsed_arguments": text}`.
 */
export function toolInputOf(args: string): Record<string, unknown> {
  if (args.trim() === "") return {};
  try {
    const parsed: unknown = JSON.parse(args);
    if (parsed === null) return {};
    if (typeof parsed === "object" && !Array.isArray(parsed)) {
      return parsed as Record<string, unknown>;
    }
  } catch {
    // kept as text below
  }
  return { [UNPARSED_ARGUMENTS_KEY]: args };
}

/** OpenAI's finish reasons in Anthropic's stop reasons. */
const STOP_REASONS: Readonly<Record<string, AnthropicStopReason>> = {
  stop: "end_turn",
  length: "max_tokens",
  tool_calls: "tool_use",
  function_call: "tool_use",
  content_filter: "refusal",
};

/** What decides the stop reason, besides OpenAI's finish reason. */
export interface StopFacts {
  /** The answer holds tool calls. */
  hasToolCalls: boolean;
  /** The answer's text (all of it, for the stop-sequence check). */
  text: string;
  /** The request's stop sequences. */
  stopSequences: readonly string[];
  /**
   * The stop string the upstream says it stopped on (vLLM's `stop_reason` on a choice), when it
   * says one; only one of the request's stop sequences is taken.
   */
  matched?: unknown;
}

/**
 * Anthropic's stop reason and stop sequence for an OpenAI finish reason:
 * `stop` is `end_turn`, or `stop_sequence` when the upstream named one of the request's stop
 * sequences or the text ends with one (the longest that matches; OpenAI itself never says which,
 * and leaves the sequence out of the text, so an OpenAI upstream's answers are `end_turn`);
 * `stop` or `tool_calls` with tool calls in the answer is `tool_use`; `length` is `max_tokens`,
 * `content_filter` is `refusal`; an unknown reason is `end_turn` and a missing one stays null.
 */
export function anthropicStopReason(
  finishReason: string | null | undefined,
  facts: StopFacts,
): { stop_reason: AnthropicStopReason | null; stop_sequence: string | null } {
  if (finishReason === null || finishReason === undefined) {
    return { stop_reason: null, stop_sequence: null };
  }
  const reason = STOP_REASONS[finishReason] ?? "end_turn";
  if (facts.hasToolCalls && (reason === "end_turn" || reason === "tool_use")) {
    return { stop_reason: "tool_use", stop_sequence: null };
  }
  if (finishReason === "stop") {
    const sequence = matchedStopSequence(facts);
    if (sequence !== undefined) return { stop_reason: "stop_sequence", stop_sequence: sequence };
  }
  return { stop_reason: reason, stop_sequence: null };
}

/** The request's stop sequence the answer stopped on, if one can be told (see above). */
function matchedStopSequence(facts: StopFacts): string | undefined {
  const { stopSequences, matched, text } = facts;
  if (stopSequences.length === 0) return undefined;
  if (typeof matched === "string" && stopSequences.includes(matched)) return matched;
  let found: string | undefined;
  for (const sequence of stopSequences) {
    if (sequence === "" || !text.endsWith(sequence)) continue;
    if (found === undefined || sequence.length > found.length) found = sequence;
  }
  return found;
}

/** How many of the prompt tokens were read from a cache (`prompt_tokens_details.cached_tokens`). */
function cachedTokensOf(usage: Usage): number {
  const cached = usage.prompt_tokens_details?.cached_tokens;
  return typeof cached === "number" && cached > 0 ? cached : 0;
}

/**
 * OpenAI usage in Anthropic's counts: `input_tokens` is the prompt tokens less the cached ones
 * (Anthropic counts cache reads apart), `cache_read_input_tokens` the cached ones, and
 * `cache_creation_input_tokens` 0 (OpenAI's usage does not say what was written to a cache: those
 * tokens stay in `input_tokens`). A count the upstream did not give is 0.
 */
export function anthropicUsage(usage: Usage | null | undefined): AnthropicUsage {
  if (!usage) {
    return {
      input_tokens: 0,
      output_tokens: 0,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    };
  }
  const cached = cachedTokensOf(usage);
  return {
    input_tokens: Math.max(0, (usage.prompt_tokens ?? 0) - cached),
    output_tokens: usage.completion_tokens ?? 0,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: cached,
  };
}

/** The text of a message's content (a string, or its text parts joined) and its refusal. */
function textAndRefusalOf(message: ResponseMessage): { text: string; refusal: string } {
  let text = "";
  let refusal = typeof message.refusal === "string" ? message.refusal : "";
  const content = message.content;
  if (typeof content === "string") text = content;
  else if (Array.isArray(content)) {
    for (const part of content) {
      if (part.type === "text") text += part.text;
      else if (part.type === "refusal") refusal += part.refusal;
    }
  }
  return { text, refusal };
}

/**
 * An OpenAI-shaped chat answer (its first choice) as Anthropic's Message, under the model name
 * the client asked for. Blocks come in Anthropic's order: thinking (`reasoning_content`), text,
 * then one tool_use per tool call. A refusal (OpenAI's `refusal`) is given as text, with stop
 * reason `refusal`. `stopSequences` are the request's, for telling `stop_sequence` from
 * `end_turn` (see `anthropicStopReason`); the text is left as the upstream gave it.
 */
export function toAnthropicMessage(
  response: ChatResponse,
  requestedModel: string,
  stopSequences: readonly string[] = [],
): AnthropicMessage {
  const choice = response.choices[0];
  const content: AnthropicContentBlock[] = [];
  let stop: ReturnType<typeof anthropicStopReason> = { stop_reason: null, stop_sequence: null };
  if (choice !== undefined) {
    const message = choice.message;
    const reasoning = (message as { reasoning_content?: unknown }).reasoning_content;
    if (typeof reasoning === "string" && reasoning !== "") {
      content.push({ type: "thinking", thinking: reasoning, signature: "" });
    }
    const { text, refusal } = textAndRefusalOf(message);
    if (text !== "") content.push({ type: "text", text });
    if (refusal !== "") content.push({ type: "text", text: refusal });
    const toolCalls = message.tool_calls ?? [];
    for (const call of toolCalls) {
      content.push({
        type: "tool_use",
        id: call.id === "" ? freshId("toolu") : call.id,
        name: call.function.name,
        input: toolInputOf(call.function.arguments),
      });
    }
    stop = refusal !== ""
      ? { stop_reason: "refusal", stop_sequence: null }
      : anthropicStopReason(choice.finish_reason, {
        hasToolCalls: toolCalls.length > 0,
        text,
        stopSequences,
        matched: (choice as { stop_reason?: unknown }).stop_reason,
      });
  }
  return {
    id: anthropicMessageId(response.id),
    type: "message",
    role: "assistant",
    model: requestedModel,
    content,
    ...stop,
    usage: anthropicUsage(response.usage),
  };
}
