import { assert, assertEquals, assertStringIncludes } from "../../tests/assert.ts";
import { DENO_PERMISSION_FLAGS } from "./permissions.ts";

const root = new URL("../../", import.meta.url);

Deno.test("deno tasks run the gateway with exactly the scoped permission flags", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", root)));
  assertStringIncludes(config.tasks.start, `run ${DENO_PERMISSION_FLAGS.join(" ")} main.ts start`);
  assert(config.tasks.gateway.endsWith(`run ${DENO_PERMISSION_FLAGS.join(" ")} main.ts`));
  // No task runs the gateway itself with every permission.
  for (const [name, task] of Object.entries(config.tasks as Record<string, string>)) {
    assert(!/-A\b.*\smain\.ts|--allow-all/.test(task), `task ${name} runs main.ts with -A`);
  }
  assert(!DENO_PERMISSION_FLAGS.some((f) => /^(-A|--allow-all|--allow-ffi|--allow-sys)/.test(f)));
});

Deno.test("narrowPermissions gives up write and run for good, and keeps what is needed", async () => {
  const dir = await Deno.makeTempDir({ prefix: "gateway-permissions-" });
  try {
    const script = `${dir}/probe.ts`;
    await Deno.writeTextFile(
      script,
      `import { narrowPermissions } from ${
        JSON.stringify(new URL("src/runtime/permissions.ts", root).href)
      };
const needs = JSON.parse(Deno.args[0]);
const given = narrowPermissions(needs);
const tries = { write: () => Deno.writeTextFileSync(${JSON.stringify(`${dir}/x`)}, "x"),
  run: () => new Deno.Command(Deno.execPath(), { args: ["--version"] }).outputSync() };
const result = { given };
for (const [name, attempt] of Object.entries(tries)) {
  try { attempt(); result[name] = "ok"; } catch (e) { result[name] = e.constructor.name; }
}
// A gateway cannot take back what it gave up: a request is refused, not prompted.
result.again = Deno.permissions.requestSync({ name: "write" }).state;
Deno.stdout.writeSync(new TextEncoder().encode(JSON.stringify(result)));
`,
    );
    const probe = async (needs: object) => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "--no-prompt", ...DENO_PERMISSION_FLAGS, script, JSON.stringify(needs)],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert(out.success, new TextDecoder().decode(out.stderr));
      return JSON.parse(new TextDecoder().decode(out.stdout));
    };
    assertEquals(await probe({ write: false, run: false }), {
      given: ["write", "run"],
      write: "NotCapable",
      run: "NotCapable",
      again: "denied",
    });
    assertEquals(await probe({ write: true, run: false }), {
      given: ["run"],
      write: "ok",
      run: "NotCapable",
      again: "granted",
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
