/**
 * AWS Signature Version 4 (header signing), written from AWS's published algorithm: canonical
 * request, string to sign, derived signing key, `Authorization` header. Pure: the clock and the
 * credentials come in as arguments.
 */
import { createHash, createHmac } from "node:crypto";

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
}

export interface SignInput {
  method: string;
  url: string;
  /** Headers to send and sign (names in any case); `host` is taken from the URL. */
  headers: Readonly<Record<string, string>>;
  body: string | Uint8Array;
  region: string;
  service: string;
  credentials: AwsCredentials;
  /** Milliseconds since the epoch. */
  now: number;
  /** Also send and sign `x-amz-content-sha256` (what the AWS SDKs do; the test suite does not). */
  contentSha256Header?: boolean;
}

export interface Signed {
  /** The headers to send: the input's, plus `x-amz-date`, the token, and `authorization`. */
  headers: Record<string, string>;
  canonicalRequest: string;
  stringToSign: string;
  signature: string;
}

const ALGORITHM = "AWS4-HMAC-SHA256";

/** Hex SHA-256 of a string (as UTF-8) or bytes. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

function hmac(key: string | Uint8Array, data: string): Uint8Array {
  return createHmac("sha256", key).update(data).digest();
}

/** `20150830T123600Z`: the `x-amz-date` format. */
export function amzDate(now: number): string {
  return new Date(now).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

/** URI encoding as SigV4 defines it: every byte but `A-Za-z0-9-._~` as `%XX` (upper case). */
export function awsUriEncode(value: string, keepSlash = false): string {
  let out = "";
  for (const byte of new TextEncoder().encode(value)) {
    const char = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-._~]/.test(char) || (keepSlash && char === "/")) out += char;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/**
 * The canonical URI: each segment of the path as sent, encoded once more. Services other than
 * S3 sign the path "URI-encoded twice", so `%3A` in a model id is signed as `%253A`.
 */
export function canonicalUri(pathname: string): string {
  if (pathname === "" || pathname === "/") return "/";
  return pathname.split("/").map((segment) => awsUriEncode(segment)).join("/");
}

/** The canonical query string: names and values encoded, sorted by name, then value. */
export function canonicalQuery(search: string): string {
  const pairs = [...new URLSearchParams(search)].map(([name, value]) =>
    [awsUriEncode(name), awsUriEncode(value)] as const
  );
  pairs.sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([name, value]) => `${name}=${value}`).join("&");
}

/** Lower-cased names, values trimmed with inner runs of spaces collapsed, sorted by name. */
function canonicalHeaders(headers: Readonly<Record<string, string>>): [string, string][] {
  const merged = new Map<string, string[]>();
  for (const [name, value] of Object.entries(headers)) {
    const key = name.toLowerCase();
    const values = merged.get(key) ?? [];
    values.push(value.trim().replace(/\s+/g, " "));
    merged.set(key, values);
  }
  return [...merged.entries()]
    .map(([name, values]) => [name, values.join(",")] as [string, string])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The signing key: HMAC chain of date, region, service and `aws4_request`. */
export function signingKey(
  secretAccessKey: string,
  date: string,
  region: string,
  service: string,
): Uint8Array {
  const kDate = hmac(`AWS4${secretAccessKey}`, date);
  const kRegion = hmac(kDate, region);
  const kService = hmac(kRegion, service);
  return hmac(kService, "aws4_request");
}

/** Signs a request with SigV4 and returns the headers to send. */
export function signV4(input: SignInput): Signed {
  const url = new URL(input.url);
  const timestamp = amzDate(input.now);
  const date = timestamp.slice(0, 8);
  const payloadHash = sha256Hex(input.body);

  const toSign: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.headers)) {
    const key = name.toLowerCase();
    if (key === "authorization" || key === "host") continue;
    toSign[key] = value;
  }
  toSign["host"] = url.host;
  toSign["x-amz-date"] = timestamp;
  if (input.contentSha256Header) toSign["x-amz-content-sha256"] = payloadHash;
  const token = input.credentials.sessionToken;
  if (token !== undefined && token !== "") toSign["x-amz-security-token"] = token;

  const headers = canonicalHeaders(toSign);
  const signedHeaders = headers.map(([name]) => name).join(";");
  const canonicalRequest = [
    input.method.toUpperCase(),
    canonicalUri(url.pathname),
    canonicalQuery(url.search),
    headers.map(([name, value]) => `${name}:${value}\n`).join(""),
    signedHeaders,
    payloadHash,
  ].join("\n");
  const scope = `${date}/${input.region}/${input.service}/aws4_request`;
  const stringToSign = [ALGORITHM, timestamp, scope, sha256Hex(canonicalRequest)].join("\n");
  const key = signingKey(input.credentials.secretAccessKey, date, input.region, input.service);
  const signature = createHmac("sha256", key).update(stringToSign).digest("hex");

  const { host: _host, ...sent } = toSign;
  sent["authorization"] = `${ALGORITHM} Credential=${input.credentials.accessKeyId}/${scope}, ` +
    `SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return { headers: sent, canonicalRequest, stringToSign, signature };
}
