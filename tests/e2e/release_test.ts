/**
 * The shipping path: scripts/release.ts's deno compile command lines, install.sh against a local
 * release server, and what the release workflow, CI and the Action say. Runs once (on the
 * `deno run` pass of the e2e suite): none of it depends on the gateway build under test.
 */
import { parse } from "yaml";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../assert.ts";
import { DENO_PERMISSION_FLAGS } from "../../src/runtime/permissions.ts";
import { checkDenoCompileArgs, DENO_TARGETS, denoCompileArgs } from "../../scripts/release.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const BINARY_PASS = (Deno.env.get("GATEWAY_BIN") ?? "deno") !== "deno";
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

async function run(
  cmd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(cmd, {
    args,
    cwd: ROOT,
    env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin", NO_COLOR: "1", ...env },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

Deno.test({
  name: "release.ts --skip-bun prints five deno compile lines with exactly the permission flags",
  ignore: BINARY_PASS,
  async fn() {
    const out = await run(Deno.execPath(), ["run", "-A", "scripts/release.ts", "--skip-bun"]);
    assertEquals(out.code, 0, out.stderr);
    const lines = out.stdout.split("\n").filter((line) => line.startsWith("deno compile "));
    assertEquals(lines.length, 5, out.stdout);
    const expected = [
      ["x86_64-unknown-linux-gnu", "gateway-linux-x64"],
      ["aarch64-unknown-linux-gnu", "gateway-linux-arm64"],
      ["x86_64-apple-darwin", "gateway-darwin-x64"],
      ["aarch64-apple-darwin", "gateway-darwin-arm64"],
      ["x86_64-pc-windows-msvc", "gateway-windows-x64.exe"],
    ];
    let importMap = "";
    for (const [i, line] of lines.entries()) {
      const args = line.split(" ").slice(1);
      const [target, asset] = expected[i]!;
      assertEquals(args.at(-1), "main.ts", `${line}: flags go before main.ts`);
      assertEquals(args[args.indexOf("--target") + 1], target, line);
      assertEquals(args[args.indexOf("--output") + 1], `dist/release/${asset}`, line);
      const permissions = args.filter((arg) => /^(-A$|--allow|--deny|--unstable)/.test(arg));
      assertEquals(permissions, [...DENO_PERMISSION_FLAGS], line);
      assert(!args.includes("-A") && !line.includes("--allow-all"), line);
      assertEquals(checkDenoCompileArgs(args), [], line);
      importMap = args[args.indexOf("--import-map") + 1]!;
    }
    assert(out.stdout.split("\n").every((line) => !line.includes("bun build")), "built nothing");

    // What the compiled binaries will print for --version: the import map swaps in the facts.
    const version = await run(Deno.execPath(), [
      "run",
      "-A",
      "--import-map",
      importMap,
      "main.ts",
      "--version",
    ]);
    assertEquals(version.code, 0, version.stderr);
    assertMatch(
      version.stdout,
      /^gateway \d+\.\d+\.\d+\S* \(deno [^;]+; commit \S+, built \d{4}-\d\d-\d\d\)/,
    );
    const fromSource = await run(Deno.execPath(), ["run", "-A", "main.ts", "--version"]);
    assert(!fromSource.stdout.includes("commit"), `from source: ${fromSource.stdout}`);
  },
});

Deno.test("checkDenoCompileArgs refuses -A, --allow-all, missing flags, flags after main.ts and a missing worker module", () => {
  const good = denoCompileArgs("x86_64-apple-darwin", "dist/release/x", "map.json");
  assertEquals(checkDenoCompileArgs(good), []);
  assertEquals(DENO_TARGETS.length, 5);
  const cases: [string, string[]][] = [
    ["-A", ["compile", "-A", ...good.slice(1)]],
    ["--allow-all", ["compile", "--allow-all", ...good.slice(1)]],
    ["missing", good.filter((arg) => arg !== "--allow-run")],
    ["extra", ["compile", "--allow-ffi", ...good.slice(1)]],
    ["after main.ts", [...good, "--allow-sys"]],
    ["no worker module", good.filter((arg) => arg !== "--include" && !arg.includes("worker"))],
  ];
  for (const [name, args] of cases) {
    assert(checkDenoCompileArgs(args).length > 0, `${name}: ${args.join(" ")}`);
  }
});

// install.sh against a release server on loopback.

const OS = ({ linux: "linux", darwin: "darwin" } as Record<string, string>)[Deno.build.os];
const ARCH = ({ x86_64: "x64", aarch64: "arm64" } as Record<string, string>)[Deno.build.arch];
const ASSET = `gateway-${OS}-${ARCH}`;
const FAKE_GATEWAY = '#!/bin/sh\n[ "$1" = --version ] && echo "gateway 9.9.9-test (fake)"\n';

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Serves /good/, /bad/ (wrong checksum) and /missing/ (asset not in SHA256SUMS) releases. */
async function releaseServer(): Promise<{ url: string; close(): Promise<void> }> {
  const good = await sha256(FAKE_GATEWAY);
  const other = await sha256("something else");
  const sums: Record<string, string> = {
    good: `${other}  gateway-windows-x64.exe\n${good}  ${ASSET}\n`,
    bad: `${other}  ${ASSET}\n`,
    missing: `${good}  ${ASSET}-bun\n${good}  gateway-windows-x64.exe\n`,
  };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const [, release, name] = new URL(request.url).pathname.split("/");
    const list = sums[release ?? ""];
    if (list === undefined) return new Response("no such release", { status: 404 });
    if (name === "SHA256SUMS") return new Response(list);
    if (name === ASSET) return new Response(FAKE_GATEWAY);
    return new Response("not found", { status: 404 });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    close: () => server.shutdown(),
  };
}

function install(env: Record<string, string>) {
  return run("sh", ["install.sh"], { HOME: Deno.makeTempDirSync(), ...env });
}

const listDir = (dir: string) => [...Deno.readDirSync(dir)].map((entry) => entry.name);

Deno.test({
  name: "install.sh installs a verified asset, and refuses a wrong or missing checksum",
  ignore: BINARY_PASS || OS === undefined || ARCH === undefined,
  async fn() {
    const server = await releaseServer();
    try {
      const dir = Deno.makeTempDirSync({ prefix: "gateway-install-" });
      const ok = await install({
        GATEWAY_DOWNLOAD_URL: `${server.url}/good/`,
        GATEWAY_INSTALL_DIR: dir,
      });
      assertEquals(ok.code, 0, ok.stderr);
      assertStringIncludes(ok.stdout, "Checksum verified");
      assertStringIncludes(ok.stdout, "gateway 9.9.9-test (fake)");
      assertStringIncludes(ok.stdout, "is not on your PATH");
      assertEquals(listDir(dir), ["gateway"]);
      const installed = await run(`${dir}/gateway`, ["--version"]);
      assertEquals(installed.stdout, "gateway 9.9.9-test (fake)\n");

      // Again, over the installed copy, with the directory on PATH: no hint.
      const again = await install({
        GATEWAY_DOWNLOAD_URL: `${server.url}/good`,
        GATEWAY_INSTALL_DIR: dir,
        PATH: `${dir}:${Deno.env.get("PATH")}`,
      });
      assertEquals(again.code, 0, again.stderr);
      assert(!again.stdout.includes("not on your PATH"), again.stdout);

      for (
        const [release, message] of [
          ["bad", /checksum mismatch for gateway-\S+: .*nothing was installed/],
          ["missing", /gateway-\S+ is not listed in SHA256SUMS .*refusing to install/],
        ] as const
      ) {
        const empty = Deno.makeTempDirSync({ prefix: "gateway-install-" });
        const refused = await install({
          GATEWAY_DOWNLOAD_URL: `${server.url}/${release}`,
          GATEWAY_INSTALL_DIR: empty,
        });
        assert(refused.code !== 0, `${release}: ${refused.stdout}`);
        assertMatch(refused.stderr, message);
        assertEquals(listDir(empty), [], `${release}: nothing installed`);
      }
    } finally {
      await server.close();
    }
  },
});

/** A directory of fake commands put first on PATH. */
function shims(scripts: Record<string, string>): string {
  const dir = Deno.makeTempDirSync({ prefix: "gateway-shims-" });
  for (const [name, body] of Object.entries(scripts)) {
    Deno.writeTextFileSync(`${dir}/${name}`, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  }
  return dir;
}

Deno.test({
  name: "install.sh names the release URL from GATEWAY_REPO/GATEWAY_VERSION, refuses other systems",
  ignore: BINARY_PASS || OS === undefined || ARCH === undefined,
  async fn() {
    const log = Deno.makeTempFileSync();
    // A curl that records what it was asked for and fails, as if offline.
    const bin = shims({ curl: `echo "$*" >> "${log}"; exit 22` });
    const path = `${bin}:${Deno.env.get("PATH")}`;
    const latest = await install({ PATH: path, GATEWAY_INSTALL_DIR: bin });
    assert(latest.code !== 0);
    assertStringIncludes(latest.stderr, "could not download");
    const pinned = await install({
      PATH: path,
      GATEWAY_INSTALL_DIR: bin,
      GATEWAY_REPO: "acme/gw",
      GATEWAY_VERSION: "1.2.3",
    });
    assert(pinned.code !== 0);
    const asked = Deno.readTextFileSync(log);
    assertMatch(
      asked,
      /https:\/\/github\.com\/[\w.-]+\/[\w.-]+\/releases\/latest\/download\/SHA256SUMS/,
    );
    assertStringIncludes(asked, "https://github.com/acme/gw/releases/download/v1.2.3/SHA256SUMS");

    const systems: [string, RegExp][] = [
      ["MINGW64_NT-10.0", /on Windows download gateway-windows-x64\.exe from https:\/\/github/],
      ["FreeBSD", /no release binary for FreeBSD.*gateway-windows-x64\.exe/],
    ];
    for (const [system, message] of systems) {
      const uname = shims({ uname: `[ "$1" = -s ] && echo ${system} || echo x86_64` });
      const refused = await install({ PATH: `${uname}:${Deno.env.get("PATH")}` });
      assertEquals(refused.code, 1, refused.stdout);
      assertMatch(refused.stderr, message);
    }
  },
});

// The workflows and the Action.

type Yaml = Record<string, unknown>;
type Step = { run?: string; uses?: string; with?: Record<string, string>; if?: string };
const load = (path: string) => parse(Deno.readTextFileSync(`${ROOT}${path}`)) as Yaml;
const jobs = (workflow: Yaml) => Object.values(workflow.jobs as Record<string, Yaml>);
const steps = (job: Yaml) => (job.steps ?? []) as Step[];
const runs = (steps: Step[]) => steps.map((step) => step.run ?? "");

Deno.test({
  name: "release.yml publishes on v* tags and dry-runs on pull requests; no workflow uses -A",
  ignore: BINARY_PASS,
  fn() {
    const release = load(".github/workflows/release.yml");
    const on = release.on as Yaml;
    assertEquals((on.push as Yaml).tags, ["v*"]);
    assert("pull_request" in on && "workflow_dispatch" in on);
    const all = jobs(release).flatMap(steps);
    const dry = all.find((step) => step.run?.includes("scripts/release.ts --dry-run"));
    assert(dry, "a dry-run step");
    const real = all.find((step) => /scripts\/release\.ts\s*$/.test(step.run ?? ""));
    assert(real?.if?.includes("IS_RELEASE"), "the real build only for a tag");
    const publish = (release.jobs as Record<string, Yaml>).publish!;
    assertEquals(publish.permissions, { contents: "write" });
    assertMatch(String(publish.if), /refs\/tags\/v/);
    const publishing = runs(steps(publish)).join("\n");
    assertStringIncludes(publishing, "gh release create");
    assertStringIncludes(publishing, "SHA256SUMS");

    const ci = load(".github/workflows/ci.yml");
    assert(!("release-binaries" in (ci.jobs as Yaml)));
    const action = load("action.yml");
    const everything = [
      ...jobs(release).flatMap(steps),
      ...jobs(ci).flatMap(steps),
      ...((action.runs as Yaml).steps as Step[]),
    ];
    for (const text of runs(everything)) {
      assert(!/deno compile/.test(text) || !/(\s-A\b|--allow-all)/.test(text), text);
      assert(!text.includes("deno task release"), text);
    }
  },
});

Deno.test({
  name:
    "action.yml installs a cached release (or takes a binary) and runs validate --format github",
  ignore: BINARY_PASS,
  fn() {
    const action = load("action.yml");
    const inputs = action.inputs as Record<string, Yaml>;
    assertEquals(inputs.files?.required, true);
    assertEquals(inputs.version?.default, "latest");
    assertEquals(inputs.strict?.default, "false");
    assert("binary" in inputs);
    const actionSteps = (action.runs as Yaml).steps as Step[];
    assertEquals((action.runs as Yaml).using, "composite");
    const cache = actionSteps.find((step) => step.uses?.startsWith("actions/cache@"));
    assertMatch(String(cache?.with?.key), /version.*runner\.os.*runner\.arch/);
    assert(runs(actionSteps).some((text) => text.includes("install.sh")));
    const validate = runs(actionSteps).find((text) => text.includes("validate"));
    assertStringIncludes(String(validate), "--format github");
    assertStringIncludes(String(validate), "--strict");

    const ci = load(".github/workflows/ci.yml");
    const uses = jobs(ci).flatMap(steps).find((step) => step.uses === "./");
    assertEquals(uses?.with, { files: "config.example.yaml", binary: "dist/gateway" });
    assert(jobs(ci).flatMap(steps).some((step) => step.run?.includes("deno task compile")));
  },
});

Deno.test({
  name: "action.yml's validate step passes valid configs, fails a broken one or an empty glob",
  ignore: BINARY_PASS,
  async fn() {
    const action = load("action.yml");
    const script = runs((action.runs as Yaml).steps as Step[]).find((t) => t.includes("validate"))!;
    const scriptPath = Deno.makeTempFileSync({ suffix: ".sh" });
    Deno.writeTextFileSync(scriptPath, script);
    const bin = shims({
      gateway:
        `exec "${Deno.execPath()}" run -A --unstable-net --unstable-no-legacy-abort "${ROOT}main.ts" "$@"`,
    });
    const broken = Deno.makeTempFileSync({ suffix: ".yaml" });
    Deno.writeTextFileSync(broken, "endpoints:\n  - name: chat\n");
    const step = (files: string, strict = "false") =>
      run("bash", [scriptPath], {
        FILES: files,
        STRICT: strict,
        BINARY: `${bin}/gateway`,
        INSTALLED: "",
      });

    const valid = await step("config.example.yaml\n");
    assertEquals(valid.code, 0, valid.stdout + valid.stderr);
    assertStringIncludes(valid.stdout, "config.example.yaml: valid");
    assertStringIncludes(valid.stdout, "::warning file=config.example.yaml");

    const strict = await step("config.example.yaml", "true");
    assertEquals(strict.code, 1, strict.stdout);
    assertStringIncludes(strict.stdout, "::error file=config.example.yaml");

    const mixed = await step(`config.example.yaml ${broken}`);
    assertEquals(mixed.code, 1, mixed.stdout);
    assertStringIncludes(mixed.stdout, `${broken}: invalid`);

    const nothing = await step("no/such/dir/*.yaml");
    assertEquals(nothing.code, 1);
    assertStringIncludes(nothing.stdout, "::error::no file matches 'no/such/dir/*.yaml'");
  },
});
