import { Kysely, Migrator, sql, type CompiledQuery, type Dialect, type Migration, type QueryResult, type RawBuilder, type Selectable, type SqlBool, type Transaction } from 'kysely';
import { clampLimit } from './limits.js';
import { byRunAt, decideClaim, lostTakeOver, STORE_RULES, STORE_WRITES, type RuleCondition } from './rules.js';
import type {
  CheckoutStore,
  FinishIdempotencyInput,
  IdempotencyClaim,
  IdempotencyStore,
  JobQueue,
  OrderStore,
  ProviderRecordStore,
  RateLimitStore,
  SessionStore,
  StorePruning,
  JobInput,
  ListOrdersQuery,
  Order,
  OrderTransition,
  BreakerStore,
  StoredResponse,
} from './types.js';
import {
  breakerRow,
  jobRow,
  orderRow,
  toBreaker,
  toJob,
  toKeyRow,
  toOrder,
  toSessionRecord,
  type IdempotencyTable,
  type OrdersTable,
  type SessionsTable,
  type StoreDatabase,
} from './sql-rows.js';

export type { StoreDatabase } from './sql-rows.js';

/**
 * The schema, one migration per version: never edit one that shipped, add the next. Kysely's
 * migrator records them in `checkout_migrations` and takes a lock, so many processes may start at once.
 */
export const MIGRATIONS: Record<string, Migration> = {
  '0001_ledger_sessions_idempotency_jobs': {
    async up(db: Kysely<any>) {
      await createLedgerTables(db);
      await createKeyAndJobTables(db);
    },
  },
  '0002_provider_records': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('checkout_provider_records')
        .ifNotExists()
        .addColumn('namespace', 'text', (column) => column.notNull())
        .addColumn('key', 'text', (column) => column.notNull())
        .addColumn('value', 'text', (column) => column.notNull())
        .addPrimaryKeyConstraint('checkout_provider_records_pk', ['namespace', 'key'])
        .execute();
    },
  },
  '0003_orders_created_reference': {
    // Pages by the (created_at, reference) keyset, of one status (reconcile walks the pending
    // orders so) or of all; each index replaces one that is a prefix of it. Every step is
    // idempotent (D1 migrates without a lock).
    async up(db: Kysely<any>) {
      await db.schema
        .createIndex('checkout_orders_status_created_reference')
        .ifNotExists()
        .on('checkout_orders')
        .columns(['status', 'created_at', 'reference'])
        .execute();
      await db.schema.dropIndex('checkout_orders_status').ifExists().execute();
      await db.schema.createIndex('checkout_orders_created_reference').ifNotExists().on('checkout_orders').columns(['created_at', 'reference']).execute();
      await db.schema.dropIndex('checkout_orders_created').ifExists().execute();
    },
  },
  '0004_rate_limits': {
    // One row per key and fixed window, counted up in place; pruned by `expires_at`.
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('checkout_rate_limits')
        .ifNotExists()
        .addColumn('key', 'text', (column) => column.notNull())
        .addColumn('window_start', 'bigint', (column) => column.notNull())
        .addColumn('count', 'integer', (column) => column.notNull())
        .addColumn('expires_at', 'bigint', (column) => column.notNull())
        .addPrimaryKeyConstraint('checkout_rate_limits_pk', ['key', 'window_start'])
        .execute();
      await db.schema.createIndex('checkout_rate_limits_expires').ifNotExists().on('checkout_rate_limits').column('expires_at').execute();
    },
  },
  '0005_provider_breakers': {
    // The providers' circuit breakers, and each order's failed create attempts (failover). Every
    // step is idempotent (D1 migrates without a lock).
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('checkout_provider_breakers')
        .ifNotExists()
        .addColumn('provider', 'text', (column) => column.primaryKey())
        .addColumn('state', 'text', (column) => column.notNull())
        .addColumn('failures', 'integer', (column) => column.notNull())
        .addColumn('window_start', 'bigint', (column) => column.notNull())
        .addColumn('opened_until', 'bigint', (column) => column.notNull())
        .addColumn('probe_until', 'bigint', (column) => column.notNull())
        .addColumn('version', 'integer', (column) => column.notNull())
        .execute();
      await addColumnOnce(db, 'checkout_orders', 'attempts', 'text');
    },
  },
};

/**
 * `ALTER TABLE … ADD COLUMN` that does nothing when the column is there: PostgreSQL says so in the
 * statement; SQLite (and D1, whose introspection lists no columns) has no `IF NOT EXISTS` for it,
 * so a probe that selects the column decides (a failed statement leaves SQLite's transaction open).
 * `table` and `name` are this file's constants, never input.
 */
async function addColumnOnce(db: Kysely<any>, table: string, name: string, type: 'text'): Promise<void> {
  if (db.getExecutor().adapter.supportsTransactionalDdl) {
    await sql`ALTER TABLE ${sql.table(table)} ADD COLUMN IF NOT EXISTS ${sql.ref(name)} ${sql.raw(type)}`.execute(db);
    return;
  }
  // Unquoted on purpose: SQLite reads a double-quoted name that is no column as a string (D1 does).
  const exists = await sql`SELECT ${sql.raw(name)} FROM ${sql.raw(table)} LIMIT 0`.execute(db).then(
    () => true,
    () => false,
  );
  if (!exists) await db.schema.alterTable(table).addColumn(name, type).execute();
}

/** Migration 0001, first half: orders and sessions (never edit: it shipped). */
async function createLedgerTables(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('checkout_orders')
    .ifNotExists()
    .addColumn('reference', 'text', (column) => column.primaryKey())
    .addColumn('provider', 'text', (column) => column.notNull())
    .addColumn('session_id', 'text')
    .addColumn('charge_id', 'text')
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('amount', 'bigint', (column) => column.notNull())
    .addColumn('currency', 'text', (column) => column.notNull())
    .addColumn('lines', 'text', (column) => column.notNull())
    .addColumn('customer', 'text', (column) => column.notNull())
    .addColumn('payment_method', 'text')
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('updated_at', 'text', (column) => column.notNull())
    .addColumn('paid_at', 'text')
    .addColumn('fulfilled_at', 'text')
    .execute();
  await db.schema.createIndex('checkout_orders_status').ifNotExists().on('checkout_orders').columns(['status', 'created_at']).execute();
  await db.schema.createIndex('checkout_orders_created').ifNotExists().on('checkout_orders').columns(['created_at']).execute();

  await db.schema
    .createTable('checkout_sessions')
    .ifNotExists()
    .addColumn('session_id', 'text', (column) => column.primaryKey())
    .addColumn('provider', 'text', (column) => column.notNull())
    .addColumn('reference', 'text', (column) => column.notNull())
    .addColumn('shop_origin', 'text', (column) => column.notNull())
    .addColumn('return_page', 'text', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('checkout_sessions_reference').ifNotExists().on('checkout_sessions').column('reference').execute();
}

/** Migration 0001, second half: idempotency keys and jobs (never edit: it shipped). */
async function createKeyAndJobTables(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('checkout_idempotency')
    .ifNotExists()
    .addColumn('key', 'text', (column) => column.primaryKey())
    .addColumn('body_hash', 'text', (column) => column.notNull())
    .addColumn('reference', 'text', (column) => column.notNull())
    .addColumn('owner', 'text')
    .addColumn('lease_until', 'bigint', (column) => column.notNull())
    .addColumn('response_status', 'integer')
    .addColumn('response_body', 'text')
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .execute();

  await db.schema
    .createTable('checkout_jobs')
    .ifNotExists()
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('kind', 'text', (column) => column.notNull())
    .addColumn('payload', 'text', (column) => column.notNull())
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('attempts', 'integer', (column) => column.notNull())
    .addColumn('run_at', 'bigint', (column) => column.notNull())
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', 'bigint', (column) => column.notNull())
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('done_at', 'bigint')
    .execute();
  await db.schema.createIndex('checkout_jobs_due').ifNotExists().on('checkout_jobs').columns(['status', 'run_at']).execute();
  await db.schema.createIndex('checkout_idempotency_created').ifNotExists().on('checkout_idempotency').column('created_at').execute();
}

async function insertJob(db: Kysely<StoreDatabase> | Transaction<StoreDatabase>, job: JobInput): Promise<boolean> {
  const inserted = await db
    .insertInto('checkout_jobs')
    .values(jobRow(job))
    .onConflict((conflict) => conflict.column('id').doNothing())
    .returning('id')
    .executeTakeFirst();
  return inserted !== undefined;
}

export interface SqlStoreOptions {
  /**
   * Which SQL the hot paths of a create use (PostgreSQL folds them into one statement each, with
   * data-modifying CTEs), and how migrations are guarded: PostgreSQL by Kysely's advisory lock;
   * SQLite inside one `BEGIN IMMEDIATE`, since Kysely's SQLite lock does nothing across processes
   * and its DDL is not transactional on its own.
   */
  flavour: 'sqlite' | 'postgres';
  /**
   * SQLite without interactive transactions (Cloudflare D1): runs the statements in order as one
   * atomic unit (D1's `batch()`). Given, the store opens no transaction: writes that must commit
   * together go through this, and one that depends on the row an earlier one changed is guarded
   * with SQLite's `changes()` inside the batch.
   */
  batch?: (queries: readonly CompiledQuery[]) => Promise<QueryResult<unknown>[]>;
}

/** A `CheckoutStore` on any Kysely dialect that speaks SQLite or PostgreSQL; the factories below pick one. */
export function createSqlStore(dialect: Dialect, options: SqlStoreOptions): CheckoutStore {
  const db = new Kysely<StoreDatabase>({ dialect });
  const part: SqlPartContext = { db, options, ready: migrator(db, options) };
  return {
    migrate: part.ready,
    ...ordersPart(part),
    ...sessionsPart(part),
    ...idempotencyPart(part),
    ...jobsPart(part),
    ...providerRecordsPart(part),
    ...breakersPart(part),
    ...pruningPart(part),
    ...rateLimitsPart(part),
    async close() {
      await db.destroy();
    },
  };
}

type Db = Kysely<StoreDatabase> | Transaction<StoreDatabase>;

/** What each part of the SQL store works on; every method waits for `ready()` (the migration) first. */
interface SqlPartContext {
  db: Kysely<StoreDatabase>;
  options: SqlStoreOptions;
  ready: () => Promise<void>;
}

/** The migration, run once per store (and again by the next call after one that failed); `sqlite.ts` runs it on its connection too. */
export function migrator(db: Kysely<StoreDatabase>, options: SqlStoreOptions): () => Promise<void> {
  let migrated: Promise<void> | undefined;
  return function ready(): Promise<void> {
    migrated ??= (async () => {
      const migrator = new Migrator({
        db,
        provider: { getMigrations: async () => MIGRATIONS },
        migrationTableName: 'checkout_migrations',
        migrationLockTableName: 'checkout_migrations_lock',
      });
      if (options.flavour === 'postgres') {
        const { error } = await migrator.migrateToLatest();
        if (error) throw error;
        return;
      }
      if (options.batch) {
        // No transaction and no lock to take (D1): every step is idempotent (IF NOT EXISTS), so two
        // instances migrating at once at worst collide on the migration record, and the loser
        // finds the work done when it looks again. Each collision means another instance recorded
        // a migration, so one more try than there are migrations always finishes.
        for (let attempt = 1; ; attempt += 1) {
          const { error } = await migrator.migrateToLatest();
          if (!error) return;
          if (attempt > Object.keys(MIGRATIONS).length) throw error;
        }
      }
      // One connection (better-sqlite3): everything the migrator runs lands inside this transaction,
      // so a second process waits on it, and a crash mid-way leaves the file as it was. It is held
      // outside Kysely's connection lock: safe only because every other method waits for ready()
      // first, and because stores on one file in one process are this one store (sqlite.ts).
      await sql`BEGIN IMMEDIATE`.execute(db);
      try {
        const { error } = await migrator.migrateToLatest();
        if (error) throw error;
        await sql`COMMIT`.execute(db);
      } catch (error) {
        await sql`ROLLBACK`.execute(db).catch(() => {});
        throw error;
      }
    })();
    // A failed migration (database down at start) is tried again by the next call.
    migrated.catch(() => {
      migrated = undefined;
    });
    return migrated;
  };
}

/** Runs writes that commit together: as one D1 batch, or in one transaction. */
async function atomically(
  { db, options }: SqlPartContext,
  writes: (on: Db) => readonly { compile(): CompiledQuery; execute(): Promise<unknown> }[],
): Promise<void> {
  if (options.batch) {
    await options.batch(writes(db).map((query) => query.compile()));
    return;
  }
  await db.transaction().execute(async (trx) => {
    for (const write of writes(trx)) await write.execute();
  });
}

function ordersPart(part: SqlPartContext): OrderStore {
  const { db, ready } = part;
  return {
    async insertOrder(order) {
      await ready();
      await insertOrderRow(db, orderRow(order));
    },

    async getOrder(reference) {
      await ready();
      const row = await db.selectFrom('checkout_orders').selectAll().where('reference', '=', reference).executeTakeFirst();
      return row && toOrder(row);
    },

    async listOrders(query = {}) {
      await ready();
      return selectOrders(db, query);
    },

    async transitionOrder(transition) {
      await ready();
      return moveOrder(part, transition);
    },

    async setOrderCharge(reference, chargeId, at) {
      await ready();
      await db.updateTable('checkout_orders').set({ charge_id: chargeId, updated_at: at }).where('reference', '=', reference).execute();
    },

    async markFulfilled(reference, at) {
      await ready();
      await db
        .updateTable('checkout_orders')
        .set(columnsOf(STORE_WRITES.fulfilled(at)))
        .where('reference', '=', reference)
        .where(whereRule(STORE_RULES.unfulfilledOrder, {}))
        .execute();
    },

    async addOrderAttempt(reference, attempt) {
      await ready();
      // Appended in the statement, so concurrent appends all stay.
      const entry = JSON.stringify(attempt);
      const appended =
        part.options.flavour === 'postgres'
          ? sql<string>`(coalesce(attempts, '[]')::jsonb || jsonb_build_array(${entry}::jsonb))::text`
          : sql<string>`json_insert(coalesce(attempts, '[]'), '$[#]', json(${entry}))`;
      await db.updateTable('checkout_orders').set({ attempts: appended }).where('reference', '=', reference).execute();
    },
  };
}

/** `listOrders`: a keyset page by (created_at, reference), as `orderListing` states it in memory. */
async function selectOrders(db: Kysely<StoreDatabase>, query: ListOrdersQuery): Promise<Order[]> {
  const direction = query.oldestFirst ? 'asc' : 'desc';
  let select = db.selectFrom('checkout_orders').selectAll();
  if (query.status) select = select.where('status', '=', query.status);
  if (query.createdFrom !== undefined) select = select.where('created_at', '>=', query.createdFrom);
  if (query.createdBefore !== undefined) select = select.where('created_at', '<', query.createdBefore);
  if (query.after) {
    // A row-value comparison: both PostgreSQL and SQLite seek it in (status, created_at, reference).
    const { createdAt, reference } = query.after;
    select = select.where(({ eb, refTuple, tuple }) =>
      eb(refTuple('created_at', 'reference'), direction === 'asc' ? '>' : '<', tuple(createdAt, reference)),
    );
  }
  const rows = await select.orderBy('created_at', direction).orderBy('reference', direction).limit(clampLimit(query.limit)).execute();
  return rows.map(toOrder);
}

/** `transitionOrder`: the compare-and-set of `movableOrder`, and the job only when the order moved. */
async function moveOrder({ db, options }: SqlPartContext, transition: OrderTransition): Promise<Order | undefined> {
  const move = (on: Db) =>
    on
      .updateTable('checkout_orders')
      .set(columnsOf(STORE_WRITES.moved(transition)))
      .where('reference', '=', transition.reference)
      .where(whereRule(STORE_RULES.movableOrder, transition))
      .returningAll();
  if (options.batch) {
    // The job is inserted only when the order moved: both or neither.
    const job = transition.job && insertIfChanged(db, 'checkout_jobs', jobRow(transition.job), 'id');
    const [moved] = await options.batch(job ? [move(db).compile(), job] : [move(db).compile()]);
    const row = moved?.rows[0] as Selectable<OrdersTable> | undefined;
    return row && toOrder(row);
  }
  return db.transaction().execute(async (trx) => {
    const moved = await move(trx).executeTakeFirst();
    if (!moved) return undefined;
    if (transition.job) await insertJob(trx, transition.job);
    return toOrder(moved);
  });
}

function sessionsPart(part: SqlPartContext): SessionStore {
  const { db, options, ready } = part;
  return {
    async saveSession(record, finish) {
      await ready();
      const row = {
        session_id: record.sessionId,
        provider: record.provider,
        reference: record.reference,
        shop_origin: record.shopOrigin,
        return_page: record.returnPage,
      };
      if (options.flavour === 'postgres') {
        await saveSessionPostgres(db, row, finish);
        return;
      }
      await atomically(part, (on) => [
        on
          .insertInto('checkout_sessions')
          .values(row)
          .onConflict((conflict) => conflict.column('session_id').doUpdateSet(row)),
        on.updateTable('checkout_orders').set({ session_id: record.sessionId, provider: record.provider }).where('reference', '=', record.reference),
        ...(finish ? [finishKeyQuery(on, finish.key, finish.owner, finish.response)] : []),
      ]);
    },

    async getSession(sessionId) {
      await ready();
      const row = await db.selectFrom('checkout_sessions').selectAll().where('session_id', '=', sessionId).executeTakeFirst();
      return row && toSessionRecord(row);
    },

    async getSessionByReference(reference) {
      await ready();
      const row = await db
        .selectFrom('checkout_orders')
        .innerJoin('checkout_sessions', 'checkout_sessions.session_id', 'checkout_orders.session_id')
        .selectAll('checkout_sessions')
        .where('checkout_orders.reference', '=', reference)
        .executeTakeFirst();
      return row && toSessionRecord(row);
    },
  };
}

/** PostgreSQL, one round trip: the session, its order's link and the key's answer commit together. */
async function saveSessionPostgres(db: Kysely<StoreDatabase>, row: SessionsTable, finish: FinishIdempotencyInput | undefined): Promise<void> {
  const finishKey = finish ? finishKeyQuery(db, finish.key, finish.owner, finish.response) : sql`SELECT 1`;
  await sql`
    WITH saved AS (
      INSERT INTO checkout_sessions (session_id, provider, reference, shop_origin, return_page)
      VALUES (${row.session_id}, ${row.provider}, ${row.reference}, ${row.shop_origin}, ${row.return_page})
      ON CONFLICT (session_id) DO UPDATE SET provider = EXCLUDED.provider, reference = EXCLUDED.reference,
        shop_origin = EXCLUDED.shop_origin, return_page = EXCLUDED.return_page
    ), linked AS (
      UPDATE checkout_orders SET session_id = ${row.session_id}::text, provider = ${row.provider}::text WHERE reference = ${row.reference}::text
    )
    ${finishKey}`.execute(db);
}

function idempotencyPart(part: SqlPartContext): IdempotencyStore {
  const { db, ready } = part;
  return {
    async claimIdempotencyKey(input): Promise<IdempotencyClaim> {
      await ready();
      const keyRow: IdempotencyTable = {
        key: input.key,
        body_hash: input.bodyHash,
        reference: input.reference,
        owner: input.owner,
        lease_until: input.leaseUntil,
        response_status: null,
        response_body: null,
        created_at: input.now,
      };
      const order = input.order && orderRow({ ...input.order, reference: input.reference });
      if (await insertKey(part, keyRow, order)) return { outcome: 'claimed', reference: input.reference };

      const row = await db.selectFrom('checkout_idempotency').selectAll().where('key', '=', input.key).executeTakeFirstOrThrow();
      const claim = decideClaim(toKeyRow(row), input);
      if (claim.outcome !== 'take-over') return claim;
      // The compare-and-set of `keyTakeOver`: unless another caller just took it.
      const taken = await db
        .updateTable('checkout_idempotency')
        .set(keyColumnsOf(STORE_WRITES.takenOver(input.owner, input.leaseUntil)))
        .where('key', '=', input.key)
        .where(whereRule(STORE_RULES.keyTakeOver, input, keyColumn))
        .returning('reference')
        .executeTakeFirst();
      if (!taken) return lostTakeOver(input.now);
      // Taken over from a caller that died, perhaps before its order was written.
      if (input.order) await insertOrderRow(db, orderRow({ ...input.order, reference: taken.reference }));
      return { outcome: 'claimed', reference: taken.reference };
    },

    async finishIdempotencyKey(key, owner, response) {
      await ready();
      await finishKeyQuery(db, key, owner, response).execute();
    },

    async releaseIdempotencyKey(key, owner) {
      await ready();
      await db
        .updateTable('checkout_idempotency')
        .set(keyColumnsOf(STORE_WRITES.released()))
        .where('key', '=', key)
        .where(whereRule(STORE_RULES.keyHeldBy, { owner }, keyColumn))
        .execute();
    },
  };
}

/** Inserts a new key (and with it the order, atomically); false when the key existed. */
async function insertKey({ db, options }: SqlPartContext, keyRow: IdempotencyTable, order: OrdersTable | undefined): Promise<boolean> {
  const key = (on: Db) =>
    on
      .insertInto('checkout_idempotency')
      .values(keyRow)
      .onConflict((conflict) => conflict.column('key').doNothing())
      .returning('key');
  if (!order) return (await key(db).executeTakeFirst()) !== undefined;
  if (options.flavour === 'postgres') {
    // One round trip: the order is inserted only when the key was.
    const result = await sql<{ reference: string }>`
      WITH claimed AS (
        INSERT INTO checkout_idempotency (key, body_hash, reference, owner, lease_until, response_status, response_body, created_at)
        VALUES (${keyRow.key}, ${keyRow.body_hash}, ${keyRow.reference}, ${keyRow.owner}, ${keyRow.lease_until}, NULL, NULL, ${keyRow.created_at})
        ON CONFLICT (key) DO NOTHING
        RETURNING reference
      ), ordered AS (
        INSERT INTO checkout_orders (reference, provider, session_id, charge_id, status, amount, currency, lines, customer, payment_method, created_at, updated_at, paid_at, fulfilled_at, attempts)
        SELECT reference, ${order.provider}::text, ${order.session_id}::text, ${order.charge_id}::text, ${order.status}::text,
          ${order.amount}::bigint, ${order.currency}::text, ${order.lines}::text, ${order.customer}::text, ${order.payment_method}::text,
          ${order.created_at}::text, ${order.updated_at}::text, ${order.paid_at}::text, ${order.fulfilled_at}::text, ${order.attempts}::text
        FROM claimed
        ON CONFLICT (reference) DO NOTHING
      )
      SELECT reference FROM claimed`.execute(db);
    return result.rows.length > 0;
  }
  if (options.batch) {
    // One batch: the order is inserted only when the key was.
    const [claimed] = await options.batch([key(db).compile(), insertIfChanged(db, 'checkout_orders', order, 'reference')]);
    return (claimed?.rows.length ?? 0) > 0;
  }
  // One commit (one fsync): key and order together.
  return db.transaction().execute(async (trx) => {
    const claimed = await key(trx).executeTakeFirst();
    if (claimed) await insertOrderRow(trx, order);
    return claimed !== undefined;
  });
}

function jobsPart({ db, ready }: SqlPartContext): JobQueue {
  const held = (id: string, owner: string) => db.updateTable('checkout_jobs').where('id', '=', id).where(whereRule(STORE_RULES.jobHeldBy, { owner }));
  return {
    async enqueueJob(job) {
      await ready();
      return insertJob(db, job);
    },

    async getJob(id) {
      await ready();
      const row = await db.selectFrom('checkout_jobs').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toJob(row);
    },

    async leaseJobs({ owner, kinds, now, leaseUntil, limit }) {
      await ready();
      if (kinds.length === 0) return [];
      // `leasableJob`, in one statement: the outer condition is checked again on each row as it
      // is locked, so a job two processes both selected goes to one of them.
      const leasable = whereRule(STORE_RULES.leasableJob, { kinds, now });
      const rows = await db
        .updateTable('checkout_jobs')
        .set({ ...columnsOf(STORE_WRITES.leased(owner, leaseUntil)), attempts: sql`attempts + 1` })
        .where(leasable)
        .where('id', 'in', db.selectFrom('checkout_jobs').select('id').where(leasable).orderBy('run_at').limit(limit))
        .returningAll()
        .execute();
      return rows.map(toJob).sort(byRunAt);
    },

    async renewJobLease(id, owner, leaseUntil) {
      await ready();
      const result = await held(id, owner).set(columnsOf(STORE_WRITES.renewed(leaseUntil))).executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async completeJob(id, owner, now) {
      await ready();
      const result = await held(id, owner).set(columnsOf(STORE_WRITES.completed(now))).executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async retryJob(id, owner, runAt, error) {
      await ready();
      await held(id, owner).set(columnsOf(STORE_WRITES.retried(runAt, error))).execute();
    },

    async buryJob(id, owner, now, error) {
      await ready();
      const result = await held(id, owner).set(jobColumnsOf(STORE_WRITES.buried(now, error))).executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async listJobs(query = {}) {
      await ready();
      let select = db.selectFrom('checkout_jobs').selectAll();
      if (query.status) select = select.where('status', '=', query.status);
      const rows = await select.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(clampLimit(query.limit)).execute();
      return rows.map(toJob);
    },

    async reviveJob(id, runAt) {
      await ready();
      const result = await db
        .updateTable('checkout_jobs')
        .set(jobColumnsOf(STORE_WRITES.revived(runAt)))
        .where('id', '=', id)
        .where(whereRule(STORE_RULES.revivableJob, {}))
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
  };
}

/** A job write's columns: `deadAt` is kept in `done_at` (when the job finished, done or dead). */
export function jobColumnsOf({ deadAt, ...write }: { deadAt?: number | null } & Record<string, unknown>): Record<string, unknown> {
  return { ...columnsOf(write), ...(deadAt !== undefined && { done_at: deadAt }) };
}

function rateLimitsPart({ db, ready }: SqlPartContext): RateLimitStore {
  return {
    async hitRateLimit(key, windowStart, expiresAt) {
      await ready();
      // One statement, so concurrent hits from many processes each count: the row's own count goes up.
      const row = await db
        .insertInto('checkout_rate_limits')
        .values({ key, window_start: windowStart, count: 1, expires_at: expiresAt })
        .onConflict((conflict) => conflict.columns(['key', 'window_start']).doUpdateSet({ count: sql`checkout_rate_limits.count + 1` }))
        .returning('count')
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },

    async pruneRateLimits(now) {
      await ready();
      const result = await db.deleteFrom('checkout_rate_limits').where('expires_at', '<', now).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

function providerRecordsPart({ db, ready }: SqlPartContext): ProviderRecordStore {
  return {
    async getProviderRecord(namespace, key) {
      await ready();
      const row = await db
        .selectFrom('checkout_provider_records')
        .select('value')
        .where('namespace', '=', namespace)
        .where('key', '=', key)
        .executeTakeFirst();
      return row === undefined ? undefined : (JSON.parse(row.value) as unknown);
    },

    async putProviderRecord(namespace, key, value) {
      await ready();
      const row = { namespace, key, value: JSON.stringify(value) };
      await db
        .insertInto('checkout_provider_records')
        .values(row)
        .onConflict((conflict) => conflict.columns(['namespace', 'key']).doUpdateSet({ value: row.value }))
        .execute();
    },
  };
}

function breakersPart({ db, ready }: SqlPartContext): BreakerStore {
  return {
    async getProviderBreaker(provider) {
      await ready();
      const row = await db.selectFrom('checkout_provider_breakers').selectAll().where('provider', '=', provider).executeTakeFirst();
      return row && toBreaker(row);
    },

    async putProviderBreaker(breaker, expectedVersion) {
      await ready();
      const row = breakerRow(breaker);
      if (expectedVersion === 0) {
        const inserted = await db
          .insertInto('checkout_provider_breakers')
          .values(row)
          .onConflict((conflict) => conflict.column('provider').doNothing())
          .returning('provider')
          .executeTakeFirst();
        return inserted !== undefined;
      }
      const { provider: _provider, ...changes } = row;
      const result = await db
        .updateTable('checkout_provider_breakers')
        .set(changes)
        .where('provider', '=', breaker.provider)
        .where(whereRule(STORE_RULES.breakerAtVersion, { expectedVersion }))
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
  };
}

function pruningPart({ db, ready }: SqlPartContext): StorePruning {
  return {
    async pruneExpired(input) {
      await ready();
      const keys = await db.deleteFrom('checkout_idempotency').where(whereRule(STORE_RULES.prunedKey, input, keyColumn)).executeTakeFirst();
      const jobs = await db.deleteFrom('checkout_jobs').where(whereRule(STORE_RULES.prunedJob, input)).executeTakeFirst();
      return Number(keys.numDeletedRows) + Number(jobs.numDeletedRows);
    },
  };
}

async function insertOrderRow(db: Db, row: OrdersTable): Promise<void> {
  await db
    .insertInto('checkout_orders')
    .values(row)
    .onConflict((conflict) => conflict.column('reference').doNothing())
    .execute();
}

function finishKeyQuery(db: Db, key: string, owner: string, response: StoredResponse) {
  return db
    .updateTable('checkout_idempotency')
    .set(keyColumnsOf(STORE_WRITES.answered(response)))
    .where('key', '=', key)
    .where(whereRule(STORE_RULES.keyHeldBy, { owner }, keyColumn));
}

/**
 * `INSERT … SELECT <row> WHERE changes() > 0`: inside a batch, inserts the row only when the
 * statement just before it changed one (SQLite's `changes()` counts the connection's last write).
 */
function insertIfChanged(db: Kysely<StoreDatabase>, table: keyof StoreDatabase, row: object, key: string): CompiledQuery {
  const entries = Object.entries(row);
  return sql`INSERT INTO ${sql.table(table)} (${sql.join(entries.map(([column]) => sql.ref(column)))})
    SELECT ${sql.join(entries.map(([, value]) => sql`${value}`))} WHERE changes() > 0
    ON CONFLICT (${sql.ref(key)}) DO NOTHING`.compile(db);
}

/** A rule's field as its column: `leaseUntil` is `lease_until`. */
const column = (field: string) => field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
/** In `checkout_idempotency` the answer is two columns; `response_status` is NULL until it is given. */
export const keyColumn = (field: string) => (field === 'response' ? 'response_status' : column(field));

/**
 * A rule of rules.ts as a `WHERE` condition (the SQL reading of `matchesRule`): the same fields,
 * inputs and constants. SQL's NULL already makes a comparison with an unset field not true.
 */
export function whereRule<Row, Input>(condition: RuleCondition<Row, Input>, input: Input, columnOf = column): RawBuilder<SqlBool> {
  if ('all' in condition) return sql<SqlBool>`(${sql.join(condition.all.map((part) => whereRule(part, input, columnOf)), sql` AND `)})`;
  if ('any' in condition) return sql<SqlBool>`(${sql.join(condition.any.map((part) => whereRule(part, input, columnOf)), sql` OR `)})`;
  const ref = sql.ref(columnOf(condition.field));
  if (condition.op === 'unset') return sql<SqlBool>`${ref} IS NULL`;
  const to = 'input' in condition.to ? (input as Record<string, unknown>)[condition.to.input] : condition.to.value;
  if (condition.op !== 'in') return sql<SqlBool>`${ref} ${sql.raw(condition.op)} ${to}`;
  const list = to as readonly unknown[];
  return list.length === 0 ? sql<SqlBool>`1 = 0` : sql<SqlBool>`${ref} IN (${sql.join(list)})`;
}

/** A write of rules.ts (`STORE_WRITES`) as the columns it sets; `null` clears one. */
export function columnsOf(write: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(write).map(([field, next]) => [column(field), next]));
}

/** `columnsOf` for `checkout_idempotency`, whose answer is stored as its status and its JSON body. */
export function keyColumnsOf({ response, ...write }: { response?: StoredResponse } & Record<string, unknown>): Record<string, unknown> {
  return { ...columnsOf(write), ...(response && { response_status: response.status, response_body: JSON.stringify(response.body) }) };
}
