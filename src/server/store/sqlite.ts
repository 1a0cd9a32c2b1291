import { SqliteDialect } from 'kysely';
import { createSqlStore } from './sql.js';
import type { CheckoutStore } from './types.js';

export interface SqliteStoreOptions {
  /** The database file; its folder must exist. `:memory:` for a throwaway one. */
  path: string;
  /** How long a write waits for another process's write to finish. Default 5000 ms. */
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

/**
 * One machine: a SQLite file (better-sqlite3 12, an optional peer dependency, loaded on first
 * use so `./server` still imports where it is not installed). Several processes on the same file
 * are safe (WAL, a busy timeout); for several machines use `createPostgresStore`.
 */
export function createSqliteStore(options: SqliteStoreOptions): CheckoutStore {
  if (!options || typeof options.path !== 'string' || options.path === '') {
    throw new TypeError('createSqliteStore needs { path } (a file, or ":memory:")');
  }
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  return createSqlStore(
    new SqliteDialect({
      database: async () => {
        const { default: Database } = await import('better-sqlite3').catch((error: unknown) => {
          throw new Error('createSqliteStore needs the better-sqlite3 package (npm install better-sqlite3@12)', { cause: error });
        });
        const database = new Database(options.path, { timeout: busyTimeoutMs });
        await switchToWal(database, busyTimeoutMs);
        // Money moves here: a committed write survives a power cut, not only a crash.
        database.pragma('synchronous = FULL');
        return database;
      },
    }),
    { flavour: 'sqlite' },
  );
}
