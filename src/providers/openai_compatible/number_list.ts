/**
 * Where a JSON list of numbers ends in an answer's bytes: the check of every float of an
 * embeddings answer before its bytes are relayed (plain_embeddings.ts), so that a broken upstream
 * answer is a 502 and never a 200 with invalid JSON. What is accepted is exactly what JSON.parse
 * reads as a non-empty list of numbers (a property test holds both checks below to that).
 *
 * The check runs in WebAssembly (`number_list_wat.ts`), 64 bytes at a time with SIMD compares:
 * the same check byte by byte in JavaScript was about 40% of the gateway's CPU per embeddings
 * request (bench/README.md, "Embeddings as bytes"). The answer is copied into the module's memory
 * a window at a time. Where WebAssembly cannot run, the loop in JavaScript (`scalarListEnd`) does
 * the same check.
 */
import { NUMBER_LIST_WASM } from "./number_list_wasm.ts";

const SPACE = 0x20, TAB = 0x09, LF = 0x0a, CR = 0x0d;
const MINUS = 0x2d, PLUS = 0x2b, DOT = 0x2e, COMMA = 0x2c, CLOSE = 0x5d;
const ZERO = 0x30, ONE = 0x31, NINE = 0x39, E = 0x65, UPPER_E = 0x45;
/** Four spaces, as one big-endian word. */
const SPACES = 0x20202020;

/** The most of an answer copied into the module's memory at once (the module sizes it so). */
export const WINDOW_BYTES = 256 * 1024;
/** Zeros after an answer's last window: the module reads whole blocks of 64 bytes. */
const BLOCK = 64;

interface Scanner {
  memory: Uint8Array;
  reset(): void;
  scan(position: number, end: number, final: number): number;
  stopped: { value: number };
}

/** The module, made on first use; null where WebAssembly is not available. */
let scanner: Scanner | null | undefined;
/** The reader whose window the module's memory holds. */
let memoryHolder: object | undefined;

function wasmScanner(): Scanner | null {
  if (scanner !== undefined) return scanner;
  try {
    const code = Uint8Array.from(atob(NUMBER_LIST_WASM), (c) => c.charCodeAt(0));
    const exports = new WebAssembly.Instance(new WebAssembly.Module(code), {}).exports;
    const memory = new Uint8Array((exports.memory as WebAssembly.Memory).buffer);
    if (memory.length < WINDOW_BYTES + BLOCK) throw new Error("the module's memory is too small");
    scanner = {
      memory,
      reset: exports.reset as () => void,
      scan: exports.scan as Scanner["scan"],
      stopped: exports.stopped as WebAssembly.Global,
    };
  } catch {
    scanner = null;
  }
  return scanner;
}

/** Whether the check runs in WebAssembly here. */
export function listCheckInWasm(): boolean {
  return wasmScanner() !== null;
}

/**
 * Where the whitespace at `i` ends. Runs of spaces four at a time: OpenAI's answers are indented,
 * each number on a line of its own after eight spaces.
 */
function whitespaceEnd(b: Uint8Array, words: DataView, i: number): number {
  const last = b.length - 4;
  for (;;) {
    while (i <= last && words.getUint32(i) === SPACES) i += 4;
    const c = b[i] ?? 0;
    if (c !== SPACE && c !== LF && c !== CR && c !== TAB) return i;
    i++;
  }
}

/**
 * A reader of the number lists of one answer, taken in order: given the position just after a
 * list's `[`, where the list ends (just after its `]`), or -1 when it is not one (an empty list
 * included). `windowBytes` (at least 64, at most `WINDOW_BYTES`) is for tests.
 */
export function numberListReader(
  bytes: Uint8Array,
  windowBytes = WINDOW_BYTES,
): (i: number) => number {
  const words = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const wasm = wasmScanner();
  if (wasm === null) return (i) => scalarListEnd(bytes, i, words);
  // The answer's bytes [windowStart, windowStart + windowLength) are at the memory's start.
  let windowStart = 0;
  let windowLength = 0;
  const load = (from: number) => {
    const length = Math.min(windowBytes, bytes.length - from);
    wasm.memory.set(bytes.subarray(from, from + length));
    wasm.memory.fill(0, length, length + BLOCK);
    windowStart = from;
    windowLength = length;
    memoryHolder = load;
  };
  return (i) => {
    i = whitespaceEnd(bytes, words, i);
    const c = bytes[i] ?? 0;
    if (c !== MINUS && !(c >= ZERO && c <= NINE)) return -1;
    wasm.reset();
    for (let at = i;;) {
      const windowEnd = windowStart + windowLength;
      if (
        memoryHolder !== load || at < windowStart ||
        (at + BLOCK > windowEnd && windowEnd < bytes.length)
      ) {
        load(at);
      }
      const final = windowStart + windowLength === bytes.length ? 1 : 0;
      const end = wasm.scan(at - windowStart, windowLength, final);
      if (end !== -2) return end < 0 ? -1 : windowStart + end;
      at = windowStart + wasm.stopped.value;
    }
  };
}

/**
 * Where the run of digits at `i` ends. Four bytes at a time while all four are digits: a byte
 * below 0x80 plus 0x50 reaches 0x80 from "0" on, plus 0x46 from ":" on, and neither sum carries
 * into the next byte, so one word's sums test its four bytes at once (a byte from 0x80 up fails
 * too).
 */
function digitsEnd(b: Uint8Array, words: DataView, i: number): number {
  const last = b.length - 4;
  while (i <= last) {
    const w = words.getUint32(i);
    if (((w | (w + 0x46464646) | ~(w + 0x50505050)) & 0x80808080) !== 0) break;
    i += 4;
  }
  let c = b[i] ?? 0;
  while (c >= ZERO && c <= NINE) c = b[++i] ?? 0;
  return i;
}

/**
 * The same check as `numberListReader`'s, byte by byte in JavaScript. A read past the end gives 0
 * (`undefined ?? 0`), which nothing accepts, so a cut list fails too.
 */
export function scalarListEnd(
  b: Uint8Array,
  i: number,
  words = new DataView(b.buffer, b.byteOffset, b.byteLength),
): number {
  i = whitespaceEnd(b, words, i);
  let c = b[i] ?? 0;
  for (;;) {
    if (c === MINUS) c = b[++i] ?? 0;
    if (c === ZERO) c = b[++i] ?? 0;
    else if (c >= ONE && c <= NINE) {
      i = digitsEnd(b, words, i + 1);
      c = b[i] ?? 0;
    } else return -1;
    if (c === DOT) {
      c = b[++i] ?? 0;
      if (!(c >= ZERO && c <= NINE)) return -1;
      i = digitsEnd(b, words, i + 1);
      c = b[i] ?? 0;
    }
    if (c === E || c === UPPER_E) {
      c = b[++i] ?? 0;
      if (c === PLUS || c === MINUS) c = b[++i] ?? 0;
      if (!(c >= ZERO && c <= NINE)) return -1;
      i = digitsEnd(b, words, i + 1);
      c = b[i] ?? 0;
    }
    if (c === SPACE || c === LF || c === CR || c === TAB) {
      i = whitespaceEnd(b, words, i + 1);
      c = b[i] ?? 0;
    }
    if (c === COMMA) {
      c = b[++i] ?? 0;
      if (c === SPACE || c === LF || c === CR || c === TAB) {
        i = whitespaceEnd(b, words, i + 1);
        c = b[i] ?? 0;
      }
      continue;
    }
    return c === CLOSE ? i + 1 : -1;
  }
}
