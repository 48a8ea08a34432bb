/**
 * The config file's schema: the single source of truth for config types, the provider list,
 * `validate` and the README's config reference. MLflow AI Gateway YAML loads unchanged; our
 * additions (`server:`, timeouts, retries, FALLBACK routes, token limits) are optional.
 */
import { z } from "zod";

export const ENDPOINT_TYPES = ["llm/v1/chat", "llm/v1/completions", "llm/v1/embeddings"] as const;
export type EndpointType = (typeof ENDPOINT_TYPES)[number];

/** Every provider name a config may use. The registry maps each to an implementation. */
export const PROVIDER_NAMES = [
  "openai",
  "azure",
  "anthropic",
  "gemini",
  "bedrock",
  "mistral",
  "cohere",
  "togetherai",
  "huggingface-text-generation-inference",
  "mlflow-model-serving",
  "groq",
  "deepseek",
  "xai",
  "fireworks",
  "openrouter",
  "ollama",
  "vllm",
  "palm",
  "mosaicml",
  "ai21labs",
  "mock",
] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

/** Other spellings accepted for a provider (MLflow matches names case-insensitively, `-` = `_`). */
export const PROVIDER_ALIASES: Readonly<Record<string, ProviderName>> = {
  "amazon-bedrock": "bedrock",
};

/** Names used in URLs: letters, digits, `-`, `_` and `.` (MLflow 3.9's rule). */
export const NAME_PATTERN = /^[a-zA-Z0-9_\-.]+$/;

const RENEWAL_PERIOD = /^\s*(\d+\s*)?(second|minute|hour|day|month|year)s?\s*$/i;

const Name = z.string().min(1).regex(NAME_PATTERN, {
  message: "a name may contain only letters, digits, '-', '_' and '.'",
});

/** Resolves a provider as written in a config to its canonical name, if known. */
export function canonicalProvider(written: string): ProviderName | undefined {
  const key = written.trim().toLowerCase().replaceAll("_", "-");
  if ((PROVIDER_NAMES as readonly string[]).includes(key)) return key as ProviderName;
  return PROVIDER_ALIASES[key];
}

const Provider = z.string().transform((value, ctx) => {
  const name = canonicalProvider(value);
  if (name === undefined) {
    ctx.addIssue({
      code: "custom",
      message: `unknown provider '${value}'`,
      params: { candidates: [...PROVIDER_NAMES, ...Object.keys(PROVIDER_ALIASES)], value },
    });
    return z.NEVER;
  }
  return name;
});

/** MLflow's `limit` (`calls` per `renewal_period`), plus an optional token budget. */
export const Limit = z.strictObject({
  calls: z.number().int().positive().optional(),
  tokens: z.number().int().positive().optional(),
  renewal_period: z.string().regex(RENEWAL_PERIOD, {
    message: "renewal_period must be like 'minute', '5 minutes', 'hour' or 'day'",
  }),
  /** `client_ip` counts per client address; unset (or any other value) counts per endpoint. */
  key: z.string().nullable().optional(),
}).refine((limit) => limit.calls !== undefined || limit.tokens !== undefined, {
  message: "a limit needs 'calls' or 'tokens' (or both)",
});
export type Limit = z.infer<typeof Limit>;

/** Seconds in one renewal period such as `minute` or `5 minutes`. */
export function renewalPeriodSeconds(period: string): number {
  const match = RENEWAL_PERIOD.exec(period);
  if (!match) throw new Error(`invalid renewal_period '${period}'`);
  const multiple = match[1] ? Number(match[1].trim()) : 1;
  const unit: Record<string, number> = {
    second: 1,
    minute: 60,
    hour: 3600,
    day: 86400,
    month: 30 * 86400,
    year: 365 * 86400,
  };
  return multiple * (unit[(match[2] ?? "").toLowerCase()] ?? 1);
}

const Seconds = z.number().positive().max(86400);

/** Per-endpoint reliability settings, also usable as server-wide defaults. */
const ReliabilityFields = {
  /** Seconds until the upstream's first byte. */
  timeout_seconds: Seconds.optional(),
  /** Seconds allowed between two stream chunks (and for an answer's body after its headers). */
  idle_timeout_seconds: Seconds.optional(),
  /** Extra attempts on retryable failures. */
  retries: z.number().int().min(0).max(10).optional(),
};

export const ModelSpec = z.strictObject({
  provider: Provider,
  name: z.string().nullable().optional(),
  /** Provider-specific keys; checked by that provider's own schema (unknown keys warn). */
  config: z.record(z.string(), z.unknown()).nullable().optional(),
});

export const EndpointSpec = z.strictObject({
  name: Name,
  endpoint_type: z.enum(ENDPOINT_TYPES),
  model: ModelSpec,
  limit: Limit.nullable().optional(),
  ...ReliabilityFields,
});
export type EndpointSpec = z.infer<typeof EndpointSpec>;

export const ROUTING_STRATEGIES = ["TRAFFIC_SPLIT", "FALLBACK"] as const;

export const RouteSpec = z.strictObject({
  name: Name,
  task_type: z.enum(ENDPOINT_TYPES),
  destinations: z.array(z.strictObject({
    name: z.string().min(1),
    traffic_percentage: z.number().int().min(0).max(100).optional(),
  })).min(1),
  routing_strategy: z.enum(ROUTING_STRATEGIES).default("TRAFFIC_SPLIT"),
});
export type RouteSpec = z.infer<typeof RouteSpec>;

export const DEFAULTS = {
  max_body_bytes: 10 * 1024 * 1024,
  max_upstream_answer_bytes: 32 * 1024 * 1024,
  max_upstream_error_bytes: 64 * 1024,
  max_upstream_event_bytes: 4 * 1024 * 1024,
  timeout_seconds: 300,
  idle_timeout_seconds: 60,
  retries: 2,
} as const;

export const ServerSpec = z.strictObject({
  /** Shared state (rate-limit counters) across gateway instances; in memory when unset. */
  redis_url: z.string().regex(/^rediss?:\/\//, {
    message: "redis_url must start with redis:// or rediss://",
  })
    .optional(),
  /** Largest request body accepted, in bytes (413 above it). */
  max_body_bytes: z.number().int().min(1024).max(1024 ** 3).default(DEFAULTS.max_body_bytes),
  /** Largest complete upstream answer read, in bytes after decompression (502 above it). */
  max_upstream_answer_bytes: z.number().int().min(1024).max(1024 ** 3).default(
    DEFAULTS.max_upstream_answer_bytes,
  ),
  /** Most of an upstream error body read, in bytes after decompression; the rest is dropped. */
  max_upstream_error_bytes: z.number().int().min(1024).max(16 * 1024 ** 2).default(
    DEFAULTS.max_upstream_error_bytes,
  ),
  /** Largest line or event of an upstream stream (SSE, NDJSON, AWS event stream message). */
  max_upstream_event_bytes: z.number().int().min(1024).max(256 * 1024 ** 2).default(
    DEFAULTS.max_upstream_event_bytes,
  ),
  /** A longer Retry-After from upstream is not waited for: the 429 goes to the client. */
  max_retry_after_seconds: z.number().min(0).max(3600).default(10),
  /** On SIGTERM/SIGINT, how long in-flight requests and streams may take to finish. */
  shutdown_grace_seconds: z.number().min(0).max(3600).default(30),
  /** Consecutive failed upstream attempts that open an endpoint's circuit, and for how long. */
  circuit_breaker: z.strictObject({
    failures: z.number().int().min(1).max(1000).default(5),
    cooldown_seconds: z.number().positive().max(3600).default(30),
  }).default({ failures: 5, cooldown_seconds: 30 }),
  defaults: z.strictObject(ReliabilityFields).default({}),
});
export type ServerSpec = z.infer<typeof ServerSpec>;

export const GatewayConfigSpec = z.strictObject({
  endpoints: z.array(EndpointSpec),
  routes: z.array(RouteSpec).optional(),
  server: ServerSpec.default(ServerSpec.parse({})),
});
export type GatewayConfigSpec = z.infer<typeof GatewayConfigSpec>;
