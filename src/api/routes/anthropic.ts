/**
 * Anthropic's Messages API: `POST /v1/messages` (also under `/anthropic`) served by any chat
 * endpoint or route that `model` names, and `POST /v1/messages/count_tokens` (an estimate).
 * `x-api-key` and `anthropic-version` are accepted as the Anthropic SDKs send them.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { AppDeps } from "../context.ts";
import type { RouteDef } from "../mount.ts";
import { codecInvocation, type Invocation } from "../invoke.ts";
import { anthropicCodec } from "../../ingress/anthropic/codec.ts";
import { anthropicWire } from "../../ingress/anthropic/wire.ts";
import { countTokensEstimate, decodeCountTokensRequest } from "../../ingress/anthropic/request.ts";
import { parseJsonObject, startBodyRead } from "../body.ts";
import { codecErrorResponse } from "../errors.ts";
import type { Gateway } from "../../core/gateway.ts";

const AnthropicError = z.object({
  type: z.literal("error"),
  error: z.object({ type: z.string(), message: z.string() }),
}).openapi("AnthropicError");

const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, {
    description: "Anthropic's error envelope",
    content: { "application/json": { schema: AnthropicError } },
  }]));

/** count_tokens: the request decoded as for a message, its input tokens estimated. */
function countTokens(gateway: Gateway): Invocation {
  return async (request, record) => {
    record.ingress = "anthropic.count_tokens";
    try {
      const read = startBodyRead(request, gateway.snapshot.config.server.max_body_bytes);
      let body: Record<string, unknown>;
      try {
        body = parseJsonObject(await read.promise);
      } finally {
        read.done();
      }
      const decoded = decodeCountTokensRequest(body);
      gateway.check(decoded.name, "chat");
      return Response.json({ input_tokens: countTokensEstimate(decoded.request) });
    } catch (error) {
      return codecErrorResponse(anthropicCodec, error, record, gateway.logger);
    }
  };
}

export function anthropicRoutes({ gateway }: AppDeps): RouteDef[] {
  const messages = codecInvocation(gateway, anthropicCodec);
  const count = countTokens(gateway);
  return [
    {
      route: createRoute({
        method: "post",
        path: "/v1/messages",
        tags: ["Anthropic-compatible"],
        summary: "Create a message (Anthropic's Messages API; `model` names an endpoint or route)",
        operationId: "anthropic_messages",
        request: {
          body: {
            required: true,
            content: {
              "application/json": { schema: z.lazy(() => anthropicWire().MessagesRequest) },
            },
          },
        },
        responses: {
          200: {
            description:
              "The message, or with `stream: true` Anthropic's server-sent events (message_start ... message_stop)",
          },
          ...errors(400, 404, 413, 429, 502, 503, 504),
        },
      }),
      aliases: ["/anthropic/v1/messages", "/gateway/anthropic/v1/messages"],
      handler: (c) => messages(c.req.raw, c.env),
      direct: messages,
      codec: anthropicCodec,
    },
    {
      route: createRoute({
        method: "post",
        path: "/v1/messages/count_tokens",
        tags: ["Anthropic-compatible"],
        summary: "Count a message's input tokens (an estimate: about four characters a token)",
        operationId: "anthropic_count_tokens",
        request: {
          body: {
            required: true,
            content: {
              "application/json": { schema: z.lazy(() => anthropicWire().CountTokensRequest) },
            },
          },
        },
        responses: {
          200: {
            description: "The estimated input tokens",
            content: {
              "application/json": { schema: z.object({ input_tokens: z.number().int() }) },
            },
          },
          ...errors(400, 404),
        },
      }),
      aliases: ["/anthropic/v1/messages/count_tokens"],
      handler: (c) => count(c.req.raw, c.env),
      direct: count,
      codec: anthropicCodec,
    },
  ];
}
