/** The `model.config` block of the `openai` provider (and OpenAI-compatible servers, Azure). */
import { z } from "zod";
import { lazySchema } from "../../schemas/lazy.ts";

export const OPENAI_API_TYPES = ["openai", "azure", "azuread"] as const;

export const OpenAIConfig = lazySchema(() =>
  z.object({
    openai_api_key: z.string().min(1).optional().describe(
      "API key; required for api.openai.com and Azure, optional with an `openai_api_base` " +
        "(local OpenAI-compatible servers such as vLLM or Ollama need none)",
    ),
    openai_api_type: z.string().transform((value, ctx) => {
      const type = value.toLowerCase();
      if (!(OPENAI_API_TYPES as readonly string[]).includes(type)) {
        ctx.addIssue({
          code: "custom",
          message: `invalid OpenAI API type '${value}'`,
          params: { candidates: [...OPENAI_API_TYPES], value },
        });
        return z.NEVER;
      }
      return type as (typeof OPENAI_API_TYPES)[number];
    }).default("openai").describe(
      "`openai`, `azure` (api-key header) or `azuread` (Entra ID bearer token)",
    ),
    openai_api_base: z.url({ protocol: /^https?$/ }).optional().describe(
      "base URL including `/v1` (any OpenAI-compatible server; default " +
        "`https://api.openai.com/v1`); Azure: the resource URL",
    ),
    openai_api_version: z.string().min(1).optional()
      .describe("Azure only (required there), e.g. `2024-10-21`"),
    openai_deployment_name: z.string().min(1).optional()
      .describe("Azure only (required there): the deployment to call"),
    openai_organization: z.string().min(1).optional()
      .describe("sent as `OpenAI-Organization` (not with Azure)"),
  }).superRefine((config, ctx) => {
    const azure = config.openai_api_type !== "openai";
    if (!azure && config.openai_deployment_name !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["openai_deployment_name"],
        message:
          "'openai_deployment_name' is only used when 'openai_api_type' is 'azure' or 'azuread'",
      });
    }
    if (azure) {
      if (config.openai_organization !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["openai_organization"],
          message: "'openai_organization' is only used when 'openai_api_type' is 'openai'",
        });
      }
      for (
        const key of ["openai_api_base", "openai_deployment_name", "openai_api_version"] as const
      ) {
        if (config[key] === undefined) {
          ctx.addIssue({
            code: "custom",
            path: [key],
            message:
              `missing required key '${key}' (required when 'openai_api_type' is '${config.openai_api_type}')`,
          });
        }
      }
      if (config.openai_api_key === undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["openai_api_key"],
          message: "missing required key 'openai_api_key' (required for Azure OpenAI)",
        });
      }
    } else if (config.openai_api_base === undefined && config.openai_api_key === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["openai_api_key"],
        message: "missing required key 'openai_api_key' (required for the public OpenAI API)",
      });
    }
  })
);
export type OpenAIConfig = z.infer<typeof OpenAIConfig>;

export const OPENAI_DEFAULT_BASE = "https://api.openai.com/v1";
