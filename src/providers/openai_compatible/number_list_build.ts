/**
 * Assembles the number-list check's WebAssembly text (`number_list_wat.ts`) into
 * `number_list_wasm.ts` (the module's bytes as base64), with wabt's assembler (a dev dependency):
 * `deno task wasm` writes it; `number_list_test.ts` fails when it is stale. Not part of the
 * gateway binary.
 */
import wabtInit from "wabt";
import { Buffer } from "node:buffer";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { numberListWat } from "./number_list_wat.ts";

const HERE = fileURLToPath(new URL(".", import.meta.url));
/** The generated module's path. */
export const WASM_MODULE_PATH = `${HERE}number_list_wasm.ts`;

/** The generated module's text, from the current source. */
export async function buildNumberListModule(): Promise<string> {
  const wabt = await wabtInit();
  const parsed = wabt.parseWat("number_list.wat", numberListWat(), { simd: true });
  try {
    parsed.validate();
    const { buffer } = parsed.toBinary({});
    return [
      "// Generated from number_list_wat.ts by `deno task wasm` (number_list_build.ts): do not edit.",
      "",
      "/** The WebAssembly module that checks number lists, as base64. */",
      `export const NUMBER_LIST_WASM =`,
      `  "${Buffer.from(buffer).toString("base64")}";`,
      "",
    ].join("\n");
  } finally {
    parsed.destroy();
  }
}

if (import.meta.main) {
  writeFileSync(WASM_MODULE_PATH, await buildNumberListModule());
}
