/** The gateway's version, read from package.json (the one place it is kept). */
import pkg from "../package.json" with { type: "json" };

export const VERSION: string = pkg.version;

// Set by the build (scripts/compile.ts: bun build --define); absent when run from source.
declare const GATEWAY_COMMIT: string | undefined;
declare const GATEWAY_BUILT: string | undefined;

/** The commit and date a binary was built from; undefined when run from source. */
export const BUILD: { commit: string; date: string } | undefined =
  typeof GATEWAY_COMMIT === "string" && typeof GATEWAY_BUILT === "string"
    ? { commit: GATEWAY_COMMIT, date: GATEWAY_BUILT }
    : undefined;
