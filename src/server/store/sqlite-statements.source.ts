/**
 * The SOURCE of the D1 store's SQL: every statement it runs, as a named, fixed-shape Kysely query
 * over the store's schema (and the migrations of `sql.ts`), compiled to SQLite's text by Kysely.
 * Build and test time only: `npm run statements` writes the compiled text to
 * `sqlite-statements.generated.ts` and `sqlite-statements.test.ts` recompiles and compares, so the
 * Worker runs Kysely's SQL without carrying Kysely (28 KB gzip that does not tree-shake).
 *
 * A statement's inputs are named: `input('reference')` stands where a value goes and is bound at run
 * time by that name; `each('kinds')` is a list (`IN (…)`), widened to the list's length at run time.
 * Every other value (the constants of `STORE_RULES`/`STORE_WRITES`) is compiled into the statement's
 * fixed parameters. A query that varies in shape is one statement per shape (`listOrders` per filter set).
 */
import {
  DummyDriver,
  Kysely,
  sql,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
} from 'kysely';
import { listOrdersName, moveOrderName, type GeneratedStatement, type MigrationStep, type StatementParam } from './sqlite-statements.js';
import { STORE_RULES, STORE_WRITES } from './rules.js';
import { columnsOf, jobColumnsOf, keyColumn, keyColumnsOf, MIGRATIONS, whereRule } from './sql.js';
import type { JobsTable, OrdersTable, StoreDatabase } from './sql-rows.js';
import type { OrderStatus, StoredResponse } from './types.js';

const INPUT = '\u0000input:';
const EACH = '\u0000each:';

/** Where the named input goes (typed as anything a query builder takes). */
function input<T = any>(name: string): T {
  return `${INPUT}${name}` as T;
}

/** A list input, for the `in` conditions of the rules. */
function each<T = any>(name: string): T {
  return [`${EACH}${name}`] as T;
}

/** A row of named inputs, one per column. */
function inputs(columns: readonly string[]): any {
  return Object.fromEntries(columns.map((name) => [name, input(name)]));
}

const ORDER_COLUMNS: (keyof OrdersTable & string)[] = [
  'reference',
  'provider',
  'session_id',
  'charge_id',
  'status',
  'amount',
  'currency',
  'lines',
  'customer',
  'payment_method',
  'created_at',
  'updated_at',
  'paid_at',
  'fulfilled_at',
  'attempts',
];
const JOB_COLUMNS: (keyof JobsTable & string)[] = [
  'id',
  'kind',
  'payload',
  'status',
  'attempts',
  'run_at',
  'lease_owner',
  'lease_until',
  'last_error',
  'created_at',
  'done_at',
];

const compilingDialect = (driver: () => Driver): Dialect => ({
  createAdapter: () => new SqliteAdapter(),
  createDriver: driver,
  createIntrospector: (db) => new SqliteIntrospector(db),
  createQueryCompiler: () => new SqliteQueryCompiler(),
});

/** `INSERT … SELECT <row> WHERE changes() > 0`: in a batch, only when the statement before it changed a row (as `sql.ts`). */
function insertIfChanged(db: Kysely<StoreDatabase>, table: keyof StoreDatabase, columns: readonly string[], key: string) {
  return sql`INSERT INTO ${sql.table(table)} (${sql.join(columns.map((name) => sql.ref(name)))})
    SELECT ${sql.join(columns.map((name) => sql`${input(name)}`))} WHERE changes() > 0
    ON CONFLICT (${sql.ref(key)}) DO NOTHING`;
}

type Compilable = { compile(db: Kysely<any>): CompiledQuery };

/** The store's statements by name, as Kysely queries (not compiled). */
function statementQueries(db: Kysely<StoreDatabase>): Record<string, Compilable> {
  const orders = () => db.selectFrom('checkout_orders').selectAll();
  const heldJob = () => db.updateTable('checkout_jobs').where('id', '=', input('id')).where(whereRule(STORE_RULES.jobHeldBy, { owner: input('owner') }));
  const finishKey = db
    .updateTable('checkout_idempotency')
    // The body is bound as its JSON text (`response_body`).
    .set({ ...keyColumnsOf(STORE_WRITES.answered({ status: input('response_status'), body: null } as StoredResponse)), response_body: input('response_body') })
    .where('key', '=', input('key'))
    .where(whereRule(STORE_RULES.keyHeldBy, { owner: input('owner') }, keyColumn));
  const leasable = whereRule(STORE_RULES.leasableJob, { kinds: each('kinds'), now: input('now') });

  const queries: Record<string, Compilable> = {
    // Migrations: Kysely's migrator's own table (same DDL), so a database it migrated carries on.
    createMigrationTable: db.schema
      .createTable('checkout_migrations')
      .ifNotExists()
      .addColumn('name', 'varchar(255)', (column) => column.notNull().primaryKey())
      .addColumn('timestamp', 'varchar(255)', (column) => column.notNull()),
    migrationNames: (db as Kysely<any>).selectFrom('checkout_migrations').select('name'),
    recordMigration: (db as Kysely<any>)
      .insertInto('checkout_migrations')
      .values({ name: input('name'), timestamp: input('timestamp') })
      .onConflict((conflict) => conflict.column('name').doNothing()),

    // Orders.
    insertOrder: db
      .insertInto('checkout_orders')
      .values(inputs(ORDER_COLUMNS))
      .onConflict((conflict) => conflict.column('reference').doNothing()),
    insertOrderIfChanged: insertIfChanged(db, 'checkout_orders', ORDER_COLUMNS, 'reference'),
    getOrder: orders().where('reference', '=', input('reference')),
    setOrderCharge: db.updateTable('checkout_orders').set({ charge_id: input('charge_id'), updated_at: input('updated_at') }).where('reference', '=', input('reference')),
    markFulfilled: db
      .updateTable('checkout_orders')
      .set(columnsOf(STORE_WRITES.fulfilled(input('at'))))
      .where('reference', '=', input('reference'))
      .where(whereRule(STORE_RULES.unfulfilledOrder, {})),
    addOrderAttempt: db
      .updateTable('checkout_orders')
      .set({ attempts: sql<string>`json_insert(coalesce(attempts, '[]'), '$[#]', json(${input('entry')}))` })
      .where('reference', '=', input('reference')),

    // Sessions.
    saveSession: db
      .insertInto('checkout_sessions')
      .values(inputs(['session_id', 'provider', 'reference', 'shop_origin', 'return_page']))
      .onConflict((conflict) => conflict.column('session_id').doUpdateSet(inputs(['session_id', 'provider', 'reference', 'shop_origin', 'return_page']))),
    linkSession: db
      .updateTable('checkout_orders')
      .set({ session_id: input('session_id'), provider: input('provider') })
      .where('reference', '=', input('reference')),
    getSession: db.selectFrom('checkout_sessions').selectAll().where('session_id', '=', input('session_id')),
    getSessionByReference: db
      .selectFrom('checkout_orders')
      .innerJoin('checkout_sessions', 'checkout_sessions.session_id', 'checkout_orders.session_id')
      .selectAll('checkout_sessions')
      .where('checkout_orders.reference', '=', input('reference')),

    // Idempotency keys.
    insertKey: db
      .insertInto('checkout_idempotency')
      .values({ ...inputs(['key', 'body_hash', 'reference', 'owner', 'lease_until', 'created_at']), response_status: null, response_body: null })
      .onConflict((conflict) => conflict.column('key').doNothing())
      .returning('key'),
    getKey: db.selectFrom('checkout_idempotency').selectAll().where('key', '=', input('key')),
    takeOverKey: db
      .updateTable('checkout_idempotency')
      .set(keyColumnsOf(STORE_WRITES.takenOver(input('owner'), input('lease_until'))))
      .where('key', '=', input('key'))
      .where(whereRule(STORE_RULES.keyTakeOver, { now: input('now') }, keyColumn))
      .returning('reference'),
    finishKey,
    releaseKey: db
      .updateTable('checkout_idempotency')
      .set(keyColumnsOf(STORE_WRITES.released()))
      .where('key', '=', input('key'))
      .where(whereRule(STORE_RULES.keyHeldBy, { owner: input('owner') }, keyColumn)),

    // Jobs.
    insertJob: db
      .insertInto('checkout_jobs')
      .values(inputs(JOB_COLUMNS))
      .onConflict((conflict) => conflict.column('id').doNothing())
      .returning('id'),
    insertJobIfChanged: insertIfChanged(db, 'checkout_jobs', JOB_COLUMNS, 'id'),
    getJob: db.selectFrom('checkout_jobs').selectAll().where('id', '=', input('id')),
    leaseJobs: db
      .updateTable('checkout_jobs')
      .set({ ...columnsOf(STORE_WRITES.leased(input('owner'), input('lease_until'))), attempts: sql`attempts + 1` })
      .where(leasable)
      .where('id', 'in', db.selectFrom('checkout_jobs').select('id').where(leasable).orderBy('run_at').limit(input('limit')))
      .returningAll(),
    renewJobLease: heldJob().set(columnsOf(STORE_WRITES.renewed(input('lease_until')))),
    completeJob: heldJob().set(columnsOf(STORE_WRITES.completed(input('now')))),
    // The error is bound as the store cut it (`jobError`, by the same rule), not cut here.
    retryJob: heldJob().set({ ...columnsOf(STORE_WRITES.retried(input('run_at'), '')), last_error: input('error') }),
    buryJob: heldJob().set({ ...jobColumnsOf(STORE_WRITES.buried(input('now'), '')), last_error: input('error') }),
    reviveJob: db
      .updateTable('checkout_jobs')
      .set(jobColumnsOf(STORE_WRITES.revived(input('run_at'))))
      .where('id', '=', input('id'))
      .where(whereRule(STORE_RULES.revivableJob, {})),

    // Rate limits, provider records, breakers, pruning.
    hitRateLimit: db
      .insertInto('checkout_rate_limits')
      .values({ ...inputs(['key', 'window_start', 'expires_at']), count: 1 })
      .onConflict((conflict) => conflict.columns(['key', 'window_start']).doUpdateSet({ count: sql`checkout_rate_limits.count + 1` }))
      .returning('count'),
    pruneRateLimits: db.deleteFrom('checkout_rate_limits').where('expires_at', '<', input('now')),
    getProviderRecord: db
      .selectFrom('checkout_provider_records')
      .select('value')
      .where('namespace', '=', input('namespace'))
      .where('key', '=', input('key')),
    putProviderRecord: db
      .insertInto('checkout_provider_records')
      .values(inputs(['namespace', 'key', 'value']))
      .onConflict((conflict) => conflict.columns(['namespace', 'key']).doUpdateSet({ value: input('value') })),
    getProviderBreaker: db.selectFrom('checkout_provider_breakers').selectAll().where('provider', '=', input('provider')),
    insertProviderBreaker: db
      .insertInto('checkout_provider_breakers')
      .values(inputs(['provider', 'state', 'failures', 'window_start', 'opened_until', 'probe_until', 'version']))
      .onConflict((conflict) => conflict.column('provider').doNothing())
      .returning('provider'),
    updateProviderBreaker: db
      .updateTable('checkout_provider_breakers')
      .set(inputs(['state', 'failures', 'window_start', 'opened_until', 'probe_until', 'version']))
      .where('provider', '=', input('provider'))
      .where(whereRule(STORE_RULES.breakerAtVersion, { expectedVersion: input('expected_version') })),
    pruneKeys: db.deleteFrom('checkout_idempotency').where(
      whereRule(STORE_RULES.prunedKey, { idempotencyBefore: input('idempotency_before'), now: input('now'), jobsDoneBefore: 0 }, keyColumn),
    ),
    pruneJobs: db.deleteFrom('checkout_jobs').where(whereRule(STORE_RULES.prunedJob, { jobsDoneBefore: input('jobs_done_before'), idempotencyBefore: 0, now: 0 })),
  };

  // `transitionOrder`: what `STORE_WRITES.moved` sets depends on the move (to paid, with a payment method).
  for (const paid of [false, true]) {
    for (const method of [false, true]) {
      const write = STORE_WRITES.moved({
        reference: '',
        from: [],
        to: (paid ? 'paid' : input('to')) as OrderStatus,
        at: input('at'),
        ...(method && { paymentMethod: input('payment_method') }),
      });
      queries[moveOrderName(paid, method)] = db
        .updateTable('checkout_orders')
        .set(columnsOf(write))
        .where('reference', '=', input('reference'))
        .where(whereRule(STORE_RULES.movableOrder, { from: each('from') }))
        .returningAll();
    }
  }

  // `listOrders`: the keyset page of `sql.ts`, one statement per direction and set of filters.
  for (let filters = 0; filters < 16; filters += 1) {
    for (const direction of ['asc', 'desc'] as const) {
      let select = orders();
      if (filters & 1) select = select.where('status', '=', input('status'));
      if (filters & 2) select = select.where('created_at', '>=', input('created_from'));
      if (filters & 4) select = select.where('created_at', '<', input('created_before'));
      if (filters & 8) {
        select = select.where(({ eb, refTuple, tuple }) =>
          eb(refTuple('created_at', 'reference'), direction === 'asc' ? '>' : '<', tuple(input<string>('after_created_at'), input<string>('after_reference'))),
        );
      }
      queries[listOrdersName(direction, filters)] = select.orderBy('created_at', direction).orderBy('reference', direction).limit(input('limit'));
    }
  }

  for (const byStatus of [false, true]) {
    let select = db.selectFrom('checkout_jobs').selectAll();
    if (byStatus) select = select.where('status', '=', input('status'));
    queries[byStatus ? 'listJobsByStatus' : 'listJobs'] = select.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(input('limit'));
  }
  return queries;
}

/** A compiled query as a generated statement: its text, and its parameters as inputs, lists or constants. */
function generated(query: CompiledQuery): GeneratedStatement {
  const params = query.parameters.map((value): StatementParam => {
    if (typeof value === 'string' && value.startsWith(INPUT)) return value.slice(INPUT.length);
    if (typeof value === 'string' && value.startsWith(EACH)) return { each: value.slice(EACH.length) };
    return { value };
  });
  const marks = query.sql.split('?').length - 1;
  if (marks !== params.length) throw new Error(`statement has ${marks} ? for ${params.length} parameters: ${query.sql}`);
  return { sql: query.sql, params };
}

/** Every statement, compiled by Kysely to SQLite's text. */
export function compileStatements(): Record<string, GeneratedStatement> {
  const db = new Kysely<StoreDatabase>({ dialect: compilingDialect(() => new DummyDriver()) });
  const compiled: Record<string, GeneratedStatement> = {};
  for (const [name, query] of Object.entries(statementQueries(db))) {
    // A query builder compiles on its own; a raw `sql` fragment is compiled with the instance.
    compiled[name] = generated(query.compile(db));
  }
  return compiled;
}

/**
 * The migrations of `sql.ts`, run against a driver that records what they execute: each one's
 * statements, in order. `addColumnOnce`'s probe (a `SELECT` of the column) is answered as failing,
 * so the `ALTER` it guards is recorded behind it as `{ unless: probe, sql }`.
 */
export async function compileMigrations(): Promise<[string, MigrationStep[]][]> {
  let recorded: MigrationStep[] = [];
  let probe: string | undefined;
  const connection: DatabaseConnection = {
    async executeQuery(query) {
      if (query.parameters.length > 0) throw new Error(`a migration statement with parameters: ${query.sql}`);
      if (/^select /i.test(query.sql)) {
        probe = query.sql;
        throw new Error('probe');
      }
      recorded.push(probe ? { unless: probe, sql: query.sql } : query.sql);
      probe = undefined;
      return { rows: [] };
    },
    async *streamQuery() {
      throw new Error('no streams');
    },
  };
  const driver: Driver = {
    init: async () => {},
    acquireConnection: async () => connection,
    beginTransaction: async () => {},
    commitTransaction: async () => {},
    rollbackTransaction: async () => {},
    releaseConnection: async () => {},
    destroy: async () => {},
  };
  const db = new Kysely<any>({ dialect: compilingDialect(() => driver) });
  const migrations: [string, MigrationStep[]][] = [];
  for (const [name, migration] of Object.entries(MIGRATIONS).sort(([a], [b]) => (a < b ? -1 : 1))) {
    recorded = [];
    await migration.up(db);
    if (probe) throw new Error(`${name}: a probe with nothing behind it`);
    migrations.push([name, recorded]);
  }
  await db.destroy();
  return migrations;
}

/** The generated module's text (`npm run statements` writes it; the test compares). */
export async function generatedModule(): Promise<string> {
  const statements = compileStatements();
  const migrations = await compileMigrations();
  return (
    '// Generated by `npm run statements` from sqlite-statements.source.ts (Kysely, SQLite): do not edit.\n' +
    "import type { GeneratedStatement, MigrationStep } from './sqlite-statements.js';\n\n" +
    '/** The D1 store\'s statements by name: SQLite text, and what binds to each `?`. */\n' +
    `export const STATEMENTS: Record<string, GeneratedStatement> = ${JSON.stringify(statements, null, 2)};\n\n` +
    '/** The migrations of `sql.ts` in order, each as the statements it runs. */\n' +
    `export const MIGRATION_STEPS: [string, MigrationStep[]][] = ${JSON.stringify(migrations, null, 2)};\n`
  );
}
