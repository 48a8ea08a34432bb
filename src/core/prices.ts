/**
 * What a request cost: the built-in price table (USD per million tokens, as the providers
 * publish them) or an endpoint's own `model.cost`. A model in neither has no price, and its
 * requests a null cost: unknown, never guessed.
 */
import type { Cost, ProviderName } from "../config/schema.ts";
import type { RecordUsage } from "./request_record.ts";

/** The day the table was last checked against the providers' price pages. */
export const PRICES_CHECKED = "2026-11-30";

/** [input, output, cached input] in USD per million tokens. */
type Row = readonly [number, number, number?];

const OPENAI: Record<string, Row> = {
  "gpt-5": [1.25, 10, 0.125],
  "gpt-5-mini": [0.25, 2, 0.025],
  "gpt-5-nano": [0.05, 0.4, 0.005],
  "gpt-4.1": [2, 8, 0.5],
  "gpt-4.1-mini": [0.4, 1.6, 0.1],
  "gpt-4.1-nano": [0.1, 0.4, 0.025],
  "gpt-4o": [2.5, 10, 1.25],
  "gpt-4o-mini": [0.15, 0.6, 0.075],
  "gpt-4-turbo": [10, 30],
  "gpt-3.5-turbo": [0.5, 1.5],
  "o1": [15, 60, 7.5],
  "o3": [2, 8, 0.5],
  "o3-mini": [1.1, 4.4, 0.55],
  "o4-mini": [1.1, 4.4, 0.275],
  "text-embedding-3-small": [0.02, 0],
  "text-embedding-3-large": [0.13, 0],
  "text-embedding-ada-002": [0.1, 0],
};

const ANTHROPIC: Record<string, Row> = {
  "claude-opus-4-5": [5, 25, 0.5],
  "claude-opus-4-1": [15, 75, 1.5],
  "claude-opus-4": [15, 75, 1.5],
  "claude-sonnet-4-5": [3, 15, 0.3],
  "claude-sonnet-4": [3, 15, 0.3],
  "claude-haiku-4-5": [1, 5, 0.1],
  "claude-3-7-sonnet": [3, 15, 0.3],
  "claude-3-5-sonnet": [3, 15, 0.3],
  "claude-3-5-haiku": [0.8, 4, 0.08],
  "claude-3-opus": [15, 75, 1.5],
  "claude-3-haiku": [0.25, 1.25, 0.03],
};

const GEMINI: Record<string, Row> = {
  "gemini-2.5-pro": [1.25, 10, 0.125],
  "gemini-2.5-flash": [0.3, 2.5, 0.03],
  "gemini-2.5-flash-lite": [0.1, 0.4, 0.01],
  "gemini-2.0-flash": [0.1, 0.4, 0.025],
  "gemini-2.0-flash-lite": [0.075, 0.3],
  "gemini-embedding-001": [0.15, 0],
  "text-embedding-004": [0, 0],
};

const MISTRAL: Record<string, Row> = {
  "mistral-large": [2, 6],
  "mistral-medium": [0.4, 2],
  "mistral-small": [0.1, 0.3],
  "codestral": [0.3, 0.9],
  "open-mistral-nemo": [0.15, 0.15],
  "mistral-embed": [0.1, 0],
};

const COHERE: Record<string, Row> = {
  "command-a": [2.5, 10],
  "command-r-plus": [2.5, 10],
  "command-r7b": [0.0375, 0.15],
  "command-r": [0.15, 0.6],
  "embed-english-v3.0": [0.1, 0],
  "embed-multilingual-v3.0": [0.1, 0],
  "embed-v4.0": [0.12, 0],
};

/** Bedrock model ids are matched without their vendor and region prefixes. */
const BEDROCK: Record<string, Row> = {
  ...ANTHROPIC,
  "nova-premier": [2.5, 12.5],
  "nova-pro": [0.8, 3.2, 0.2],
  "nova-lite": [0.06, 0.24, 0.015],
  "nova-micro": [0.035, 0.14, 0.00875],
  "titan-embed-text-v2": [0.02, 0],
  "titan-embed-text-v1": [0.1, 0],
  "llama3-3-70b-instruct": [0.72, 0.72],
  "llama3-1-8b-instruct": [0.22, 0.22],
};

const DEEPSEEK: Record<string, Row> = {
  "deepseek-chat": [0.27, 1.1, 0.07],
  "deepseek-reasoner": [0.55, 2.19, 0.14],
};

const XAI: Record<string, Row> = {
  "grok-4": [3, 15, 0.75],
  "grok-3-mini": [0.3, 0.5, 0.075],
  "grok-3": [3, 15, 0.75],
};

const GROQ: Record<string, Row> = {
  "llama-3.3-70b-versatile": [0.59, 0.79],
  "llama-3.1-8b-instant": [0.05, 0.08],
};

const TABLE: Partial<Record<ProviderName, Record<string, Row>>> = {
  openai: OPENAI,
  azure: OPENAI,
  anthropic: ANTHROPIC,
  gemini: GEMINI,
  bedrock: BEDROCK,
  mistral: MISTRAL,
  cohere: COHERE,
  deepseek: DEEPSEEK,
  xai: XAI,
  groq: GROQ,
};

/** A price in USD per token (the table's per-million figures divided once). */
export interface Price {
  input: number;
  output: number;
  cachedInput: number;
}

function perToken(cost: Cost): Price {
  return {
    input: cost.input / 1e6,
    output: cost.output / 1e6,
    cachedInput: (cost.cached_input ?? cost.input) / 1e6,
  };
}

/** A Bedrock model id without its region (`us.`) and vendor (`anthropic.`) prefixes. */
function bareBedrockId(model: string): string {
  return model.replace(/^(?:[a-z]{2}|global|apac)\./, "").replace(/^[a-z0-9-]+\./, "");
}

/**
 * What may follow a table entry's name in a model id of the same model: a date or `latest`,
 * then a version (`-v1:0`). Anything else (`-mini`, `-audio-preview`, `-6`) is another model.
 */
const SAME_MODEL_SUFFIX = /^(?:-(?:latest|\d{4,}(?:-\d{2}){0,2}))?(?:-v\d+(?::\d+)?|:\d+)?$/;

/**
 * The price of `model` on `provider`: the endpoint's own `cost` when given, else the table's
 * entry for the model id (dated versions such as `gpt-4o-2024-08-06` take their model's
 * price); undefined when unknown. The mock provider is free.
 */
export function priceOf(
  provider: ProviderName,
  model: string | null,
  own: Cost | null,
): Price | undefined {
  if (own !== null) return perToken(own);
  if (provider === "mock") return { input: 0, output: 0, cachedInput: 0 };
  const table = TABLE[provider];
  if (table === undefined || model === null) return undefined;
  const id = provider === "bedrock" ? bareBedrockId(model) : model.replace(/^models\//, "");
  let best: string | undefined;
  for (const name of Object.keys(table)) {
    if (!id.startsWith(name) || !SAME_MODEL_SUFFIX.test(id.slice(name.length))) continue;
    if (best === undefined || name.length > best.length) best = name;
  }
  if (best === undefined) return undefined;
  const [input, output, cached] = table[best] as Row;
  return perToken({ input, output, ...(cached === undefined ? {} : { cached_input: cached }) });
}

/** The USD cost of `usage` at `price`: cached prompt tokens at their own rate. */
export function costOf(usage: RecordUsage, price: Price): number {
  const cached = Math.min(usage.cached, usage.prompt);
  return (usage.prompt - cached) * price.input + cached * price.cachedInput +
    usage.completion * price.output;
}
