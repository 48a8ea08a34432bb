/**
 * A completions prompt for providers that read text. OpenAI's `/v1/completions` also takes the
 * prompt as token ids; only servers with an OpenAI-style `/completions` of their own read those
 * (they are relayed there as sent), every other provider refuses them clearly.
 */
import { InvalidRequestError } from "../../core/errors.ts";
import type { CompletionsRequest } from "../../schemas/completions.ts";

/** The prompt's text, or a 400 naming the provider when the prompt is token ids. */
export function promptText(request: CompletionsRequest, provider: string): string {
  const prompt = request.prompt;
  if (typeof prompt === "string") return prompt;
  throw new InvalidRequestError(
    `'prompt' is a list of token ids, which ${provider} endpoints do not take (they read text, ` +
      "and token ids mean nothing outside the tokenizer they came from); send the prompt as " +
      "a string, or call an endpoint whose server has an OpenAI-style /completions API",
    { param: "prompt", code: "unsupported_parameter" },
  );
}
