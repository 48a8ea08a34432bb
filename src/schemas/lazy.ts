/**
 * Schemas built on first use. zod schemas are thousands of heap objects, and many serve one
 * client API, one provider or only the OpenAPI document: a gateway whose clients never speak that
 * API, whose config never names that provider, or that nobody asks for /openapi.json, never builds
 * them (bench/README.md, "Building only what is used"). A route's documented body refers to them
 * through `z.lazy`, which the document generator resolves when /openapi.json is asked for.
 */
import { z } from "zod";

/** `build`'s value, made the first time it is asked for and then kept. */
export function builtOnFirstUse<T>(build: () => T): () => T {
  let built: T | undefined;
  return () => built ??= build();
}

/**
 * A schema built the first time it parses something or is read (for the config reference or the
 * JSON Schema, which see through `z.lazy`): each provider's `model.config` schema is one, as a
 * config names only a few providers.
 */
export function lazySchema<T extends z.ZodType>(build: () => T): z.ZodLazy<T> {
  return z.lazy(builtOnFirstUse(build));
}
