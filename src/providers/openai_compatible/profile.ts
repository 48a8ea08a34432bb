/**
 * What sets one OpenAI-compatible server apart from another, as data: which operations it has,
 * how it reports usage in streams, and the parameters it names differently or lacks. Applying a
 * profile to a request body is done here, by small functions that return their warnings.
 */
import type { TranslationWarning } from "../../core/provider.ts";

/** A path of the OpenAI API. */
export type OpenAIPath = "chat/completions" | "completions" | "embeddings";

/** A request body on its way upstream (a shallow copy the rewrites may change). */
export type WireBody = Record<string, unknown>;

/**
 * How a server reports token usage at the end of a stream:
 * - `request`: only when asked with `stream_options.include_usage` (OpenAI, vLLM, Ollama, Groq);
 * - `automatic`: always, in the last chunk, and `stream_options` is not sent (Mistral, Together);
 * - `unavailable`: never (old Azure API versions); a client's request for it is warned about.
 */
export type StreamUsage = "request" | "automatic" | "unavailable";

/** How a provider serves `llm/v1/completions`. */
export type CompletionsMode =
  /** POST {base}/completions */
  | "native"
  /** the prompt as one user message to chat/completions, the answer's text back */
  | "via-chat"
  /** not at all (501) */
  | "none";

/** A body rewrite with control flow (a named, tested function); returns its warnings. */
export type BodyRewrite = (body: WireBody) => TranslationWarning[];

/** The differences of one path of one server. */
export interface PathQuirks {
  /** Parameters the server names differently: OpenAI's name → the server's. */
  renames?: Readonly<Record<string, string>>;
  /** Parameters the server rejects or ignores: dropped with a warning giving the reason. */
  unsupported?: Readonly<Record<string, string>>;
  /** Rewrites run after renames and drops, in order. */
  rewrites?: readonly BodyRewrite[];
}

/** One OpenAI-compatible server's behaviour. */
export interface WireProfile {
  completions: CompletionsMode;
  embeddings: boolean;
  streamUsage: StreamUsage;
  quirks: Readonly<Partial<Record<OpenAIPath, PathQuirks>>>;
}

/** OpenAI's own API: everything native, nothing to rewrite. */
export const OPENAI_PROFILE: WireProfile = {
  completions: "native",
  embeddings: true,
  streamUsage: "request",
  quirks: {},
};

function present(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/**
 * Renames parameters (`seed` → `random_seed`); when the client already sent the target name,
 * the OpenAI-named one is dropped with a warning.
 */
export function applyRenames(
  body: WireBody,
  renames: Readonly<Record<string, string>>,
): TranslationWarning[] {
  const warnings: TranslationWarning[] = [];
  for (const [from, to] of Object.entries(renames)) {
    if (!(from in body)) continue;
    const value = body[from];
    delete body[from];
    if (!present(value)) continue;
    if (present(body[to])) {
      warnings.push({
        type: "unsupported",
        param: from,
        message: `'${from}' was dropped: '${to}' was also given and is used instead`,
      });
      continue;
    }
    body[to] = value;
  }
  return warnings;
}

/** Drops parameters the server lacks, one warning for each that had a value. */
export function dropUnsupported(
  body: WireBody,
  unsupported: Readonly<Record<string, string>>,
): TranslationWarning[] {
  const warnings: TranslationWarning[] = [];
  for (const [param, reason] of Object.entries(unsupported)) {
    if (!(param in body)) continue;
    const value = body[param];
    delete body[param];
    if (present(value)) warnings.push({ type: "unsupported", param, message: reason });
  }
  return warnings;
}

/** Applies a path's quirks to `body` in place: renames, drops, then rewrites. */
export function applyQuirks(body: WireBody, quirks: PathQuirks | undefined): TranslationWarning[] {
  if (quirks === undefined) return [];
  return [
    ...applyRenames(body, quirks.renames ?? {}),
    ...dropUnsupported(body, quirks.unsupported ?? {}),
    ...(quirks.rewrites ?? []).flatMap((rewrite) => rewrite(body)),
  ];
}

/**
 * Removes `key` only when the body has it: a `delete` turns a JSC object into a slower
 * dictionary, and most bodies never carry the stream fields.
 */
export function deleteIfPresent(body: WireBody, key: string): void {
  if (Object.hasOwn(body, key)) delete body[key];
}

/**
 * Sets `stream`/`stream_options` for the call: a stream asks for usage where the server needs
 * asking, and a plain call carries neither field.
 */
export function applyStreamFields(
  body: WireBody,
  stream: boolean,
  usage: StreamUsage,
): TranslationWarning[] {
  const given = body.stream_options as Record<string, unknown> | null | undefined;
  deleteIfPresent(body, "stream_options");
  if (!stream) {
    deleteIfPresent(body, "stream");
    return [];
  }
  body.stream = true;
  if (usage === "request") {
    body.stream_options = { ...(given ?? {}), include_usage: true };
    return [];
  }
  if (usage === "unavailable" && given?.include_usage === true) {
    return [{
      type: "unsupported",
      param: "stream_options.include_usage",
      message: "this endpoint's API version does not report token usage in streams",
    }];
  }
  return [];
}
