/**
 * Where the region and the credentials come from, in order: `aws_config`'s keys; a role in
 * `aws_config.aws_role_arn`, assumed once through STS and cached until shortly before it
 * expires; the standard AWS environment variables.
 */
import { ConfigError } from "../../core/errors.ts";
import type { ProviderIO } from "../../core/provider.ts";
import { type BedrockConfig, stsBase } from "./config.ts";
import type { AwsCredentials } from "./sigv4.ts";
import { type AssumedRole, assumeRole } from "./sts.ts";

/** Assumed-role credentials are renewed this long before they expire (at most a third of it). */
export const REFRESH_MARGIN_MS = 5 * 60_000;

/** The region: `aws_config.aws_region`, else `AWS_REGION`, else `AWS_DEFAULT_REGION`. */
export function resolveRegion(
  config: BedrockConfig,
  env: ProviderIO["env"],
  endpoint: string,
): string {
  const region = config.aws_config.aws_region ?? nonEmpty(env.AWS_REGION) ??
    nonEmpty(env.AWS_DEFAULT_REGION);
  if (region === undefined) {
    throw new ConfigError(
      `endpoint '${endpoint}' has no AWS region: set model.config.aws_config.aws_region, or ` +
        "AWS_REGION in the gateway's environment",
    );
  }
  return region;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

/** The keys written in `aws_config`, if any. */
function configCredentials(config: BedrockConfig): AwsCredentials | undefined {
  const aws = config.aws_config;
  if (aws.aws_access_key_id === undefined || aws.aws_secret_access_key === undefined) {
    return undefined;
  }
  return {
    accessKeyId: aws.aws_access_key_id,
    secretAccessKey: aws.aws_secret_access_key,
    sessionToken: aws.aws_session_token,
  };
}

/** `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`, if set. */
export function envCredentials(env: ProviderIO["env"]): AwsCredentials | undefined {
  const accessKeyId = nonEmpty(env.AWS_ACCESS_KEY_ID);
  const secretAccessKey = nonEmpty(env.AWS_SECRET_ACCESS_KEY);
  if (accessKeyId === undefined || secretAccessKey === undefined) return undefined;
  return { accessKeyId, secretAccessKey, sessionToken: nonEmpty(env.AWS_SESSION_TOKEN) };
}

function noCredentials(endpoint: string, forRole: boolean): ConfigError {
  const what = forRole ? "to assume 'aws_role_arn' with" : "for Amazon Bedrock";
  return new ConfigError(
    `endpoint '${endpoint}' has no AWS credentials ${what}: set aws_access_key_id and ` +
      "aws_secret_access_key in model.config.aws_config, or AWS_ACCESS_KEY_ID and " +
      "AWS_SECRET_ACCESS_KEY in the gateway's environment",
  );
}

interface CachedRole {
  promise: Promise<AssumedRole>;
  /** Set once the call succeeded. */
  expiresAt?: number;
}

/**
 * Assumed-role credentials from `io.cache`, or from one STS call shared by every request that
 * needs them meanwhile (a failed call is not cached).
 */
async function roleCredentials(
  config: BedrockConfig,
  roleArn: string,
  region: string,
  io: ProviderIO,
  endpoint: string,
): Promise<AwsCredentials> {
  const base = configCredentials(config) ?? envCredentials(io.env);
  if (!base) throw noCredentials(endpoint, true);
  const durationSeconds = config.aws_config.session_length_seconds;
  const stsUrl = stsBase(config, region);
  const key = ["bedrock:assume-role", stsUrl, region, roleArn, base.accessKeyId, durationSeconds]
    .join("\n");
  const margin = Math.min(REFRESH_MARGIN_MS, (durationSeconds * 1000) / 3);
  const cached = io.cache.get(key) as CachedRole | undefined;
  if (cached && (cached.expiresAt === undefined || io.now() < cached.expiresAt - margin)) {
    return (await cached.promise).credentials;
  }
  const entry: CachedRole = {
    promise: assumeRole({ stsUrl, region, roleArn, durationSeconds, base, io, endpoint }),
  };
  io.cache.set(key, entry);
  try {
    const assumed = await entry.promise;
    entry.expiresAt = assumed.expiresAt;
    return assumed.credentials;
  } catch (error) {
    if (io.cache.get(key) === entry) io.cache.delete(key);
    throw error;
  }
}

/** The credentials to sign with, in the documented order. */
export function resolveCredentials(
  config: BedrockConfig,
  region: string,
  io: ProviderIO,
  endpoint: string,
): Promise<AwsCredentials> {
  const roleArn = config.aws_config.aws_role_arn;
  if (roleArn !== undefined) return roleCredentials(config, roleArn, region, io, endpoint);
  const credentials = configCredentials(config) ?? envCredentials(io.env);
  if (!credentials) return Promise.reject(noCredentials(endpoint, false));
  return Promise.resolve(credentials);
}
