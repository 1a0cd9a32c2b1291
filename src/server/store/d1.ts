import { clampLimit } from './limits.js';
import { byRunAt, decideClaim, lostTakeOver, STORE_WRITES } from './rules.js';
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
  type JobsTable,
  type OrdersTable,
  type ProviderBreakersTable,
  type SessionsTable,
} from './sql-rows.js';
import { MIGRATION_STEPS, STATEMENTS } from './sqlite-statements.generated.js';
import { listOrdersName, moveOrderName } from './sqlite-statements.js';
import type { CheckoutStore, JobInput } from './types.js';

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

type Inputs = Record<string, unknown>;

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
  const prepare = (name: string, inputs: Inputs = {}) => statement(database, name, inputs);
  const all = async <Row>(name: string, inputs?: Inputs): Promise<Row[]> => ((await prepare(name, inputs).all()).results ?? []) as Row[];
  const first = async <Row>(name: string, inputs?: Inputs): Promise<Row | undefined> => (await all<Row>(name, inputs))[0];
  const changes = async (name: string, inputs?: Inputs): Promise<number> => (await prepare(name, inputs).all()).meta.changes ?? 0;
  const batch = (statements: [string, Inputs][]) => database.batch(statements.map(([name, inputs]) => prepare(name, inputs)));
  const ready = migrator(database);
  const jobInputs = (job: JobInput): Inputs => jobRow(job) as unknown as Inputs;

  const store: CheckoutStore = {
    migrate: ready,

    async insertOrder(order) {
      await ready();
      await prepare('insertOrder', orderRow(order) as unknown as Inputs).all();
    },
    async getOrder(reference) {
      await ready();
      const row = await first<OrdersTable>('getOrder', { reference });
      return row && toOrder(row);
    },
    async listOrders(query = {}) {
      await ready();
      const filters = (query.status ? 1 : 0) | (query.createdFrom !== undefined ? 2 : 0) | (query.createdBefore !== undefined ? 4 : 0) | (query.after ? 8 : 0);
      const rows = await all<OrdersTable>(listOrdersName(query.oldestFirst ? 'asc' : 'desc', filters), {
        status: query.status,
        created_from: query.createdFrom,
        created_before: query.createdBefore,
        after_created_at: query.after?.createdAt,
        after_reference: query.after?.reference,
        limit: clampLimit(query.limit),
      });
      return rows.map(toOrder);
    },
    async transitionOrder(transition) {
      await ready();
      const move: [string, Inputs] = [
        moveOrderName(transition.to === 'paid', Boolean(transition.paymentMethod)),
        { reference: transition.reference, from: transition.from, to: transition.to, at: transition.at, payment_method: transition.paymentMethod },
      ];
      // The job is inserted only when the order moved: both or neither.
      const [moved] = await batch(transition.job ? [move, ['insertJobIfChanged', jobInputs(transition.job)]] : [move]);
      const row = moved?.results?.[0] as OrdersTable | undefined;
      return row && toOrder(row);
    },
    async setOrderCharge(reference, chargeId, at) {
      await ready();
      await prepare('setOrderCharge', { reference, charge_id: chargeId, updated_at: at }).all();
    },
    async markFulfilled(reference, at) {
      await ready();
      await prepare('markFulfilled', { reference, at }).all();
    },
    async addOrderAttempt(reference, attempt) {
      await ready();
      // Appended in the statement, so concurrent appends all stay.
      await prepare('addOrderAttempt', { reference, entry: JSON.stringify(attempt) }).all();
    },

    async saveSession(record, finish) {
      await ready();
      const row: SessionsTable = {
        session_id: record.sessionId,
        provider: record.provider,
        reference: record.reference,
        shop_origin: record.shopOrigin,
        return_page: record.returnPage,
      };
      await batch([
        ['saveSession', row as unknown as Inputs],
        ['linkSession', row as unknown as Inputs],
        ...(finish ? [['finishKey', finishInputs(finish.key, finish.owner, finish.response)] as [string, Inputs]] : []),
      ]);
    },
    async getSession(sessionId) {
      await ready();
      const row = await first<SessionsTable>('getSession', { session_id: sessionId });
      return row && toSessionRecord(row);
    },
    async getSessionByReference(reference) {
      await ready();
      const row = await first<SessionsTable>('getSessionByReference', { reference });
      return row && toSessionRecord(row);
    },

    async claimIdempotencyKey(input) {
      await ready();
      const key: Inputs = { key: input.key, body_hash: input.bodyHash, reference: input.reference, owner: input.owner, lease_until: input.leaseUntil, created_at: input.now };
      const order = input.order && (orderRow({ ...input.order, reference: input.reference }) as unknown as Inputs);
      // One batch: the order is inserted only when the key was.
      const [claimed] = await batch(order ? [['insertKey', key], ['insertOrderIfChanged', order]] : [['insertKey', key]]);
      if ((claimed?.results?.length ?? 0) > 0) return { outcome: 'claimed', reference: input.reference };

      const row = await first<IdempotencyTable>('getKey', { key: input.key });
      if (!row) throw new Error(`createD1Store: idempotency key ${input.key} was neither inserted nor found`);
      const claim = decideClaim(toKeyRow(row), input);
      if (claim.outcome !== 'take-over') return claim;
      // The compare-and-set of `keyTakeOver`: unless another caller just took it.
      const taken = await first<{ reference: string }>('takeOverKey', { key: input.key, owner: input.owner, lease_until: input.leaseUntil, now: input.now });
      if (!taken) return lostTakeOver(input.now);
      // Taken over from a caller that died, perhaps before its order was written.
      if (input.order) await prepare('insertOrder', orderRow({ ...input.order, reference: taken.reference }) as unknown as Inputs).all();
      return { outcome: 'claimed', reference: taken.reference };
    },
    async finishIdempotencyKey(key, owner, response) {
      await ready();
      await prepare('finishKey', finishInputs(key, owner, response)).all();
    },
    async releaseIdempotencyKey(key, owner) {
      await ready();
      await prepare('releaseKey', { key, owner }).all();
    },

    async enqueueJob(job) {
      await ready();
      return (await first('insertJob', jobInputs(job))) !== undefined;
    },
    async getJob(id) {
      await ready();
      const row = await first<JobsTable>('getJob', { id });
      return row && toJob(row);
    },
    async leaseJobs({ owner, kinds, now, leaseUntil, limit }) {
      await ready();
      if (kinds.length === 0) return [];
      // `leasableJob`, in one statement: the outer condition is checked again on each row it changes.
      const rows = await all<JobsTable>('leaseJobs', { owner, kinds, now, lease_until: leaseUntil, limit });
      return rows.map(toJob).sort(byRunAt);
    },
    async renewJobLease(id, owner, leaseUntil) {
      await ready();
      return (await changes('renewJobLease', { id, owner, lease_until: leaseUntil })) > 0;
    },
    async completeJob(id, owner, now) {
      await ready();
      return (await changes('completeJob', { id, owner, now })) > 0;
    },
    async retryJob(id, owner, runAt, error) {
      await ready();
      await changes('retryJob', { id, owner, run_at: runAt, error: jobError(error) });
    },
    async buryJob(id, owner, now, error) {
      await ready();
      return (await changes('buryJob', { id, owner, now, error: jobError(error) })) > 0;
    },
    async listJobs(query = {}) {
      await ready();
      const rows = await all<JobsTable>(query.status ? 'listJobsByStatus' : 'listJobs', { status: query.status, limit: clampLimit(query.limit) });
      return rows.map(toJob);
    },
    async reviveJob(id, runAt) {
      await ready();
      return (await changes('reviveJob', { id, run_at: runAt })) > 0;
    },

    async getProviderRecord(namespace, key) {
      await ready();
      const row = await first<{ value: string }>('getProviderRecord', { namespace, key });
      return row === undefined ? undefined : (JSON.parse(row.value) as unknown);
    },
    async putProviderRecord(namespace, key, value) {
      await ready();
      await prepare('putProviderRecord', { namespace, key, value: JSON.stringify(value) }).all();
    },

    async getProviderBreaker(provider) {
      await ready();
      const row = await first<ProviderBreakersTable>('getProviderBreaker', { provider });
      return row && toBreaker(row);
    },
    async putProviderBreaker(breaker, expectedVersion) {
      await ready();
      const row = breakerRow(breaker) as unknown as Inputs;
      if (expectedVersion === 0) return (await first('insertProviderBreaker', row)) !== undefined;
      return (await changes('updateProviderBreaker', { ...row, expected_version: expectedVersion })) > 0;
    },

    async pruneExpired(input) {
      await ready();
      const results = await batch([
        ['pruneKeys', { idempotency_before: input.idempotencyBefore, now: input.now }],
        ['pruneJobs', { jobs_done_before: input.jobsDoneBefore }],
      ]);
      return results.reduce((sum, result) => sum + (result.meta.changes ?? 0), 0);
    },

    async hitRateLimit(key, windowStart, expiresAt) {
      await ready();
      const row = await first<{ count: number }>('hitRateLimit', { key, window_start: windowStart, expires_at: expiresAt });
      return Number(row?.count);
    },
    async pruneRateLimits(now) {
      await ready();
      return changes('pruneRateLimits', { now });
    },

    async close() {},
  };
  return store;
}

/** The error text a job keeps, as `STORE_WRITES` cuts it (the statements bind it as given). */
function jobError(error: string): string | null {
  return STORE_WRITES.retried(0, error).lastError;
}

function finishInputs(key: string, owner: string, response: { status: number; body: unknown }): Inputs {
  return { key, owner, response_status: response.status, response_body: JSON.stringify(response.body) };
}

/**
 * A generated statement with its inputs bound: by name, each list widened to its length
 * (`IN (?, ?, ?)`), constants as compiled. D1 binds `null`, never `undefined`.
 */
function statement(database: D1DatabaseLike, name: string, inputs: Inputs): D1StatementLike {
  const { sql, params } = STATEMENTS[name]!;
  const parts = sql.split('?');
  let text = parts[0]!;
  const values: unknown[] = [];
  params.forEach((param, index) => {
    if (typeof param === 'string') values.push(inputs[param] ?? null);
    else if ('value' in param) values.push(param.value);
    const list = typeof param === 'object' && 'each' in param ? ((inputs[param.each] ?? []) as unknown[]) : undefined;
    if (list) values.push(...list);
    text += (list ? list.map(() => '?').join(', ') : '?') + parts[index + 1]!;
  });
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
