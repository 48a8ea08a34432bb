/**
 * Google's Gemini API: `POST /v1beta/models/{model}:generateContent` and
 * `:streamGenerateContent` (also under `/v1/models/...`, as the newest google-genai SDK posts,
 * and MLflow 3's `/gateway/gemini/v1beta/models/...`), served by any chat endpoint or route the
 * path names. `x-goog-api-key` is the client key when authentication is on.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { AppDeps } from "../context.ts";
import type { RouteDef } from "../mount.ts";
import { codecInvocation } from "../invoke.ts";
import { geminiCodec } from "../../ingress/gemini/codec.ts";
import { geminiWire } from "../../ingress/gemini/wire.ts";
import { NotFoundError } from "../../core/errors.ts";
import { errorResponses } from "../../schemas/errors.ts";

const PREFIXES = ["/v1beta/models/", "/v1/models/", "/gateway/gemini/v1beta/models/"];

export function geminiRoutes({ gateway }: AppDeps): RouteDef[] {
  const generate = geminiCodec(false);
  const stream = geminiCodec(true);
  const serveGenerate = codecInvocation(gateway, generate);
  const serveStream = codecInvocation(gateway, stream);
  const route = (verb: string, summary: string) =>
    createRoute({
      method: "post",
      path: `/v1beta/models/{model}:${verb}`,
      tags: ["Gemini-compatible"],
      summary,
      operationId: `gemini_${verb}`,
      request: {
        body: {
          required: true,
          content: {
            "application/json": { schema: z.lazy(() => geminiWire().GenerateContentRequest) },
          },
        },
      },
      responses: {
        200: { description: "Google's GenerateContentResponse (a stream: server-sent events)" },
        ...errorResponses(400, 401, 403, 404, 413, 429, 502, 503, 504),
      },
    });
  return [
    {
      route: route(
        "generateContent",
        "Generate content (Gemini's API; the path names an endpoint)",
      ),
      aliases: PREFIXES.slice(1).map((prefix) => `${prefix}{model}:generateContent`),
      // Hono cannot match a name and a verb in one segment: one pattern per prefix, the verb
      // read here. The exact-path table serves the usual requests without it.
      mountAt: PREFIXES.map((prefix) => `${prefix}:call`),
      handler: (c) => {
        const call = c.req.param("call") ?? "";
        const colon = call.lastIndexOf(":");
        const name = decodeURIComponent(call.slice(0, colon));
        const verb = call.slice(colon + 1);
        if (verb === "generateContent") return serveGenerate(c.req.raw, c.env, name);
        if (verb === "streamGenerateContent") return serveStream(c.req.raw, c.env, name);
        throw new NotFoundError(
          `no such method '${verb}' (generateContent or streamGenerateContent)`,
        );
      },
      direct: serveGenerate,
      codec: generate,
    },
    {
      route: route(
        "streamGenerateContent",
        "Stream generated content (`?alt=sse`; the path names an endpoint)",
      ),
      aliases: PREFIXES.slice(1).map((prefix) => `${prefix}{model}:streamGenerateContent`),
      mountAt: [],
      handler: (c) => serveStream(c.req.raw, c.env, c.req.param("model")),
      direct: serveStream,
      codec: stream,
    },
  ];
}
