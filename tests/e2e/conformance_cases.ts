/**
 * The provider table of the conformance suite (`conformance_test.ts`): for each provider, how to
 * start its mock, the endpoints that serve it, what it can do, and how to make its mock fail in
 * that provider's own words (status, error body, headers).
 */
import { anthropicErrorBody, startMockAnthropic } from "../mocks/anthropic.ts";
import { startMockBedrock } from "../mocks/bedrock.ts";
import { startMockCohere } from "../mocks/cohere.ts";
import type { Fault, Recorded, Recorder } from "../mocks/fault.ts";
import { googleError, rateLimitFault, startMockGemini } from "../mocks/gemini.ts";
import { startMockMlflowServing } from "../mocks/mlflow_serving.ts";
import { type MockFlavor, type MockOpenAIOptions, startMockOpenAI } from "../mocks/openai.ts";
import { startMockTgi } from "../mocks/tgi.ts";

type Json = Record<string, unknown>;

/** An endpoint type a case may serve. */
export type Kind = "chat" | "completions" | "embeddings";

/** The endpoints every case gets, named `<case>-<role>`. */
export type Role = Kind | "once" | "badkey";

/** What a started mock lends the suite. */
export interface RunningMock {
  recorder: Recorder;
  faults: { push(fault: Fault, times?: number): void };
  close(): Promise<void>;
}

/** A provider's capabilities as the suite checks them; a `refusal`: how the gateway declines. */
export interface Capabilities {
  /** Chat and completions streams. */
  stream: true | { refusal: { status: number; message: RegExp } };
  tools: true | { refusal: { status: number; message: RegExp } };
  completions: true;
  /** `batch: false`: one input per call (a batch is refused with `batchRefusal`). */
  embeddings:
    | { batch: true }
    | { batch: false; batchRefusal: RegExp }
    | { refusal: { status: number; message: RegExp } };
}

/** One provider of the table. */
export interface ProviderCase {
  name: string;
  /** Environment variables the gateway needs for this case's config (`$VAR` references). */
  env: Record<string, string>;
  /** Credentials that must never appear in an answer or a log line. */
  secrets: string[];
  capabilities: Capabilities;
  /** Whether answers carry token usage (MLflow's scoring server reports none). */
  usage: boolean;
  /** Whether embeddings answers count their input tokens. */
  embeddingsUsage: boolean;
  /** A chat answer's id is null: the upstream gives none (MLflow's gateway answers so too). */
  noAnswerId?: true;
  /** The finish reason of a plain answer (MLflow serving gives none). */
  stopReason: "stop" | null;
  /** The final text after a tool result "sunny" went back. */
  toolResultText: string;
  /** Whether `<case>-badkey` has credentials the upstream rejects (false: none are configured). */
  badKey: boolean;
  /** What follows the provider's message in a relayed error (none when undefined). */
  errorMessageSuffix?: RegExp;
  /** Fields of the upstream's message relayed beside MLflow's four (OpenAI's annotations). */
  messageExtras?: Json;
  /** The provider's error answer for `status`, saying `message`. */
  errorFault(status: number, message: string): Fault;
  /** A 429 that asks for 30 seconds, and the provider's message in it. */
  rateLimit: { fault: Fault; message: RegExp };
  /** A stream cut after `afterChunks` upstream chunks, and the text that arrived before the cut. */
  cut: { afterChunks: number; textBefore: string };
  /** Whether the upstream request recorded was a streaming one. */
  streamedUpstream(request: Recorded): boolean;
  /** Starts the mock; `yaml` are the case's endpoints (retries 1, `once`: 0). */
  start(): { mock: RunningMock; yaml: string };
}

/** The YAML of one endpoint (the config block as JSON, which YAML reads as a flow mapping). */
function endpointYaml(
  name: string,
  kind: Kind,
  provider: string,
  model: string,
  config: Json,
  retries: number,
): string {
  return `
  - name: ${name}
    endpoint_type: llm/v1/${kind}
    retries: ${retries}
    model:
      provider: ${provider}
      name: ${JSON.stringify(model)}
      config: ${JSON.stringify(config)}`;
}

/** Every endpoint of a case: chat, completions and embeddings, `once` and `badkey` for chat. */
function endpoints(
  caseName: string,
  provider: string,
  models: Record<Kind, string | undefined>,
  config: (role: Role) => Json | undefined,
): string {
  const roles: [Role, Kind, number][] = [
    ["chat", "chat", 1],
    ["completions", "completions", 1],
    ["embeddings", "embeddings", 1],
    ["once", "chat", 0],
    ["badkey", "chat", 0],
  ];
  return roles.map(([role, kind, retries]) => {
    const model = models[kind];
    const block = config(role);
    return model === undefined || block === undefined
      ? ""
      : endpointYaml(`${caseName}-${role}`, kind, provider, model, block, retries);
  }).join("");
}

const bodyOf = (request: Recorded) => (request.body ?? {}) as Json;

// ---- Anthropic ----

const ANTHROPIC_KEY = "sk-ant-conformance-key-0123456789";
const ANTHROPIC_WRONG = "sk-ant-conformance-wrong-9876543210";
const ANTHROPIC_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  429: "rate_limit_error",
  500: "api_error",
  503: "overloaded_error",
};

const anthropic: ProviderCase = {
  name: "anthropic",
  env: { CONF_ANTHROPIC_KEY: ANTHROPIC_KEY },
  secrets: [ANTHROPIC_KEY, ANTHROPIC_WRONG],
  capabilities: {
    stream: true,
    tools: true,
    completions: true,
    embeddings: { refusal: { status: 501, message: /embeddings/ } },
  },
  usage: true,
  embeddingsUsage: true,
  stopReason: "stop",
  toolResultText: "Tool said: sunny",
  badKey: true,
  errorMessageSuffix: /^ \(request_id req_mock_\d+\)$/,
  errorFault: (status, message) => ({
    kind: "status",
    status,
    body: anthropicErrorBody(ANTHROPIC_TYPES[status] ?? "api_error", message),
  }),
  rateLimit: {
    fault: {
      kind: "status",
      status: 429,
      headers: { "retry-after": "30" },
      body: anthropicErrorBody(
        "rate_limit_error",
        "Number of request tokens has exceeded your per-minute rate limit",
      ),
    },
    message: /per-minute rate limit/,
  },
  cut: { afterChunks: 4, textBefore: "Echo:" },
  streamedUpstream: (request) => bodyOf(request).stream === true,
  start() {
    const mock = startMockAnthropic({ apiKey: ANTHROPIC_KEY });
    const yaml = endpoints("anthropic", "anthropic", {
      chat: "claude-sonnet-4-5",
      completions: "claude-haiku-4-5",
      embeddings: "claude-haiku-4-5",
    }, (role) => ({
      anthropic_api_key: role === "badkey" ? ANTHROPIC_WRONG : "$CONF_ANTHROPIC_KEY",
      anthropic_api_base: mock.baseUrl,
    }));
    return { mock, yaml };
  },
};

// ---- Amazon Bedrock (Converse for chat and completions, Titan for embeddings) ----

const BEDROCK_REGION = "us-west-2";
const BEDROCK_KEY_ID = "AKIDCONFORMANCE00001";
const BEDROCK_SECRET = "conformance/Bedrock+Secret/0123456789abcdef";
const BEDROCK_WRONG = "conformance/Wrong+Secret/bedrock555555555";
const BEDROCK_TYPES: Record<number, string> = {
  400: "ValidationException",
  401: "UnrecognizedClientException",
  429: "ThrottlingException",
  500: "InternalServerException",
  503: "ServiceUnavailableException",
};

const bedrock: ProviderCase = {
  name: "bedrock",
  env: { CONF_BEDROCK_KEY_ID: BEDROCK_KEY_ID, CONF_BEDROCK_SECRET: BEDROCK_SECRET },
  secrets: [BEDROCK_SECRET, BEDROCK_WRONG],
  capabilities: {
    stream: true,
    tools: true,
    completions: true,
    // Titan takes one input a call: the gateway sends a batch one input at a time.
    embeddings: { batch: true },
  },
  usage: true,
  embeddingsUsage: true,
  stopReason: "stop",
  toolResultText: "Tool said: sunny",
  badKey: true,
  errorFault: (status, message) => ({
    kind: "status",
    status,
    headers: { "x-amzn-errortype": `${BEDROCK_TYPES[status] ?? "InternalServerException"}:` },
    body: { message },
  }),
  rateLimit: {
    fault: {
      kind: "status",
      status: 429,
      headers: { "x-amzn-errortype": "ThrottlingException:", "retry-after": "30" },
      body: { message: "Too many requests, please wait before trying again." },
    },
    message: /Too many requests/,
  },
  cut: { afterChunks: 3, textBefore: "Echo: one" },
  streamedUpstream: (request) => request.path.endsWith("/converse-stream"),
  start() {
    const mock = startMockBedrock({
      region: BEDROCK_REGION,
      accessKeyId: BEDROCK_KEY_ID,
      secretAccessKey: BEDROCK_SECRET,
    });
    const yaml = endpoints("bedrock", "bedrock", {
      chat: "us.anthropic.claude-3-5-sonnet-20241022-v2:0",
      completions: "amazon.titan-text-express-v1",
      embeddings: "amazon.titan-embed-text-v2:0",
    }, (role) => ({
      aws_config: {
        aws_region: BEDROCK_REGION,
        aws_access_key_id: "$CONF_BEDROCK_KEY_ID",
        aws_secret_access_key: role === "badkey" ? BEDROCK_WRONG : "$CONF_BEDROCK_SECRET",
      },
      bedrock_api_base: mock.url,
    }));
    return { mock, yaml };
  },
};

// ---- Cohere ----

const COHERE_KEY = "co-conformance-key-5f3a9b1c";
const COHERE_WRONG = "co-conformance-wrong-key-1111";

const cohere: ProviderCase = {
  name: "cohere",
  env: { CONF_COHERE_KEY: COHERE_KEY },
  secrets: [COHERE_KEY, COHERE_WRONG],
  capabilities: { stream: true, tools: true, completions: true, embeddings: { batch: true } },
  usage: true,
  embeddingsUsage: true,
  stopReason: "stop",
  toolResultText: "Tool said: sunny",
  badKey: true,
  errorFault: (status, message) => ({ kind: "status", status, body: { id: "conf", message } }),
  rateLimit: {
    fault: {
      kind: "status",
      status: 429,
      headers: { "retry-after": "30" },
      body: {
        id: "conf",
        message: "You are using a Trial key, which is limited to 10 API calls / minute.",
      },
    },
    message: /Trial key/,
  },
  cut: { afterChunks: 3, textBefore: "Echo:" },
  streamedUpstream: (request) => bodyOf(request).stream === true,
  start() {
    const mock = startMockCohere({ apiKey: COHERE_KEY });
    const yaml = endpoints("cohere", "cohere", {
      chat: "command-a-03-2025",
      completions: "command-r7b-12-2024",
      embeddings: "embed-v4.0",
    }, (role) => ({
      cohere_api_key: role === "badkey" ? COHERE_WRONG : "$CONF_COHERE_KEY",
      cohere_api_base: mock.url,
    }));
    return { mock, yaml };
  },
};

// ---- Gemini ----

const GEMINI_KEY = "AIzaConformanceKey-abcdefghijklmnopqrstu";
const GEMINI_WRONG = "AIzaConformanceWrong-abcdefghijklmnopqrs";
const GOOGLE_STATUSES: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL",
  503: "UNAVAILABLE",
};

const gemini: ProviderCase = {
  name: "gemini",
  env: { CONF_GEMINI_KEY: GEMINI_KEY },
  secrets: [GEMINI_KEY, GEMINI_WRONG],
  capabilities: { stream: true, tools: true, completions: true, embeddings: { batch: true } },
  usage: true,
  embeddingsUsage: false,
  stopReason: "stop",
  toolResultText: 'Tool said: {"result":"sunny"}',
  badKey: true,
  errorFault: (status, message) => ({
    kind: "status",
    status,
    body: googleError(status, GOOGLE_STATUSES[status] ?? "UNKNOWN", message),
  }),
  // Gemini says how long to wait in the body (RetryInfo), not in a header.
  rateLimit: { fault: rateLimitFault("30s"), message: /exceeded your current quota/ },
  cut: { afterChunks: 2, textBefore: "Echo: one" },
  streamedUpstream: (request) =>
    request.path.endsWith(":streamGenerateContent") && request.query === "?alt=sse",
  start() {
    const mock = startMockGemini({ apiKey: GEMINI_KEY });
    const yaml = endpoints("gemini", "gemini", {
      chat: "gemini-2.5-flash",
      completions: "gemini-2.5-flash",
      embeddings: "gemini-embedding-001",
    }, (role) => ({
      gemini_api_key: role === "badkey" ? GEMINI_WRONG : "$CONF_GEMINI_KEY",
      gemini_api_base: mock.baseUrl,
    }));
    return { mock, yaml };
  },
};

// ---- MLflow model serving ----

const mlflowServing: ProviderCase = {
  name: "mlflow_serving",
  env: {},
  secrets: [],
  capabilities: {
    stream: { refusal: { status: 501, message: /chat streaming route is not implemented/ } },
    tools: { refusal: { status: 400, message: /tools/ } },
    completions: true,
    embeddings: { batch: true },
  },
  usage: false,
  embeddingsUsage: false,
  noAnswerId: true,
  stopReason: null,
  toolResultText: "",
  badKey: false,
  errorFault: (status, message) => ({
    kind: "status",
    status,
    body: { error_code: status === 400 ? "BAD_REQUEST" : "INTERNAL_ERROR", message },
  }),
  rateLimit: {
    fault: {
      kind: "status",
      status: 429,
      headers: { "retry-after": "30" },
      body: { error_code: "REQUEST_LIMIT_EXCEEDED", message: "Too many concurrent requests" },
    },
    message: /Too many concurrent requests/,
  },
  cut: { afterChunks: 0, textBefore: "" },
  streamedUpstream: () => false,
  start() {
    const mock = startMockMlflowServing();
    const served = { chat: "text", completions: "choices", embeddings: "embeddings" } as const;
    const yaml = endpoints("mlflow_serving", "mlflow-model-serving", {
      chat: "served-text",
      completions: "served-choices",
      embeddings: "served-embeddings",
    }, (role) =>
      role === "badkey" ? undefined : {
        model_server_url: mock.modelUrl(role === "once" ? "text" : served[role]),
      });
    return { mock, yaml };
  },
};

// ---- Hugging Face TGI ----

const TGI_KEY = "hf_conformance_token_71c2d9";

const tgi: ProviderCase = {
  name: "huggingface_tgi",
  env: { CONF_HF_KEY: TGI_KEY },
  secrets: [TGI_KEY],
  capabilities: {
    stream: true,
    tools: { refusal: { status: 400, message: /tools are not supported on Hugging Face TGI/ } },
    completions: true,
    embeddings: { refusal: { status: 501, message: /embeddings route is not implemented/ } },
  },
  usage: true,
  embeddingsUsage: true,
  noAnswerId: true,
  stopReason: "stop",
  toolResultText: "",
  badKey: true,
  errorFault: (status, message) => ({
    kind: "status",
    status,
    body: { error: message, error_type: status === 400 ? "validation" : "generation" },
  }),
  rateLimit: {
    fault: {
      kind: "status",
      status: 429,
      headers: { "retry-after": "30" },
      body: { error: "Model is overloaded", error_type: "overloaded" },
    },
    message: /Model is overloaded/,
  },
  cut: { afterChunks: 2, textBefore: "Echo: one" },
  streamedUpstream: (request) => bodyOf(request).stream === true,
  start() {
    const mock = startMockTgi({ apiKey: TGI_KEY });
    const yaml = endpoints("huggingface_tgi", "huggingface-text-generation-inference", {
      chat: "llama-3-8b",
      completions: "llama-3-8b",
      embeddings: "llama-3-8b",
    }, (role) => ({
      hf_server_url: mock.url,
      // A server that needs a token, asked without one.
      ...(role === "badkey" ? {} : { hf_api_key: "$CONF_HF_KEY" }),
    }));
    return { mock, yaml };
  },
};

// ---- OpenAI and the OpenAI-compatible servers ----

interface OpenAIFlavorCase {
  name: string;
  provider: string;
  flavor: MockFlavor;
  /** The key the mock requires (null: none); passed as `$<env>`. */
  key: string | null;
  azure?: MockOpenAIOptions["azure"];
  /** How the provider gets stream usage: asked with stream_options, or sent anyway. */
  streamUsage: "request" | "automatic";
  models: Record<Kind, string>;
  /** The config of one endpoint, given the mock's base URL and the key reference. */
  config(base: { url: string; baseUrl: string }, key: string | undefined): Json;
  embeddings?: Capabilities["embeddings"];
}

function openAIFlavor(spec: OpenAIFlavorCase): ProviderCase {
  const envName = `CONF_${spec.name.toUpperCase()}_KEY`;
  const wrong = spec.key === null ? undefined : `${spec.key}-wrong`;
  return {
    name: spec.name,
    env: spec.key === null ? {} : { [envName]: spec.key },
    secrets: spec.key === null || wrong === undefined ? [] : [spec.key, wrong],
    capabilities: {
      stream: true,
      tools: true,
      completions: true,
      embeddings: spec.embeddings ?? { batch: true },
    },
    usage: true,
    embeddingsUsage: true,
    stopReason: "stop",
    toolResultText: "Tool said: sunny",
    badKey: spec.key !== null,
    ...(spec.flavor === "openai" ? { messageExtras: { annotations: [] } } : {}),
    errorFault: (status, message) => ({
      kind: "status",
      status,
      body: spec.flavor === "mistral"
        ? { object: "error", message, type: "invalid_request_error", param: null, code: null }
        : { error: { message, type: "invalid_request_error", param: null, code: null } },
    }),
    rateLimit: {
      fault: {
        kind: "status",
        status: 429,
        headers: { "retry-after": "30" },
        body: {
          error: {
            message: "Rate limit reached for requests per min (RPM): Limit 3, Used 3",
            type: "requests",
            param: null,
            code: "rate_limit_exceeded",
          },
        },
      },
      message: /Rate limit reached for requests per min/,
    },
    cut: { afterChunks: 3, textBefore: "Echo: one" },
    streamedUpstream: (request) =>
      bodyOf(request).stream === true &&
      (spec.streamUsage === "request"
        ? JSON.stringify(bodyOf(request).stream_options) === '{"include_usage":true}'
        : !("stream_options" in bodyOf(request))),
    start() {
      const mock = startMockOpenAI({
        apiKey: spec.key,
        flavor: spec.flavor,
        ...(spec.azure ? { azure: spec.azure } : {}),
      });
      const yaml = endpoints(spec.name, spec.provider, spec.models, (role) => {
        if (role === "badkey" && wrong === undefined) return undefined;
        return spec.config(
          mock,
          role === "badkey" ? wrong : spec.key === null ? undefined : `$${envName}`,
        );
      });
      return { mock, yaml };
    },
  };
}

const withKey = (field: string, key: string | undefined): Json =>
  key === undefined ? {} : { [field]: key };

const openai = openAIFlavor({
  name: "openai",
  streamUsage: "request",
  provider: "openai",
  flavor: "openai",
  key: "sk-conformance-openai-0123456789",
  models: {
    chat: "gpt-4o-mini",
    completions: "gpt-3.5-turbo-instruct",
    embeddings: "text-embedding-3-small",
  },
  config: (mock, key) => ({ ...withKey("openai_api_key", key), openai_api_base: mock.baseUrl }),
});

const azure = openAIFlavor({
  name: "azure",
  streamUsage: "request",
  provider: "azure",
  flavor: "openai",
  key: "az-conformance-key-7c1d0b2e",
  azure: { deployment: "conf-deployment", apiVersion: "2024-10-21", auth: "api-key" },
  models: { chat: "gpt-4o", completions: "gpt-35-turbo-instruct", embeddings: "text-embedding-3" },
  config: (mock, key) => ({
    ...withKey("openai_api_key", key),
    openai_api_base: mock.url,
    openai_deployment_name: "conf-deployment",
    openai_api_version: "2024-10-21",
  }),
});

const mistral = openAIFlavor({
  name: "mistral",
  streamUsage: "automatic",
  provider: "mistral",
  flavor: "mistral",
  key: "mistral-conformance-key-93f1",
  models: {
    chat: "mistral-small-latest",
    completions: "mistral-small-latest",
    embeddings: "mistral-embed",
  },
  config: (mock, key) => ({ ...withKey("mistral_api_key", key), mistral_api_base: mock.baseUrl }),
});

const together = openAIFlavor({
  name: "togetherai",
  streamUsage: "automatic",
  provider: "togetherai",
  flavor: "together",
  key: "together-conformance-key-5b77",
  models: {
    chat: "meta-llama/Llama-3.3-70B",
    completions: "meta-llama/Llama-3.3-70B",
    embeddings: "BAAI/bge-base-en-v1.5",
  },
  config: (mock, key) => ({
    ...withKey("togetherai_api_key", key),
    togetherai_api_base: mock.baseUrl,
  }),
});

const groq = openAIFlavor({
  name: "groq",
  streamUsage: "request",
  provider: "groq",
  flavor: "groq",
  key: "gsk_conformance_key_0d3c",
  models: {
    chat: "llama-3.3-70b-versatile",
    completions: "llama-3.3-70b-versatile",
    embeddings: "llama-3.3-70b-versatile",
  },
  config: (mock, key) => ({ ...withKey("groq_api_key", key), groq_api_base: mock.baseUrl }),
  embeddings: { refusal: { status: 501, message: /embeddings/ } },
});

const vllm = openAIFlavor({
  name: "vllm",
  streamUsage: "request",
  provider: "vllm",
  flavor: "vllm",
  key: null,
  models: {
    chat: "Qwen/Qwen2.5-7B-Instruct",
    completions: "Qwen/Qwen2.5-7B-Instruct",
    embeddings: "intfloat/e5-mistral-7b-instruct",
  },
  config: (mock) => ({ vllm_api_base: mock.baseUrl }),
});

const ollama = openAIFlavor({
  name: "ollama",
  streamUsage: "request",
  provider: "ollama",
  flavor: "ollama",
  key: null,
  models: { chat: "llama3.2", completions: "llama3.2", embeddings: "nomic-embed-text" },
  config: (mock) => ({ ollama_api_base: mock.baseUrl }),
});

/** Every provider the suite runs, each against its own mock. */
export const CASES: readonly ProviderCase[] = [
  anthropic,
  bedrock,
  cohere,
  gemini,
  mlflowServing,
  tgi,
  openai,
  azure,
  mistral,
  together,
  groq,
  vllm,
  ollama,
];
