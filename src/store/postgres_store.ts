/**
 * The usage store in PostgreSQL (`server.store: postgres://...`), for several gateway instances:
 * the same tables as the SQLite store (request records, spending per hour, run-time client keys),
 * through the `postgres` npm client. Every call is asynchronous. Records are written in batches,
 * but what a request spent is added as it ends and budgets read it fresh, so several instances
 * hold one budget; keys are read again in the background. Migrations run at open, under an advisory
 * lock so instances starting together migrate once.
 */
import type postgres from "postgres";
import { type ReportOptions, type UsageReport, usageReport } from "./usage_report.ts";
import {
  type AuditEntry,
  type AuditStore,
  COLUMNS,
  hourOf,
  RESPONSES_KEPT_MS,
  schemaTooNew,
  type StoredKey,
  storedKeyOf,
  StoreError,
  type UsageRow,
  type UsageStore,
} from "./usage_store.ts";

/** Schema versions, in order (the SQLite store's, in PostgreSQL's types). */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE requests (
    id TEXT NOT NULL, at BIGINT NOT NULL, method TEXT NOT NULL, path TEXT NOT NULL,
    ingress TEXT, client TEXT NOT NULL, target TEXT, endpoint TEXT, provider TEXT, model TEXT,
    stream BOOLEAN NOT NULL, status INTEGER NOT NULL, outcome TEXT NOT NULL, error_type TEXT,
    total_ms DOUBLE PRECISION NOT NULL, upstream_ms DOUBLE PRECISION NOT NULL,
    first_chunk_ms DOUBLE PRECISION, prompt_tokens INTEGER, completion_tokens INTEGER,
    cached_tokens INTEGER, total_tokens INTEGER, cost_usd DOUBLE PRECISION,
    retries INTEGER NOT NULL, fallbacks INTEGER NOT NULL
  );
  CREATE INDEX requests_at ON requests (at);
  CREATE TABLE spend (
    scope TEXT NOT NULL, name TEXT NOT NULL, hour BIGINT NOT NULL, usd DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (scope, name, hour)
  );
  CREATE TABLE client_keys (
    name TEXT PRIMARY KEY, sha256 TEXT NOT NULL UNIQUE, endpoints TEXT, budget_usd DOUBLE PRECISION,
    budget_period TEXT, created_at BIGINT NOT NULL, revoked_at BIGINT
  );`,
  `CREATE TABLE audit (at BIGINT NOT NULL, request_id TEXT NOT NULL, entry JSONB NOT NULL);
  CREATE INDEX audit_at ON audit (at);`,
  // Kept in step with the SQLite schema's version 3.
  `CREATE TABLE responses (
    id TEXT PRIMARY KEY, client TEXT NOT NULL, at BIGINT NOT NULL, body TEXT NOT NULL
  );
  CREATE INDEX responses_at ON responses (at);`,
];

/** A lock id of the gateway's own, so instances starting together migrate one after another. */
const MIGRATION_LOCK = 72_201_119;

export class PostgresUsageStore implements UsageStore, AuditStore {
  readonly kind = "postgres" as const;
  readonly #sql: postgres.Sql;
  #responsesSincePrune = 0;

  private constructor(sql: postgres.Sql) {
    this.#sql = sql;
  }

  /**
   * Connects and migrates; a StoreError says why it cannot. The client package loads here: with
   * `node:crypto` and `node:tls` it is ~2,000 heap objects that other stores never use.
   */
  static async open(url: string): Promise<PostgresUsageStore> {
    const { default: connect } = await import("postgres");
    const sql = connect(url, {
      max: 4,
      onnotice: () => {},
      connect_timeout: 10,
    });
    try {
      await sql.begin(async (tx) => {
        await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`;
        await tx`CREATE TABLE IF NOT EXISTS gateway_schema (version INTEGER NOT NULL)`;
        const [row] = await tx`SELECT max(version) AS v FROM gateway_schema`;
        const current = Number(row?.v ?? 0);
        if (current > MIGRATIONS.length) throw schemaTooNew(current, MIGRATIONS.length);
        for (let version = current + 1; version <= MIGRATIONS.length; version++) {
          await tx.unsafe(MIGRATIONS[version - 1] as string);
          await tx`INSERT INTO gateway_schema (version) VALUES (${version})`;
        }
      });
    } catch (error) {
      await sql.end({ timeout: 1 }).catch(() => {});
      if (error instanceof StoreError) throw error;
      throw new StoreError(`cannot open the store: ${(error as Error).message}`);
    }
    return new PostgresUsageStore(sql);
  }

  /**
   * Writes records in one statement per 500. Their spending is not written here: it went in as
   * each request ended (`addSpend`), so that every instance sees it at once.
   */
  async insert(rows: readonly UsageRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.#sql.begin(async (tx) => {
      for (let at = 0; at < rows.length; at += 500) {
        const chunk = rows.slice(at, at + 500).map((row) => ({ ...row }));
        await tx`INSERT INTO requests ${tx(chunk, ...COLUMNS)}`;
      }
    });
  }

  /** Appends audit lines (JSONB, so they can be queried field by field). */
  async insertAudit(entries: readonly AuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    // The lines are JSON text already: cast in SQL rather than parsed and sent again.
    await this.#sql`
      INSERT INTO audit (at, request_id, entry)
      SELECT at, request_id, entry::jsonb FROM unnest(
        ${entries.map((e) => e.at)}::bigint[],
        ${entries.map((e) => e.request_id)}::text[],
        ${entries.map((e) => e.entry)}::text[]
      ) AS t(at, request_id, entry)`;
  }

  /** Adds what one request spent to its key's and its endpoint's sums for its hour. */
  async addSpend(client: string, endpoint: string, at: number, usd: number): Promise<void> {
    const hour = hourOf(at);
    await this.#sql`
      INSERT INTO spend (scope, name, hour, usd)
      VALUES ('client', ${client}, ${hour}, ${usd}), ('endpoint', ${endpoint}, ${hour}, ${usd})
      ON CONFLICT (scope, name, hour) DO UPDATE SET usd = spend.usd + excluded.usd`;
  }

  async rows(start: number, end: number): Promise<UsageRow[]> {
    const rows = await this.#sql`
      SELECT ${this.#sql(COLUMNS as unknown as string[])} FROM requests
      WHERE at >= ${start} AND at < ${end} ORDER BY at`;
    return rows.map((row) => {
      const out = { ...row } as Record<string, unknown>;
      out.at = Number(out.at);
      return out as unknown as UsageRow;
    });
  }

  async report(options: ReportOptions): Promise<UsageReport> {
    return usageReport(await this.rows(options.start, options.end), options);
  }

  async spent(scope: "client" | "endpoint", name: string, since: number): Promise<number> {
    const [row] = await this.#sql`
      SELECT coalesce(sum(usd), 0) AS usd FROM spend
      WHERE scope = ${scope} AND name = ${name} AND hour >= ${hourOf(since)}`;
    return Number(row?.usd ?? 0);
  }

  async createKey(key: StoredKey): Promise<void> {
    const taken = await this.#sql`SELECT 1 FROM client_keys WHERE name = ${key.name}`;
    if (taken.length > 0) throw new StoreError(`a key named '${key.name}' exists already`);
    await this.#sql`
      INSERT INTO client_keys (name, sha256, endpoints, budget_usd, budget_period, created_at)
      VALUES (${key.name}, ${key.sha256}, ${
      key.endpoints === null ? null : JSON.stringify(key.endpoints)
    }, ${key.budget_usd}, ${key.budget_period}, ${key.created_at})`;
  }

  async keys(): Promise<StoredKey[]> {
    const rows = await this.#sql`
      SELECT name, sha256, endpoints, budget_usd, budget_period, created_at, revoked_at
      FROM client_keys ORDER BY created_at, name`;
    return rows.map(storedKeyOf);
  }

  async revokeKey(name: string, at: number): Promise<boolean> {
    const result = await this.#sql`
      UPDATE client_keys SET revoked_at = ${at} WHERE name = ${name} AND revoked_at IS NULL`;
    return result.count > 0;
  }

  /**
   * Keeps a stored Responses API answer (replacing one of the same id). Answers older than 30
   * days (as long as OpenAI keeps them) are removed every thousand saves.
   */
  async saveResponse(row: { id: string; client: string; at: number; body: string }): Promise<void> {
    await this.#sql`
      INSERT INTO responses (id, client, at, body) VALUES (${row.id}, ${row.client}, ${row.at},
        ${row.body})
      ON CONFLICT (id) DO UPDATE SET client = EXCLUDED.client, at = EXCLUDED.at, body = EXCLUDED.body`;
    if (++this.#responsesSincePrune >= 1000) {
      this.#responsesSincePrune = 0;
      await this.#sql`DELETE FROM responses WHERE at < ${row.at - RESPONSES_KEPT_MS}`;
    }
  }

  /** A stored answer of `client`'s. */
  async loadResponse(id: string, client: string): Promise<string | undefined> {
    const [row] = await this.#sql`
      SELECT body FROM responses WHERE id = ${id} AND client = ${client}`;
    return row === undefined ? undefined : String(row.body);
  }

  /** Deletes a stored answer of `client`'s; false when there is none. */
  async deleteResponse(id: string, client: string): Promise<boolean> {
    const result = await this.#sql`DELETE FROM responses WHERE id = ${id} AND client = ${client}`;
    return result.count > 0;
  }

  async close(): Promise<void> {
    await this.#sql.end({ timeout: 5 });
  }
}
