import { assertEquals } from "../../../tests/assert.ts";
import { awsUriEncode, canonicalUri, signingKey, signV4 } from "./sigv4.ts";

// Vectors from AWS's Signature Version 4 test suite (credentials, date and expected signatures
// as published by AWS), plus the IAM ListUsers example of the SigV4 documentation.
const SUITE_CREDENTIALS = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
};
const SUITE_NOW = Date.UTC(2015, 7, 30, 12, 36, 0);
const SCOPE = "Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request";
const STS_TOKEN =
  "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";

interface SuiteCase {
  name: string;
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string;
  sessionToken?: string;
  signedHeaders: string;
  signature: string;
}

const SUITE: SuiteCase[] = [
  {
    name: "get-vanilla",
    method: "GET",
    url: "https://example.amazonaws.com/",
    signedHeaders: "host;x-amz-date",
    signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
  },
  {
    name: "post-vanilla",
    method: "POST",
    url: "https://example.amazonaws.com/",
    signedHeaders: "host;x-amz-date",
    signature: "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
  },
  {
    name: "post-vanilla-query",
    method: "POST",
    url: "https://example.amazonaws.com/?Param1=value1",
    signedHeaders: "host;x-amz-date",
    signature: "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11",
  },
  {
    name: "get-vanilla-query-order-key-case",
    method: "GET",
    url: "https://example.amazonaws.com/?Param2=value2&Param1=value1",
    signedHeaders: "host;x-amz-date",
    signature: "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
  },
  {
    name: "post-header-value-case",
    method: "POST",
    url: "https://example.amazonaws.com/",
    headers: { "My-Header1": "VALUE1" },
    signedHeaders: "host;my-header1;x-amz-date",
    signature: "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d",
  },
  {
    name: "post-x-www-form-urlencoded",
    method: "POST",
    url: "https://example.amazonaws.com/",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: "Param1=value1",
    signedHeaders: "content-type;host;x-amz-date",
    signature: "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
  },
  {
    name: "post-sts-header-before",
    method: "POST",
    url: "https://example.amazonaws.com/",
    sessionToken: STS_TOKEN,
    signedHeaders: "host;x-amz-date;x-amz-security-token",
    signature: "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead",
  },
];

for (const c of SUITE) {
  Deno.test(`signV4() matches the AWS SigV4 test suite: ${c.name}`, () => {
    const signed = signV4({
      method: c.method,
      url: c.url,
      headers: c.headers ?? {},
      body: c.body ?? "",
      region: "us-east-1",
      service: "service",
      credentials: { ...SUITE_CREDENTIALS, sessionToken: c.sessionToken },
      now: SUITE_NOW,
    });
    assertEquals(signed.signature, c.signature);
    assertEquals(
      signed.headers["authorization"],
      `AWS4-HMAC-SHA256 ${SCOPE}, SignedHeaders=${c.signedHeaders}, Signature=${c.signature}`,
    );
    assertEquals(signed.headers["x-amz-date"], "20150830T123600Z");
    if (c.sessionToken) assertEquals(signed.headers["x-amz-security-token"], c.sessionToken);
  });
}

Deno.test("signV4() builds the suite's canonical request and string to sign for post-vanilla", () => {
  const signed = signV4({
    method: "POST",
    url: "https://example.amazonaws.com/",
    headers: {},
    body: "",
    region: "us-east-1",
    service: "service",
    credentials: SUITE_CREDENTIALS,
    now: SUITE_NOW,
  });
  assertEquals(
    signed.canonicalRequest,
    "POST\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" +
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  );
  assertEquals(
    signed.stringToSign,
    "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n" +
      "553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87",
  );
});

Deno.test("signV4() matches AWS's documented IAM ListUsers example", () => {
  const signed = signV4({
    method: "GET",
    url: "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08",
    headers: { "Content-Type": "application/x-www-form-urlencoded; charset=utf-8" },
    body: "",
    region: "us-east-1",
    service: "iam",
    credentials: SUITE_CREDENTIALS,
    now: SUITE_NOW,
  });
  assertEquals(
    signed.headers["authorization"],
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, " +
      "SignedHeaders=content-type;host;x-amz-date, " +
      "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
  );
});

Deno.test("signingKey() derives AWS's documented example key", () => {
  const key = signingKey(SUITE_CREDENTIALS.secretAccessKey, "20150830", "us-east-1", "iam");
  assertEquals(
    Array.from(key, (b) => b.toString(16).padStart(2, "0")).join(""),
    "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9",
  );
});

Deno.test("signV4() adds and signs x-amz-content-sha256 when asked", () => {
  const signed = signV4({
    method: "POST",
    url: "https://bedrock-runtime.us-east-1.amazonaws.com/model/m/converse",
    headers: { "content-type": "application/json" },
    body: "{}",
    region: "us-east-1",
    service: "bedrock",
    credentials: SUITE_CREDENTIALS,
    now: SUITE_NOW,
    contentSha256Header: true,
  });
  assertEquals(
    signed.headers["x-amz-content-sha256"],
    "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
  );
  assertEquals(
    /SignedHeaders=([^,]+)/.exec(signed.headers["authorization"] ?? "")?.[1],
    "content-type;host;x-amz-content-sha256;x-amz-date",
  );
  assertEquals(signed.headers["host"], undefined, "fetch sets Host itself");
});

Deno.test("canonicalUri() encodes an already-encoded path once more (non-S3 services)", () => {
  assertEquals(
    canonicalUri("/model/us.anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse"),
    "/model/us.anthropic.claude-3-5-sonnet-20241022-v2%253A0/converse",
  );
  assertEquals(canonicalUri("/"), "/");
  assertEquals(awsUriEncode("a b/c:d~"), "a%20b%2Fc%3Ad~");
  assertEquals(awsUriEncode("a/b", true), "a/b");
});
