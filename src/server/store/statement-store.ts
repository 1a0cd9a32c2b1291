/**
 * The SQLite stores' one implementation over the named statements of `sqlite-statements.generated.ts`
 * (Kysely's SQL compiled at build time): `createD1Store` runs them on a D1 binding, `createSqliteStore`
 * on better-sqlite3, each through a narrow `StatementRunner`. Same rules (`rules.ts`), same rows
 * (`sql-rows.ts`), no query builder at runtime. Writes that must commit together go as one `batch`
 * (atomic); one that depends on the row an earlier one changed is guarded with `changes()`.
 */
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
import { STATEMENTS } from './sqlite-statements.generated.js';
import { listOrdersName, moveOrderName } from './sqlite-statements.js';
import type { CheckoutStore, JobInput } from './types.js';

/** A statement's inputs by name (`sqlite-statements.source.ts`). */
export type StatementInputs = Record<string, unknown>;

/** What one statement gave back: its rows (a SELECT's, or RETURNING's) and the rows it changed. */
export interface StatementResult {
  rows: unknown[];
  changes: number;
}

/** A database that runs the generated statements by name (D1, better-sqlite3). */
export interface StatementRunner {
  /** The migrations, once (and again after one that failed); every store method waits for it. */
  ready(): Promise<void>;
  run(name: string, inputs: StatementInputs): StatementResult | Promise<StatementResult>;
  /** The statements in order as one atomic unit: all commit, or none. */
  batch(statements: readonly (readonly [string, StatementInputs])[]): StatementResult[] | Promise<StatementResult[]>;
  close(): Promise<void>;
}

/** A generated statement's text with each list widened to its length (`IN (?, ?, ?)`), and its values in order; `null`, never `undefined`. */
export function boundStatement(name: string, inputs: StatementInputs): { text: string; values: unknown[] } {
  const { sql, params } = STATEMENTS[name]!;
  const values: unknown[] = [];
  let widened = false;
  for (const param of params) {
    if (typeof param === 'string') values.push(inputs[param] ?? null);
    else if ('value' in param) values.push(param.value);
    else widened = true;
  }
  if (!widened) return { text: sql, values };
  // A list: the text changes with its length, so it is built (rare: `leaseJobs`).
  const parts = sql.split('?');
  let text = parts[0]!;
  values.length = 0;
  params.forEach((param, index) => {
    const list = typeof param === 'object' && 'each' in param ? ((inputs[param.each] ?? []) as unknown[]) : undefined;
    if (list) values.push(...list);
    else values.push(typeof param === 'string' ? (inputs[param] ?? null) : (param as { value: unknown }).value);
    text += (list ? list.map(() => '?').join(', ') : '?') + parts[index + 1]!;
  });
  return { text, values };
}

/** A `CheckoutStore` on a `StatementRunner`: what `createD1Store` and `createSqliteStore` return. */
export function createStatementStore(runner: StatementRunner): CheckoutStore {
  const { ready } = runner;
  const run = (name: string, inputs: StatementInputs = {}) => runner.run(name, inputs);
  const all = async <Row>(name: string, inputs?: StatementInputs): Promise<Row[]> => (await run(name, inputs)).rows as Row[];
  const first = async <Row>(name: string, inputs?: StatementInputs): Promise<Row | undefined> => (await all<Row>(name, inputs))[0];
  const changes = async (name: string, inputs?: StatementInputs): Promise<number> => (await run(name, inputs)).changes;
  const jobInputs = (job: JobInput): StatementInputs => jobRow(job) as unknown as StatementInputs;

  return {
    migrate: ready,

    async insertOrder(order) {
      await ready();
      await run('insertOrder', orderRow(order) as unknown as StatementInputs);
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
      const move = [
        moveOrderName(transition.to === 'paid', Boolean(transition.paymentMethod)),
        { reference: transition.reference, from: transition.from, to: transition.to, at: transition.at, payment_method: transition.paymentMethod },
      ] as const;
      // The job is inserted only when the order moved: both or neither.
      const [moved] = await runner.batch(transition.job ? [move, ['insertJobIfChanged', jobInputs(transition.job)]] : [move]);
      const row = moved?.rows[0] as OrdersTable | undefined;
      return row && toOrder(row);
    },
    async setOrderCharge(reference, chargeId, at) {
      await ready();
      await run('setOrderCharge', { reference, charge_id: chargeId, updated_at: at });
    },
    async markFulfilled(reference, at) {
      await ready();
      await run('markFulfilled', { reference, at });
    },
    async addOrderAttempt(reference, attempt) {
      await ready();
      // Appended in the statement, so concurrent appends all stay.
      await run('addOrderAttempt', { reference, entry: JSON.stringify(attempt) });
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
      await runner.batch([
        ['saveSession', row as unknown as StatementInputs],
        ['linkSession', row as unknown as StatementInputs],
        ...(finish ? [['finishKey', finishInputs(finish.key, finish.owner, finish.response)] as const] : []),
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
      const key: StatementInputs = { key: input.key, body_hash: input.bodyHash, reference: input.reference, owner: input.owner, lease_until: input.leaseUntil, created_at: input.now };
      const order = input.order && (orderRow({ ...input.order, reference: input.reference }) as unknown as StatementInputs);
      // One batch: the order is inserted only when the key was.
      const [claimed] = await runner.batch(order ? [['insertKey', key], ['insertOrderIfChanged', order]] : [['insertKey', key]]);
      if ((claimed?.rows.length ?? 0) > 0) return { outcome: 'claimed', reference: input.reference };

      const row = await first<IdempotencyTable>('getKey', { key: input.key });
      if (!row) throw new Error(`idempotency key ${input.key} was neither inserted nor found`);
      const claim = decideClaim(toKeyRow(row), input);
      if (claim.outcome !== 'take-over') return claim;
      // The compare-and-set of `keyTakeOver`: unless another caller just took it.
      const taken = await first<{ reference: string }>('takeOverKey', { key: input.key, owner: input.owner, lease_until: input.leaseUntil, now: input.now });
      if (!taken) return lostTakeOver(input.now);
      // Taken over from a caller that died, perhaps before its order was written.
      if (input.order) await run('insertOrder', orderRow({ ...input.order, reference: taken.reference }) as unknown as StatementInputs);
      return { outcome: 'claimed', reference: taken.reference };
    },
    async finishIdempotencyKey(key, owner, response) {
      await ready();
      await run('finishKey', finishInputs(key, owner, response));
    },
    async releaseIdempotencyKey(key, owner) {
      await ready();
      await run('releaseKey', { key, owner });
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
      await run('putProviderRecord', { namespace, key, value: JSON.stringify(value) });
    },

    async getProviderBreaker(provider) {
      await ready();
      const row = await first<ProviderBreakersTable>('getProviderBreaker', { provider });
      return row && toBreaker(row);
    },
    async putProviderBreaker(breaker, expectedVersion) {
      await ready();
      const row = breakerRow(breaker) as unknown as StatementInputs;
      if (expectedVersion === 0) return (await first('insertProviderBreaker', row)) !== undefined;
      return (await changes('updateProviderBreaker', { ...row, expected_version: expectedVersion })) > 0;
    },

    async pruneExpired(input) {
      await ready();
      const results = await runner.batch([
        ['pruneKeys', { idempotency_before: input.idempotencyBefore, now: input.now }],
        ['pruneJobs', { jobs_done_before: input.jobsDoneBefore }],
      ]);
      return results.reduce((sum, result) => sum + result.changes, 0);
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

    close: () => runner.close(),
  };
}

/** The error text a job keeps, as `STORE_WRITES` cuts it (the statements bind it as given). */
function jobError(error: string): string | null {
  return STORE_WRITES.retried(0, error).lastError;
}

function finishInputs(key: string, owner: string, response: { status: number; body: unknown }): StatementInputs {
  return { key, owner, response_status: response.status, response_body: JSON.stringify(response.body) };
}
