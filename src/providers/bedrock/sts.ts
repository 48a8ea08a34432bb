/**
 * STS AssumeRole over its query API: a SigV4-signed form POST (service `sts`) answered in XML.
 */
import { ProviderError } from "../../core/errors.ts";
import type { ProviderIO } from "../../core/provider.ts";
import { type AwsCredentials, signV4 } from "./sigv4.ts";

/** The session name MLflow uses, kept so CloudTrail entries look the same. */
export const ROLE_SESSION_NAME = "ai-gateway-bedrock";

/** How long an STS call may take. */
export const STS_TIMEOUT_MS = 30_000;

export interface AssumedRole {
  credentials: AwsCredentials;
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

export interface AssumeRoleOptions {
  stsUrl: string;
  region: string;
  roleArn: string;
  durationSeconds: number;
  base: AwsCredentials;
  io: Pick<ProviderIO, "fetch" | "now">;
  endpoint: string;
}

/** The form body of an AssumeRole call. */
export function assumeRoleBody(roleArn: string, durationSeconds: number): string {
  return new URLSearchParams({
    Action: "AssumeRole",
    Version: "2011-06-15",
    RoleArn: roleArn,
    RoleSessionName: ROLE_SESSION_NAME,
    DurationSeconds: String(durationSeconds),
  }).toString();
}

function decodeXml(text: string): string {
  return text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
    .replace(/&amp;/g, "&");
}

/** The text of the first `<tag>` element in `xml`, if any. */
export function xmlText(xml: string, tag: string): string | undefined {
  const match = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(xml);
  return match ? decodeXml(match[1] ?? "").trim() : undefined;
}

/** Reads an AssumeRole answer; a body without credentials is a 502. */
export function parseAssumeRoleResponse(xml: string, now: number): AssumedRole {
  const credentials = xmlText(xml, "Credentials") ?? "";
  const accessKeyId = xmlText(credentials, "AccessKeyId");
  const secretAccessKey = xmlText(credentials, "SecretAccessKey");
  const sessionToken = xmlText(credentials, "SessionToken");
  if (!accessKeyId || !secretAccessKey || !sessionToken) {
    throw new ProviderError(
      502,
      "upstream_error",
      "AWS STS answered AssumeRole without credentials",
      { retryable: true },
    );
  }
  const expiration = Date.parse(xmlText(credentials, "Expiration") ?? "");
  return {
    credentials: { accessKeyId, secretAccessKey, sessionToken },
    expiresAt: Number.isNaN(expiration) ? now + 15 * 60_000 : expiration,
  };
}

/** The error of an STS answer: `<Code>` and `<Message>`. */
function stsFailure(status: number, xml: string, opts: AssumeRoleOptions): ProviderError {
  const code = xmlText(xml, "Code") ?? `HTTP ${status}`;
  const message = xmlText(xml, "Message") ?? "";
  const what = `AWS STS could not assume role '${opts.roleArn}' for endpoint ` +
    `'${opts.endpoint}': ${code}${message ? `: ${message}` : ""}`;
  if (status === 429 || code === "Throttling") {
    return new ProviderError(429, "rate_limit_error", what, { code, retryable: true });
  }
  if (status >= 500) {
    return new ProviderError(502, "upstream_error", what, { code, retryable: true });
  }
  return new ProviderError(502, "upstream_auth_error", what, { code });
}

/** Calls AssumeRole with the base credentials and returns the temporary ones. */
export async function assumeRole(opts: AssumeRoleOptions): Promise<AssumedRole> {
  const url = `${opts.stsUrl}/`;
  const body = assumeRoleBody(opts.roleArn, opts.durationSeconds);
  const signed = signV4({
    method: "POST",
    url,
    headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
    body,
    region: opts.region,
    service: "sts",
    credentials: opts.base,
    now: opts.io.now(),
  });
  let response: Response;
  let text: string;
  try {
    response = await opts.io.fetch(url, {
      method: "POST",
      headers: signed.headers,
      body,
      signal: AbortSignal.timeout(STS_TIMEOUT_MS),
    });
    text = await response.text();
  } catch (error) {
    throw new ProviderError(
      502,
      "upstream_error",
      `could not reach AWS STS at ${new URL(url).origin} to assume role '${opts.roleArn}' ` +
        `(endpoint '${opts.endpoint}'): ${(error as Error).message}`,
      { retryable: true, cause: error },
    );
  }
  if (!response.ok) throw stsFailure(response.status, text, opts);
  return parseAssumeRoleResponse(text, opts.io.now());
}
