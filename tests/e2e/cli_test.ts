/** The four commands end to end, with their output and exit codes. */
import {
  assert,
  assertEquals,
  assertMatch,
  assertNotIncludes,
  assertStringIncludes,
} from "../assert.ts";
import { runCli, startGateway, tempFile, UNDER_TEST } from "./harness.ts";

const VALID = `
endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    model:
      provider: openai
      name: gpt-4o-mini
      config:
        openai_api_key: $CLI_TEST_OPENAI_KEY
  - name: embeddings
    endpoint_type: llm/v1/embeddings
    model: {provider: mock, name: m}
routes:
  - name: chat-route
    task_type: llm/v1/chat
    destinations: [{name: chat, traffic_percentage: 100}]
`;

const INVALID = `endpoints:
  - name: chat
    endpoint_typ: llm/v1/chat
    model:
      provider: opnai
      config: {}
  - name: chat
    endpoint_type: llm/v1/chat
    model: {provider: mock}
`;

Deno.test(`CLI: --version, --help, usage errors (${UNDER_TEST})`, async () => {
  const version = await runCli(["--version"]);
  assertEquals(version.code, 0);
  assertMatch(version.stdout, /^gateway \d+\.\d+\.\d+ \((deno|bun) /);
  // A built binary also says what it was built from, and when.
  if (Deno.env.get("GATEWAY_BIN")) {
    assertMatch(version.stdout, /; commit ([0-9a-f]{12}|unknown), built \d{4}-\d\d-\d\d\)/);
  }
  const help = await runCli(["--help"]);
  assertEquals(help.code, 0);
  for (const command of ["start", "validate", "query", "endpoints"]) {
    assertStringIncludes(help.stdout, command);
  }
  for (const command of ["start", "validate", "query", "endpoints"]) {
    const commandHelp = await runCli([command, "--help"]);
    assertEquals(commandHelp.code, 0);
    assertStringIncludes(commandHelp.stdout, `Usage: gateway ${command}`);
  }
  const unknown = await runCli(["frobnicate"]);
  assertEquals(unknown.code, 2);
  assertStringIncludes(unknown.stderr, "unknown command 'frobnicate'");
  const typo = await runCli(["valdate", "x.yaml"]);
  assertEquals(typo.code, 2);
  assertStringIncludes(typo.stderr, "did you mean 'validate'?");
  // No command: the help, as a usage error.
  const bare = await runCli([]);
  assertEquals(bare.code, 2);
  assertStringIncludes(bare.stderr, "Commands:");
  // Shell completion: bash completes commands and a command's own options.
  const script = await runCli(["completions", "bash"]);
  assertEquals(script.code, 0, script.stderr);
  const completed = await new Deno.Command("bash", {
    args: [
      "-c",
      `source ${tempFile(script.stdout, ".bash")}; ` +
      'COMP_WORDS=(gateway sta); COMP_CWORD=1; _gateway; echo "${COMPREPLY[*]}"; ' +
      'COMP_WORDS=(gateway start --tls); COMP_CWORD=2; _gateway; echo "${COMPREPLY[*]}"',
    ],
    stdout: "piped",
  }).output();
  assertEquals(new TextDecoder().decode(completed.stdout), "start\n--tls-cert --tls-key\n");
  assertEquals((await runCli(["completions", "tcsh"])).code, 2);
  // validate finds its file where start does when none is given.
  const fromEnv = await runCli(["validate"], {
    env: { MLFLOW_GATEWAY_CONFIG: tempFile(VALID) },
  });
  assertEquals(fromEnv.code, 0, fromEnv.stdout + fromEnv.stderr);
  const badOption = await runCli(["validate", "x.yaml", "--bogus"]);
  assertEquals(badOption.code, 2);
  assertStringIncludes(badOption.stderr, "--bogus");
});

Deno.test(`CLI: validate reports every problem with file:line:col (${UNDER_TEST})`, async (t) => {
  const valid = tempFile(VALID);
  const invalid = tempFile(INVALID);
  await t.step("a valid file exits 0; a missing env var is only a warning", async () => {
    const result = await runCli(["validate", valid]);
    assertEquals(result.code, 0, result.stdout + result.stderr);
    assertStringIncludes(result.stdout, "valid (2 endpoints, 1 routes, 1 warning)");
    assertMatch(
      result.stdout,
      /:9:25: warning: endpoints\[0\]\.model\.config\.openai_api_key: environment variable 'CLI_TEST_OPENAI_KEY' is not set/,
    );
  });
  await t.step(
    "--strict makes a missing env var an error; setting it makes the file valid",
    async () => {
      assertEquals((await runCli(["validate", valid, "--strict"])).code, 1);
      const withEnv = await runCli(["validate", valid, "--strict"], {
        env: { CLI_TEST_OPENAI_KEY: "sk-x" },
      });
      assertEquals(withEnv.code, 0, withEnv.stdout);
      assertStringIncludes(withEnv.stdout, "0 warnings");
    },
  );
  await t.step("an invalid file exits 1 and lists all problems at once, each once", async () => {
    const result = await runCli(["validate", invalid]);
    assertEquals(result.code, 1);
    const lines = result.stdout.trim().split("\n");
    assertEquals(
      lines[0],
      `${invalid}:3:5: error: endpoints[0].endpoint_typ: unknown key 'endpoint_typ' (did you mean 'endpoint_type'?)`,
    );
    assertEquals(
      lines[1],
      `${invalid}:5:17: error: endpoints[0].model.provider: unknown provider 'opnai' (did you mean 'openai'?)`,
    );
    assertMatch(lines[2] ?? "", /:7:11: error: endpoints\[1\]\.name: duplicate name 'chat'/);
    assertNotIncludes(result.stdout, "missing required key 'endpoint_type'");
    assertMatch(lines[lines.length - 1] ?? "", /invalid \(3 errors, 0 warnings\)/);
  });
  await t.step("--format github prints workflow annotations", async () => {
    const result = await runCli(["validate", invalid, "--format", "github"]);
    assertEquals(result.code, 1);
    assertStringIncludes(
      result.stdout,
      `::error file=${invalid},line=3,col=5,title=endpoints[0].endpoint_typ::`,
    );
  });
  await t.step("--format json is machine-readable", async () => {
    const result = await runCli(["validate", invalid, "--format", "json"]);
    assertEquals(result.code, 1);
    const report = JSON.parse(result.stdout);
    assertEquals(report.valid, false);
    assertEquals(report.errors, 3);
    assertEquals(report.problems[0], {
      severity: "error",
      path: "endpoints[0].endpoint_typ",
      message: "unknown key 'endpoint_typ'",
      hint: "did you mean 'endpoint_type'?",
      line: 3,
      col: 5,
    });
  });
  await t.step("YAML syntax errors have positions too", async () => {
    const broken = tempFile("endpoints:\n  - name: [unclosed\n");
    const result = await runCli(["validate", broken]);
    assertEquals(result.code, 1);
    assertMatch(result.stdout, /:\d+:\d+: error: YAML: /);
  });
  await t.step("an MLflow 2.x file loads with a deprecation warning", async () => {
    const legacy = tempFile(`routes:
  - name: completions
    route_type: llm/v1/completions
    model:
      provider: mock
`);
    const result = await runCli(["validate", legacy]);
    assertEquals(result.code, 0, result.stdout);
    assertStringIncludes(result.stdout, "rename the top-level 'routes:' to 'endpoints:'");
  });
  await t.step("a missing file or no argument exits 2", async () => {
    const missing = await runCli(["validate", "/nonexistent/config.yaml"]);
    assertEquals(missing.code, 2);
    assertStringIncludes(
      missing.stderr,
      "cannot read config file '/nonexistent/config.yaml': no such file",
    );
    const none = await runCli(["validate"]);
    assertEquals(none.code, 2);
    assertStringIncludes(none.stderr, "which config file? gateway validate <config.yaml>");
    assertEquals((await runCli(["validate", valid, "--format", "xml"])).code, 2);
    // Under --format json every outcome is JSON, an unreadable file too.
    const json = await runCli(["validate", "/nonexistent/config.yaml", "--format", "json"]);
    assertEquals(json.code, 2);
    const report = JSON.parse(json.stdout);
    assertEquals([report.valid, report.errors], [false, 1]);
    assertStringIncludes(report.problems[0].message, "no such file");
    const binary = tempFile("endpoints: []\n\u0000\u0001\u0002", ".bin");
    const notText = await runCli(["validate", binary]);
    assertEquals(notText.code, 2);
    assertStringIncludes(notText.stderr, "not a text file");
  });
  await t.step("--config-path names the file as 'gateway start' takes it", async () => {
    const result = await runCli(["validate", "--config-path", valid]);
    assertEquals(result.code, 0, result.stderr);
    assertStringIncludes(result.stdout, `${valid}: valid (2 endpoints`);
    assertEquals((await runCli(["validate", "--config-path", invalid])).code, 1);
    const both = await runCli(["validate", valid, "--config-path", invalid]);
    assertEquals(both.code, 2);
    assertStringIncludes(both.stderr, "two config files given");
  });
  await t.step("a mistyped option names the closest one", async () => {
    const result = await runCli(["validate", valid, "--fromat", "json"]);
    assertEquals(result.code, 2);
    assertStringIncludes(result.stderr, "unknown option '--fromat'; did you mean '--format'?");
  });
});

Deno.test(`CLI: start refuses bad configs, missing env vars and busy ports (${UNDER_TEST})`, async () => {
  const invalid = await runCli(["start", "--config-path", tempFile(INVALID), "--port", "0"]);
  assertEquals(invalid.code, 1);
  assertStringIncludes(invalid.stderr, "unknown provider 'opnai'");
  const missingEnv = await runCli(["start", "--config-path", tempFile(VALID), "--port", "0"]);
  assertEquals(missingEnv.code, 1);
  assertStringIncludes(
    missingEnv.stderr,
    "environment variable 'CLI_TEST_OPENAI_KEY' is not set (needed by endpoint 'chat')",
  );
  const gateway = await startGateway();
  try {
    const port = new URL(gateway.url).port;
    const busy = await runCli(["start", "--port", port]);
    assertEquals(busy.code, 1);
    assertStringIncludes(busy.stderr, `port ${port} on 127.0.0.1 is already in use`);
  } finally {
    assertEquals(await gateway.stop("SIGTERM"), 0, "SIGTERM exits 0");
  }
});

Deno.test(`CLI: start with no config serves the demo; query and endpoints talk to it (${UNDER_TEST})`, async (t) => {
  const gateway = await startGateway();
  const url = gateway.url;
  try {
    await t.step("the banner names the URL, endpoints and docs", () => {
      const output = gateway.output();
      assertStringIncludes(output, "<built-in demo config>");
      assertMatch(output, /chat\s+llm\/v1\/chat\s+mock\s+mock-chat/);
      assertStringIncludes(output, `${url}/docs`);
    });
    await t.step("query streams a chat answer", async () => {
      const result = await runCli(["query", "chat", "Hello streaming world", "--url", url]);
      assertEquals(result.code, 0, result.stderr);
      assertEquals(result.stdout, "Hello streaming world\n");
    });
    await t.step("query --no-stream, --max-tokens and --system", async () => {
      const result = await runCli([
        "query",
        "chat",
        "one two three",
        "--url",
        url,
        "--no-stream",
        "--max-tokens",
        "2",
        "--system",
        "be brief",
      ]);
      assertEquals(result.code, 0, result.stderr);
      assertEquals(result.stdout, "one two\n");
    });
    await t.step("query --json prints the raw response", async () => {
      const result = await runCli(["query", "completions", "abc", "--url", url, "--json"]);
      assertEquals(result.code, 0);
      assertEquals(JSON.parse(result.stdout).choices[0].text, "abc");
    });
    await t.step("query on an embeddings endpoint prints the dimension", async () => {
      const result = await runCli(["query", "embeddings", "vector me", "--url", url]);
      assertEquals(result.code, 0);
      assertMatch(result.stdout, /^dimension 8: \[-?\d\.\d{6}, /);
    });
    await t.step("query reads the prompt from stdin with '-' and uses $GATEWAY_URL", async () => {
      const result = await runCli(["query", "chat", "-"], {
        stdin: "from stdin\n",
        env: { GATEWAY_URL: url },
      });
      assertEquals(result.code, 0, result.stderr);
      assertEquals(result.stdout, "from stdin\n");
    });
    await t.step("query errors are one readable line and exit 1", async () => {
      const unknown = await runCli(["query", "nope", "hi", "--url", url]);
      assertEquals(unknown.code, 1);
      assertStringIncludes(unknown.stderr, "no endpoint or route named 'nope'");
      assertEquals(unknown.stderr.trim().split("\n").length, 1);
      const down = await runCli(["query", "chat", "hi", "--url", "http://127.0.0.1:9"]);
      assertEquals(down.code, 1);
      assertStringIncludes(down.stderr, "cannot reach the gateway at http://127.0.0.1:9");
      assertStringIncludes(down.stderr, "start it with 'gateway start'");
      assertEquals(down.stderr.trim().split("\n").length, 1);
      const bad = await runCli(["query", "chat", "hi", "--url", url, "--temperature", "7"]);
      assertEquals(bad.code, 2);
    });
    await t.step("endpoints --url lists endpoints and routes", async () => {
      const result = await runCli(["endpoints", "--url", url]);
      assertEquals(result.code, 0);
      assertMatch(result.stdout, /chat-fixed\s+llm\/v1\/chat\s+mock\s+mock-fixed/);
      assertMatch(
        result.stdout,
        /chat-split\s+llm\/v1\/chat\s+TRAFFIC_SPLIT\s+chat 80%, chat-fixed 20%/,
      );
      const json = JSON.parse((await runCli(["endpoints", "--url", url, "--json"])).stdout);
      assertEquals(json.endpoints.length, 4);
      assertEquals(json.routes[0].name, "chat-split");
    });
  } finally {
    await gateway.stop();
  }
});

Deno.test(`CLI: endpoints --config-path reads a file offline (${UNDER_TEST})`, async () => {
  const result = await runCli(["endpoints", "--config-path", tempFile(VALID)]);
  assertEquals(result.code, 0, result.stderr);
  assertMatch(result.stdout, /chat\s+llm\/v1\/chat\s+openai\s+gpt-4o-mini/);
  assertMatch(result.stdout, /chat-route\s+llm\/v1\/chat\s+TRAFFIC_SPLIT\s+chat 100%/);
  const invalid = await runCli(["endpoints", "--config-path", tempFile(INVALID)]);
  assertEquals(invalid.code, 1);
  assert(invalid.stderr.includes("invalid"));
});

Deno.test(`CLI: the documented configs (config.example.yaml, config.reference.yaml, README snippets) validate (${UNDER_TEST})`, async () => {
  for (const file of ["config.example.yaml", "config.reference.yaml"]) {
    const example = await runCli(["validate", file, "--format", "json"]);
    assertEquals(example.code, 0, example.stdout);
    assertEquals(JSON.parse(example.stdout).errors, 0);
  }
  // The small example starts as written with the one variable it names.
  const small = await runCli(["validate", "config.example.yaml", "--strict"], {
    env: { OPENAI_API_KEY: "sk-example-0123456789" },
  });
  assertEquals(small.code, 0, small.stdout + small.stderr);
  const pages = ["../../README.md", "../../docs/team.md", "../../docs/routing-and-cache.md"];
  const docs = pages.map((path) => Deno.readTextFileSync(new URL(path, import.meta.url)))
    .join("\n");
  const snippets = [...docs.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] as string)
    .filter((yaml) => /^endpoints:/m.test(yaml));
  assert(snippets.length >= 3, "the README and the docs pages show configs");
  for (const yaml of snippets) {
    const result = await runCli(["validate", tempFile(yaml), "--format", "json"]);
    assertEquals(result.code, 0, `${yaml}\n${result.stdout}`);
  }
});
