/**
 * The `authorize` hook: resolves the region and credentials, finalises the URL (its host
 * depends on the region, which may come from the environment), and signs with SigV4.
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

/** Signs a Bedrock request built by `buildRequest`. */
export async function authorizeBedrock(
  request: UpstreamRequest,
  ctx: CallContext<BedrockConfig>,
  io: ProviderIO,
): Promise<UpstreamRequest> {
  const region = resolveRegion(ctx.config, io.env, ctx.endpoint);
  const credentials = await resolveCredentials(ctx.config, region, io, ctx.endpoint);
  io.addSecret(credentials.secretAccessKey);
  if (credentials.sessionToken !== undefined) io.addSecret(credentials.sessionToken);
  const url = finalUrl(ctx.config, region, request.url);
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
