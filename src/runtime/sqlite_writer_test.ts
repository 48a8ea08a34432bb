import { DatabaseSync } from "node:sqlite";
import { assert, assertEquals, assertRejects } from "../../tests/assert.ts";
import { openSqlite } from "./sqlite.ts";
import { SqliteWriter } from "./sqlite_writer.ts";

const INSERT = "INSERT INTO t (name, n) VALUES (?, ?)";
const COUNT = "SELECT count(*) AS rows, coalesce(sum(n), 0) AS total FROM t";

/** A database file with one table, as a store creates it before starting its writer. */
function database(): { dir: string; path: string } {
  const dir = Deno.makeTempDirSync({ prefix: "sqlite-writer-" });
  const path = `${dir}/test.db`;
  const db = openSqlite(path);
  db.exec("CREATE TABLE t (name TEXT NOT NULL, n REAL)");
  db.close();
  return { dir, path };
}

/** Runs `body` with a writer on a fresh database, closed and removed afterwards. */
async function withWriter(body: (writer: SqliteWriter) => Promise<void>): Promise<void> {
  const { dir, path } = database();
  const writer = await SqliteWriter.start(path);
  try {
    await body(writer);
  } finally {
    await writer.close();
    Deno.removeSync(dir, { recursive: true });
  }
}

Deno.test("SqliteWriter runs requests in the order sent: a get sent after writes sees them", () =>
  withWriter(async (writer) => {
    const writes = [1, 2, 3].map((i) =>
      writer.write([[INSERT, [`row ${i}`, i]], [INSERT, [`row ${i}b`, 0.5]]])
    );
    // Not waited for: the get still comes after them.
    const row = await writer.get(COUNT, []);
    assertEquals(row, { rows: 6, total: 7.5 });
    await Promise.all(writes);
    assertEquals(await writer.get("SELECT n FROM t WHERE name = ?", ["row 2"]), { n: 2 });
    assertEquals(await writer.get("SELECT n FROM t WHERE name = ?", ["none"]), undefined);
  }));

Deno.test("SqliteWriter rolls a failing batch back whole and goes on with the next", () =>
  withWriter(async (writer) => {
    const failing = writer.write([[INSERT, ["kept?", 1]], [INSERT, [null, 2]]]);
    await assertRejects(() => failing, /NOT NULL/);
    await writer.write([[INSERT, ["after", 3]]]);
    assertEquals(await writer.get(COUNT, []), { rows: 1, total: 3 });
    assert(writer.alive);
  }));

Deno.test("SqliteWriter.close() writes what was sent before it, then refuses more", async () => {
  const { dir, path } = database();
  const writer = await SqliteWriter.start(path);
  const sent = Array.from({ length: 20 }, (_, i) => writer.write([[INSERT, [`r${i}`, i]]]));
  await writer.close();
  await Promise.all(sent);
  assertEquals(writer.alive, false);
  await assertRejects(() => writer.write([[INSERT, ["late", 1]]]), /closed/);
  const db = new DatabaseSync(path);
  assertEquals({ ...db.prepare(COUNT).get() }, { rows: 20, total: 190 });
  db.close();
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("SqliteWriter.start() rejects when the thread cannot open the file or load", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "sqlite-writer-" });
  try {
    await assertRejects(() => SqliteWriter.start(`${dir}/missing/dir/test.db`));
    // A module that fails as it loads (as one missing from a build would).
    const broken = "data:text/javascript,throw new Error('cannot load')";
    await assertRejects(() => SqliteWriter.start(`${dir}/test.db`, 5_000, broken), /cannot load/);
    // One that loads but never answers.
    const silent = "data:text/javascript,self.onmessage = () => {}";
    await assertRejects(() => SqliteWriter.start(`${dir}/test.db`, 300, silent), /did not start/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
