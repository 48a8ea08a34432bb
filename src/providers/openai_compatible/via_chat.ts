/**
 * `llm/v1/completions` served by a server's chat API, for servers without `/completions`
 * (Mistral, Groq): the prompt becomes one user message, the answer's text comes back as the
 * completion (MLflow's Mistral mapping, without its temperature scaling and with `stop`/`n` kept).
 */
import type { StreamParser, TranslationWarning } from "../../core/provider.ts";
import type { ChatChunk, ChatResponse } from "../../schemas/chat.ts";
import type {
  CompletionsChunk,
  CompletionsRequest,
  CompletionsResponse,
} from "../../schemas/completions.ts";
import type { WireBody } from "./profile.ts";
import { promptText } from "../shared/prompt.ts";

/** Completion-only parameters that chat APIs have no equivalent for. */
const COMPLETION_ONLY: Readonly<Record<string, string>> = {
  suffix: "chat APIs have no suffix (fill-in-the-middle); it was dropped",
  best_of: "chat APIs have no best_of; it was dropped",
  logprobs: "completion log probabilities cannot be requested through the chat API; dropped",
};

/** The chat body for a completions request, and warnings for what chat cannot express. */
export function completionsToChat(
  request: CompletionsRequest,
  provider: string,
): { body: WireBody; warnings: TranslationWarning[] } {
  const { prompt: _prompt, echo, ...rest } = request;
  const warnings: TranslationWarning[] = [];
  const content = promptText(request, provider);
  const body: WireBody = { messages: [{ role: "user", content }] };
  for (const [key, value] of Object.entries(rest)) {
    const reason = COMPLETION_ONLY[key];
    if (reason === undefined) body[key] = value;
    else if (value !== undefined && value !== null) {
      warnings.push({ type: "unsupported", param: key, message: reason });
    }
  }
  if (echo === true) {
    warnings.push({
      type: "unsupported",
      param: "echo",
      message: "the prompt cannot be echoed through the chat API; only the answer is returned",
    });
  }
  return { body, warnings };
}

function textOf(content: ChatResponse["choices"][number]["message"]["content"]): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content.map((part) => (part.type === "text" ? part.text : "")).join("");
  }
  return "";
}

/** A chat completion read back as a text completion. */
export function chatToCompletions(chat: ChatResponse): CompletionsResponse {
  return {
    id: chat.id,
    object: "text_completion",
    created: chat.created,
    model: chat.model,
    choices: chat.choices.map((choice) => ({
      index: choice.index,
      text: textOf(choice.message.content),
      finish_reason: choice.finish_reason,
    })),
    usage: chat.usage,
  };
}

/** One chat chunk as a completions chunk; role-only chunks (no text, no finish) give none. */
export function chatChunkToCompletions(chunk: ChatChunk): CompletionsChunk | undefined {
  const choices = chunk.choices
    .map((choice) => ({
      index: choice.index,
      text: choice.delta.content ?? "",
      finish_reason: choice.finish_reason,
    }))
    .filter((choice) => choice.text !== "" || choice.finish_reason !== null);
  if (choices.length === 0 && chunk.choices.length > 0) return undefined;
  const out: CompletionsChunk = {
    id: chunk.id,
    object: "text_completion",
    created: chunk.created,
    model: chunk.model,
    choices,
  };
  if (chunk.usage) out.usage = chunk.usage;
  return out;
}

/** Wraps a chat stream parser so that it yields completions chunks. */
export function completionsViaChatParser(
  chat: StreamParser<ChatChunk>,
): StreamParser<CompletionsChunk> {
  const convert = (chunks: ChatChunk[]) =>
    chunks.map(chatChunkToCompletions).filter((c): c is CompletionsChunk => c !== undefined);
  return {
    push: (event) => convert(chat.push(event)),
    end: () => convert(chat.end()),
    finished: () => chat.finished?.() ?? false,
  };
}
