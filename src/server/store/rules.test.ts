/**
 * The two readings of each store rule agree: `matchesRule` (the memory store, and any driver that
 * holds rows as objects) and `whereRule` (the SQL stores' WHERE clauses, run here on SQLite) pick
 * the same rows, for random rows and inputs, unset fields included.
 */
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { matchesRule, pruneCutoffs, retryDelay, STORE_RULES, type IdempotencyKeyRow, type RuleCondition } from './rules.js';
import { keyColumn, whereRule } from './sql.js';
import { JOB_KINDS, ORDER_STATUSES, type Job, type Order, type ProviderBreaker } from './types.js';

const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
afterAll(() => db.destroy());

// One table with every column a rule names; each case fills it with one kind of row.
const COLUMNS = ['status', 'kind', 'run_at', 'lease_owner', 'lease_until', 'attempts', 'created_at', 'done_at', 'owner', 'response_status', 'fulfilled_at', 'version'];

const time = fc.integer({ min: 0, max: 4 });
const maybe = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined });
const owner = fc.constantFrom('a', 'b');

const jobs = fc.array(
  fc.record({
    status: fc.constantFrom('pending' as const, 'done' as const, 'dead' as const),
    kind: fc.constantFrom(...JOB_KINDS),
    runAt: time,
    leaseOwner: maybe(owner),
    leaseUntil: time,
    attempts: fc.integer({ min: 0, max: 2 }),
    createdAt: time,
    doneAt: maybe(time),
  }),
  { maxLength: 12 },
);
const keys = fc.array(
  fc.record({ owner: maybe(owner), leaseUntil: time, createdAt: time, response: maybe(fc.constant({ status: 201, body: {} })) }),
  { maxLength: 12 },
);
const orders = fc.array(fc.record({ status: fc.constantFrom(...ORDER_STATUSES), fulfilledAt: maybe(fc.constant('2026-11-30T12:00:00.000Z')) }), {
  maxLength: 12,
});
const breakers = fc.array(fc.record({ version: fc.integer({ min: 0, max: 3 }) }), { maxLength: 12 });
const inputs = fc.record({
  expectedVersion: fc.integer({ min: 0, max: 3 }),
  now: time,
  owner: fc.constantFrom('a', 'b', 'c'),
  kinds: fc.subarray([...JOB_KINDS]),
  from: fc.subarray([...ORDER_STATUSES]),
  idempotencyBefore: time,
  jobsDoneBefore: time,
});

/** The rows (by position) that the SQL reading of `rule` selects after inserting `rows` as `toColumns` writes them. */
async function selectedBySql<Row>(rows: Row[], rule: RuleCondition<Row, any>, input: any, toColumns: (row: Row) => Record<string, unknown>, columnOf?: (field: string) => string) {
  await sql`DELETE FROM rows`.execute(db);
  for (const [id, row] of rows.entries()) await db.insertInto('rows').values({ id, ...toColumns(row) }).execute();
  const found = await db.selectFrom('rows').select('id').where(whereRule(rule, input, columnOf)).orderBy('id').execute();
  return found.map((row) => row.id as number);
}

const selectedInMemory = <Row>(rows: Row[], rule: RuleCondition<Row, any>, input: any) =>
  rows.flatMap((row, id) => (matchesRule(rule, row, input) ? [id] : []));

const jobColumns = (job: Partial<Job>) => ({
  status: job.status,
  kind: job.kind,
  run_at: job.runAt,
  lease_owner: job.leaseOwner ?? null,
  lease_until: job.leaseUntil,
  attempts: job.attempts,
  created_at: job.createdAt,
  done_at: job.doneAt ?? null,
});
const keyColumns = (key: Partial<IdempotencyKeyRow>) => ({
  owner: key.owner ?? null,
  lease_until: key.leaseUntil,
  created_at: key.createdAt,
  response_status: key.response?.status ?? null,
});
const orderColumns = (order: Partial<Order>) => ({ status: order.status, fulfilled_at: order.fulfilledAt ?? null });
const breakerColumns = (breaker: Partial<ProviderBreaker>) => ({ version: breaker.version });

describe('STORE_RULES: the memory reading and the SQL reading pick the same rows', () => {
  it('creates the table', async () => {
    await sql`CREATE TABLE rows (id INTEGER PRIMARY KEY, ${sql.raw(COLUMNS.join(', '))})`.execute(db);
  });

  const cases = [
    ['leasableJob', jobs, jobColumns, undefined],
    ['jobHeldBy', jobs, jobColumns, undefined],
    ['prunedJob', jobs, jobColumns, undefined],
    ['revivableJob', jobs, jobColumns, undefined],
    ['keyTakeOver', keys, keyColumns, keyColumn],
    ['keyHeldBy', keys, keyColumns, keyColumn],
    ['prunedKey', keys, keyColumns, keyColumn],
    ['movableOrder', orders, orderColumns, undefined],
    ['unfulfilledOrder', orders, orderColumns, undefined],
    ['breakerAtVersion', breakers, breakerColumns, undefined],
  ] as const;

  it('names every rule here', () => {
    expect(cases.map(([name]) => name).sort()).toEqual(Object.keys(STORE_RULES).sort());
  });

  it.each(cases)('%s', async (name, rows, toColumns, columnOf) => {
    const rule = STORE_RULES[name] as RuleCondition<object, any>;
    let matched = 0;
    await fc.assert(
      fc.asyncProperty(rows as fc.Arbitrary<object[]>, inputs, async (generated, input) => {
        const inMemory = selectedInMemory(generated, rule, input);
        matched += inMemory.length;
        expect(await selectedBySql(generated, rule, input, toColumns as (row: object) => Record<string, unknown>, columnOf)).toEqual(inMemory);
      }),
      { numRuns: 150 },
    );
    // The runs were not all empty: the rule picked rows in them.
    expect(matched).toBeGreaterThan(0);
  });
});

describe('matchesRule', () => {
  it('never matches a comparison on an unset field, as SQL NULL does not', () => {
    type Row = { doneAt?: number };
    const rule: RuleCondition<Row, { before: number }> = { field: 'doneAt', op: '<', to: { input: 'before' } };
    expect(matchesRule(rule, {} as Row, { before: 10 })).toBe(false);
    expect(matchesRule(rule, { doneAt: 5 }, { before: 10 })).toBe(true);
  });

  it('matches no row for an empty `in` list', () => {
    expect(matchesRule(STORE_RULES.movableOrder, { status: 'pending' } as Order, { from: [] })).toBe(false);
  });
});

describe('STORE_TIMES', () => {
  it('retries a failed job after 1 s, doubling to 5 min, or as the policy says', () => {
    expect([1, 2, 3, 9, 10, 30].map((attempts) => retryDelay(attempts))).toEqual([1000, 2000, 4000, 256_000, 300_000, 300_000]);
    expect([1, 2, 3].map((attempts) => retryDelay(attempts, { firstDelayMs: 20, maxDelayMs: 50 }))).toEqual([20, 40, 50]);
  });

  it('prunes keys older than a day and jobs done over 30 days ago', () => {
    const now = Date.UTC(2026, 10, 30, 12);
    expect(pruneCutoffs(now)).toEqual({ idempotencyBefore: Date.UTC(2026, 10, 29, 12), jobsDoneBefore: Date.UTC(2026, 9, 31, 12), now });
  });
});
