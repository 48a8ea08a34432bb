/**
 * The usage store in SQLite (`server.store: sqlite:PATH`, one file shared by worker processes):
 * completed request records (no bodies), the USD spent per client key and endpoint per hour
 * (what budgets read), and the client keys created at run time. Its schema is versioned;
 * migrations run when it opens. Rows are written many to a statement (one row per statement
 * costs twice as much CPU), on a writer thread once `startWriter` has started one (else on the
 * event loop).
 */
import {
  openSqlite,
  type SqliteDatabase,
  type SqlRow,
  type SqlStatement,
} from "../runtime/sqlite.ts";
import { type JsonSqlValue, type SqlBatch, SqliteWriter } from "../runtime/sqlite_writer.ts";
import type { RecordSink } from "../core/request_record.ts";
import { type ReportOptions, type UsageReport, usageReport } from "./usage_report.ts";

/** One request as the store keeps it. */
export interface UsageRow {
  id: string;
  /** Arrival, wall-clock milliseconds. */
  at: number;
  method: string;
  path: string;
  ingress: string | null;
  /** The client key's name (`anonymous` without authentication). */
  client: string;
  target: string | null;
  endpoint: string | null;
  provider: string | null;
  model: string | null;
  stream: boolean;
  status: number;
  outcome: string;
  error_type: string | null;
  total_ms: number;
  upstream_ms: number;
  first_chunk_ms: number | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  cached_tokens: number | null;
  total_tokens: number | null;
  /** USD; null when the model has no known price (or the answer reported no usage). */
  cost_usd: number | null;
  retries: number;
  fallbacks: number;
}

/** A key created at run time; only its hash is kept. */
export interface StoredKey {
  name: string;
  sha256: string;
  endpoints: string[] | null;
  budget_usd: number | null;
  budget_period: string | null;
  created_at: number;
  revoked_at: number | null;
}

export const COLUMNS = [
  "id",
  "at",
  "method",
  "path",
  "ingress",
  "client",
  "target",
  "endpoint",
  "provider",
  "model",
  "stream",
  "status",
  "outcome",
  "error_type",
  "total_ms",
  "upstream_ms",
  "first_chunk_ms",
  "prompt_tokens",
  "completion_tokens",
  "cached_tokens",
  "total_tokens",
  "cost_usd",
  "retries",
  "fallbacks",
] as const satisfies readonly (keyof UsageRow)[];

/** What every usage store does (SQLite here; memory in memory_store.ts). */
export interface UsageStore {
  readonly kind: "sqlite" | "memory" | "postgres";
  /** Usage of the requests that arrived in [start, end). */
  report(options: ReportOptions): UsageReport | Promise<UsageReport>;
  /** USD spent since `since` (an hour boundary) by a client key or on an endpoint. */
  spent(scope: "client" | "endpoint", name: string, since: number): number | Promise<number>;
  /** Adds a key; a name already taken (even by a revoked key) is a StoreError. */
  createKey(key: StoredKey): void | Promise<void>;
  /** Every key created at run time, revoked ones included. */
  keys(): StoredKey[] | Promise<StoredKey[]>;
  /** Revokes a key; false when there is no such active key. */
  revokeKey(name: string, at: number): boolean | Promise<boolean>;
  close(): void | Promise<void>;
}

/** One line of the audit log, as a store keeps it. */
export interface AuditEntry {
  at: number;
  request_id: string;
  /** The line's JSON. */
  entry: string;
}

/** A store the audit log can go to (`server.audit.store`). */
export interface AuditStore {
  insertAudit(entries: readonly AuditEntry[]): void | Promise<void>;
}

/** A store the recorder writes rows to: at once (SQLite) or with a promise (PostgreSQL). */
export interface RowStore {
  readonly kind: UsageStore["kind"];
  insert(rows: readonly UsageRow[]): void | Promise<void>;
  /**
   * A store shared by instances takes what each request spent as it ends (rather than with its
   * batch), so budgets read in other instances count it at once.
   */
  addSpend?(client: string, endpoint: string, at: number, usd: number): Promise<void>;
}

/**
 * Where completed records go on their way to a store: the SQLite store's batch writer, or the
 * memory store itself. Budgets read what it holds back.
 */
export interface UsageSink extends RecordSink {
  /** Writes what it holds back now; resolves once the store took it (or refused it). */
  flush(): void | Promise<void>;
  close(): void | Promise<void>;
  readonly buffered: number;
  readonly dropped: number;
  /** USD of records not yet in the store, by a key's or an endpoint's name. */
  pendingUsd(scope: "client" | "endpoint", name: string): number;
  /** Called with each batch the store took. */
  onFlushed: ((rows: readonly UsageRow[]) => void) | undefined;
}

/** The start of the UTC hour that holds `at`: spending is kept per hour. */
export function hourOf(at: number): number {
  return at - (at % 3_600_000);
}

/** What a batch of rows spent: USD by scope, name and hour. */
export interface Spend {
  scope: "client" | "endpoint";
  name: string;
  hour: number;
  usd: number;
}

/** USD per client key and per endpoint per hour in a batch of rows (priced rows only). */
export function spendOf(rows: readonly UsageRow[]): Spend[] {
  // By hour, then by name: no key strings built per row.
  const byHour = new Map<number, { client: Map<string, number>; endpoint: Map<string, number> }>();
  for (const row of rows) {
    const usd = row.cost_usd;
    if (usd === null || usd === 0) continue;
    const hour = hourOf(row.at);
    let sums = byHour.get(hour);
    if (sums === undefined) {
      sums = { client: new Map(), endpoint: new Map() };
      byHour.set(hour, sums);
    }
    sums.client.set(row.client, (sums.client.get(row.client) ?? 0) + usd);
    const endpoint = row.endpoint ?? "";
    sums.endpoint.set(endpoint, (sums.endpoint.get(endpoint) ?? 0) + usd);
  }
  const spend: Spend[] = [];
  for (const [hour, sums] of byHour) {
    for (const scope of ["client", "endpoint"] as const) {
      for (const [name, usd] of sums[scope]) spend.push({ scope, name, hour, usd });
    }
  }
  return spend;
}

/** How long stored Responses API answers are kept. */
export const RESPONSES_KEPT_MS = 30 * 86_400_000;

/** Adds a batch's spending to the hourly sums. */
const ADD_SPEND = "INSERT INTO spend (scope, name, hour, usd) VALUES (?, ?, ?, ?) " +
  "ON CONFLICT (scope, name, hour) DO UPDATE SET usd = usd + excluded.usd";

/** Appends one audit line. */
const INSERT_AUDIT = "INSERT INTO audit (at, request_id, entry) VALUES (?, ?, ?)";

/** What a key or an endpoint spent since an hour. */
const SPENT =
  "SELECT coalesce(sum(usd), 0) AS usd FROM spend WHERE scope = ? AND name = ? AND hour >= ?";

/** Rows per INSERT statement. */
const ROWS_PER_STATEMENT = 32;

/** Schema versions, in order; each runs once, in a transaction, when the store opens. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE requests (
    id TEXT NOT NULL, at INTEGER NOT NULL, method TEXT NOT NULL, path TEXT NOT NULL,
    ingress TEXT, client TEXT NOT NULL, target TEXT, endpoint TEXT, provider TEXT, model TEXT,
    stream INTEGER NOT NULL, status INTEGER NOT NULL, outcome TEXT NOT NULL, error_type TEXT,
    total_ms REAL NOT NULL, upstream_ms REAL NOT NULL, first_chunk_ms REAL,
    prompt_tokens INTEGER, completion_tokens INTEGER, cached_tokens INTEGER, total_tokens INTEGER,
    cost_usd REAL, retries INTEGER NOT NULL, fallbacks INTEGER NOT NULL
  );
  CREATE INDEX requests_at ON requests (at);
  CREATE TABLE spend (
    scope TEXT NOT NULL, name TEXT NOT NULL, hour INTEGER NOT NULL, usd REAL NOT NULL,
    PRIMARY KEY (scope, name, hour)
  );
  CREATE TABLE client_keys (
    name TEXT PRIMARY KEY, sha256 TEXT NOT NULL UNIQUE, endpoints TEXT, budget_usd REAL,
    budget_period TEXT, created_at INTEGER NOT NULL, revoked_at INTEGER
  );`,
  `CREATE TABLE audit (at INTEGER NOT NULL, request_id TEXT NOT NULL, entry TEXT NOT NULL);
  CREATE INDEX audit_at ON audit (at);`,
  `CREATE TABLE responses (
    id TEXT PRIMARY KEY, client TEXT NOT NULL, at INTEGER NOT NULL, body TEXT NOT NULL
  );
  CREATE INDEX responses_at ON responses (at);`,
];

/** A store could not be opened or its schema is newer than this gateway knows. */
export class StoreError extends Error {}

/** A store written by a newer gateway: refused rather than misread. */
export function schemaTooNew(current: number, known: number): StoreError {
  return new StoreError(
    `the store's schema is version ${current}, newer than this gateway knows (${known}); ` +
      "upgrade the gateway",
  );
}

/** A `client_keys` row (from either database) as a StoredKey. */
export function storedKeyOf(row: Record<string, unknown>): StoredKey {
  return {
    name: String(row.name),
    sha256: String(row.sha256),
    endpoints: row.endpoints === null ? null : JSON.parse(String(row.endpoints)) as string[],
    budget_usd: row.budget_usd === null ? null : Number(row.budget_usd),
    budget_period: row.budget_period === null ? null : String(row.budget_period),
    created_at: Number(row.created_at),
    revoked_at: row.revoked_at === null ? null : Number(row.revoked_at),
  };
}

export class SqliteUsageStore implements UsageStore, AuditStore {
  readonly #db: SqliteDatabase;
  /** The statements `insert` runs, by their text. */
  readonly #statements = new Map<string, SqlStatement>();
  readonly #maxRows: number | undefined;
  /** The writer thread that writes the records and reads the sums budgets need, once started. */
  #writer: SqliteWriter | undefined;
  readonly #insertSql: { one: string; many: string };
  #insertsSincePrune = 0;
  #responsesSincePrune = 0;

  /** `location`: a file path, or `:memory:` (kept to the last `maxRows` records; for tests). */
  constructor(readonly location: string, maxRows?: number) {
    let db: SqliteDatabase | undefined;
    try {
      db = openSqlite(location);
      migrate(db);
      this.#db = db;
    } catch (error) {
      db?.close();
      if (error instanceof StoreError) throw error;
      throw new StoreError(`cannot open the store '${location}': ${(error as Error).message}`);
    }
    this.#maxRows = maxRows;
    const values = `(${COLUMNS.map(() => "?").join(", ")})`;
    const insert = `INSERT INTO requests (${COLUMNS.join(", ")}) VALUES `;
    this.#insertSql = {
      one: insert + values,
      many: insert + Array(ROWS_PER_STATEMENT).fill(values).join(", "),
    };
    for (const sql of [this.#insertSql.one, this.#insertSql.many, ADD_SPEND]) {
      this.#statements.set(sql, this.#db.prepare(sql));
    }
  }

  readonly kind = "sqlite" as const;

  /**
   * Moves the records' writes (and the budgets' reads of the sums, which must come after them) to
   * a writer thread. Rejects, leaving them on the event loop, when the thread cannot start.
   */
  async startWriter(url?: string): Promise<void> {
    if (this.#writer !== undefined || this.location === ":memory:") return;
    this.#writer = await SqliteWriter.start(this.location, undefined, url);
  }

  /** Whether records are written on a writer thread. */
  get writesOnThread(): boolean {
    return this.#writer?.alive === true;
  }

  /**
   * Writes records and their spending in one transaction (all or none): on the writer thread when
   * there is one (the promise settles once committed), else at once.
   */
  insert(rows: readonly UsageRow[]): void | Promise<void> {
    if (rows.length === 0) return;
    const writer = this.#writer;
    const batch = this.#batchOf(rows);
    if (writer?.alive) return writer.write(batch);
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      for (const [sql, params] of batch) this.#statements.get(sql)!.run(...params);
      this.#db.exec("COMMIT");
    } catch (error) {
      this.#db.exec("ROLLBACK");
      throw error;
    }
    this.#insertsSincePrune += rows.length;
    if (this.#maxRows !== undefined && this.#insertsSincePrune >= 1000) this.#prune(this.#maxRows);
  }

  /** The statements of an `insert`, as the writer thread takes them. */
  #batchOf(rows: readonly UsageRow[]): SqlBatch {
    const batch: [string, JsonSqlValue[]][] = [];
    let at = 0;
    for (; at + ROWS_PER_STATEMENT <= rows.length; at += ROWS_PER_STATEMENT) {
      const params: JsonSqlValue[] = [];
      for (let i = at; i < at + ROWS_PER_STATEMENT; i++) pushValues(params, rows[i] as UsageRow);
      batch.push([this.#insertSql.many, params]);
    }
    for (; at < rows.length; at++) {
      const params: JsonSqlValue[] = [];
      pushValues(params, rows[at] as UsageRow);
      batch.push([this.#insertSql.one, params]);
    }
    for (const { scope, name, hour, usd } of spendOf(rows)) {
      batch.push([ADD_SPEND, [scope, name, hour, usd]]);
    }
    return batch;
  }

  #prune(maxRows: number): void {
    this.#insertsSincePrune = 0;
    this.#db.prepare(
      "DELETE FROM requests WHERE rowid <= (SELECT max(rowid) FROM requests) - ?",
    ).run(maxRows);
  }

  /** The records that arrived in [start, end), oldest first. */
  rows(start: number, end: number): UsageRow[] {
    return this.#db.prepare(
      `SELECT ${COLUMNS.join(", ")} FROM requests WHERE at >= ? AND at < ? ORDER BY at`,
    ).all(start, end).map(rowOf);
  }

  report(options: ReportOptions): UsageReport {
    return usageReport(this.rows(options.start, options.end), options);
  }

  /**
   * Keeps a stored Responses API answer (replacing one of the same id). Answers older than 30
   * days (as long as OpenAI keeps them) are removed every thousand saves.
   */
  saveResponse(row: { id: string; client: string; at: number; body: string }): void {
    this.#db.prepare(
      "INSERT OR REPLACE INTO responses (id, client, at, body) VALUES (?, ?, ?, ?)",
    ).run(row.id, row.client, row.at, row.body);
    if (++this.#responsesSincePrune >= 1000) {
      this.#responsesSincePrune = 0;
      this.#db.prepare("DELETE FROM responses WHERE at < ?").run(row.at - RESPONSES_KEPT_MS);
    }
  }

  /** A stored answer of `client`'s. */
  loadResponse(id: string, client: string): string | undefined {
    const row = this.#db.prepare("SELECT body FROM responses WHERE id = ? AND client = ?").get(
      id,
      client,
    );
    return row === undefined ? undefined : String(row.body);
  }

  /** Deletes a stored answer of `client`'s; false when there is none. */
  deleteResponse(id: string, client: string): boolean {
    const changed = this.#db.prepare("DELETE FROM responses WHERE id = ? AND client = ?").run(
      id,
      client,
    ).changes;
    return Number(changed) > 0;
  }

  /** Appends audit lines in one transaction (on the writer thread when there is one). */
  insertAudit(entries: readonly AuditEntry[]): void | Promise<void> {
    if (entries.length === 0) return;
    const writer = this.#writer;
    if (writer?.alive) {
      return writer.write(entries.map((e) => [INSERT_AUDIT, [e.at, e.request_id, e.entry]]));
    }
    const insert = this.#db.prepare(INSERT_AUDIT);
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      for (const e of entries) insert.run(e.at, e.request_id, e.entry);
      this.#db.exec("COMMIT");
    } catch (error) {
      this.#db.exec("ROLLBACK");
      throw error;
    }
  }

  /** How many records it holds. */
  count(): number {
    return Number(this.#db.prepare("SELECT count(*) AS n FROM requests").get()?.n ?? 0);
  }

  /**
   * USD spent since `since` by a client key or on an endpoint (unpriced requests count 0). With a
   * writer thread the sum is read there, after the batches sent before: a batch is then either in
   * the sum or still pending in the recorder, never both nor neither.
   */
  spent(scope: "client" | "endpoint", name: string, since: number): number | Promise<number> {
    const params = [scope, name, hourOf(since)];
    const writer = this.#writer;
    if (writer?.alive) return writer.get(SPENT, params).then((row) => Number(row?.usd ?? 0));
    return Number(this.#db.prepare(SPENT).get(...params)?.usd ?? 0);
  }

  /** Adds a key; a name already taken (even by a revoked key) is refused. */
  createKey(key: StoredKey): void {
    const taken = this.#db.prepare("SELECT 1 AS x FROM client_keys WHERE name = ?").get(key.name);
    if (taken !== undefined) throw new StoreError(`a key named '${key.name}' exists already`);
    this.#db.prepare(
      `INSERT INTO client_keys (name, sha256, endpoints, budget_usd, budget_period, created_at,
        revoked_at) VALUES (?, ?, ?, ?, ?, ?, NULL)`,
    ).run(
      key.name,
      key.sha256,
      key.endpoints === null ? null : JSON.stringify(key.endpoints),
      key.budget_usd,
      key.budget_period,
      key.created_at,
    );
  }

  /** Every key created at run time, revoked ones included. */
  keys(): StoredKey[] {
    return this.#db.prepare(
      "SELECT name, sha256, endpoints, budget_usd, budget_period, created_at, revoked_at " +
        "FROM client_keys ORDER BY created_at, name",
    ).all().map(storedKeyOf);
  }

  /** Revokes a key; false when there is no such active key. */
  revokeKey(name: string, at: number): boolean {
    const changed = this.#db.prepare(
      "UPDATE client_keys SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL",
    ).run(at, name).changes;
    return Number(changed) > 0;
  }

  /** Closes the writer thread once it has written what it was sent, then the database. */
  close(): void | Promise<void> {
    const closeDb = () => {
      try {
        this.#db.close();
      } catch {
        // closed already
      }
    };
    const writer = this.#writer;
    this.#writer = undefined;
    if (writer === undefined) return closeDb();
    return writer.close().then(closeDb);
  }
}

/** Brings the schema up to the newest version, one transaction per step. */
function migrate(db: SqliteDatabase): void {
  db.exec("CREATE TABLE IF NOT EXISTS gateway_schema (version INTEGER NOT NULL)");
  db.exec("BEGIN IMMEDIATE");
  try {
    const row = db.prepare("SELECT max(version) AS v FROM gateway_schema").get();
    const current = Number(row?.v ?? 0);
    if (current > MIGRATIONS.length) throw schemaTooNew(current, MIGRATIONS.length);
    for (let version = current + 1; version <= MIGRATIONS.length; version++) {
      db.exec(MIGRATIONS[version - 1] as string);
      db.prepare("INSERT INTO gateway_schema (version) VALUES (?)").run(version);
    }
    db.exec("COMMIT");
  } catch (error) {
    db.exec("ROLLBACK");
    throw error;
  }
}

/** A row's values in COLUMNS order, appended to `params`. */
function pushValues(params: JsonSqlValue[], row: UsageRow): void {
  for (const column of COLUMNS) {
    const value = row[column];
    params.push(typeof value === "boolean" ? (value ? 1 : 0) : value);
  }
}

function numberOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

function stringOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

function rowOf(row: SqlRow): UsageRow {
  return {
    id: String(row.id),
    at: Number(row.at),
    method: String(row.method),
    path: String(row.path),
    ingress: stringOrNull(row.ingress),
    client: String(row.client),
    target: stringOrNull(row.target),
    endpoint: stringOrNull(row.endpoint),
    provider: stringOrNull(row.provider),
    model: stringOrNull(row.model),
    stream: Number(row.stream) === 1,
    status: Number(row.status),
    outcome: String(row.outcome),
    error_type: stringOrNull(row.error_type),
    total_ms: Number(row.total_ms),
    upstream_ms: Number(row.upstream_ms),
    first_chunk_ms: numberOrNull(row.first_chunk_ms),
    prompt_tokens: numberOrNull(row.prompt_tokens),
    completion_tokens: numberOrNull(row.completion_tokens),
    cached_tokens: numberOrNull(row.cached_tokens),
    total_tokens: numberOrNull(row.total_tokens),
    cost_usd: numberOrNull(row.cost_usd),
    retries: Number(row.retries),
    fallbacks: Number(row.fallbacks),
  };
}
