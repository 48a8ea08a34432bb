import { assertEquals } from "../../../tests/assert.ts";
import { loadConfigText } from "../../config/load.ts";
import { BedrockConfig } from "./config.ts";

Deno.test("BedrockConfig accepts MLflow's three aws_config shapes", () => {
  assertEquals(BedrockConfig.safeParse({ aws_config: { aws_region: "us-east-1" } }).success, true);
  assertEquals(
    BedrockConfig.safeParse({
      aws_config: {
        aws_access_key_id: "AKID",
        aws_secret_access_key: "secret",
        aws_session_token: "token",
        aws_region: "us-east-1",
      },
    }).success,
    true,
  );
  const role = BedrockConfig.parse({
    aws_config: { aws_role_arn: "arn:aws:iam::123456789012:role/x", aws_region: "us-east-1" },
  });
  assertEquals(role.aws_config.session_length_seconds, 900);
  assertEquals(BedrockConfig.parse({}).aws_config, { session_length_seconds: 900 });
});

Deno.test("BedrockConfig rejects half a key pair, bad ARNs, durations and unknown keys", () => {
  const issues = (config: unknown) =>
    BedrockConfig.safeParse(config).error?.issues.map((i) => i.path.join(".")) ?? [];
  assertEquals(issues({ aws_config: { aws_access_key_id: "AKID" } }), [
    "aws_config.aws_secret_access_key",
  ]);
  assertEquals(issues({ aws_config: { aws_session_token: "t" } }), [
    "aws_config.aws_session_token",
  ]);
  assertEquals(issues({ aws_config: { aws_role_arn: "my-role" } }), ["aws_config.aws_role_arn"]);
  assertEquals(issues({ aws_config: { session_length_seconds: 60 } }), [
    "aws_config.session_length_seconds",
  ]);
  assertEquals(issues({ aws_config: { aws_secret_key: "x" } }), ["aws_config"]);
  assertEquals(issues({ bedrock_api_base: "ftp://x" }), ["bedrock_api_base"]);
});

Deno.test("the loader resolves $VAR secrets inside aws_config and redacts them", () => {
  const result = loadConfigText(
    `
endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    model:
      provider: amazon-bedrock
      name: anthropic.claude-3-haiku-20240307-v1:0
      config:
        aws_config:
          aws_region: us-east-1
          aws_access_key_id: $TEST_BEDROCK_KEY_ID
          aws_secret_access_key: \${TEST_BEDROCK_SECRET}
`,
    "test.yaml",
    { env: { TEST_BEDROCK_KEY_ID: "AKIDRESOLVED", TEST_BEDROCK_SECRET: "resolved/secret" } },
  );
  assertEquals(result.problems.filter((p) => p.severity === "error"), []);
  const config = result.config?.endpoints[0]?.config as BedrockConfig;
  assertEquals(config.aws_config.aws_access_key_id, "AKIDRESOLVED");
  assertEquals(config.aws_config.aws_secret_access_key, "resolved/secret");
  assertEquals(result.config?.secrets.includes("resolved/secret"), true);
  assertEquals(result.config?.endpoints[0]?.provider, "bedrock");
});

Deno.test("the loader points at a misspelt aws_config key", () => {
  const result = loadConfigText(
    `
endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    model:
      provider: bedrock
      name: m
      config:
        aws_config: {aws_region: us-east-1, aws_secret_key: x}
`,
    "test.yaml",
  );
  const problem = result.problems.find((p) => p.severity === "error");
  assertEquals(problem?.path, "endpoints[0].model.config.aws_config.aws_secret_key");
  assertEquals(problem?.hint, "did you mean 'aws_secret_access_key'?");
});
