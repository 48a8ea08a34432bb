/**
 * Schemas built on first use. zod schemas are thousands of heap objects, and most of them serve
 * one client API or only the OpenAPI document: a gateway whose clients never speak that API, or
 * that nobody asks for /openapi.json, never builds them (bench/README.md, "Loading what a config
 * uses"). A route's documented body refers to them through `z.lazy`, which the document
 * generator resolves when /openapi.json is asked for.
 */

/** `build`'s value, made the first time it is asked for and then kept. */
export function builtOnFirstUse<T>(build: () => T): () => T {
  let built: T | undefined;
  return () => built ??= build();
}
