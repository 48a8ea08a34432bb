/**
 * The translations whose known-key lists are derived from the request schema's `samplingFields`
 * (so a field added there counts as known at once) must each send every such field upstream or
 * warn about it: derived lists must not let a new parameter be dropped silently.
 */
import { assert } from "../../tests/assert.ts";
import type { UpstreamRequest } from "../core/provider.ts";
import type { ChatRequest } from "../schemas/chat.ts";
import type { GatewayField, SamplingField } from "../schemas/common.ts";
import type { CompletionsRequest } from "../schemas/completions.ts";
import * as anthropic from "./anthropic/request.ts";
import { AnthropicConfig } from "./anthropic/config.ts";
import * as bedrock from "./bedrock/request.ts";
import { BedrockConfig } from "./bedrock/config.ts";
import * as cohere from "./cohere/request.ts";
import * as gemini from "./gemini/request.ts";
import * as tgi from "./huggingface_tgi/request.ts";

/**
 * A valid value that asks for something, for every field a client sets for the model (the
 * gateway's own fields are not passed on as they are). A field added to `samplingFields` fails to
 * type-check here until it has one, and then each translation below must send it or warn.
 */
const SAMPLES: Record<Exclude<SamplingField, GatewayField>, unknown> = {
  temperature: 0.5,
  top_p: 0.5,
  top_k: 5,
  n: 2,
  max_tokens: 7,
  max_completion_tokens: 9,
  presence_penalty: 1,
  frequency_penalty: 1,
  seed: 3,
  stop: ["END"],
  user: "u-1",
};

interface Translation {
  name: string;
  chat: (request: ChatRequest) => UpstreamRequest;
  completions: (request: CompletionsRequest) => UpstreamRequest;
}

const context = <C>(config: C) => ({ endpoint: "e", model: "m-1", config, stream: false });
const anthropicCtx = context(AnthropicConfig.parse({ anthropic_api_key: "sk-ant-test" }));
const geminiCtx = context({ gemini_api_key: "AIza-test", gemini_api_base: "https://g.test" });
const cohereCtx = context({ cohere_api_key: "co-test" });
const tgiCtx = context({ hf_server_url: "http://127.0.0.1:8080/" });
const bedrockCtx = {
  ...context(BedrockConfig.parse({ aws_config: { aws_region: "us-east-1" } })),
  model: "anthropic.claude-3-haiku-20240307-v1:0",
};

const TRANSLATIONS: Translation[] = [
  {
    name: "Anthropic",
    chat: (r) => anthropic.buildChatRequest(r, anthropicCtx),
    completions: (r) => anthropic.buildCompletionsRequest(r, anthropicCtx),
  },
  {
    name: "Gemini",
    chat: (r) => gemini.buildChatRequest(r, geminiCtx),
    completions: (r) => gemini.buildCompletionsRequest(r, geminiCtx),
  },
  {
    name: "Cohere",
    chat: (r) => cohere.buildCohereChatRequest(r, cohereCtx),
    completions: (r) => cohere.buildCohereCompletionsRequest(r, cohereCtx),
  },
  {
    name: "TGI",
    chat: (r) => tgi.buildTgiChatRequest(r, tgiCtx),
    completions: (r) => tgi.buildTgiGenerateRequest(r, tgiCtx),
  },
  {
    name: "Bedrock",
    chat: (r) => bedrock.buildChatRequest(r, bedrockCtx),
    completions: (r) => bedrock.buildCompletionsRequest(r, bedrockCtx),
  },
];

/** Whether adding `field` changed the body sent, or added a warning naming it. */
function answered(plain: UpstreamRequest, withField: UpstreamRequest, field: string): boolean {
  return plain.body !== withField.body || withField.warnings.some((w) => w.param === field);
}

for (const { name, chat, completions } of TRANSLATIONS) {
  Deno.test(`${name}: every sampling field a client sets is sent upstream or warned about`, () => {
    const messages: ChatRequest["messages"] = [{ role: "user", content: "Hi" }];
    const plainChat = chat({ messages });
    const plainCompletions = completions({ prompt: "Hi" });
    for (const [field, value] of Object.entries(SAMPLES)) {
      const asChat = chat({ messages, [field]: value } as ChatRequest);
      assert(answered(plainChat, asChat, field), `${name} chat dropped '${field}' silently`);
      const asCompletions = completions({ prompt: "Hi", [field]: value } as CompletionsRequest);
      assert(
        answered(plainCompletions, asCompletions, field),
        `${name} completions dropped '${field}' silently`,
      );
    }
  });
}
