import { assertEquals } from "../../tests/assert.ts";
import { envReference, resolveReferences } from "./secrets.ts";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";

Deno.test("envReference() reads $VAR and ${VAR} and nothing else", () => {
  assertEquals(envReference("$OPENAI_API_KEY"), "OPENAI_API_KEY");
  assertEquals(envReference("${OPENAI_API_KEY}"), "OPENAI_API_KEY");
  assertEquals(envReference("sk-literal"), undefined);
  assertEquals(envReference("$1bad"), undefined);
  assertEquals(envReference("prefix$VAR"), undefined);
});

Deno.test("resolveReferences() takes secrets from env, files (newline trimmed) and literals", () => {
  const dir = mkdtempSync(join(tmpdir(), "gw-secret-"));
  const file = join(dir, "key.txt");
  writeFileSync(file, "sk-from-file\n");
  const result = resolveReferences(
    { a_key: "$A", b_key: file, c_key: "sk-literal", base: "${BASE}", nested: { d_key: "${A}" } },
    ["a_key", "b_key", "c_key", "d_key"],
    { A: "sk-from-env", BASE: "http://127.0.0.1:1/v1" },
  );
  assertEquals(result.value, {
    a_key: "sk-from-env",
    b_key: "sk-from-file",
    c_key: "sk-literal",
    base: "http://127.0.0.1:1/v1",
    nested: { d_key: "sk-from-env" },
  });
  assertEquals(result.missing, []);
  assertEquals(result.secrets.sort(), ["sk-from-env", "sk-from-env", "sk-from-file", "sk-literal"]);
  rmSync(dir, { recursive: true });
});

Deno.test("resolveReferences() reports a missing or empty variable with its path", () => {
  const result = resolveReferences({ a_key: "$NOPE", b: "${EMPTY}" }, ["a_key"], { EMPTY: "" }, [
    "endpoints",
    0,
  ]);
  assertEquals(result.missing, [
    { path: ["endpoints", 0, "a_key"], variable: "NOPE" },
    { path: ["endpoints", 0, "b"], variable: "EMPTY" },
  ]);
});

Deno.test("resolveReferences() does not read files for keys that are not secrets", () => {
  const dir = mkdtempSync(join(tmpdir(), "gw-secret-"));
  const file = join(dir, "base.txt");
  writeFileSync(file, "contents\n");
  assertEquals(resolveReferences({ base: file }, ["a_key"], {}).value, { base: file });
  rmSync(dir, { recursive: true });
});
