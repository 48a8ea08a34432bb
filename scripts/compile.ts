/**
 * Builds the single binary (`bun build --compile`) with its build facts baked in: the commit and
 * the date, which `gateway --version` prints, and its bytecode in the order a running server uses
 * it (scripts/bytecode_order.ts). Run by `deno task compile`; works offline. Outside a
 * git checkout the commit is "unknown". Extra arguments go to `bun build` (a later `--outfile`
 * wins: scripts/release.ts builds its asset that way).
 */
import process from "node:process";
import { recordBytecodeOrder } from "./bytecode_order.ts";

/** The SQLite writer thread's module: no import names it, so builds list it themselves. */
export const SQLITE_WRITER_WORKER = "src/runtime/sqlite_writer_worker.ts";

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

/**
 * Runs `bun build` with `args` after the common ones (a later `--outfile` wins); exits on failure.
 */
function bunBuild(root: string, args: string[]): void {
  const built = new Date().toISOString().slice(0, 10);
  const result = new Deno.Command(`${root}node_modules/.bin/bun`, {
    args: [
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
      // Loaded as a worker, so an entry point of its own (src/runtime/sqlite_writer.ts).
      SQLITE_WRITER_WORKER,
      "--outfile",
      "dist/gateway",
      ...args,
    ],
    cwd: root,
    stdout: "inherit",
    stderr: "inherit",
  }).outputSync();
  if (!result.success) process.exit(result.code);
}

if (import.meta.main) {
  const root = new URL("../", import.meta.url).pathname;
  const extra = [...Deno.args];
  if (extra.some((arg) => arg.startsWith("--target"))) {
    // A binary for another platform cannot be run here to record its bytecode order.
    bunBuild(root, extra);
  } else {
    // Two passes: a build run once under a short load to record the order its code runs in
    // (scripts/bytecode_order.ts), then the binary with its bytecode laid out in that order.
    const trial = `${root}dist/.gateway-order-trial`;
    const order = `${root}dist/bytecode-order.txt`;
    bunBuild(root, [...extra, "--outfile", trial]);
    try {
      await recordBytecodeOrder(trial, order);
    } finally {
      for (const file of [trial, `${trial}.map`]) await Deno.remove(file).catch(() => {});
    }
    bunBuild(root, [`--bytecode-order=${order}`, ...extra]);
  }
}
