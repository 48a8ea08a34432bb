/**
 * Running the gateway for a team, through the real process: client keys (401/403/429 in every
 * client API's envelope), budgets per key and per endpoint, keys made at run time with
 * `gateway keys`, usage and cost read back with `gateway usage` after complete, streamed,
 * failed and aborted requests; records flushed to the SQLite store on SIGTERM; HTTPS.
 */
import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";
import { DatabaseSync } from "node:sqlite";
import { assert, assertEquals, assertMatch, assertStringIncludes, eventually } from "../assert.ts";
import { startMockOpenAI } from "../mocks/openai.ts";
import { postJson, runCli, startGateway, UNDER_TEST } from "./harness.ts";

const UPSTREAM_KEY = "sk-team-upstream-0123456789";
const OPS_KEY = "ops-admin-secret-0123456789";
const ALICE_KEY = "alice-secret-0123456789abc";
const BOB_KEY = "bob-secret-0123456789abcdef";
const CAROL_KEY = "carol-secret-0123456789abcd";

/** USD per million tokens on the priced endpoints: large, so that a few calls spend a budget. */
const PRICE = { input: 1000, output: 2000 };

interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
}

const costOf = (usage: Usage) =>
  (usage.prompt_tokens * PRICE.input + usage.completion_tokens * PRICE.output) / 1e6;

async function teamConfig(upstream: string, slow: string, store: string): Promise<string> {
  const openai = (name: string, base = upstream, extra = "") => `
  - name: ${name}
    endpoint_type: llm/v1/chat
    retries: 0${extra}
    model:
      provider: openai
      name: gpt-4o-mini
      cost: {input: ${PRICE.input}, output: ${PRICE.output}}
      config: {openai_api_key: $UPSTREAM_KEY, openai_api_base: ${base}}`;
  return `
endpoints:${openai("chat")}${openai("other")}${openai("slow", slow)}${
    openai("capped", upstream, "\n    budget: {usd: 0.02, period: day}")
  }
server:
  store: sqlite:${store}
  audit: {store: true}
  auth:
    keys:
      - name: ops
        key: $OPS_KEY
        admin: true
      - name: alice
        key: $ALICE_KEY
        endpoints: [chat, capped, slow]
      - name: bob
        key_sha256: ${await sha256(BOB_KEY)}
        budget: {usd: 0.03, period: month}
      - name: carol
        key: $CAROL_KEY
        endpoints: [other]
`;
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

const chatBody = (model: string, content = "hello") => ({
  model,
  messages: [{ role: "user", content }],
});

Deno.test(`client keys, budgets and usage (${UNDER_TEST})`, async (t) => {
  const upstream = startMockOpenAI({ apiKey: UPSTREAM_KEY });
  const slowUpstream = startMockOpenAI({ apiKey: UPSTREAM_KEY, chunkDelayMs: 300 });
  const dir = Deno.makeTempDirSync({ prefix: "gateway-team-" });
  const gateway = await startGateway({
    config: await teamConfig(upstream.baseUrl, slowUpstream.baseUrl, `${dir}/gateway.db`),
    env: { UPSTREAM_KEY, OPS_KEY, ALICE_KEY, CAROL_KEY },
  });
  const url = gateway.url;
  const openai = (apiKey: string) =>
    new OpenAI({ baseURL: `${url}/v1`, apiKey, maxRetries: 0, timeout: 10_000 });
  try {
    await t.step("the openai SDK: a valid key answers, a wrong one is 401", async () => {
      const { data: answer, response } = await openai(ALICE_KEY).chat.completions.create(
        chatBody("chat") as never,
      ).withResponse();
      assertEquals(answer.choices[0]?.message.content, "Echo: hello");
      assertMatch(response.headers.get("x-gateway-overhead-ms") ?? "", /^\d+\.\d{3}$/);
      const error = await openai("wrong-key-0123456789").chat.completions.create(
        chatBody("chat") as never,
      ).catch((e) => e);
      assert(error instanceof OpenAI.AuthenticationError, String(error));
      assertEquals(error.status, 401);
      const missing = await postJson(`${url}/v1/chat/completions`, chatBody("chat"));
      assertEquals(missing.status, 401);
      assertEquals((await missing.json()).error.code, "missing_api_key");
      assertEquals(missing.headers.get("www-authenticate"), 'Bearer realm="gateway"');
    });

    await t.step("a key limited to some endpoints gets 403 on the others", async () => {
      const error = await openai(ALICE_KEY).chat.completions.create(chatBody("other") as never)
        .catch((e) => e);
      assert(error instanceof OpenAI.PermissionDeniedError, String(error));
      assertStringIncludes(error.message, "'alice' may not use 'other'");
      const ok = await openai(CAROL_KEY).chat.completions.create(chatBody("other") as never);
      assertEquals(ok.choices[0]?.message.content, "Echo: hello");
    });

    await t.step(
      "both MLflow invocation paths take the bearer token and refuse alike",
      async () => {
        for (const path of ["/gateway/chat/invocations", "/endpoints/chat/invocations"]) {
          const body = { messages: [{ role: "user", content: "hi" }] };
          assertEquals((await postJson(`${url}${path}`, body)).status, 401, path);
          const allowed = await postJson(`${url}${path}`, body, {
            authorization: `Bearer ${ALICE_KEY}`,
          });
          assertEquals(allowed.status, 200, path);
          await allowed.body?.cancel();
          const refused = await postJson(`${url}${path}`, body, {
            authorization: `Bearer ${CAROL_KEY}`,
          });
          assertEquals(refused.status, 403, path);
          await refused.body?.cancel();
        }
      },
    );

    await t.step(
      "the anthropic SDK sends x-api-key: 200 with it, 401 and 403 in Anthropic's shape",
      async () => {
        const client = (apiKey: string) =>
          new Anthropic({ baseURL: url, apiKey, maxRetries: 0, timeout: 10_000 });
        const message = await client(ALICE_KEY).messages.create({
          model: "chat",
          max_tokens: 50,
          messages: [{ role: "user", content: "hi" }],
        });
        assertEquals(message.content[0]?.type, "text");
        const wrong = await client("wrong-key-0123456789").messages.create({
          model: "chat",
          max_tokens: 50,
          messages: [{ role: "user", content: "hi" }],
        }).catch((e) => e);
        assert(wrong instanceof Anthropic.AuthenticationError, String(wrong));
        const forbidden = await fetch(`${url}/v1/messages`, {
          method: "POST",
          headers: { "x-api-key": ALICE_KEY, "content-type": "application/json" },
          body: JSON.stringify({
            model: "other",
            max_tokens: 5,
            messages: [{ role: "user", content: "hi" }],
          }),
        });
        assertEquals(forbidden.status, 403);
        assertEquals((await forbidden.json()).error.type, "permission_error");
      },
    );

    await t.step(
      "a key's budget: requests are refused with 429 once its cost is spent",
      async () => {
        let spent = 0;
        let refusedAt: number | undefined;
        for (let i = 0; i < 10 && refusedAt === undefined; i++) {
          const response = await postJson(`${url}/v1/chat/completions`, chatBody("chat"), {
            authorization: `Bearer ${BOB_KEY}`,
          });
          const body = await response.json();
          if (response.status === 429) {
            refusedAt = i;
            assertEquals(body.error.type, "insufficient_quota");
            assertEquals(body.error.code, "budget_exceeded");
            assertStringIncludes(body.error.message, "client key 'bob'");
            assert(Number(response.headers.get("retry-after")) > 0);
          } else {
            assertEquals(response.status, 200);
            spent += costOf(body.usage);
          }
        }
        assert(refusedAt !== undefined, "bob was never refused");
        // Refused as soon as what was spent reached the budget, not before.
        assert(spent >= 0.03, `refused after spending ${spent}`);
        assert(spent - 0.03 < 0.03, `served past the budget: ${spent}`);
      },
    );

    await t.step("an endpoint's budget holds for every key", async () => {
      let statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const response = await postJson(`${url}/v1/chat/completions`, chatBody("capped"), {
          authorization: `Bearer ${ALICE_KEY}`,
        });
        statuses.push(response.status);
        const body = await response.json();
        if (response.status === 429) assertStringIncludes(body.error.message, "endpoint 'capped'");
      }
      statuses = statuses.slice(0, 3);
      // Each call costs about 0.014: two fit under 0.02 (the second passes at 0.014 spent).
      assertEquals(statuses, [200, 200, 429]);
    });

    await t.step("admin APIs need an admin key; /health needs none", async () => {
      assertEquals((await fetch(`${url}/health`)).status, 200);
      for (const path of ["/metrics", "/api/2.0/gateway/usage", "/api/2.0/gateway/keys"]) {
        const anonymous = await fetch(`${url}${path}`);
        assertEquals(anonymous.status, 401, path);
        await anonymous.body?.cancel();
        const alice = await fetch(`${url}${path}`, { headers: { "x-api-key": ALICE_KEY } });
        assertEquals(alice.status, 403, path);
        assertEquals((await alice.json()).error.code, "admin_key_required");
        const ops = await fetch(`${url}${path}`, { headers: { "x-api-key": OPS_KEY } });
        assertEquals(ops.status, 200, path);
        const text = await ops.text();
        if (path === "/metrics") {
          // Usage by key, and the cost of the priced endpoint.
          assertMatch(
            text,
            /gateway_tokens_total\{endpoint="chat",provider="openai",model="gpt-4o-mini",key="alice",kind="prompt"\} \d+/,
          );
          assertMatch(text, /gateway_cost_usd_total\{endpoint="chat",[^}]*key="bob"\} 0\.0\d+/);
          assertMatch(text, /gateway_overhead_duration_seconds_count\{endpoint="chat"\} \d+/);
        }
      }
    });

    const admin = { GATEWAY_URL: url, GATEWAY_API_KEY: OPS_KEY };
    let erinKey = "";
    await t.step(
      "gateway keys create prints a secret that works at once; revoke ends it",
      async () => {
        const created = await runCli(["keys", "create", "dave", "--endpoints", "chat"], {
          env: admin,
        });
        assertEquals(created.code, 0, created.stderr);
        const secret = created.stdout.trim().split("\n").at(-1) as string;
        assertMatch(secret, /^gw-[A-Za-z0-9_-]{43}$/);
        const dave = await openai(secret).chat.completions.create(chatBody("chat") as never);
        assertEquals(dave.choices[0]?.message.content, "Echo: hello");
        const other = await openai(secret).chat.completions.create(chatBody("other") as never)
          .catch((e) => e);
        assertEquals(other.status, 403);
        const listed = await runCli(["keys", "list"], { env: admin });
        assertMatch(listed.stdout, /dave\s+store\s+chat\s+-\s+-\s+\d{4}-\d\d-\d\d [\d:]+\s+active/);
        assert(!listed.stdout.includes(secret), "a listing never shows a secret");
        const revoked = await runCli(["keys", "revoke", "dave"], { env: admin });
        assertEquals(revoked.code, 0, revoked.stderr);
        const after = await openai(secret).chat.completions.create(chatBody("chat") as never)
          .catch((e) => e);
        assertEquals(after.status, 401);
        const erin = await runCli(["keys", "create", "erin", "--json"], { env: admin });
        erinKey = JSON.parse(erin.stdout).key;
        const refused = await runCli(["keys", "create", "frank"], {
          env: { GATEWAY_URL: url, GATEWAY_API_KEY: ALICE_KEY },
        });
        assertEquals(refused.code, 1);
        assertStringIncludes(refused.stderr, "HTTP 403");
      },
    );

    await t.step(
      "gateway usage reports complete, streamed, failed and aborted requests with their cost",
      async () => {
        const client = openai(erinKey);
        let prompt = 0;
        let completion = 0;
        for (let i = 0; i < 3; i++) {
          const answer = await client.chat.completions.create(
            chatBody("chat", `number ${i}`) as never,
          );
          prompt += answer.usage?.prompt_tokens ?? 0;
          completion += answer.usage?.completion_tokens ?? 0;
        }
        for (let i = 0; i < 2; i++) {
          const stream = await client.chat.completions.create({
            ...chatBody("chat", "stream me please"),
            stream: true,
            stream_options: { include_usage: true },
          } as never) as unknown as AsyncIterable<{ usage?: Usage | null }>;
          for await (const chunk of stream) {
            prompt += chunk.usage?.prompt_tokens ?? 0;
            completion += chunk.usage?.completion_tokens ?? 0;
          }
        }
        upstream.faults.push({ kind: "status", status: 500, body: { error: { message: "boom" } } });
        const failed = await client.chat.completions.create(chatBody("chat") as never).catch((e) =>
          e
        );
        assertEquals(failed.status, 502);
        // A slow stream the client leaves after its first chunk.
        const aborter = new AbortController();
        const aborted = await fetch(`${url}/v1/chat/completions`, {
          method: "POST",
          headers: { authorization: `Bearer ${erinKey}`, "content-type": "application/json" },
          body: JSON.stringify({
            ...chatBody("slow", "a long answer that streams slowly"),
            stream: true,
          }),
          signal: aborter.signal,
        });
        const reader = aborted.body!.getReader();
        await reader.read();
        aborter.abort();
        await reader.cancel().catch(() => {});
        // The record of a stream is complete when the server sees the client gone.
        let line: Record<string, number> | undefined;
        for (let i = 0; i < 50; i++) {
          const report = await runCli(["usage", "--by", "key", "--since", "1h", "--json"], {
            env: admin,
          });
          assertEquals(report.code, 0, report.stderr);
          line = JSON.parse(report.stdout).lines.find((l: { group: string }) => l.group === "erin");
          if (line?.requests === 7) break;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        assert(line !== undefined, "erin is in the usage report");
        assertEquals(line.requests, 7);
        // The upstream failure and the stream its client left.
        assertEquals(line.errors, 2);
        // Tokens: exactly what the complete and streamed answers reported (the failed one used
        // none, the left stream never got to its usage), at the endpoint's price.
        assertEquals(line.prompt_tokens, prompt);
        assertEquals(line.completion_tokens, completion);
        const expected = costOf({ prompt_tokens: prompt, completion_tokens: completion });
        assert(Math.abs((line.cost_usd ?? 0) - expected) < 1e-9, `${line.cost_usd} vs ${expected}`);
        const table = await runCli(["usage", "--by", "key", "--since", "1h"], { env: admin });
        assertMatch(
          table.stdout,
          new RegExp(
            `^erin\\s+7\\s+2\\s+${prompt}\\s+${completion}\\s+${Number(expected.toPrecision(3))}`,
            "m",
          ),
        );
        assertMatch(table.stdout, /^TOTAL\s+\d+/m);
      },
    );
  } finally {
    const code = await gateway.stop();
    await upstream.close();
    await slowUpstream.close();
    // `audit: {store: true}`: the lines went to the store's table (through its writer thread),
    // the last ones at stop. Carol's call of 'other' through the openai SDK was answered, Alice's
    // refused.
    const db = new DatabaseSync(`${dir}/gateway.db`);
    const audited = (client: string, status: number) =>
      (db.prepare(
        "SELECT count(*) AS n FROM audit WHERE json_extract(entry, '$.client') = ? " +
          "AND json_extract(entry, '$.status') = ? AND json_extract(entry, '$.target') = 'other' " +
          "AND json_extract(entry, '$.path') = '/v1/chat/completions'",
      ).get(client, status) as { n: number }).n;
    const counts = [audited("carol", 200), audited("alice", 403)];
    db.close();
    Deno.removeSync(dir, { recursive: true });
    assertEquals(code, 0, gateway.output());
    assertEquals(counts, [1, 1]);
  }
});

Deno.test(`SIGTERM during load: every answered request is in the store (${UNDER_TEST})`, async () => {
  const dir = Deno.makeTempDirSync({ prefix: "gateway-flush-" });
  const store = `${dir}/gateway.db`;
  const gateway = await startGateway({
    config: `
endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    model: {provider: mock, name: mock-1}
server:
  store: sqlite:${store}
`,
    // At info: the store says where its records are written.
    env: { GATEWAY_LOG_LEVEL: "info" },
  });
  let answered = 0;
  let sent = 0;
  try {
    const worker = async () => {
      for (let i = 0; i < 200; i++) {
        sent++;
        try {
          const response = await postJson(`${gateway.url}/v1/chat/completions`, chatBody("chat"));
          await response.text();
          if (response.status === 200) answered++;
        } catch {
          return; // the server is gone
        }
      }
    };
    // The records are written on the store's writer thread (the binary carries its module too).
    await eventually("the store's line", () => gateway.output().includes("usage store opened"));
    assertStringIncludes(gateway.output(), 'writes="writer thread"');
    const load = Promise.all(Array.from({ length: 8 }, worker));
    while (answered < 300) await new Promise((resolve) => setTimeout(resolve, 5));
    const code = await gateway.stop("SIGTERM");
    await load;
    assertEquals(code, 0, gateway.output());
    const db = new DatabaseSync(store);
    const row = db.prepare("SELECT count(*) AS n FROM requests WHERE status = 200").get() as {
      n: number;
    };
    db.close();
    assert(row.n >= answered, `${row.n} records for ${answered} answers`);
    assert(row.n <= sent, `${row.n} records for ${sent} requests sent`);
  } finally {
    await gateway.stop().catch(() => 0);
    Deno.removeSync(dir, { recursive: true });
  }
});

/** A self-signed certificate for 127.0.0.1 and its key, written by openssl into `dir`. */
async function selfSigned(dir: string, name: string): Promise<{ cert: string; key: string }> {
  const cert = `${dir}/${name}.cert.pem`;
  const key = `${dir}/${name}.key.pem`;
  const openssl = await new Deno.Command("openssl", {
    args: [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-days",
      "1",
      "-subj",
      `/CN=${name}`,
      "-addext",
      "subjectAltName=IP:127.0.0.1",
      "-keyout",
      key,
      "-out",
      cert,
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  assertEquals(openssl.code, 0, new TextDecoder().decode(openssl.stderr));
  return { cert, key };
}

/** curl's exit code and output for a chat request trusting only `ca`. */
async function curlChat(url: string, ca: string): Promise<{ code: number; out: string }> {
  const curl = await new Deno.Command("curl", {
    args: [
      "--silent",
      "--show-error",
      "--max-time",
      "5",
      "--cacert",
      ca,
      "-H",
      "content-type: application/json",
      "-d",
      JSON.stringify(chatBody("chat", "over TLS")),
      `${url}/v1/chat/completions`,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: curl.code, out: new TextDecoder().decode(curl.stdout) };
}

Deno.test(`HTTPS with --tls-cert and --tls-key, checked by curl (${UNDER_TEST})`, async () => {
  const dir = Deno.makeTempDirSync({ prefix: "gateway-tls-" });
  const first = await selfSigned(dir, "first");
  const gateway = await startGateway({ args: ["--tls-cert", first.cert, "--tls-key", first.key] });
  try {
    assertMatch(gateway.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const answer = await curlChat(gateway.url, first.cert);
    assertEquals(answer.code, 0);
    assertEquals(JSON.parse(answer.out).object, "chat.completion");
    // Plain HTTP on the TLS port is not served.
    const plain = await new Deno.Command("curl", {
      args: ["--silent", "--max-time", "5", gateway.url.replace("https:", "http:") + "/health"],
      stdout: "piped",
      stderr: "null",
    }).output();
    assert(!new TextDecoder().decode(plain.stdout).includes('"OK"'));
  } finally {
    await gateway.stop();
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test(`HTTPS: a renewed certificate is served without a restart (${UNDER_TEST})`, async () => {
  const dir = Deno.makeTempDirSync({ prefix: "gateway-tls-" });
  const first = await selfSigned(dir, "first");
  const second = await selfSigned(dir, "second");
  const cert = `${dir}/cert.pem`;
  const key = `${dir}/key.pem`;
  Deno.copyFileSync(first.cert, cert);
  Deno.copyFileSync(first.key, key);
  const gateway = await startGateway({
    config: `
endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    model: {provider: mock, name: mock-1}
server:
  tls: {cert: ${cert}, key: ${key}}
`,
  });
  try {
    assertEquals((await curlChat(gateway.url, first.cert)).code, 0);
    // Renewed as certbot does: the new files renamed over the old ones.
    Deno.copyFileSync(second.key, `${key}.new`);
    Deno.copyFileSync(second.cert, `${cert}.new`);
    Deno.renameSync(`${key}.new`, key);
    Deno.renameSync(`${cert}.new`, cert);
    let renewed = false;
    for (let i = 0; i < 50 && !renewed; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      renewed = (await curlChat(gateway.url, second.cert)).code === 0;
    }
    assert(renewed, `the new certificate was not served:\n${gateway.output()}`);
    // The old certificate is no longer what the port presents.
    assert((await curlChat(gateway.url, first.cert)).code !== 0);
  } finally {
    assertEquals(await gateway.stop(), 0, gateway.output());
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test(`the audit log: records and bodies, redacted and rotated (${UNDER_TEST})`, async () => {
  const upstream = startMockOpenAI({ apiKey: UPSTREAM_KEY });
  const dir = Deno.makeTempDirSync({ prefix: "gateway-audit-" });
  const path = `${dir}/audit.jsonl`;
  const gateway = await startGateway({
    env: { UPSTREAM_KEY, ALICE_KEY },
    config: `
endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    model:
      provider: openai
      name: gpt-4o-mini
      config: {openai_api_key: $UPSTREAM_KEY, openai_api_base: ${upstream.baseUrl}}
server:
  auth:
    keys: [{name: alice, key: $ALICE_KEY}]
  audit:
    path: ${path}
    bodies: true
    redact: ['\\d{4}-\\d{4}-\\d{4}-\\d{4}']
    max_bytes: 4096
    keep: 2
`,
  });
  try {
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: ALICE_KEY, maxRetries: 0 });
    await client.chat.completions.create(
      chatBody("chat", `card 4111-1111-1111-1111 and key ${UPSTREAM_KEY}`) as never,
    );
    const stream = await client.chat.completions.create(
      { ...chatBody("chat", "stream this"), stream: true } as never,
    ) as unknown as AsyncIterable<unknown>;
    for await (const _ of stream) { /* read to the end */ }
    const refused = await postJson(`${gateway.url}/v1/chat/completions`, chatBody("chat"));
    await refused.body?.cancel();
    // deno-lint-ignore no-explicit-any -- audit lines are read field by field
    type Line = Record<string, any>;
    let lines: Line[] = [];
    for (let i = 0; i < 50 && lines.length < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      let text = "";
      try {
        text = Deno.readTextFileSync(path);
      } catch {
        continue; // not written yet
      }
      lines = text.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l));
    }
    assertEquals(lines.length, 3);
    const [complete, streamed, anonymous] = lines as [Line, Line, Line];
    assertEquals(complete.client, "alice");
    assertEquals(complete.status, 200);
    assertEquals(complete.endpoint, "chat");
    assertEquals(complete.usage.prompt, 10);
    assertEquals(complete.request.messages[0].content, "card [REDACTED] and key [REDACTED]");
    assertStringIncludes(complete.response.choices[0].message.content, "card [REDACTED]");
    assertEquals(streamed.stream, true);
    assertEquals(streamed.response.choices[0].text, "Echo: stream this");
    assertEquals(streamed.response.choices[0].finish_reason, "stop");
    assertEquals(anonymous.status, 401);
    assertEquals(anonymous.client, "anonymous");
    // Enough requests to rotate twice over: the newest file and two rotated ones, no more.
    for (let i = 0; i < 20; i++) {
      await client.chat.completions.create(chatBody("chat", `filler ${i}`) as never);
      if (i % 5 === 4) await new Promise((resolve) => setTimeout(resolve, 300));
    }
    await new Promise((resolve) => setTimeout(resolve, 400));
    const files = [...Deno.readDirSync(dir)].map((entry) => entry.name).sort();
    assertEquals(files, ["audit.jsonl", "audit.jsonl.1", "audit.jsonl.2"]);
    for (const file of files) {
      const text = Deno.readTextFileSync(`${dir}/${file}`);
      assert(!text.includes(UPSTREAM_KEY) && !text.includes(ALICE_KEY), `a key in ${file}`);
      assert(Deno.statSync(`${dir}/${file}`).size <= 4096, `${file} too large`);
    }
  } finally {
    const code = await gateway.stop();
    await upstream.close();
    Deno.removeSync(dir, { recursive: true });
    assertEquals(code, 0, gateway.output());
  }
});

Deno.test(`with no store, usage is counted in memory and budgets hold (${UNDER_TEST})`, async () => {
  const gateway = await startGateway({
    config: `
endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    budget: {usd: 0.000019, period: day}
    model: {provider: mock, name: mock-1, cost: {input: 1, output: 1}}
`,
  });
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const response = await postJson(`${gateway.url}/v1/chat/completions`, chatBody("chat"));
      statuses.push(response.status);
      await response.body?.cancel();
    }
    // The mock's answer to "hello" is 5 tokens: $0.000005 at $1 per million. Three calls leave
    // the budget unspent, the fourth spends it, the fifth is refused.
    assertEquals(statuses, [200, 200, 200, 200]);
    const refused = await postJson(`${gateway.url}/v1/chat/completions`, chatBody("chat"));
    assertEquals(refused.status, 429);
    await refused.body?.cancel();
    const report = await runCli(["usage", "--json", "--since", "1h"], {
      env: { GATEWAY_URL: gateway.url },
    });
    assertEquals(report.code, 0, report.stderr);
    const parsed = JSON.parse(report.stdout);
    assertEquals(parsed.store.kind, "memory");
    const line = parsed.lines.find((l: { group: string }) => l.group === "chat");
    assertEquals([line.requests, line.errors], [5, 1]);
    assert(line.p50_ms > 0 && line.p95_ms >= line.p50_ms, JSON.stringify(line));
    assert(Math.abs(line.cost_usd - 0.00002) < 1e-9, String(line.cost_usd));
    // Without authentication the keys API makes no keys: they would hold once auth is on.
    const keys = await postJson(`${gateway.url}/api/2.0/gateway/keys`, { name: "sneaky" });
    assertEquals(keys.status, 409);
    assertEquals((await keys.json()).error.code, "auth_off");
  } finally {
    await gateway.stop();
  }
});
