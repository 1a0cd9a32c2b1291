import { MIGRATION_STEPS } from './sqlite-statements.generated.js';
import { boundStatement, createStatementStore, type StatementInputs, type StatementResult } from './statement-store.js';
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
 * Cloudflare D1: SQLite, so the same schema, migrations and queries as `createSqliteStore`, under
 * the same rules (`rules.ts`). The SQL is Kysely's, compiled at build time (`sqlite-statements.source.ts`
 * → `sqlite-statements.generated.ts`), so the Worker carries no query builder: this is a narrow
 * driver that binds each named statement's inputs and runs it with `prepare().bind()`. D1 has no
 * interactive transactions; the writes that must commit together go as one `batch()`, which D1 runs
 * atomically, and one that depends on the row an earlier one changed is guarded with `changes()`.
 */
export function createD1Store(options: D1StoreOptions): CheckoutStore {
  const database = options?.database;
  if (!database || typeof database.prepare !== 'function' || typeof database.batch !== 'function') {
    throw new TypeError('createD1Store needs { database } (a D1 binding, such as env.DB)');
  }
  const result = (answer: D1ResultLike): StatementResult => ({ rows: answer.results ?? [], changes: answer.meta.changes ?? 0 });
  return createStatementStore({
    ready: migrator(database),
    run: async (name, inputs) => result(await statement(database, name, inputs).all()),
    batch: async (statements) => (await database.batch(statements.map(([name, inputs]) => statement(database, name, inputs)))).map(result),
    async close() {},
  });
}

/** A generated statement with its inputs bound (`boundStatement`). */
function statement(database: D1DatabaseLike, name: string, inputs: StatementInputs): D1StatementLike {
  const { text, values } = boundStatement(name, inputs);
  return database.prepare(text).bind(...values);
}

/**
 * The migrations, run once per store (and again by the next call after one that failed). No
 * transaction and no lock to take (D1): every step is idempotent (IF NOT EXISTS, a probed ALTER), so
 * two instances migrating at once at worst collide on a step, and the loser finds the work done when
 * it looks again: one more try than there are migrations always finishes. The record is Kysely's
 * migrator's table, so a database it migrated (or will) reads the same.
 */
function migrator(database: D1DatabaseLike): () => Promise<void> {
  let migrated: Promise<void> | undefined;
  const run = (sql: string) => database.prepare(sql).all();
  const migrateOnce = async () => {
    await statement(database, 'createMigrationTable', {}).all();
    const done = new Set(((await statement(database, 'migrationNames', {}).all()).results ?? []).map((row) => (row as { name: string }).name));
    for (const [name, steps] of MIGRATION_STEPS) {
      if (done.has(name)) continue;
      for (const step of steps) {
        if (typeof step === 'string') await run(step);
        else if (!(await run(step.unless).then(() => true, () => false))) await run(step.sql);
      }
      await statement(database, 'recordMigration', { name, timestamp: new Date().toISOString() }).all();
    }
  };
  return function ready(): Promise<void> {
    migrated ??= (async () => {
      for (let attempt = 1; ; attempt += 1) {
        try {
          return await migrateOnce();
        } catch (error) {
          if (attempt > MIGRATION_STEPS.length) throw error;
        }
      }
    })();
    // A failed migration (database down at start) is tried again by the next call.
    migrated.catch(() => {
      migrated = undefined;
    });
    return migrated;
  };
}
