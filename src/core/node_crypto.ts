/**
 * `node:crypto`, loaded the first time it is used (`process.getBuiltinModule` is synchronous, in
 * Bun, Deno and Node). Loaded, it is ~3,000 heap objects that a gateway without client keys, a
 * cache, Redis or tracing never uses, and every full collection marks the whole live heap
 * (bench/README.md, "Building only what is used").
 */
import process from "node:process";

type NodeCrypto = typeof import("node:crypto");

let loaded: NodeCrypto | undefined;

export function nodeCrypto(): NodeCrypto {
  return loaded ??= process.getBuiltinModule("node:crypto");
}
