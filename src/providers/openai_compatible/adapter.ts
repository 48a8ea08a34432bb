/**
 * The one OpenAI-wire adapter. A provider built here differs from another only by data: its
 * config schema, where its paths live (`target`) and its `WireProfile`.
 */
import type { z } from "zod";
import type { Provider } from "../../core/provider.ts";
import type { ProviderName } from "../../config/schema.ts";
import type { CompletionsRequest } from "../../schemas/completions.ts";
import type { OpenAIPath, StreamUsage, WireProfile } from "./profile.ts";
import { bodyWithModel, buildWireRequest, type WireTarget } from "./request.ts";
import {
  parseChatResponse,
  parseCompletionsResponse,
  parseEmbeddingsResponse,
} from "./response.ts";
import { chatStreamParser, chatStreamParts, completionsStreamParser } from "./stream.ts";
import { embeddingsFromBytes, isCanonicalEmbeddings } from "./response.ts";
import { parseOpenAIError } from "./errors.ts";
import { chatToCompletions, completionsToChat, completionsViaChatParser } from "./via_chat.ts";
import { chunksAsParts } from "../shared/chunks.ts";

/** Everything that makes one OpenAI-compatible provider. */
export interface AdapterSpec<C> {
  name: ProviderName;
  displayName: string;
  configSchema: z.ZodType<C>;
  secretKeys: readonly string[];
  profile: WireProfile;
  /** The URL and auth headers of `path` for an endpoint's config. */
  target(config: C, path: OpenAIPath): WireTarget;
  /** Overrides `profile.streamUsage` where it depends on the config (Azure's API version). */
  streamUsage?(config: C): StreamUsage;
}

/** A provider speaking the OpenAI wire format, shaped by `spec`. */
export function openAICompatibleProvider<C>(spec: AdapterSpec<C>): Provider<C> {
  const { profile, displayName: name } = spec;
  const usageOf = (config: C) => spec.streamUsage?.(config) ?? profile.streamUsage;
  // A target depends only on the endpoint's config, which a reload replaces rather than changes:
  // built once per config and path instead of on every call. Frozen, as every call shares it.
  const targets = new WeakMap<object, Map<OpenAIPath, WireTarget>>();
  function targetOf(config: C, path: OpenAIPath): WireTarget {
    let byPath = targets.get(config as object);
    if (byPath === undefined) {
      byPath = new Map();
      targets.set(config as object, byPath);
    }
    let target = byPath.get(path);
    if (target === undefined) {
      const built = spec.target(config, path);
      target = Object.freeze({ ...built, headers: Object.freeze({ ...built.headers }) });
      byPath.set(path, target);
    }
    return target;
  }
  /** The target of `path` and the body's start (the endpoint's model, the client's fields). */
  function build(path: OpenAIPath, body: object, ctx: { model: string | null; config: C }) {
    const target = targetOf(ctx.config, path);
    return { target, start: bodyWithModel(body, ctx.model, target.sendModel) };
  }

  const provider: Provider<C> = {
    name: spec.name,
    displayName: name,
    configSchema: spec.configSchema,
    secretKeys: spec.secretKeys,
    supportsTools: true,
    chat: {
      kind: "http",
      buildRequest(req, ctx) {
        const { target, start } = build("chat/completions", req, ctx);
        return buildWireRequest("chat/completions", start, ctx, target, {
          streamUsage: usageOf(ctx.config),
          quirks: profile.quirks["chat/completions"],
          request: req,
        });
      },
      parseResponse: (json, ctx) => parseChatResponse(json, ctx, name),
      streamParser: (ctx) => chatStreamParts(ctx, name),
      streamFormat: "sse",
    },
    parseError: (status, body) => parseOpenAIError(status, body),
  };

  if (profile.completions === "native") {
    provider.completions = {
      kind: "http",
      buildRequest(req, ctx) {
        const { target, start } = build("completions", req, ctx);
        return buildWireRequest("completions", start, ctx, target, {
          streamUsage: usageOf(ctx.config),
          quirks: profile.quirks.completions,
          request: req,
        });
      },
      parseResponse: (json, ctx) => parseCompletionsResponse(json, ctx, name),
      streamParser: (ctx) => chunksAsParts(completionsStreamParser(ctx, name)),
      streamFormat: "sse",
    };
  } else if (profile.completions === "via-chat") {
    provider.completions = {
      kind: "http",
      buildRequest(req: CompletionsRequest, ctx) {
        const converted = completionsToChat(req, name);
        const { target, start } = build("chat/completions", converted.body, ctx);
        const upstream = buildWireRequest("chat/completions", start, ctx, target, {
          streamUsage: usageOf(ctx.config),
          quirks: profile.quirks["chat/completions"],
        });
        return { ...upstream, warnings: [...converted.warnings, ...upstream.warnings] };
      },
      parseResponse: (json, ctx) => chatToCompletions(parseChatResponse(json, ctx, name)),
      streamParser: (ctx) => chunksAsParts(completionsViaChatParser(chatStreamParser(ctx, name))),
      streamFormat: "sse",
    };
  }

  if (profile.embeddings) {
    provider.embeddings = {
      kind: "http",
      buildRequest(req, ctx) {
        const { target, start } = build("embeddings", req, ctx);
        return buildWireRequest("embeddings", start, ctx, target, {
          streamUsage: usageOf(ctx.config),
          quirks: profile.quirks.embeddings,
          request: req,
        });
      },
      parseResponse: (json, ctx) => parseEmbeddingsResponse(json, ctx, name),
      sendsUpstreamBody: isCanonicalEmbeddings,
      readBytes: (bytes, ctx) => embeddingsFromBytes(bytes, ctx, name),
    };
  }
  return provider;
}
