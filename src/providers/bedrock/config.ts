/** The `model.config` block of the `bedrock` provider (MLflow's `aws_config` plus our base URLs). */
import { z } from "zod";
import { lazySchema } from "../../schemas/lazy.ts";

/** The provider's name in messages. */
export const PROVIDER_NAME = "Amazon Bedrock";

/**
 * MLflow's `aws_config`, all three of its shapes in one object: static keys, a role to assume,
 * or neither (credentials from the environment). Unknown keys are errors here: an ignored
 * misspelt credential key would silently fall back to other credentials.
 */
function awsConfigSchema() {
  return z.strictObject({
    aws_region: z.string().trim().min(1).optional()
      .describe("the AWS region (else `AWS_REGION` / `AWS_DEFAULT_REGION`)"),
    aws_access_key_id: z.string().trim().min(1).optional()
      .describe("static credentials, with `aws_secret_access_key` (else the `AWS_*` variables)"),
    aws_secret_access_key: z.string().min(1).optional()
      .describe("goes with `aws_access_key_id`"),
    aws_session_token: z.string().min(1).optional()
      .describe("for temporary credentials; needs the two keys above"),
    aws_role_arn: z.string().trim().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, {
      message: "expected an IAM role ARN like 'arn:aws:iam::123456789012:role/name'",
    }).optional().describe(
      "a role to assume through STS; the base credentials are the keys above or the environment",
    ),
    session_length_seconds: z.number().int().min(900).max(43200).default(900)
      .describe("lifetime of assumed-role credentials (STS allows 900 to 43200 seconds)"),
    aws_bearer_token: z.string().trim().min(1).optional().describe(
      "a Bedrock API key, sent as `Authorization: Bearer` instead of signing requests (MLflow " +
        "3.17's key; without any credentials here, `AWS_BEARER_TOKEN_BEDROCK` is used when set)",
    ),
  }).superRefine((config, ctx) => {
    if (
      config.aws_bearer_token !== undefined &&
      (config.aws_access_key_id !== undefined || config.aws_role_arn !== undefined)
    ) {
      ctx.addIssue({
        code: "custom",
        path: ["aws_bearer_token"],
        message: "'aws_bearer_token' replaces signing: give it or AWS keys (or a role), not both",
      });
    }
    const hasId = config.aws_access_key_id !== undefined;
    const hasSecret = config.aws_secret_access_key !== undefined;
    if (hasId !== hasSecret) {
      const missing = hasId ? "aws_secret_access_key" : "aws_access_key_id";
      ctx.addIssue({
        code: "custom",
        path: [missing],
        message: `missing required key '${missing}' ('aws_access_key_id' and ` +
          "'aws_secret_access_key' go together)",
      });
    }
    if (config.aws_session_token !== undefined && !hasId) {
      ctx.addIssue({
        code: "custom",
        path: ["aws_session_token"],
        message: "'aws_session_token' needs 'aws_access_key_id' and 'aws_secret_access_key'",
      });
    }
  });
}
export type AwsConfig = z.infer<ReturnType<typeof awsConfigSchema>>;

export const BedrockConfig = lazySchema(() => {
  const AwsConfig = awsConfigSchema();
  const BaseUrl = z.url({ protocol: /^https?$/ });
  return z.object({
    aws_config: AwsConfig.default(AwsConfig.parse({})).describe(
      "MLflow's AWS settings: static keys, a role to assume, or neither (credentials from the " +
        "environment); unknown keys here are errors",
    ),
    bedrock_api_base: BaseUrl.optional()
      .describe(
        "Bedrock Runtime base URL; default `https://bedrock-runtime.{region}.amazonaws.com`",
      ),
    sts_api_base: BaseUrl.optional()
      .describe("STS base URL for role assumption; default `https://sts.{region}.amazonaws.com`"),
  });
});
export type BedrockConfig = z.infer<typeof BedrockConfig>;

/** Keys of `model.config` (at any depth) that hold credentials. */
export const BEDROCK_SECRET_KEYS = [
  "aws_bearer_token",
  "aws_secret_access_key",
  "aws_session_token",
  "aws_access_key_id",
] as const;

function trimSlashes(url: string): string {
  return url.replace(/\/+$/, "");
}

/** The Bedrock Runtime base URL for a region (or the configured base). */
export function bedrockBase(config: BedrockConfig, region: string | undefined): string {
  if (config.bedrock_api_base !== undefined) return trimSlashes(config.bedrock_api_base);
  return region === undefined
    ? "https://bedrock-runtime.amazonaws.com"
    : `https://bedrock-runtime.${region}.amazonaws.com`;
}

/** The STS base URL for a region (or the configured base). */
export function stsBase(config: BedrockConfig, region: string): string {
  if (config.sts_api_base !== undefined) return trimSlashes(config.sts_api_base);
  return `https://sts.${region}.amazonaws.com`;
}
