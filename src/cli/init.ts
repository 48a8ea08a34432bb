/**
 * `gateway init`: writes a small commented config that starts as written: a chat endpoint (and
 * embeddings where the provider has them) for each provider whose API key is in the environment,
 * the key referenced as `$VAR` (never written into the file); the offline demo provider when
 * there is none.
 */
import process from "node:process";
import { existsSync, writeFileSync } from "node:fs";
import { parse } from "./args.ts";
import { print, printError, UsageError, write } from "./output.ts";

export const INIT_HELP = `Usage: gateway init [--provider P] [--output F] [--force]

Writes a small config that starts as written: for each provider whose API key is set in the
environment (OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY or GOOGLE_API_KEY,
MISTRAL_API_KEY, COHERE_API_KEY) a chat endpoint, and embeddings where the provider has them;
the offline demo provider when none is set. Keys are referenced as $VAR, never copied.

Options:
  --provider P   only this provider (openai, anthropic, gemini, mistral, cohere or mock), even
                 if its key is not set yet
  --output F     the file to write (default gateway.yaml; - prints it)
  --force        overwrite F if it exists

Then: gateway validate gateway.yaml && gateway start --config-path gateway.yaml`;

interface ProviderPlan {
  provider: string;
  /** The environment variables that may hold its key, the first set one is used. */
  keyVars: string[];
  keyField: string;
  chatModel: string;
  embeddingsModel?: string;
}

const PLANS: readonly ProviderPlan[] = [
  {
    provider: "openai",
    keyVars: ["OPENAI_API_KEY"],
    keyField: "openai_api_key",
    chatModel: "gpt-4o-mini",
    embeddingsModel: "text-embedding-3-small",
  },
  {
    provider: "anthropic",
    keyVars: ["ANTHROPIC_API_KEY"],
    keyField: "anthropic_api_key",
    chatModel: "claude-sonnet-4-5",
  },
  {
    provider: "gemini",
    keyVars: ["GEMINI_API_KEY", "GOOGLE_API_KEY"],
    keyField: "gemini_api_key",
    chatModel: "gemini-2.5-flash",
    embeddingsModel: "gemini-embedding-001",
  },
  {
    provider: "mistral",
    keyVars: ["MISTRAL_API_KEY"],
    keyField: "mistral_api_key",
    chatModel: "mistral-small-latest",
    embeddingsModel: "mistral-embed",
  },
  {
    provider: "cohere",
    keyVars: ["COHERE_API_KEY"],
    keyField: "cohere_api_key",
    chatModel: "command-r",
    embeddingsModel: "embed-english-v3.0",
  },
];

const MOCK_CONFIG =
  `# Written by 'gateway init': no provider API key was set, so these endpoints use the
# offline 'mock' provider (it echoes). Set OPENAI_API_KEY (or another provider's key) and run
# 'gateway init --force' again, or edit this file: docs/config.md lists every key.
endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    model: {provider: mock, name: mock-chat}
  - name: embeddings
    endpoint_type: llm/v1/embeddings
    model: {provider: mock, name: mock-embeddings}
`;

function endpoint(name: string, type: string, plan: ProviderPlan, model: string, keyVar: string) {
  return [
    `  - name: ${name}`,
    `    endpoint_type: ${type}`,
    "    model:",
    `      provider: ${plan.provider}`,
    `      name: ${model}`,
    "      config:",
    `        ${plan.keyField}: $${keyVar}`,
  ].join("\n");
}

/** The config text for these providers (each with the variable that holds its key). */
export function initConfig(chosen: readonly { plan: ProviderPlan; keyVar: string }[]): string {
  if (chosen.length === 0) return MOCK_CONFIG;
  const lines = [
    "# Written by 'gateway init'. Keys are read from the environment ($VAR) when the gateway",
    "# starts; they are never stored here. docs/config.md lists every key; 'gateway validate'",
    "# checks the file.",
    "endpoints:",
  ];
  const routes: string[] = [];
  let embeddingsTaken = false;
  chosen.forEach(({ plan, keyVar }, i) => {
    const chatName = i === 0 ? "chat" : `${plan.provider}-chat`;
    lines.push(endpoint(chatName, "llm/v1/chat", plan, plan.chatModel, keyVar));
    if (plan.embeddingsModel !== undefined) {
      const name = embeddingsTaken ? `${plan.provider}-embeddings` : "embeddings";
      embeddingsTaken = true;
      lines.push(endpoint(name, "llm/v1/embeddings", plan, plan.embeddingsModel, keyVar));
    }
    routes.push(chatName);
  });
  if (routes.length > 1) {
    lines.push(
      "# One name in front of the chat endpoints: the first, then the next if it fails.",
      "routes:",
      "  - name: chat-any",
      "    task_type: llm/v1/chat",
      "    routing_strategy: FALLBACK",
      "    destinations:",
      ...routes.map((name) => `      - name: ${name}`),
    );
  }
  return lines.join("\n") + "\n";
}

export function initCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    provider: { type: "string" },
    output: { type: "string", default: "gateway.yaml" },
    force: { type: "boolean", default: false },
  }, { min: 0, max: 0 });
  const env = process.env;
  const keyVarOf = (plan: ProviderPlan) => plan.keyVars.find((name) => env[name]);
  let chosen: { plan: ProviderPlan; keyVar: string }[];
  if (values.provider === "mock") {
    chosen = [];
  } else if (values.provider !== undefined) {
    const plan = PLANS.find((p) => p.provider === values.provider);
    if (plan === undefined) {
      throw new UsageError(
        `--provider must be one of ${[...PLANS.map((p) => p.provider), "mock"].join(", ")}`,
      );
    }
    const keyVar = keyVarOf(plan) ?? plan.keyVars[0] as string;
    if (env[keyVar] === undefined) {
      printError(`gateway init: note: ${keyVar} is not set; export it before 'gateway start'`);
    }
    chosen = [{ plan, keyVar }];
  } else {
    chosen = PLANS.flatMap((plan) => {
      const keyVar = keyVarOf(plan);
      return keyVar === undefined ? [] : [{ plan, keyVar }];
    });
  }
  const text = initConfig(chosen);
  if (values.output === "-") {
    write(text);
    return Promise.resolve(0);
  }
  if (existsSync(values.output) && !values.force) {
    printError(`gateway init: ${values.output} exists; pass --force to overwrite it`);
    return Promise.resolve(1);
  }
  writeFileSync(values.output, text);
  const what = chosen.length === 0
    ? "the offline mock provider (no API key was set)"
    : chosen.map((c) => `${c.plan.provider} ($${c.keyVar})`).join(", ");
  print(`wrote ${values.output}: ${what}`);
  print(`next: gateway start --config-path ${values.output}`);
  return Promise.resolve(0);
}
