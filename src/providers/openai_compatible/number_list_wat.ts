/**
 * The WebAssembly text of the number-list check (number_list.ts says why and how it is used),
 * written out by this module so that its repeated parts are written once: `deno task wasm`
 * assembles it into `number_list_wasm.ts`. Not part of the gateway binary.
 *
 * Each block of 64 bytes is classified with SIMD compares into one 64-bit mask per class of byte
 * (bit k for the block's byte k): digits D, zeros Z, minus M, plus P, point T, exponent E (e or E),
 * comma C, whitespace W. The list's grammar is then checked on the masks:
 *
 *   - a number is a run of D, M, P, T, E bytes; it starts with M or D;
 *   - M only at a number's start or after E; P only after E;
 *   - after M, P or T a digit; after E a digit or a sign; T and E only after a digit;
 *   - no digit after a leading zero (of the integer part);
 *   - the digits after T end in no second T; the exponent's digits in no T or E;
 *   - past the whitespace after a number, a comma or the closing ]; after a comma, a number.
 *
 * Runs are followed with additions: a bit added at the start of a run of ones carries to the
 * byte just after the run. Each block hands the masks' last bits and the additions' carries to
 * the next, so a window of the answer may end anywhere: `scan` stops before a block it does not
 * have all of (unless the window is the answer's last, followed by 64 zero bytes), keeps its
 * state and returns -2; the caller copies the next window and calls it again.
 */

/** What each block hands to the next: the masks' last bits (0 or 1) and the carries. */
const STATE = [
  "lastN",
  "lastD",
  "lastM",
  "lastP",
  "lastT",
  "lastE",
  "lastC",
  "lastStartMinus",
  "lastLeadingZero",
  "lastExpSign",
  "carryFraction",
  "carryExponent",
  "carryAfterNumber",
  "carryAfterComma",
];

/** The classes: each one's compare of a chunk of 16 bytes `v` (all ones in a lane that is it). */
const CLASSES: Record<string, (v: string) => string> = {
  D: (v) => `(i8x16.lt_u (i8x16.sub ${v} ${splat(48)}) ${splat(10)})`,
  Z: (v) => `(i8x16.eq ${v} ${splat(48)})`,
  M: (v) => `(i8x16.eq ${v} ${splat(45)})`,
  P: (v) => `(i8x16.eq ${v} ${splat(43)})`,
  T: (v) => `(i8x16.eq ${v} ${splat(46)})`,
  // e (101) and E (69) are the same byte once bit 5 is set.
  E: (v) => `(i8x16.eq (v128.or ${v} ${splat(32)}) ${splat(101)})`,
  C: (v) => `(i8x16.eq ${v} ${splat(44)})`,
  // Space (32), carriage return (13), tab (9) and line feed (10).
  W: (v) =>
    `(v128.or (v128.or (i8x16.eq ${v} ${splat(32)}) (i8x16.eq ${v} ${splat(13)})) ` +
    `(i8x16.lt_u (i8x16.sub ${v} ${splat(9)}) ${splat(2)}))`,
};

function splat(byte: number): string {
  return `(v128.const i8x16 ${Array(16).fill(byte).join(" ")})`;
}

const get = (name: string) => `(local.get $${name})`;
const set = (name: string, value: string) => `(local.set $${name} ${value})`;
const or = (...values: string[]) => values.reduce((a, b) => `(i64.or ${a} ${b})`);
const and = (...values: string[]) => values.reduce((a, b) => `(i64.and ${a} ${b})`);
const not = (value: string) => `(i64.xor ${value} (i64.const -1))`;
/** A mask moved to the byte after each of its bits: "the previous byte is ...". */
const previous = (mask: string, last: string) => or(`(i64.shl ${mask} (i64.const 1))`, get(last));
/** Adds to `bad` the bits of `value` (each a byte that breaks the grammar). */
const bad = (value: string) => set("bad", or(get("bad"), value));

/**
 * `runs + first` plus the carry from the block before, where `first` marks the first byte of
 * some runs of `runs`: the result marks the byte after each of those runs (and keeps the other
 * bits of `runs`). Sets the carry for the next block.
 */
function runEnds(runs: string, first: string, carry: string): string[] {
  return [
    set("sum", `(i64.add ${runs} ${first})`),
    set("carry", `(i64.extend_i32_u (i64.lt_u ${get("sum")} ${runs}))`),
    set("sum", `(i64.add ${get("sum")} ${get(carry)})`),
    set(carry, or(get("carry"), `(i64.extend_i32_u (i64.lt_u ${get("sum")} ${get(carry)}))`)),
  ];
}

/** The classes of the block at `p`: each class's four 16-bit masks joined into one. */
function classify(): string[] {
  const lines = [0, 16, 32, 48].map((offset) =>
    set(`v${offset}`, `(v128.load offset=${offset} align=1 ${get("p")})`)
  );
  for (const [name, compare] of Object.entries(CLASSES)) {
    const chunk = (offset: number) => `(i8x16.bitmask ${compare(get(`v${offset}`))})`;
    const low = `(i32.or ${chunk(0)} (i32.shl ${chunk(16)} (i32.const 16)))`;
    const high = `(i32.or ${chunk(32)} (i32.shl ${chunk(48)} (i32.const 16)))`;
    lines.push(set(
      name,
      `(i64.or (i64.extend_i32_u ${low}) (i64.shl (i64.extend_i32_u ${high}) (i64.const 32)))`,
    ));
  }
  return lines;
}

/** The grammar's checks on one block's masks. */
function check(): string[] {
  const shifted = ["N", "D", "M", "P", "T", "E", "C"].map((name) =>
    set(`${name}p`, previous(get(name), `last${name}`))
  );
  return [
    ...shifted,
    set("start", and(get("N"), not(get("Np")))),
    ";; A number starts with - or a digit.",
    set("bad", and(get("start"), not(or(get("M"), get("D"))))),
    ";; - only at the start or after the exponent's e; + only after it.",
    bad(and(get("M"), not(or(get("start"), get("Ep"))))),
    bad(and(get("P"), not(get("Ep")))),
    ";; A digit after a sign or a point; a digit or a sign after e.",
    bad(and(or(get("Mp"), get("Pp"), get("Tp")), not(get("D")))),
    bad(and(get("Ep"), not(or(get("D"), get("M"), get("P"))))),
    ";; A point or an e only after a digit.",
    bad(and(or(get("T"), get("E")), not(get("Dp")))),
    ";; No digit after a leading zero: the integer part's first digit, at the start or after the",
    ";; minus the number starts with.",
    set("startMinus", and(get("M"), get("start"))),
    set(
      "leadingZero",
      and(get("Z"), or(get("start"), previous(get("startMinus"), "lastStartMinus"))),
    ),
    bad(and(get("D"), previous(get("leadingZero"), "lastLeadingZero"))),
    ";; The fraction's digits (from the byte after each point) end in no second point.",
    ...runEnds(get("D"), and(get("Tp"), get("D")), "carryFraction"),
    bad(and(get("T"), get("sum"), not(get("D")))),
    ";; The exponent's digits (after e, or after its sign) end in no point and no second e.",
    set("expSign", and(or(get("M"), get("P")), get("Ep"))),
    ...runEnds(
      get("D"),
      and(get("D"), or(get("Ep"), previous(get("expSign"), "lastExpSign"))),
      "carryExponent",
    ),
    bad(and(or(get("T"), get("E")), get("sum"), not(get("D")))),
    ";; Past the whitespace after a number: a comma or the closing ].",
    ...runEnds(get("W"), and(get("Np"), not(get("N"))), "carryAfterNumber"),
    bad(and(get("sum"), not(get("W")), not(or(get("C"), get("close"))))),
    ";; Past the whitespace after a comma: a number.",
    ...runEnds(get("W"), get("Cp"), "carryAfterComma"),
    bad(and(get("sum"), not(get("W")), not(get("start")))),
  ];
}

/** The module's text. */
export function numberListWat(): string {
  const masks = [...Object.keys(CLASSES), "N"];
  const locals = [
    "(local $v0 v128) (local $v16 v128) (local $v32 v128) (local $v48 v128)",
    "(local $at i32) (local $last i32)",
    ...[
      ...masks,
      ...["N", "D", "M", "P", "T", "E", "C"].map((name) => `${name}p`),
      ...["other", "valid", "close", "start", "bad", "startMinus", "leadingZero", "expSign"],
      ...["sum", "carry", ...STATE],
    ].map((name) => `(local $${name} i64)`),
  ];
  const scan = [
    ...locals,
    ...STATE.map((name) => set(name, `(global.get $${name})`)),
    "(loop $blocks",
    ";; A block needs 64 bytes of the window, unless the window is the answer's last.",
    `(if (i32.and (i32.eqz ${get("final")}) (i32.gt_u (i32.add ${get("p")} (i32.const 64)) ${
      get("end")
    }))`,
    "(then",
    ...STATE.map((name) => `(global.set $${name} ${get(name)})`),
    `(global.set $stopped ${get("p")})`,
    "(return (i32.const -2))))",
    ...classify(),
    set("N", or(get("D"), get("M"), get("P"), get("T"), get("E"))),
    ";; The list ends at the block's first byte of no class: only the bytes before it count.",
    set("other", not(or(get("N"), get("C"), get("W")))),
    set("close", "(i64.const 0)"),
    set("last", `(i64.ne ${get("other")} (i64.const 0))`),
    `(if ${get("last")}`,
    "(then",
    set("at", `(i32.wrap_i64 (i64.ctz ${get("other")}))`),
    set(
      "valid",
      `(i64.sub (i64.shl (i64.const 1) (i64.extend_i32_u ${get("at")})) (i64.const 1))`,
    ),
    ...masks.map((name) => set(name, and(get(name), get("valid")))),
    `(if (i32.eq (i32.load8_u (i32.add ${get("p")} ${get("at")})) (i32.const 93))`,
    `(then ${set("close", `(i64.shl (i64.const 1) (i64.extend_i32_u ${get("at")}))`)}))))`,
    ...check(),
    `(if (i64.ne ${get("bad")} (i64.const 0)) (then (return (i32.const -1))))`,
    `(if ${get("last")} (then (return (i32.add (i32.add ${get("p")} ${
      get("at")
    }) (i32.const 1)))))`,
    ...["N", "D", "M", "P", "T", "E", "C", "startMinus", "leadingZero", "expSign"].map((name) =>
      set(
        `last${name[0]!.toUpperCase()}${name.slice(1)}`,
        `(i64.shr_u ${get(name)} (i64.const 63))`,
      )
    ),
    set("p", `(i32.add ${get("p")} (i32.const 64))`),
    "(br $blocks))",
    "(unreachable)",
  ];
  return [
    "(module",
    ";; A window of up to 256 KiB (number_list.ts: WINDOW_BYTES) and the 64 zeros after it.",
    '(memory (export "memory") 5)',
    ...STATE.map((name) => `(global $${name} (mut i64) (i64.const 0))`),
    ";; Where a scan that returned -2 stopped.",
    '(global $stopped (export "stopped") (mut i32) (i32.const 0))',
    ";; Starts a new list: its first number begins at the next scan's position.",
    `(func (export "reset") ${
      STATE.map((name) => `(global.set $${name} (i64.const 0))`).join(" ")
    })`,
    ";; Scans from `p` (a number's first byte after `reset`, else where the last scan stopped) in",
    ";; a window of `end` bytes; `final`: the window is the answer's last (64 zeros follow it).",
    ";; Returns the position just after the list's ], -1 when it is no list of numbers, or -2",
    ";; when the window ends first (`stopped` says where).",
    '(func (export "scan") (param $p i32) (param $end i32) (param $final i32) (result i32)',
    ...scan,
    "))",
  ].join("\n");
}
