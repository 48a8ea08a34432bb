/**
 * The SQLite writer thread's side (see `sqlite_writer.ts`): one connection to the database file,
 * running what the main thread sends in the order it was sent. Messages are JSON text, which both
 * runtimes copy between threads faster than structured objects.
 */
import { openSqlite, type SqliteDatabase, type SqlStatement, type SqlValue } from "./sqlite.ts";
import type { WriterReply, WriterRequest } from "./sqlite_writer.ts";

interface WorkerScope {
  onmessage: ((event: MessageEvent<string>) => void) | null;
  postMessage(message: string): void;
  close(): void;
}

const scope = globalThis as unknown as WorkerScope;
let db: SqliteDatabase | undefined;
const statements = new Map<string, SqlStatement>();

function prepared(sql: string): SqlStatement {
  let statement = statements.get(sql);
  if (statement === undefined) {
    statement = (db as SqliteDatabase).prepare(sql);
    statements.set(sql, statement);
  }
  return statement;
}

function handle(request: WriterRequest): WriterReply {
  switch (request.op) {
    case "open":
      db = openSqlite(request.path);
      return { id: request.id, ok: true };
    case "write": {
      const open = db as SqliteDatabase;
      open.exec("BEGIN IMMEDIATE");
      try {
        for (const [sql, params] of request.batch) prepared(sql).run(...params as SqlValue[]);
        open.exec("COMMIT");
      } catch (error) {
        open.exec("ROLLBACK");
        throw error;
      }
      return { id: request.id, ok: true };
    }
    case "get":
      return {
        id: request.id,
        ok: true,
        row: prepared(request.sql).get(...request.params) ?? null,
      };
    case "close":
      statements.clear();
      db?.close();
      db = undefined;
      return { id: request.id, ok: true };
  }
}

scope.onmessage = (event) => {
  const request = JSON.parse(event.data) as WriterRequest;
  let reply: WriterReply;
  try {
    reply = handle(request);
  } catch (error) {
    reply = { id: request.id, ok: false, error: (error as Error).message };
  }
  scope.postMessage(JSON.stringify(reply));
  if (request.op === "close") scope.close();
};
