/**
 * The embedded SQLite database: `node:sqlite`, built into both runtimes (Deno and Bun), behind a
 * small interface so the rest of the code names no runtime module.
 */
import { DatabaseSync } from "node:sqlite";

export type SqlValue = string | number | bigint | null | Uint8Array;
export type SqlRow = Record<string, SqlValue>;

export interface SqlStatement {
  run(...params: SqlValue[]): { changes: number | bigint };
  all(...params: SqlValue[]): SqlRow[];
  get(...params: SqlValue[]): SqlRow | undefined;
}

export interface SqliteDatabase {
  exec(sql: string): void;
  prepare(sql: string): SqlStatement;
  close(): void;
}

/**
 * Opens (creating) a database file, or an in-memory one for `:memory:`. A file is put in WAL
 * mode with a busy timeout, so several worker processes can share it.
 */
export function openSqlite(path: string): SqliteDatabase {
  const db = new DatabaseSync(path);
  if (path !== ":memory:") {
    db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 2000;");
  }
  return db as unknown as SqliteDatabase;
}
