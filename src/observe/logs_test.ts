import { assertEquals } from "../../tests/assert.ts";

const LOGS = new URL("./logs.ts", import.meta.url).href;

/** Runs `body` in a child process with a default (stderr) Logger as `log`; its stderr lines. */
async function stderrOf(body: string): Promise<string[]> {
  const script = `import { Logger } from "${LOGS}";
const log = new Logger({ format: "json" });
log.setSecrets(["sk-secret-0123456789"]);
${body}`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=ts", script],
    stdout: "null",
    stderr: "piped",
  }).output();
  assertEquals(out.success, true, new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stderr).split("\n").filter((line) => line !== "");
}

Deno.test("Logger writes every line to stderr, in order and redacted, whether alone in its turn or not", async () => {
  const lines = await stderrOf(`
for (let i = 0; i < 3; i++) log.info("request", { n: i });
await new Promise((resolve) => setTimeout(resolve, 10));
log.warn("later", { key: "sk-secret-0123456789" });
for (let i = 3; i < 5; i++) log.info("request", { n: i });
`);
  const records = lines.map((line) => JSON.parse(line));
  assertEquals(records.map((r) => [r.level, r.msg, r.n ?? r.key]), [
    ["info", "request", 0],
    ["info", "request", 1],
    ["info", "request", 2],
    ["warn", "later", "[REDACTED]"],
    ["info", "request", 3],
    ["info", "request", 4],
  ]);
});

Deno.test("Logger writes a batch past 64 KiB without waiting for the turn to end", async () => {
  const lines = await stderrOf(`
const big = "x".repeat(1000);
for (let i = 0; i < 200; i++) log.info("request", { n: i, big });
`);
  assertEquals(lines.map((line) => JSON.parse(line).n), Array.from({ length: 200 }, (_, i) => i));
});

Deno.test("Logger writes lines longer than its batch buffer, and multi-byte text across its edge, in order", async () => {
  const lines = await stderrOf(`
const huge = "é".repeat(70_000);
log.info("request", { n: 0, huge });
log.info("request", { n: 1, text: "😀".repeat(9_000) });
for (let i = 2; i < 40; i++) log.info("request", { n: i, text: "ü😀".repeat(i * 100) });
log.info("request", { n: 40, huge });
await new Promise((resolve) => setTimeout(resolve, 10));
log.info("request", { n: 41, huge });
log.info("request", { n: 42 });
`);
  const records = lines.map((line) => JSON.parse(line));
  assertEquals(records.map((r) => r.n), Array.from({ length: 43 }, (_, i) => i));
  assertEquals(records[0].huge.length, 70_000);
  assertEquals(records[1].text, "😀".repeat(9_000));
  assertEquals(records[39].text, "ü😀".repeat(3_900));
  assertEquals(records[41].huge, "é".repeat(70_000));
});

Deno.test("Logger's text lines: finite numbers and plain words bare, anything else as JSON", async () => {
  const { Logger } = await import("./logs.ts");
  const lines: string[] = [];
  const log = new Logger({ level: "info", write: (line) => lines.push(line) });
  log.info("request", {
    status: 200,
    ms: 1.5,
    zero: -0,
    nan: Number.NaN,
    inf: Number.POSITIVE_INFINITY,
    word: "chat",
    spaced: "a b",
    flag: true,
    none: null,
    skipped: undefined,
    list: [1, "x"],
  });
  assertEquals(
    lines[0]!.replace(/^\S+ /, ""),
    'INFO  request status=200 ms=1.5 zero=0 nan=null inf=null word=chat spaced="a b" flag=true ' +
      'none=null list=[1,"x"]',
  );
});
