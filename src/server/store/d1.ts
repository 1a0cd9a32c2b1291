import {
  sql,
  SqliteAdapter,
  SqliteQueryCompiler,
  type CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type DatabaseMetadata,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
  type TableMetadata,
} from 'kysely';
import { createSqlStore } from './sql.js';
import type { CheckoutStore } from './types.js';

/** The part of a D1 binding (`env.DB`) the store uses: `./server` needs no Workers types for it. */
export interface D1DatabaseLike {
  prepare(query: string): D1StatementLike;
  batch(statements: D1StatementLike[]): Promise<D1ResultLike[]>;
}

export interface D1StatementLike {
  bind(...values: unknown[]): D1StatementLike;
  all(): Promise<D1ResultLike>;
}

export interface D1ResultLike {
  results?: unknown[];
  meta: { changes?: number };
}

/** Options of `createD1Store`: the D1 binding of a Cloudflare Worker (`env.DB`). */
export interface D1StoreOptions {
  /** The D1 binding, e.g. `env.DB` in a Worker. */
  database: D1DatabaseLike;
}

/**
 * Cloudflare D1: SQLite, so the same queries and schema as `createSqliteStore`. D1 has no
 * interactive transactions; the writes that must commit together go as one `batch()`, which D1
 * runs atomically. No dependency: a small Kysely dialect over the binding (below), not kysely-d1,
 * which Kysely 0.28 warns about on every start (it still sets the removed `numUpdatedOrDeletedRows`).
 */
export function createD1Store(options: D1StoreOptions): CheckoutStore {
  const database = options?.database;
  if (!database || typeof database.prepare !== 'function' || typeof database.batch !== 'function') {
    throw new TypeError('createD1Store needs { database } (a D1 binding, such as env.DB)');
  }
  return createSqlStore(new D1Dialect(database), {
    flavour: 'sqlite',
    batch: async (queries) => {
      const results = await database.batch(queries.map((query) => statement(database, query)));
      return results.map(toQueryResult);
    },
  });
}

function statement(database: D1DatabaseLike, query: CompiledQuery): D1StatementLike {
  return database.prepare(query.sql).bind(...query.parameters);
}

function toQueryResult(result: D1ResultLike): QueryResult<unknown> {
  const changes = result.meta.changes ?? 0;
  return { rows: result.results ?? [], ...(changes > 0 && { numAffectedRows: BigInt(changes) }) };
}

/** Kysely's own SQLite adapter and compiler, an introspector D1 allows, and a driver on the binding. */
class D1Dialect implements Dialect {
  readonly #database: D1DatabaseLike;

  constructor(database: D1DatabaseLike) {
    this.#database = database;
  }

  createAdapter() {
    return new SqliteAdapter();
  }

  createQueryCompiler() {
    return new SqliteQueryCompiler();
  }

  createIntrospector(db: Kysely<any>) {
    return new D1Introspector(db);
  }

  createDriver(): Driver {
    const database = this.#database;
    // Stateless: every query is one request to D1, so one connection serves all callers at once.
    const connection: DatabaseConnection = {
      async executeQuery<R>(query: CompiledQuery) {
        return toQueryResult(await statement(database, query).all()) as QueryResult<R>;
      },
      async *streamQuery() {
        throw new Error('createD1Store: D1 does not stream query results');
      },
    };
    const noTransactions = async () => {
      throw new Error('createD1Store: D1 has no interactive transactions (the store batches instead)');
    };
    return {
      init: async () => {},
      acquireConnection: async () => connection,
      beginTransaction: noTransactions,
      commitTransaction: noTransactions,
      rollbackTransaction: noTransactions,
      releaseConnection: async () => {},
      destroy: async () => {},
    };
  }
}

/**
 * Table names only, which is what Kysely's migrator asks. Kysely's SQLite introspector reads every
 * table's columns through `pragma_table_info`, which D1 refuses (SQLITE_AUTH) on its own `_cf_*` tables.
 */
class D1Introspector implements DatabaseIntrospector {
  readonly #db: Kysely<any>;

  constructor(db: Kysely<any>) {
    this.#db = db;
  }

  async getSchemas() {
    return [];
  }

  async getTables(): Promise<TableMetadata[]> {
    const { rows } = await sql<{ name: string; type: string }>`
      SELECT name, type FROM sqlite_master
      WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\_%' ESCAPE '\\' AND name NOT LIKE '\_cf\_%' ESCAPE '\\'
      ORDER BY name`.execute(this.#db);
    return rows.map((row) => ({ name: row.name, isView: row.type === 'view', columns: [] }));
  }

  async getMetadata(): Promise<DatabaseMetadata> {
    return { tables: await this.getTables() };
  }
}
