/**
 * Body rewrites with control flow, named after what they do; presets list them as data.
 * Each changes the body in place and returns a warning for anything it could not honour.
 */
import type { TranslationWarning } from "../../core/provider.ts";
import type { BodyRewrite, WireBody } from "./profile.ts";

type Message = Record<string, unknown>;

function messagesOf(body: WireBody): Message[] {
  return Array.isArray(body.messages)
    ? body.messages.filter((m): m is Message => m !== null && typeof m === "object")
    : [];
}

function meaningful(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (Array.isArray(value)) return value.length > 0;
  return true;
}

/** `developer` messages become `system` ones, for servers that know only the older role. */
export const developerAsSystem: BodyRewrite = (body) => {
  if (!Array.isArray(body.messages)) return [];
  body.messages = (body.messages as unknown[]).map((m) =>
    m !== null && typeof m === "object" && (m as Message).role === "developer"
      ? { ...(m as Message), role: "system" }
      : m
  );
  return [];
};

/**
 * Keeps only `allowed` fields in each message, for servers that reject unknown ones (the
 * `refusal: null` an SDK echoes back with an assistant message); a field that carried a value
 * is warned about once.
 */
export function keepMessageFields(allowed: readonly string[]): BodyRewrite {
  const keep = new Set(allowed);
  return (body) => {
    if (!Array.isArray(body.messages)) return [];
    const dropped = new Set<string>();
    body.messages = (body.messages as unknown[]).map((m) => {
      if (m === null || typeof m !== "object") return m;
      const out: Message = {};
      for (const [key, value] of Object.entries(m as Message)) {
        if (keep.has(key)) out[key] = value;
        else if (meaningful(value)) dropped.add(key);
      }
      return out;
    });
    return [...dropped].map((field) => ({
      type: "unsupported" as const,
      param: `messages[].${field}`,
      message: `this provider does not accept '${field}' on messages; it was removed`,
    }));
  };
}

/**
 * Removes `field` from every message (copies: the client's request is shared with retries and
 * fallbacks), with one warning if any message had it.
 */
export function stripMessageField(field: string, reason: string): BodyRewrite {
  return (body) => {
    if (!messagesOf(body).some((m) => field in m)) return [];
    let found = false;
    body.messages = (body.messages as unknown[]).map((m) => {
      if (m === null || typeof m !== "object" || !(field in m)) return m;
      const { [field]: value, ...rest } = m as Message;
      if (meaningful(value)) found = true;
      return rest;
    });
    return found ? [{ type: "unsupported", param: `messages[].${field}`, message: reason }] : [];
  };
}

/** Lowers `param` to `max` (with a warning) when the server accepts no more. */
export function clampParam(param: string, max: number, reason: string): BodyRewrite {
  return (body) => {
    const value = body[param];
    if (typeof value !== "number" || value <= max) return [];
    body[param] = max;
    return [{ type: "clamped", param, message: `${param} ${value} lowered to ${max}: ${reason}` }];
  };
}

/**
 * Together AI's `logprobs` is the number of top tokens (0-20), not OpenAI's boolean plus
 * `top_logprobs`: `top_logprobs: n` becomes `logprobs: n` (as MLflow does), `logprobs: true`
 * alone becomes `logprobs: 1`, `logprobs: false` is dropped.
 */
export const togetherLogprobs: BodyRewrite = (body) => {
  const warnings: TranslationWarning[] = [];
  const top = body.top_logprobs;
  delete body.top_logprobs;
  if (typeof top === "number") {
    if (body.logprobs === false) {
      warnings.push({
        type: "unsupported",
        param: "top_logprobs",
        message: "top_logprobs was dropped because logprobs is false",
      });
      delete body.logprobs;
    } else body.logprobs = top;
  } else if (body.logprobs === true) body.logprobs = 1;
  else if (body.logprobs === false) delete body.logprobs;
  return [
    ...warnings,
    ...clampParam("logprobs", 20, "Together AI returns at most 20 log probabilities")(body),
  ];
};

/** Groq generates one choice per request: `n` above 1 is lowered to 1. */
export const singleChoice: BodyRewrite = clampParam(
  "n",
  1,
  "this provider returns a single choice per request",
);

/**
 * DeepSeek serves its FIM completions under `/beta` beside `/v1`: the `completions` URL for a
 * base of `https://api.deepseek.com` or `https://api.deepseek.com/v1`.
 */
export function deepseekBetaUrl(base: string): string {
  const root = base.replace(/\/+$/, "").replace(/\/(v1|beta)$/, "");
  return `${root}/beta/completions`;
}
