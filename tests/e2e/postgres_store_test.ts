/**
 * Two gateway processes on one PostgreSQL server (a real one, started for the test): one budget
 * held across both, a key created through one working on the other, usage from both read back
 * through either, and every request in the database after SIGTERM.
 */
import postgres from "postgres";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../assert.ts";
import { postJson, runCli, startGateway, UNDER_TEST } from "./harness.ts";
import { startPostgres } from "./postgres_server.ts";

const OPS_KEY = "ops-admin-secret-0123456789";
const ALICE_KEY = "alice-secret-0123456789abc";
/** USD per million tokens: large, so that a few calls spend the budget. */
const PRICE = { input: 1000, output: 2000 };

const config = `
endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    model: {provider: mock, name: mock-1, cost: {input: ${PRICE.input}, output: ${PRICE.output}}}
server:
  store: $GATEWAY_STORE
  audit: {store: true}
  auth:
    keys:
      - {name: ops, key: $OPS_KEY, admin: true}
      - name: alice
        key: $ALICE_KEY
        budget: {usd: 0.02, period: day}
`;

const chat = { model: "chat", messages: [{ role: "user", content: "hello" }] };

Deno.test(`PostgreSQL store shared by two gateways (${UNDER_TEST})`, async (t) => {
  const pg = await startPostgres();
  const env = { GATEWAY_STORE: pg.url, OPS_KEY, ALICE_KEY };
  const a = await startGateway({ config, env });
  const b = await startGateway({ config, env });
  const sql = postgres(pg.url, { max: 1, onnotice: () => {} });
  let sent = 0;
  try {
    await t.step("one budget holds across both instances", async () => {
      let spent = 0;
      let refusedAt: number | undefined;
      for (let i = 0; i < 12 && refusedAt === undefined; i++) {
        const gateway = i % 2 === 0 ? a : b;
        const response = await postJson(`${gateway.url}/v1/chat/completions`, chat, {
          authorization: `Bearer ${ALICE_KEY}`,
        });
        sent++;
        const body = await response.json();
        if (response.status === 429) {
          refusedAt = i;
          assertEquals(body.error.code, "budget_exceeded");
        } else {
          assertEquals(response.status, 200, JSON.stringify(body));
          const u = body.usage;
          spent += (u.prompt_tokens * PRICE.input + u.completion_tokens * PRICE.output) / 1e6;
        }
        // What a request spent is in the database a moment after its answer.
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert(refusedAt !== undefined, "never refused");
      // Refused by whichever instance came next as soon as the sum reached the budget: never
      // more than one request past it, though each instance served half of them.
      assert(spent >= 0.02 - 1e-9, `refused after $${spent}`);
      const perCall = spent / refusedAt;
      assert(spent - 0.02 < perCall, `served past the budget: $${spent}`);
    });

    await t.step("a key created through one instance works on the other", async () => {
      const created = await runCli(["keys", "create", "bob"], {
        env: { GATEWAY_URL: a.url, GATEWAY_API_KEY: OPS_KEY },
      });
      assertEquals(created.code, 0, created.stderr);
      const secret = created.stdout.trim().split("\n").at(-1) as string;
      const response = await postJson(`${b.url}/v1/chat/completions`, chat, {
        authorization: `Bearer ${secret}`,
      });
      sent++;
      assertEquals(response.status, 200);
      await response.body?.cancel();
      const [row] = await sql`SELECT sha256 FROM client_keys WHERE name = 'bob'`;
      assertMatch(String(row?.sha256), /^[0-9a-f]{64}$/);
      const everything = JSON.stringify(await sql`SELECT * FROM client_keys`);
      assert(!everything.includes(secret), "only the hash is stored");
    });

    await t.step("usage from both instances, read through either", async () => {
      let line: { requests: number; cost_usd: number } | undefined;
      for (let i = 0; i < 50; i++) {
        const report = await runCli(["usage", "--by", "key", "--json"], {
          env: { GATEWAY_URL: b.url, GATEWAY_API_KEY: OPS_KEY },
        });
        assertEquals(report.code, 0, report.stderr);
        const parsed = JSON.parse(report.stdout);
        assertEquals(parsed.store.kind, "postgres");
        line = parsed.lines.find((l: { group: string }) => l.group === "alice");
        if (line !== undefined && line.requests === sent - 1) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assertEquals(line?.requests, sent - 1);
      assert((line?.cost_usd ?? 0) >= 0.02 - 1e-9);
    });

    await t.step("after SIGTERM every request is in the database", async () => {
      assertEquals(await a.stop(), 0, a.output());
      assertEquals(await b.stop(), 0, b.output());
      const [count] = await sql`SELECT count(*)::int AS n FROM requests`;
      // The usage reports above were admin requests, not usage; every API call is a row.
      assertEquals(count?.n, sent);
      // And its audit line, as JSONB that can be queried by field.
      const [audited] = await sql`SELECT count(*)::int AS n FROM audit`;
      assertEquals(audited?.n, sent);
      const [refused] = await sql`
        SELECT count(*)::int AS n FROM audit WHERE entry->>'client' = 'alice' AND entry->>'status' = '429'`;
      assertEquals(refused?.n, 1);
      const [version] = await sql`SELECT max(version)::int AS v FROM gateway_schema`;
      assertEquals(version?.v, 3);
    });

    await t.step(
      "stored responses: made on one instance, read, continued and deleted on another",
      async () => {
        const c = await startGateway({ config, env });
        const d = await startGateway({ config, env });
        const auth = { authorization: `Bearer ${OPS_KEY}` };
        try {
          const made = await postJson(
            `${c.url}/v1/responses`,
            { model: "chat", input: "hello" },
            auth,
          );
          assertEquals(made.status, 200);
          const { id } = await made.json();
          // Written off the answer's path: in the database a moment later.
          let row: { client?: unknown } | undefined;
          for (let i = 0; i < 50 && row === undefined; i++) {
            [row] = await sql`SELECT client FROM responses WHERE id = ${id}`;
            if (row === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
          }
          assertEquals(row?.client, "ops");
          const read = await fetch(`${d.url}/v1/responses/${id}`, { headers: auth });
          assertEquals(read.status, 200);
          assertEquals((await read.json()).id, id);
          // Another key does not see it.
          const other = await fetch(`${d.url}/v1/responses/${id}`, {
            headers: { authorization: `Bearer ${ALICE_KEY}` },
          });
          assertEquals(other.status, 404);
          await other.body?.cancel();
          const next = await postJson(`${d.url}/v1/responses`, {
            model: "chat",
            input: "and again",
            previous_response_id: id,
          }, auth);
          assertEquals(next.status, 200, await next.clone().text());
          const { id: nextId } = await next.json();
          // The continuation kept the first turn: its stored conversation holds both questions.
          let conversation = "";
          for (let i = 0; i < 50 && conversation === ""; i++) {
            const [stored] = await sql`SELECT body FROM responses WHERE id = ${nextId}`;
            if (stored !== undefined) {
              conversation = JSON.stringify(JSON.parse(String(stored.body)).conversation);
            } else await new Promise((resolve) => setTimeout(resolve, 50));
          }
          assertStringIncludes(conversation, "hello");
          assertStringIncludes(conversation, "and again");
          const deleted = await fetch(`${d.url}/v1/responses/${id}`, {
            method: "DELETE",
            headers: auth,
          });
          assertEquals(deleted.status, 200);
          await deleted.body?.cancel();
          const gone = await fetch(`${c.url}/v1/responses/${id}`, { headers: auth });
          assertEquals(gone.status, 404);
          await gone.body?.cancel();
          const unknown = await postJson(`${c.url}/v1/responses`, {
            model: "chat",
            input: "x",
            previous_response_id: id,
          }, auth);
          assertEquals(unknown.status, 404);
          assertEquals((await unknown.json()).error.code, "previous_response_not_found");
        } finally {
          await c.stop();
          await d.stop();
        }
      },
    );
  } finally {
    await a.stop();
    await b.stop();
    await sql.end();
    await pg.stop();
  }
});

Deno.test(`PostgreSQL store: a database that cannot be reached stops the start (${UNDER_TEST})`, async () => {
  const result = await runCli(["start", "--config-path", "/dev/stdin", "--port", "0"], {
    stdin: config,
    env: {
      GATEWAY_STORE: "postgres://gateway:secret-password@127.0.0.1:1/gateway",
      OPS_KEY,
      ALICE_KEY,
    },
  });
  assertEquals(result.code, 1);
  assertStringIncludes(result.stderr, "cannot open the store");
  assert(!result.stderr.includes("secret-password"), result.stderr);
});
