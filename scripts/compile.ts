/**
 * Builds the single binary (`bun build --compile`) with its build facts baked in: the commit and
 * the date, which `gateway --version` prints. Run by `deno task compile`; works offline. Outside a
 * git checkout the commit is "unknown". Extra arguments go to `bun build` (a later `--outfile`
 * wins: scripts/release.ts builds its asset that way).
 */
import process from "node:process";

/** The short commit of the checkout being built, or "unknown". */
export function commit(): string {
  try {
    const out = new Deno.Command("git", {
      args: ["rev-parse", "--short=12", "HEAD"],
      stderr: "null",
    })
      .outputSync();
    const text = new TextDecoder().decode(out.stdout).trim();
    return out.success && text !== "" ? text : "unknown";
  } catch {
    return "unknown";
  }
}

if (import.meta.main) {
  const root = new URL("../", import.meta.url).pathname;
  const built = new Date().toISOString().slice(0, 10);
  const args = [
    "build",
    "--compile",
    "--minify",
    "--bytecode",
    "--sourcemap",
    "--define",
    `GATEWAY_COMMIT=${JSON.stringify(commit())}`,
    "--define",
    `GATEWAY_BUILT=${JSON.stringify(built)}`,
    "main.ts",
    "--outfile",
    "dist/gateway",
    ...Deno.args,
  ];
  const result = new Deno.Command(`${root}node_modules/.bin/bun`, {
    args,
    cwd: root,
    stdout: "inherit",
    stderr: "inherit",
  }).outputSync();
  process.exit(result.code);
}
