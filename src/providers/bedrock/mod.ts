/** The `bedrock` provider (scaffold: its operations are being written). */
import { z } from "zod";
import type { Provider } from "../../core/provider.ts";

export const bedrockProvider: Provider = {
  name: "bedrock",
  displayName: "Amazon Bedrock",
  configSchema: z.object({
    aws_config: z.unknown().optional(),
    bedrock_api_base: z.unknown().optional(),
  }),
  secretKeys: ["aws_secret_access_key", "aws_session_token", "aws_access_key_id"],
  supportsTools: false,
};
