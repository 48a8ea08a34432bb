import { assertEquals, assertThrows } from "../../tests/assert.ts";
import { parse } from "./args.ts";

const OPTIONS = {
  url: { type: "string" },
  "max-tokens": { type: "string" },
  "no-stream": { type: "boolean" },
  json: { type: "boolean" },
} as const;

const usage = (argv: string[]) =>
  assertThrows(() => parse(argv, OPTIONS, { min: 0, max: 2 })).message;

Deno.test("parse: options and positionals as given", () => {
  const parsed = parse(["chat", "--url", "http://127.0.0.1:1", "hi", "--no-stream"], OPTIONS, {
    min: 2,
    max: 2,
  });
  assertEquals(parsed.positionals, ["chat", "hi"]);
  assertEquals({ ...parsed.values }, { url: "http://127.0.0.1:1", "no-stream": true });
});

Deno.test("parse: an option that is on by default says so and names its --no- form", () => {
  assertEquals(
    usage(["--stream"]),
    "unknown option '--stream': it is on by default ('--no-stream' turns it off)",
  );
});

Deno.test("parse: a misspelt option gets the closest one", () => {
  assertEquals(
    usage(["--max-token", "5"]),
    "unknown option '--max-token'; did you mean '--max-tokens'?",
  );
  assertEquals(usage(["--jsno"]), "unknown option '--jsno'; did you mean '--json'?");
});

Deno.test("parse: anything else says how to pass an argument that starts with '-'", () => {
  assertEquals(
    usage(["-5"]),
    `unknown option '-5' (an argument that starts with '-' goes after '--', as in: -- "-5")`,
  );
  assertEquals(parse(["chat", "--", "-5 degrees?"], OPTIONS, { min: 2, max: 2 }).positionals, [
    "chat",
    "-5 degrees?",
  ]);
});

Deno.test("parse: missing values and extra arguments are usage errors", () => {
  assertEquals(usage(["--url"]), "Option '--url <value>' argument missing");
  assertEquals(usage(["a", "b", "c"]), "unexpected argument 'c'");
  assertEquals(
    assertThrows(() => parse([], OPTIONS, { min: 1, max: 1 })).message,
    "missing arguments",
  );
});
