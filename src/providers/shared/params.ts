/** Request-field bookkeeping the provider translations share: known keys, extras, common warnings. */
import type { TranslationWarning } from "../../core/provider.ts";
import type { ChatRequest } from "../../schemas/chat.ts";
import { SAMPLING_FIELD_KEYS, type SamplingParameter } from "../../schemas/common.ts";

/** The canonical sampling and length fields of a chat or completions request. */
export type SamplingFields = Pick<ChatRequest, SamplingParameter>;

/**
 * The sampling fields a chat or completions translation reads, plus the ones the gateway handles
 * itself (the URL or a flag says whether to stream, usage always comes back, the model is config):
 * every field of the schema's `samplingFields` but `user`, which these translations do not send,
 * so that `copyExtras` warns about it.
 */
export const SAMPLING_KEYS: readonly string[] = SAMPLING_FIELD_KEYS.filter((key) => key !== "user");

/** The fields only a chat request has, read by every chat translation. */
export const CHAT_ONLY_KEYS: readonly string[] = [
  "messages",
  "tools",
  "tool_choice",
  "parallel_tool_calls",
  "response_format",
];

/** How `copyExtras` treats the fields of a request its translation does not read. */
export interface ExtrasPolicy {
  /** The provider's name, as the warnings say it. */
  provider: string;
  /** Fields the translation reads (or ignores on purpose): never copied, never warned about. */
  known: ReadonlySet<string>;
  /** Provider-native fields a client may send as extras: copied into the target unchanged. */
  passthrough?: ReadonlySet<string>;
  /** Values that ask for nothing and pass quietly (undefined always does). */
  asksForNothing?: (value: unknown) => boolean;
}

/** Copies a request's passthrough fields into `target` and warns about every other unknown one. */
export function copyExtras(
  request: object,
  policy: ExtrasPolicy,
  target: Record<string, unknown>,
  warnings: TranslationWarning[],
): void {
  for (const [key, value] of Object.entries(request)) {
    if (value === undefined || policy.known.has(key)) continue;
    if (policy.asksForNothing?.(value)) continue;
    if (policy.passthrough?.has(key)) {
      target[key] = value;
      continue;
    }
    warnings.push({
      type: "unsupported",
      param: key,
      message: `${policy.provider} has no equivalent of '${key}'; it was not sent`,
    });
  }
}

/** Whether a value is null or false, which asks for nothing. */
export function isNullOrFalse(value: unknown): boolean {
  return value === null || value === false;
}

/** Warns that the provider answers with one choice when `n` asks for more. */
export function warnSingleChoice(
  provider: string,
  n: number | undefined,
  warnings: TranslationWarning[],
): void {
  if (n !== undefined && n > 1) {
    warnings.push({
      type: "unsupported",
      param: "n",
      message: `${provider} returns one choice per request; n=${n} gave 1`,
    });
  }
}

/** `stop` as a list of sequences (a bare string is one sequence). */
export function stopList(stop: ChatRequest["stop"]): string[] | undefined {
  return stop === undefined ? undefined : typeof stop === "string" ? [stop] : stop;
}
