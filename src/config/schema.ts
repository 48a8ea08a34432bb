/**
 * The config file's schema: the single source of truth for config types, the provider list,
 * `validate` and the config reference (`docs/config.md`, written from the `.describe()` texts
 * and defaults here by `deno task docs`). MLflow AI Gateway YAML loads unchanged; our additions
 * (`server:`, timeouts, retries, FALLBACK routes, token limits) are optional.
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

/** Resolves a provider as written in a config to its canonical name, if known. */
export function canonicalProvider(written: string): ProviderName | undefined {
  const key = written.trim().toLowerCase().replaceAll("_", "-");
  if ((PROVIDER_NAMES as readonly string[]).includes(key)) return key as ProviderName;
  return PROVIDER_ALIASES[key];
}

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

export const DEFAULTS = {
  max_body_bytes: 10 * 1024 * 1024,
  max_upstream_answer_bytes: 32 * 1024 * 1024,
  max_upstream_error_bytes: 64 * 1024,
  max_upstream_event_bytes: 4 * 1024 * 1024,
  timeout_seconds: 300,
  idle_timeout_seconds: 60,
  retries: 2,
} as const;

export const BUDGET_PERIODS = ["hour", "day", "week", "month"] as const;

export const ROUTING_STRATEGIES = [
  "TRAFFIC_SPLIT",
  "FALLBACK",
  "LEAST_COST",
  "LEAST_LATENCY",
] as const;
export type RoutingStrategy = (typeof ROUTING_STRATEGIES)[number];

/**
 * The schemas, made anew for each use (loading a config, `validate`, the reference, the JSON
 * Schema) and not kept: ~9,000 heap objects that a running server would otherwise hold between
 * reloads and that every full collection would mark (bench/README.md, "Building only what is
 * used"). Building them takes 2-3 ms.
 */
export function configSchemas() {
  const Name = z.string().min(1).regex(NAME_PATTERN, {
    message: "a name may contain only letters, digits, '-', '_' and '.'",
  });

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
  const Limit = z.strictObject({
    calls: z.number().int().positive().optional().describe(
      "requests allowed per `renewal_period` (MLflow's limit)",
    ),
    tokens: z.number().int().positive().optional().describe(
      "usage tokens (the answers' `total_tokens`) allowed per `renewal_period`; once they are " +
        "spent, requests get 429 until the window resets",
    ),
    renewal_period: z.string().regex(RENEWAL_PERIOD, {
      message: "renewal_period must be like 'minute', '5 minutes', 'hour' or 'day'",
    }).describe(
      "the window: `second`, `minute`, `hour`, `day`, `month` or `year`, optionally with a " +
        "count (`5 minutes`)",
    ),
    key: z.string().nullable().optional().describe(
      "`client_ip` counts per client address; unset (or any other value) counts per endpoint, " +
        "across all clients and all paths",
    ),
  }).refine((limit) => limit.calls !== undefined || limit.tokens !== undefined, {
    message: "a limit needs 'calls' or 'tokens' (or both)",
  });

  const Seconds = z.number().positive().max(86400);

  /** The exact answer cache's settings (see core/cache.ts). */
  const CacheSpec = z.strictObject({
    ttl_seconds: z.number().positive().max(30 * 86400).default(300).describe(
      "how long an answer is kept",
    ),
    max_entries: z.number().int().min(1).max(10_000_000).default(1000).describe(
      "answers kept at most (the least recently used go first)",
    ),
    max_bytes: z.number().int().min(1024).default(64 * 1024 * 1024).describe(
      "bytes of answers kept at most",
    ),
    all: z.boolean().default(false).describe(
      "cache every request; by default only deterministic-enough ones (temperature 0 or unset, " +
        "one choice; embeddings always)",
    ),
    semantic: z.strictObject({
      embeddings_endpoint: z.string().min(1).describe(
        "one of this config's embeddings endpoints, which embeds each chat's last user message",
      ),
      threshold: z.number().min(0).max(1).default(0.95).describe(
        "the cosine similarity at or above which a past answer is given (answers say " +
          "`x-gateway-cache-similarity`)",
      ),
    }).optional().describe(
      "chat only, opt-in: also answer a question that means nearly the same as one answered " +
        "before, within the same name called and system prompt (in memory, per process)",
    ),
  }).describe(
    "answer repeated requests from memory: the name called and the request (less `user`, " +
      "`stream`, `stream_options`) make the key; a stream is kept once complete and replayed as a " +
      "stream. Clients skip the lookup with `Cache-Control: no-cache` and the write with " +
      "`no-store`; answers say `x-gateway-cache: hit|miss|bypass`. A hit costs nothing and counts " +
      "against the client key's limit only",
  );

  /**
   * Per-endpoint reliability settings, also usable as server-wide defaults. Their defaults are
   * applied when the config is loaded (`DEFAULTS`), so they are stated here as metadata only.
   */
  const ReliabilityFields = {
    timeout_seconds: Seconds.optional().meta({
      description: "seconds until the upstream's first byte (then 504)",
      default: DEFAULTS.timeout_seconds,
    }),
    idle_timeout_seconds: Seconds.optional().meta({
      description: "seconds allowed between two chunks of a stream, and for a non-streamed " +
        "answer's body after its headers",
      default: DEFAULTS.idle_timeout_seconds,
    }),
    retries: z.number().int().min(0).max(10).optional().meta({
      description: "extra attempts on retryable failures (408, 409, 429, 5xx, timeouts, " +
        "connection errors), with exponential backoff and jitter; never after a stream began",
      default: DEFAULTS.retries,
    }),
  };

  /** USD per million tokens, as providers publish their prices. */
  const Cost = z.strictObject({
    input: z.number().min(0).describe("USD per million prompt (input) tokens"),
    output: z.number().min(0).describe("USD per million completion (output) tokens"),
    cached_input: z.number().min(0).optional().describe(
      "USD per million cached prompt tokens (the input price when unset)",
    ),
  });

  /** A spending cap in USD per calendar period (UTC). */
  const Budget = z.strictObject({
    usd: z.number().positive().describe("USD allowed per period, from the recorded costs"),
    period: z.enum(BUDGET_PERIODS).default("month").describe(
      "the calendar period (UTC) the budget renews: `hour`, `day`, `week` (from Monday) or `month`",
    ),
  });

  const ModelSpec = z.strictObject({
    provider: Provider.describe(
      "a provider name (see the provider keys below); case-insensitive, `-` and `_` alike",
    ),
    name: z.string().nullable().optional().describe("the provider's model id"),
    config: z.record(z.string(), z.unknown()).nullable().optional().describe(
      "the provider's keys, checked by that provider's own schema (below). Unknown keys are " +
        'warnings (MLflow ignores them), with a "did you mean"',
    ),
    cost: Cost.optional().describe(
      "the model's price, overriding the built-in price table (a gateway addition); a model " +
        "in neither has a null cost",
    ),
  });

  const NAME_TEXT =
    "URL-safe name: letters, digits, `-`, `_`, `.`; unique across endpoints and routes";

  const EndpointSpec = z.strictObject({
    name: Name.describe(NAME_TEXT),
    endpoint_type: z.enum(ENDPOINT_TYPES).describe(
      "what the endpoint serves (MLflow 2.x `route_type` is accepted with a warning)",
    ),
    model: ModelSpec.describe("the provider and model the endpoint calls"),
    limit: Limit.nullable().optional().describe(
      "rate limit: `calls` and/or `tokens` per `renewal_period`. Counted per endpoint across all " +
        "clients and all paths (`/v1/*`, both invocation paths and routes together), unless " +
        "`key: client_ip`",
    ),
    budget: Budget.optional().describe(
      "USD the endpoint may spend per period (all clients together); once spent, its requests " +
        "get 429 (a route falls back to its next destination) until the period renews",
    ),
    cache: CacheSpec.optional(),
    ...ReliabilityFields,
  });

  const RouteSpec = z.strictObject({
    name: Name.describe(NAME_TEXT),
    task_type: z.enum(ENDPOINT_TYPES).describe("the endpoint type all destinations share"),
    destinations: z.array(z.strictObject({
      name: z.string().min(1).describe("an endpoint of the route's `task_type`"),
      traffic_percentage: z.number().int().min(0).max(100).optional().describe(
        "this destination's share of requests (TRAFFIC_SPLIT: the percentages sum to 100; " +
          "LEAST_COST and LEAST_LATENCY: breaks ties)",
      ),
    })).min(1).describe("the endpoints the route sends requests to"),
    routing_strategy: z.enum(ROUTING_STRATEGIES).default("TRAFFIC_SPLIT").describe(
      "`TRAFFIC_SPLIT` (one destination per request, picked by weight), `FALLBACK` (in " +
        "order; the next one when the previous fails retryably, is rate-limited, over budget or " +
        "has its circuit open), `LEAST_COST` (the cheapest for this request by the price table: " +
        "its prompt's size and `max_tokens` or the completions seen; then down the cost order as " +
        "FALLBACK) or `LEAST_LATENCY` (the fastest of late, by a moving average of time to first " +
        "chunk for streams and total time otherwise; a share still explores the others)",
    ),
    latency: z.strictObject({
      decay: z.number().gt(0).max(1).default(0.2).describe(
        "the weight of each new observation in the moving average (higher: follows changes faster)",
      ),
      explore: z.number().min(0).max(0.5).default(0.05).describe(
        "the share of requests sent to another destination first, so its figure stays current",
      ),
    }).optional().describe("LEAST_LATENCY's settings"),
    cache: CacheSpec.optional(),
  });

  /** One client key of `server.auth.keys`. */
  const ClientKeySpec = z.strictObject({
    name: Name.describe("the key's name, as records, usage and budgets show it"),
    key: z.string().min(16).optional().describe(
      "the secret clients send: `$VAR`, a file holding it, or the value (at least 16 characters)",
    ),
    key_sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, {
      message: "key_sha256 must be 64 hexadecimal digits (sha256sum of the secret)",
    }).optional().describe("instead of `key`: the SHA-256 of the secret, in hex"),
    admin: z.boolean().default(false).describe(
      "may also use `/metrics`, the usage API and the admin API (keys)",
    ),
    endpoints: z.array(z.string().min(1)).optional().describe(
      "the endpoints and routes the key may call (all when unset)",
    ),
    limit: Limit.optional().describe("the key's own rate limit (`calls`/`tokens` per period)"),
    budget: Budget.optional().describe("USD the key may spend per period"),
  }).refine((key) => (key.key === undefined) !== (key.key_sha256 === undefined), {
    message: "a key needs exactly one of 'key' and 'key_sha256'",
  });

  const AuthSpec = z.strictObject({
    keys: z.array(ClientKeySpec).default([]).describe(
      "client keys from the config; more are created at run time with `gateway keys create` " +
        "(kept in the store, only their hash)",
    ),
  });

  const ServerSpec = z.strictObject({
    auth: AuthSpec.optional().describe(
      "turns client authentication on: every request but `/health` needs a key (" +
        "`Authorization: Bearer`, `x-api-key` or `api-key`); 401 without a known one, 403 " +
        "for an endpoint it may not use, 429 once its budget is spent",
    ),
    store: z.string().regex(/^(sqlite:.+|memory|postgres(ql)?:\/\/.+)$/, {
      message: "store must be 'memory', 'sqlite:PATH' or 'postgres://USER:PASSWORD@HOST:PORT/DB'",
    }).default("memory").describe(
      "where request records (no bodies) are kept for usage, costs, budgets and run-time keys: " +
        "`memory` (this process, aggregated per hour), `sqlite:./gateway.db` (a file; worker " +
        "processes share it) or `postgres://user:password@host:5432/db` (several instances " +
        "share it). `$VAR` works here too",
    ),
    audit: z.strictObject({
      path: z.string().min(1).optional().describe(
        "the file lines are appended to (created when missing)",
      ),
      store: z.boolean().default(false).describe(
        "instead of a file, the usage store's `audit` table (SQLite or PostgreSQL)",
      ),
      bodies: z.boolean().default(false).describe(
        "also keep each request's body and its answer (a stream reassembled once it ended)",
      ),
      redact: z.array(
        z.string().refine((pattern) => {
          try {
            new RegExp(pattern);
            return true;
          } catch {
            return false;
          }
        }, { message: "not a valid regular expression" }),
      ).default([]).describe(
        "regular expressions whose matches are replaced by [REDACTED] in every string (provider " +
          "and client keys always are)",
      ),
      max_bytes: z.number().int().min(1024).default(100 * 1024 * 1024).describe(
        "the file's size at which it is rotated (`path.1`, `path.2`, ...)",
      ),
      keep: z.number().int().min(0).max(100).default(5).describe("rotated files kept"),
    }).refine((audit) => (audit.path !== undefined) !== audit.store, {
      message: "the audit log needs either 'path' (a file) or 'store: true', not both",
    }).optional().describe(
      "the audit log: one JSON line per API request (its record: who, what, when, status, " +
        "usage, cost; bodies when asked), written off the request path",
    ),
    otel: z.strictObject({
      endpoint: z.string().regex(/^https?:\/\/.+/, { message: "endpoint must be an http(s) URL" })
        .describe(
          "the OTLP/HTTP traces URL, e.g. `http://127.0.0.1:4318/v1/traces` (an OpenTelemetry " +
            "Collector, Jaeger, Tempo, or MLflow 3's tracking server)",
        ),
      headers: z.record(z.string(), z.string()).default({}).describe(
        "headers sent with each export (e.g. an API key: `$VAR` works)",
      ),
      service_name: z.string().min(1).default("gateway").describe("the spans' `service.name`"),
    }).optional().describe(
      "export a trace span per API request (and one per upstream attempt) with the GenAI " +
        "semantic-convention attributes; an incoming `traceparent` makes it part of the caller's " +
        "trace. Off unless set",
    ),
    tls: z.strictObject({
      cert: z.string().min(1).describe("the certificate chain file (PEM)"),
      key: z.string().min(1).describe("its private key file (PEM)"),
    }).optional().describe(
      "serve HTTPS with this certificate (also `--tls-cert`/`--tls-key`); when the files change " +
        "(or on SIGHUP and each config reload) the new pair is served without a restart",
    ),
    redis_url: z.string().regex(/^rediss?:\/\//, {
      message: "redis_url must start with redis:// or rediss://",
    })
      .optional().describe(
        "`redis://[user:password@]host:port[/db]` or `rediss://`: rate-limit counters shared by " +
          "every gateway instance (atomic Lua updates); in memory (per process) when unset. " +
          "`$VAR` works here too",
      ),
    max_body_bytes: z.number().int().min(1024).max(1024 ** 3).default(DEFAULTS.max_body_bytes)
      .describe("larger request bodies get 413, even while still uploading"),
    max_upstream_answer_bytes: z.number().int().min(1024).max(1024 ** 3).default(
      DEFAULTS.max_upstream_answer_bytes,
    ).describe(
      "the largest complete (non-streamed) upstream answer read, counted after decompression; " +
        "a longer one is dropped at once and the client gets 502 `upstream_answer_too_large`",
    ),
    max_upstream_error_bytes: z.number().int().min(1024).max(16 * 1024 ** 2).default(
      DEFAULTS.max_upstream_error_bytes,
    ).describe(
      "how much of an upstream error body is read (after decompression); the rest is never read",
    ),
    max_upstream_event_bytes: z.number().int().min(1024).max(256 * 1024 ** 2).default(
      DEFAULTS.max_upstream_event_bytes,
    ).describe(
      "the longest line or event of an upstream stream (SSE, NDJSON, AWS event stream " +
        "message); a longer one ends the request with 502 `upstream_event_too_large`, or the " +
        "stream with that error event",
    ),
    max_retry_after_seconds: z.number().min(0).max(3600).default(10).describe(
      "an upstream Retry-After up to this is waited for; a longer one goes back to the client " +
        "as 429",
    ),
    shutdown_grace_seconds: z.number().min(0).max(3600).default(30).describe(
      "on SIGTERM/SIGINT, time for requests and streams in flight to finish",
    ),
    circuit_breaker: z.strictObject({
      failures: z.number().int().min(1).max(1000).default(5).describe(
        "failed upstream attempts in a row (5xx, timeout, connection error; not 429) that open " +
          "an endpoint's circuit",
      ),
      cooldown_seconds: z.number().positive().max(3600).default(30).describe(
        "how long an open circuit skips the endpoint; then one probe decides",
      ),
    }).default({ failures: 5, cooldown_seconds: 30 }).describe(
      "per endpoint: after `failures` failed attempts in a row the endpoint is skipped for " +
        "`cooldown_seconds` (a direct call gets 503 with Retry-After; routes skip it)",
    ),
    ui: z.boolean().default(true).describe(
      "serve the dashboard and playground at `/ui` (every asset in the binary, nothing fetched " +
        "from elsewhere); with `auth` on it asks for an admin key. `false`: `/ui` is a 404 (the " +
        "admin APIs it reads stay)",
    ),
    defaults: z.strictObject({ ...ReliabilityFields, cache: CacheSpec.optional() }).default({})
      .describe(
        "defaults for every endpoint's `timeout_seconds`, `idle_timeout_seconds`, `retries` and " +
          "`cache` (a route's `cache` too)",
      ),
  });

  const GatewayConfigSpec = z.strictObject({
    endpoints: z.array(EndpointSpec).describe("the endpoints (an empty list is allowed)"),
    routes: z.array(RouteSpec).optional().describe(
      "routes, served like endpoints: one name in front of several endpoints",
    ),
    server: ServerSpec.default(ServerSpec.parse({})).describe(
      "gateway-wide settings (a gateway addition; MLflow has none)",
    ),
  });

  return {
    Limit,
    CacheSpec,
    Cost,
    Budget,
    ModelSpec,
    EndpointSpec,
    RouteSpec,
    ClientKeySpec,
    AuthSpec,
    ServerSpec,
    GatewayConfigSpec,
  };
}

type Schemas = ReturnType<typeof configSchemas>;
export type Limit = z.infer<Schemas["Limit"]>;
export type Cost = z.infer<Schemas["Cost"]>;
export type Budget = z.infer<Schemas["Budget"]>;
export type EndpointSpec = z.infer<Schemas["EndpointSpec"]>;
export type RouteSpec = z.infer<Schemas["RouteSpec"]>;
export type ClientKeySpec = z.infer<Schemas["ClientKeySpec"]>;
export type ServerSpec = z.infer<Schemas["ServerSpec"]>;
export type GatewayConfigSpec = z.infer<Schemas["GatewayConfigSpec"]>;
