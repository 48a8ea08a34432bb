/** The gateway's version, read from package.json (the one place it is kept). */
import pkg from "../package.json" with { type: "json" };
import { BUILD_INFO } from "./build_info.ts";

export const VERSION: string = pkg.version;

// Set by the Bun build (scripts/compile.ts: bun build --define); absent otherwise.
declare const GATEWAY_COMMIT: string | undefined;
declare const GATEWAY_BUILT: string | undefined;

/**
 * The commit and date a binary was built from; undefined when run from source. The Bun binary
 * has them as build-time constants, the `deno compile` binaries as a module the release script
 * substitutes for src/build_info.ts.
 */
export const BUILD: { commit: string; date: string } | undefined =
  typeof GATEWAY_COMMIT === "string" && typeof GATEWAY_BUILT === "string"
    ? { commit: GATEWAY_COMMIT, date: GATEWAY_BUILT }
    : BUILD_INFO;
