/**
 * Run by `number_list_test.ts` under Bun (`bun tests/bun/number_list_check.ts`): the compiled
 * gateway runs the number-list module on JavaScriptCore, while `deno test` runs it on V8. Holds
 * the WebAssembly check (at two window sizes) and the JavaScript one to JSON.parse on random lists,
 * and prints what it found as one JSON line.
 */
import process from "node:process";
import {
  listCheckInWasm,
  numberListReader,
  scalarListEnd,
} from "../../src/providers/openai_compatible/number_list.ts";
import { listEndByParse, randoms } from "../number_lists.ts";

const random = randoms(3);

const alphabet = [..."0123456789-+.eE, \t\n]"].map((c) => c.charCodeAt(0)).concat([0xb0]);
const mismatches: string[] = [];
let accepted = 0;
const runs = 100_000;
for (let run = 0; run < runs; run++) {
  const length = 1 + random(run % 50 === 0 ? 600 : 40);
  const list = [0x5b];
  for (let i = 0; i < length; i++) list.push(alphabet[random(alphabet.length)]!);
  list.push(0x5d);
  const bytes = new Uint8Array(list);
  const text = String.fromCharCode(...list);
  const want = listEndByParse(text);
  const got = [scalarListEnd(bytes, 1), numberListReader(bytes, 64)(1), numberListReader(bytes)(1)];
  if (got.some((end) => end !== want) && mismatches.length < 5) {
    mismatches.push(`${JSON.stringify(text)}: want ${want}, got ${got.join(" ")}`);
  }
  if (want !== -1) accepted++;
}
process.stdout.write(
  `${JSON.stringify({ wasm: listCheckInWasm(), runs, accepted, mismatches })}\n`,
);
