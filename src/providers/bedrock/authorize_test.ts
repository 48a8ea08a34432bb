import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
  assertStringIncludes,
} from "../../../tests/assert.ts";
import type { CallContext, ProviderIO, UpstreamRequest } from "../../core/provider.ts";
import { authorizeBedrock, finalUrl } from "./authorize.ts";
import { BedrockConfig } from "./config.ts";
import { resolveRegion } from "./credentials.ts";
import { signV4 } from "./sigv4.ts";
import { parseAssumeRoleResponse } from "./sts.ts";

const ROLE = "arn:aws:iam::123456789012:role/gateway-bedrock";
const NOW = Date.UTC(2024, 4, 1, 12, 0, 0);

function stsXml(id: string, expiration: string): string {
  return `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/gateway-bedrock/ai-gateway-bedrock</Arn>
      <AssumedRoleId>AROA3XFRBF535PLBIFPI4:ai-gateway-bedrock</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>${id}</AccessKeyId>
      <SecretAccessKey>temp/secret&amp;key</SecretAccessKey>
      <SessionToken>token-${id}</SessionToken>
      <Expiration>${expiration}</Expiration>
    </Credentials>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>
</AssumeRoleResponse>`;
}

interface FakeIO extends ProviderIO {
  calls: { url: string; headers: Record<string, string>; body: string }[];
  clock: { now: number };
  secrets: string[];
}

function fakeIO(
  env: Record<string, string> = {},
  answer: () => Response = () => new Response(stsXml("ASIATEMP1", "2024-05-01T13:00:00Z")),
): FakeIO {
  const calls: FakeIO["calls"] = [];
  const clock = { now: NOW };
  const secrets: string[] = [];
  return {
    calls,
    clock,
    secrets,
    addSecret: (value: string) => void secrets.push(value),
    env,
    now: () => clock.now,
    cache: new Map(),
    signal: new AbortController().signal,
    fetch: (async (input: string | URL | Request, init?: RequestInit) => {
      calls.push({
        url: String(input),
        headers: init?.headers as Record<string, string>,
        body: String(init?.body),
      });
      await new Promise((r) => setTimeout(r, 1));
      return answer();
    }) as typeof fetch,
  };
}

function ctx(config: Record<string, unknown>): CallContext<BedrockConfig> {
  return { endpoint: "chat", model: "m", config: BedrockConfig.parse(config), stream: false };
}

const built = (
  url = "https://bedrock-runtime.amazonaws.com/model/m%3A0/converse",
): UpstreamRequest => ({
  url,
  headers: { "content-type": "application/json", accept: "application/json" },
  body: '{"messages":[]}',
  warnings: [],
});

const KEYS = { aws_access_key_id: "AKIDCONFIG", aws_secret_access_key: "config/secret" };

Deno.test("authorizeBedrock() signs with the configured keys for service bedrock", async () => {
  const io = fakeIO();
  const request = await authorizeBedrock(
    built(),
    ctx({ aws_config: { ...KEYS, aws_region: "eu-central-1" } }),
    io,
  );
  assertEquals(
    request.url,
    "https://bedrock-runtime.eu-central-1.amazonaws.com/model/m%3A0/converse",
  );
  assertEquals(request.headers["x-amz-date"], "20240501T120000Z");
  assertEquals(request.headers["x-amz-security-token"], undefined);
  // The signature is the one signV4 (checked against AWS's vectors) gives for the final request.
  const expected = signV4({
    method: "POST",
    url: request.url,
    headers: built().headers,
    body: built().body,
    region: "eu-central-1",
    service: "bedrock",
    credentials: { accessKeyId: "AKIDCONFIG", secretAccessKey: "config/secret" },
    now: NOW,
    contentSha256Header: true,
  });
  assertEquals(request.headers["authorization"], expected.headers["authorization"]);
  assertMatch(
    request.headers["authorization"] ?? "",
    /^AWS4-HMAC-SHA256 Credential=AKIDCONFIG\/20240501\/eu-central-1\/bedrock\/aws4_request, SignedHeaders=accept;content-type;host;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$/,
  );
  assertEquals(io.calls.length, 0);
});

Deno.test("authorizeBedrock() takes credentials, token and region from the environment", async () => {
  const io = fakeIO({
    AWS_ACCESS_KEY_ID: "AKIDENV",
    AWS_SECRET_ACCESS_KEY: "env-secret",
    AWS_SESSION_TOKEN: "env-token",
    AWS_DEFAULT_REGION: "ap-south-1",
  });
  const request = await authorizeBedrock(built(), ctx({}), io);
  assertEquals(
    request.url,
    "https://bedrock-runtime.ap-south-1.amazonaws.com/model/m%3A0/converse",
  );
  assertEquals(request.headers["x-amz-security-token"], "env-token");
  assertStringIncludes(
    request.headers["authorization"] ?? "",
    "Credential=AKIDENV/20240501/ap-south-1/",
  );
  assertStringIncludes(request.headers["authorization"] ?? "", "x-amz-security-token");
});

Deno.test("authorizeBedrock() keeps a configured base URL and prefers keys over env", async () => {
  const io = fakeIO({
    AWS_ACCESS_KEY_ID: "AKIDENV",
    AWS_SECRET_ACCESS_KEY: "e",
    AWS_REGION: "us-west-2",
  });
  const request = await authorizeBedrock(
    built("http://127.0.0.1:8000/proxy/model/m/invoke"),
    ctx({ aws_config: KEYS, bedrock_api_base: "http://127.0.0.1:8000/proxy" }),
    io,
  );
  assertEquals(request.url, "http://127.0.0.1:8000/proxy/model/m/invoke");
  assertStringIncludes(
    request.headers["authorization"] ?? "",
    "Credential=AKIDCONFIG/20240501/us-west-2/",
  );
});

Deno.test("authorizeBedrock() explains a missing region or missing credentials", async () => {
  await assertRejects(
    () => authorizeBedrock(built(), ctx({ aws_config: KEYS }), fakeIO()),
    /no AWS region: set model.config.aws_config.aws_region/,
  );
  await assertRejects(
    () => authorizeBedrock(built(), ctx({ aws_config: { aws_region: "us-east-1" } }), fakeIO()),
    /no AWS credentials for Amazon Bedrock/,
  );
});

Deno.test("resolveRegion() prefers aws_region, then AWS_REGION, then AWS_DEFAULT_REGION", () => {
  const env = { AWS_REGION: "eu-west-3", AWS_DEFAULT_REGION: "eu-north-1" };
  assertEquals(
    resolveRegion(BedrockConfig.parse({ aws_config: { aws_region: "us-east-2" } }), env, "e"),
    "us-east-2",
  );
  assertEquals(resolveRegion(BedrockConfig.parse({}), env, "e"), "eu-west-3");
  assertEquals(
    resolveRegion(BedrockConfig.parse({}), { AWS_DEFAULT_REGION: "eu-north-1" }, "e"),
    "eu-north-1",
  );
});

Deno.test("authorizeBedrock() assumes a role once and reuses it until shortly before expiry", async () => {
  const io = fakeIO({ AWS_ACCESS_KEY_ID: "AKIDBASE", AWS_SECRET_ACCESS_KEY: "base-secret" });
  const config = ctx({
    aws_config: { aws_role_arn: ROLE, aws_region: "us-east-1", session_length_seconds: 3600 },
    sts_api_base: "http://127.0.0.1:9/sts",
  });
  const [a, b] = await Promise.all([
    authorizeBedrock(built(), config, io),
    authorizeBedrock(built(), config, io),
  ]);
  assertEquals(io.calls.length, 1, "concurrent requests share one STS call");
  const call = io.calls[0];
  assert(call);
  assertEquals(call.url, "http://127.0.0.1:9/sts/");
  assertEquals(
    call.body,
    "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fgateway-bedrock&RoleSessionName=ai-gateway-bedrock&DurationSeconds=3600",
  );
  assertStringIncludes(
    call.headers["authorization"] ?? "",
    "Credential=AKIDBASE/20240501/us-east-1/sts/aws4_request",
  );
  for (const request of [a, b]) {
    assertStringIncludes(request.headers["authorization"] ?? "", "Credential=ASIATEMP1/");
    assertEquals(request.headers["x-amz-security-token"], "token-ASIATEMP1");
  }
  assert(
    io.secrets.includes("temp/secret&key"),
    "assumed-role credentials are registered for redaction",
  );
  assert(io.secrets.includes("token-ASIATEMP1"));
  io.clock.now = NOW + 50 * 60_000; // 10 minutes before expiry: still fresh
  await authorizeBedrock(built(), config, io);
  assertEquals(io.calls.length, 1);
  io.clock.now = NOW + 56 * 60_000; // inside the 5-minute margin: renewed
  await authorizeBedrock(built(), config, io);
  assertEquals(io.calls.length, 2);
});

Deno.test("authorizeBedrock() does not cache a failed role assumption", async () => {
  let fail = true;
  const io = fakeIO(
    { AWS_ACCESS_KEY_ID: "AKIDBASE", AWS_SECRET_ACCESS_KEY: "base-secret" },
    () =>
      fail
        ? new Response(
          `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:iam::123456789012:user/gw is not authorized to perform: sts:AssumeRole</Message></Error><RequestId>1</RequestId></ErrorResponse>`,
          { status: 403 },
        )
        : new Response(stsXml("ASIATEMP2", "2024-05-01T13:00:00Z")),
  );
  const config = ctx({ aws_config: { aws_role_arn: ROLE, aws_region: "us-east-1" } });
  const error = await assertRejects(
    () => authorizeBedrock(built(), config, io),
    /could not assume role .*AccessDenied: User: .* is not authorized/,
  );
  assertEquals((error as { status?: number }).status, 502);
  assertNotLeaking(error.message);
  fail = false;
  const request = await authorizeBedrock(built(), config, io);
  assertStringIncludes(request.headers["authorization"] ?? "", "Credential=ASIATEMP2/");
  assertEquals(io.calls.length, 2);
});

function assertNotLeaking(message: string): void {
  assertEquals(message.includes("base-secret"), false);
}

Deno.test("authorizeBedrock() uses the configured keys as the base credentials of a role", async () => {
  const io = fakeIO();
  await authorizeBedrock(
    built(),
    ctx({ aws_config: { ...KEYS, aws_role_arn: ROLE, aws_region: "us-east-1" } }),
    io,
  );
  assertStringIncludes(io.calls[0]?.headers["authorization"] ?? "", "Credential=AKIDCONFIG/");
  assertEquals(io.calls[0]?.url, "https://sts.us-east-1.amazonaws.com/");
});

Deno.test("parseAssumeRoleResponse() reads the temporary credentials and decodes entities", () => {
  const assumed = parseAssumeRoleResponse(stsXml("ASIAX", "2024-05-01T12:15:00Z"), NOW);
  assertEquals(assumed.credentials, {
    accessKeyId: "ASIAX",
    secretAccessKey: "temp/secret&key",
    sessionToken: "token-ASIAX",
  });
  assertEquals(assumed.expiresAt, NOW + 15 * 60_000);
});

Deno.test("finalUrl() rebuilds the host for the region and keeps the operation path", () => {
  const config = BedrockConfig.parse({});
  assertEquals(
    finalUrl(
      config,
      "sa-east-1",
      "https://bedrock-runtime.amazonaws.com/model/a%3Ab/converse-stream",
    ),
    "https://bedrock-runtime.sa-east-1.amazonaws.com/model/a%3Ab/converse-stream",
  );
});

Deno.test("authorizeBedrock() sends a Bedrock API key as a bearer token instead of signing", async () => {
  const io = fakeIO({ AWS_ACCESS_KEY_ID: "AKIDENV", AWS_SECRET_ACCESS_KEY: "env/secret" });
  const request = await authorizeBedrock(
    built(),
    ctx({ aws_config: { aws_bearer_token: "bedrock-api-key-123", aws_region: "us-west-2" } }),
    io,
  );
  assertEquals(request.url, "https://bedrock-runtime.us-west-2.amazonaws.com/model/m%3A0/converse");
  assertEquals(request.headers["authorization"], "Bearer bedrock-api-key-123");
  assertEquals(request.headers["x-amz-date"], undefined);
  assertEquals(io.secrets, ["bedrock-api-key-123"]);
  // AWS_BEARER_TOKEN_BEDROCK serves when the config names no credentials of its own.
  const fromEnv = await authorizeBedrock(
    built(),
    ctx({ aws_config: { aws_region: "us-west-2" } }),
    fakeIO({ AWS_BEARER_TOKEN_BEDROCK: "env-api-key" }),
  );
  assertEquals(fromEnv.headers["authorization"], "Bearer env-api-key");
  const signed = await authorizeBedrock(
    built(),
    ctx({ aws_config: { ...KEYS, aws_region: "us-west-2" } }),
    fakeIO({ AWS_BEARER_TOKEN_BEDROCK: "env-api-key" }),
  );
  assertMatch(signed.headers["authorization"] ?? "", /^AWS4-HMAC-SHA256 /);
  // A key beside AWS keys is refused when the config is read.
  assert(
    !BedrockConfig.safeParse({ aws_config: { ...KEYS, aws_bearer_token: "k" } }).success,
  );
});
