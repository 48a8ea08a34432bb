/**
 * The `authorize` hook: resolves the region and credentials, finalises the URL (its host
 * depends on the region, which may come from the environment), and signs with SigV4, or, with a
 * Bedrock API key, sends that as a bearer token instead.
 */
import type { CallContext, ProviderIO, UpstreamRequest } from "../../core/provider.ts";
import { bedrockBase, type BedrockConfig } from "./config.ts";
import { resolveCredentials, resolveRegion } from "./credentials.ts";
import { signV4 } from "./sigv4.ts";

/** The SigV4 service name of Bedrock Runtime. */
export const SIGNING_SERVICE = "bedrock";

/** The request URL rebuilt on the base for `region`, keeping `/model/{id}/{operation}`. */
export function finalUrl(config: BedrockConfig, region: string, url: string): string {
  const at = url.lastIndexOf("/model/");
  const path = at === -1 ? new URL(url).pathname : url.slice(at);
  return `${bedrockBase(config, region)}${path}`;
}

/**
 * The Bedrock API key to send, if any: the config's, or `AWS_BEARER_TOKEN_BEDROCK` when the config
 * names no credentials of its own (as the AWS SDKs read it).
 */
export function bearerToken(
  config: BedrockConfig,
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  const aws = config.aws_config;
  if (aws.aws_bearer_token !== undefined) return aws.aws_bearer_token;
  if (aws.aws_access_key_id !== undefined || aws.aws_role_arn !== undefined) return undefined;
  const fromEnv = env.AWS_BEARER_TOKEN_BEDROCK?.trim();
  return fromEnv === undefined || fromEnv === "" ? undefined : fromEnv;
}

/** Signs a Bedrock request built by `buildRequest`. */
export async function authorizeBedrock(
  request: UpstreamRequest,
  ctx: CallContext<BedrockConfig>,
  io: ProviderIO,
): Promise<UpstreamRequest> {
  const region = resolveRegion(ctx.config, io.env, ctx.endpoint);
  const url = finalUrl(ctx.config, region, request.url);
  const bearer = bearerToken(ctx.config, io.env);
  if (bearer !== undefined) {
    io.addSecret(bearer);
    return { ...request, url, headers: { ...request.headers, authorization: `Bearer ${bearer}` } };
  }
  const credentials = await resolveCredentials(ctx.config, region, io, ctx.endpoint);
  io.addSecret(credentials.secretAccessKey);
  if (credentials.sessionToken !== undefined) io.addSecret(credentials.sessionToken);
  const signed = signV4({
    method: "POST",
    url,
    headers: request.headers,
    body: request.body,
    region,
    service: SIGNING_SERVICE,
    credentials,
    now: io.now(),
    contentSha256Header: true,
  });
  return { ...request, url, headers: signed.headers };
}
