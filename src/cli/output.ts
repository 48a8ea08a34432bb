/** The CLI's output helpers: the only code that writes to stdout/stderr directly. */
import process from "node:process";
import { Buffer } from "node:buffer";

/** Writes text to stdout as is (streamed tokens). */
export function write(text: string): void {
  process.stdout.write(text);
}

/** Writes a line to stdout. */
export function print(line = ""): void {
  process.stdout.write(line + "\n");
}

/** Writes a line to stderr. */
export function printError(line: string): void {
  process.stderr.write(line + "\n");
}

/** A usage problem: the command line itself is wrong (exit code 2). */
export class UsageError extends Error {}

/** Lays out rows as aligned columns under a header. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length))
  );
  const line = (cells: readonly string[]) =>
    cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  ").trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

/** Reads all of stdin as text. */
export async function readStdin(): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of process.stdin) {
    chunks.push(typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}
