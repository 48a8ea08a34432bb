/**
 * Build facts of a `deno compile` release binary. This committed copy means "run from source";
 * scripts/release.ts never edits it: it writes a replacement module with the commit and date
 * under dist/ and points `deno compile --import-map` at it, so the source tree stays untouched.
 * (The Bun binary gets the same facts through `bun build --define`: see src/version.ts.)
 */
export const BUILD_INFO: { commit: string; date: string } | undefined = undefined;
