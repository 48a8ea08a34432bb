/**
 * Providers whose APIs were shut down (PaLM, MosaicML, AI21 Labs' J2): their MLflow configs still
 * pass `validate` (with a warning), and `start` refuses them with a message naming a replacement.
 */
import { z } from "zod";
import type { Provider } from "../../core/provider.ts";

type RetiredName = "palm" | "mosaicml" | "ai21labs";

function retired(
  name: RetiredName,
  displayName: string,
  keys: string[],
  replacement: string,
): Provider {
  return {
    name,
    displayName,
    configSchema: z.object(Object.fromEntries(keys.map((key) => [key, z.unknown().optional()]))),
    secretKeys: keys.filter((key) => key.endsWith("_api_key")),
    supportsTools: false,
    retired: { replacement },
  };
}

export const retiredProviders: Readonly<Record<RetiredName, Provider>> = {
  palm: retired(
    "palm",
    "PaLM",
    ["palm_api_key"],
    "Google shut down the PaLM API (text-bison, chat-bison, embedding-gecko); use provider 'gemini' with gemini_api_key and a Gemini model such as gemini-2.5-flash (chat, completions) or gemini-embedding-001 (embeddings)",
  ),
  mosaicml: retired(
    "mosaicml",
    "MosaicML",
    ["mosaicml_api_key", "mosaicml_api_base"],
    "MosaicML's hosted inference API was shut down after Databricks acquired MosaicML; serve the model on Databricks Model Serving and use provider 'openai' with openai_api_base https://<workspace-host>/serving-endpoints, or serve it with vLLM and use provider 'vllm' with vllm_api_base",
  ),
  ai21labs: retired(
    "ai21labs",
    "AI21 Labs",
    ["ai21labs_api_key"],
    "AI21 retired the Jurassic-2 (j2-*) models; use its Jamba models (e.g. jamba-mini) through provider 'openai' with openai_api_base https://api.ai21.com/studio/v1 on an llm/v1/chat endpoint (Jamba has no completions API)",
  ),
};
