import { assertEquals } from "../../../tests/assert.ts";
import { listCheckInWasm, numberListReader, scalarListEnd, WINDOW_BYTES } from "./number_list.ts";
import { NUMBER_LIST_WASM } from "./number_list_wasm.ts";
import { buildNumberListModule } from "./number_list_build.ts";
import { listEndByParse, randoms } from "../../../tests/number_lists.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

/** Windows for the WebAssembly check: one block, a few, and the default. */
const WINDOWS = [64, 192, WINDOW_BYTES];

/** Each check's answer for the list just after `at` in `list`: all must agree. */
function ends(list: Uint8Array, at = 1): number[] {
  return [
    scalarListEnd(list, at),
    ...WINDOWS.map((window) => numberListReader(list, window)(at)),
  ];
}

Deno.test("the number list module runs in WebAssembly here, and is built from its source", async () => {
  assertEquals(listCheckInWasm(), true);
  const stale = "stale: run `deno task wasm`";
  const built = await buildNumberListModule();
  assertEquals(built.includes(NUMBER_LIST_WASM), true, stale);
});

Deno.test("both checks accept exactly the lists JSON.parse reads as non-empty number lists", () => {
  const random = randoms(7);
  // Number characters, JSON whitespace, and bytes one off a digit (also with the high bit set:
  // the four-at-a-time test must reject those too); and runs of spaces, as indented answers have,
  // with bytes one off a space among them (the spaces are skipped four at a time).
  const alphabets = [
    [..."0123456789-+.eE, \t\n"].map((c) => c.charCodeAt(0)),
    [..."0123456789".repeat(6), ..."/:.,-e"].map((c) => c.charCodeAt(0)).concat([0xb0, 0xb9, 0xff]),
    [..." ".repeat(24), ..."0123456789-.,\n\t"].map((c) => c.charCodeAt(0)).concat([
      0x1f,
      0x21,
      0xa0,
    ]),
  ];
  let accepted = 0;
  for (let run = 0; run < 60_000; run++) {
    const alphabet = alphabets[run % 3] as number[];
    const length = 1 + random(run % 3 === 0 ? 12 : run % 3 === 1 ? 24 : 32);
    const list = [0x5b];
    for (let i = 0; i < length; i++) list.push(alphabet[random(alphabet.length)] as number);
    list.push(0x5d);
    const text = String.fromCharCode(...list);
    const want = listEndByParse(text);
    assertEquals([text, ends(new Uint8Array(list))], [text, [want, want, want, want]]);
    if (want !== -1) accepted++;
  }
  // Enough of both kinds to mean something.
  assertEquals(accepted > 1000, true, `${accepted} accepted`);
  // What follows the list is not read; a list cut anywhere is not one.
  assertEquals(ends(bytes("[1.5e-3, -0] }")), [12, 12, 12, 12]);
  for (const whole of ["[0.125,-2.5E+3]", "[\n        0.125,\n        -2.5E+3\n      ]"]) {
    for (let cut = 1; cut < whole.length; cut++) {
      assertEquals(ends(bytes(whole.slice(0, cut))), [-1, -1, -1, -1]);
    }
  }
});

/** A random JSON number, from the shapes servers print (and some they rarely do). */
function randomNumber(random: (n: number) => number): string {
  const digits = (n: number) => Array.from({ length: n }, () => random(10)).join("");
  const sign = random(3) === 0 ? "-" : "";
  const integer = random(4) === 0 ? `${1 + random(9)}${digits(random(4))}` : "0";
  const fraction = random(5) === 0 ? "" : `.${digits(1 + random(18))}`;
  const exponent = random(6) === 0
    ? `${"eE"[random(2)]}${["", "+", "-"][random(3)]}${digits(1 + random(3))}`
    : "";
  return `${sign}${integer}${fraction}${exponent}`;
}

/** A random list, compact, spaced or indented as OpenAI's answers are. */
function randomList(random: (n: number) => number, count: number): string {
  const numbers = Array.from({ length: count }, () => randomNumber(random));
  switch (random(3)) {
    case 0:
      return `[${numbers.join(",")}]`;
    case 1:
      return `[${numbers.join(", ")}]`;
    default:
      return `[\n        ${numbers.join(",\n        ")}\n      ]`;
  }
}

Deno.test("both checks agree with JSON.parse on long lists, whole and with a byte changed", () => {
  const random = randoms(11);
  // Bytes a change may bring in: each of the grammar's, and ones it never accepts.
  const changes = [..."0123456789-+.eE, \n\t]x[/:"].map((c) => c.charCodeAt(0)).concat([0, 0xb0]);
  let accepted = 0;
  for (let run = 0; run < 1_500; run++) {
    const text = randomList(random, 1 + random(run % 10 === 0 ? 2_000 : 60));
    const list = bytes(text);
    assertEquals(ends(list), [list.length, list.length, list.length, list.length]);
    const changed = list.slice();
    const at = 1 + random(list.length - 1);
    changed[at] = changes[random(changes.length)] as number;
    const changedText = new TextDecoder().decode(changed);
    // The list may now end sooner (a ] brought in): JSON.parse reads up to that one.
    const want = listEndByParse(changedText);
    assertEquals([changedText, ends(changed)], [changedText, [want, want, want, want]]);
    if (want !== -1) accepted++;
  }
  assertEquals(accepted > 100, true, `${accepted} accepted`);
});

Deno.test("the WebAssembly check reads an answer's lists in order, across its windows", () => {
  const random = randoms(5);
  const lists = Array.from({ length: 40 }, () => randomList(random, 1 + random(300)));
  const text = `{"data":[${lists.map((list) => `{"embedding":${list}}`).join(",")}]}`;
  const answer = bytes(text);
  for (const window of WINDOWS) {
    const listEnd = numberListReader(answer, window);
    let position = 0;
    for (const list of lists) {
      const open = text.indexOf(`{"embedding":[`, position) + 14;
      assertEquals(listEnd(open), open + list.length - 1);
      position = open;
    }
  }
  // A list that starts past the window read last, and one before it, are read as well.
  const listEnd = numberListReader(answer, 64);
  const last = text.lastIndexOf(`{"embedding":[`) + 14;
  const first = text.indexOf(`{"embedding":[`) + 14;
  assertEquals(listEnd(last), scalarListEnd(answer, last));
  assertEquals(listEnd(first), scalarListEnd(answer, first));
});

Deno.test("the WebAssembly check reads each step of the grammar across a block's edge", () => {
  const numbers = ["01", "-01", "00", "-0", "0", "10", "1.5", "1.5.5", "1..5", "1.", "-", "--1"]
    .concat([
      "1e5",
      "1E+5",
      "1e-5",
      "1e--5",
      "1e+-5",
      "1e",
      "1e5e5",
      "1e5.5",
      "1e-5e5",
      "1e+5.5",
      "0.5e-05",
      "+1",
    ])
    .concat(["1-2", "1+2", "-.5", "1.e5", "1 2", "1,,2", ",1", "1,", "1 ,2", "1, 2"]);
  for (const number of numbers) {
    // The number after a first one of any length, or after whitespace of any length: the scan
    // counts its blocks from the first number, so each shifts it by one byte.
    for (let pad = 0; pad < 130; pad++) {
      for (const text of [`[1${"0".repeat(pad)},${number}]`, `[1,${" ".repeat(pad)}${number}]`]) {
        const want = listEndByParse(text);
        assertEquals([text, ends(bytes(text))], [text, [want, want, want, want]]);
      }
    }
  }
});

Deno.test("two answers' readers taken in turns each read their own answer", () => {
  const first = bytes(`[${"1.5,".repeat(100)}2]`);
  const second = bytes(`[${"-0.25,".repeat(100)}x]`);
  const readFirst = numberListReader(first);
  const readSecond = numberListReader(second);
  for (let round = 0; round < 3; round++) {
    assertEquals(readFirst(1), first.length);
    assertEquals(readSecond(1), -1);
  }
});

Deno.test("under Bun (the compiled gateway's runtime) both checks agree with JSON.parse too", async () => {
  const root = new URL("../../../", import.meta.url);
  const { code, stdout, stderr } = await new Deno.Command(
    new URL("node_modules/.bin/bun", root).pathname,
    {
      args: ["tests/bun/number_list_check.ts"],
      cwd: root.pathname,
      stdout: "piped",
      stderr: "piped",
    },
  ).output();
  const decoder = new TextDecoder();
  assertEquals(code, 0, decoder.decode(stderr));
  const found = JSON.parse(decoder.decode(stdout));
  assertEquals(found.wasm, true);
  assertEquals(found.mismatches, []);
  assertEquals(found.accepted > 5_000, true, `${found.accepted} accepted`);
});
