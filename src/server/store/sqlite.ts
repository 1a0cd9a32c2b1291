import { Kysely, SqliteDialect, type SqliteDatabase, type SqliteStatement } from 'kysely';
import { migrator, type StoreDatabase } from './sql.js';
import { boundStatement, createStatementStore, type StatementInputs, type StatementResult } from './statement-store.js';
import type { CheckoutStore } from './types.js';

/** Options of `createSqliteStore`: the database file, and how long a write waits for another process's. */
export interface SqliteStoreOptions {
  /** The database file; its folder must exist. `:memory:` for a throwaway one. */
  path: string;
  /**
   * How long a write waits for another process's write to finish. Default 5000 ms. Stores on one
   * file in one process share a connection: the first one opened sets it.
   */
  busyTimeoutMs?: number;
}

/**
 * Turns WAL on. Processes opening one new file at once may find another converting it: SQLite can
 * answer SQLITE_BUSY to the journal-mode switch without waiting on the busy timeout, so this waits.
 */
async function switchToWal(database: { pragma(source: string): unknown }, waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      database.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'SQLITE_BUSY' || Date.now() >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 40));
    }
  }
}

/** More distinct statements than the store runs (a few dozen, with its list and lease variants); over it the oldest goes first. */
export const MAX_CACHED_STATEMENTS = 200;

/**
 * The connection as Kysely sees it, preparing each statement once: Kysely asks better-sqlite3 to
 * prepare (parse and plan) every query again, and the store runs the same few SQL texts over and
 * over with other parameters. A prepared statement is reusable (better-sqlite3 runs it to the end
 * before `run`/`all` return; the store never streams), and SQLite prepares it again by itself
 * after a schema change. At most `limit` are kept, the oldest dropped first.
 */
export function cachingStatements(database: SqliteDatabase, limit = MAX_CACHED_STATEMENTS): SqliteDatabase {
  const statements = new Map<string, SqliteStatement>();
  return {
    close: () => database.close(),
    prepare(sql) {
      let statement = statements.get(sql);
      if (statement === undefined) {
        statement = database.prepare(sql);
        if (statements.size >= limit) statements.delete(statements.keys().next().value!);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}

/** The stores open on each file in this process, by its absolute path: they share one connection. */
const openFiles = new Map<string, { store: CheckoutStore; users: number }>();

/**
 * One machine: a SQLite file (better-sqlite3 12, an optional peer dependency, loaded on first
 * use so `./server` still imports where it is not installed). Several processes on the same file
 * are safe (WAL, a busy timeout); for several machines use `createPostgresStore`.
 *
 * Stores on one file in one process share one connection (a `:memory:` one is never shared):
 * better-sqlite3 waits for a lock synchronously, so a second connection in the same process would
 * block the event loop that the first one needs to finish its transaction, until the busy timeout
 * ran out (SQLITE_BUSY). The connection closes when the last store on it does.
 */
export function createSqliteStore(options: SqliteStoreOptions): CheckoutStore {
  if (!options || typeof options.path !== 'string' || options.path === '') {
    throw new TypeError('createSqliteStore needs { path } (a file, or ":memory:")');
  }
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  if (options.path === ':memory:') return openSqliteStore(options.path, busyTimeoutMs);
  // Not imported: `./server` must bundle without Node built-ins for edge runtimes, which never get here.
  const file = process.getBuiltinModule('node:path').resolve(options.path);
  const shared = openFiles.get(file) ?? { store: openSqliteStore(file, busyTimeoutMs), users: 0 };
  openFiles.set(file, shared);
  shared.users += 1;
  let closed = false;
  return {
    // The store's methods are closures over its connection, not `this`.
    ...shared.store,
    async close() {
      if (closed) return;
      closed = true;
      shared.users -= 1;
      if (shared.users > 0) return;
      openFiles.delete(file);
      await shared.store.close();
    },
  };
}

/** The part of a better-sqlite3 `Database` the store uses beyond Kysely's `SqliteDatabase`. */
interface BetterSqliteDatabase extends SqliteDatabase {
  pragma(source: string): unknown;
  transaction<Args extends unknown[], Result>(run: (...args: Args) => Result): { immediate(...args: Args): Result };
}

type Batch = readonly (readonly [string, StatementInputs])[];

/**
 * The store on one better-sqlite3 connection: the generated statements (`sqlite-statements.generated.ts`,
 * the D1 store's), each prepared once, run synchronously; a batch is one `BEGIN IMMEDIATE`
 * transaction (it waits on the busy timeout for another process's write up front, and rolls back
 * whole on an error). Kysely runs only the migrations (`migrator` of `sql.ts`, inside its own
 * `BEGIN IMMEDIATE`), on the same connection, before any statement.
 */
function openSqliteStore(file: string, busyTimeoutMs: number): CheckoutStore {
  let connection: SqliteDatabase | undefined;
  let inTransaction: ((batch: Batch) => StatementResult[]) | undefined;
  const kysely = new Kysely<StoreDatabase>({
    dialect: new SqliteDialect({
      database: async () => {
        const { default: Database } = await import(/* webpackIgnore: true */ 'better-sqlite3').catch((error: unknown) => {
          throw new Error('createSqliteStore needs the better-sqlite3 package (npm install better-sqlite3@12)', { cause: error });
        });
        const database = new Database(file, { timeout: busyTimeoutMs }) as unknown as BetterSqliteDatabase;
        await switchToWal(database, busyTimeoutMs);
        // Money moves here: a committed write survives a power cut, not only a crash.
        database.pragma('synchronous = FULL');
        const opened = cachingStatements(database);
        const transaction = database.transaction((batch: Batch) => batch.map(([name, inputs]) => run(opened, name, inputs)));
        inTransaction = (batch) => transaction.immediate(batch);
        connection = opened;
        return opened;
      },
    }),
  });
  return createStatementStore({
    // Every method waits for this, so the connection is open (Kysely opened it to migrate) before a statement runs.
    ready: migrator(kysely, { flavour: 'sqlite' }),
    run: (name, inputs) => run(connection!, name, inputs),
    batch: (statements) => inTransaction!(statements),
    close: () => kysely.destroy(),
  });
}

/** One generated statement on better-sqlite3: a reader's rows (RETURNING's are the rows it changed), or a write's count. */
function run(connection: SqliteDatabase, name: string, inputs: StatementInputs): StatementResult {
  const { text, values } = boundStatement(name, inputs);
  const statement = connection.prepare(text);
  if (statement.reader) {
    const rows = statement.all(values);
    return { rows, changes: rows.length };
  }
  return { rows: [], changes: Number(statement.run(values).changes) };
}
