import { assertEquals, assertNotIncludes } from "../../tests/assert.ts";
import { REDACTED, Redactor } from "./redact.ts";

const KEY = "sk-ant-api03-Zq7xK2mW9pL4vN8rT1yB";

Deno.test("Redactor.redact() removes every copy of a secret, longest secret first", () => {
  const redactor = new Redactor([KEY, KEY.slice(0, 20)]);
  assertEquals(redactor.redact(`a ${KEY} b ${KEY}`), `a ${REDACTED} b ${REDACTED}`);
});

Deno.test("Redactor.redactExcerpt() removes a secret's first 4+ characters at the end of a text", () => {
  const redactor = new Redactor([KEY]);
  for (const n of [4, 5, 12, KEY.length - 1]) {
    const text = `the excerpt ends in ${KEY.slice(0, n)}`;
    assertEquals(redactor.redactExcerpt(text), `the excerpt ends in ${REDACTED}`);
    assertEquals(redactor.redactExcerpt(`${text}...`), `the excerpt ends in ${REDACTED}...`);
    // Whole texts (log lines) are not excerpts: only whole secrets go.
    assertEquals(redactor.redact(text), text);
  }
  assertEquals(redactor.redactExcerpt("sk-a is not at the end"), "sk-a is not at the end");
});

Deno.test("Redactor.redact() finds a secret written as a JSON string", () => {
  const secret = 'pa"ss\\word-123';
  const redactor = new Redactor([secret]);
  const line = JSON.stringify({ error: `bad ${secret}` });
  assertNotIncludes(redactor.redact(line), "word-123");
});

Deno.test("Redactor.redactDeep() redacts every string field of a nested value", () => {
  const redactor = new Redactor([KEY]);
  const value = {
    error: { message: `m ${KEY}`, param: KEY, code: KEY.slice(0, 10), type: "t", n: 4 },
    list: [KEY, null],
  };
  assertEquals(redactor.redactDeep(value), {
    error: { message: `m ${REDACTED}`, param: REDACTED, code: REDACTED, type: "t", n: 4 },
    list: [REDACTED, null],
  });
});
