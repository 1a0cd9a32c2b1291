/**
 * The store's rules, written once above the drivers. Which rows a lease, a renew, a take-over,
 * an answer or a prune may touch are conditions as data (`STORE_RULES`); what those calls write
 * is `STORE_WRITES`. A driver does not restate them: the memory store (and any driver that holds
 * rows as objects) tests a row with `matchesRule`, the SQL stores compile the same conditions to
 * their `WHERE` clauses (sql.ts, `whereRule`). A claim's outcome is `decideClaim`. The
 * conformance suite checks every driver keeps them; rules.test.ts that both readings of a rule
 * select the same rows, and that a changed rule reaches both.
 */
import { clampLimit } from './limits.js';
import type { ClaimIdempotencyInput, IdempotencyClaim, Job, JobInput, LeaseJobsInput, ListJobsQuery, ListOrdersQuery, Order, OrderCursor, OrderStatus, OrderTransition, ProviderBreaker, PruneInput, StoredResponse } from './types.js';

/** A value a rule compares a field with: one of the call's inputs (`now`, `owner`, …) or a constant. */
export type RuleOperand<Input> = { input: keyof Input & string } | { value: string | number };

/**
 * A condition on one stored row, as data. A field compared with `=`, `<` or `<=` never matches
 * while it is unset (as in SQL, where a comparison with NULL is not true); `unset` matches it
 * then; `in` matches when the field is one of a list the call gives (none: no row). There is no
 * `not`, so the reading in memory and the one in SQL cannot differ on unset fields.
 */
export type RuleCondition<Row, Input> =
  | { field: keyof Row & string; op: '=' | '<' | '<='; to: RuleOperand<Input> }
  | { field: keyof Row & string; op: 'in'; to: { input: keyof Input & string } }
  | { field: keyof Row & string; op: 'unset' }
  | { all: readonly RuleCondition<Row, Input>[] }
  | { any: readonly RuleCondition<Row, Input>[] };

/** A stored idempotency key, as the rules see it. */
export interface IdempotencyKeyRow {
  bodyHash: string;
  /** The order reference of its first claim, kept by every take-over. */
  reference: string;
  /** Who holds (or last held) its lease. */
  owner?: string | undefined;
  /** Epoch ms; 0 once released or answered. */
  leaseUntil: number;
  /** The stored answer, once the owner gave it. */
  response?: StoredResponse | undefined;
  /** Epoch ms: the first claim's `now`. */
  createdAt: number;
}

// Builders for the conditions below: the result is plain data.
const is = <R, I>(field: keyof R & string, op: '=' | '<' | '<=', to: RuleOperand<I>): RuleCondition<R, I> => ({ field, op, to });
const input = <I>(name: keyof I & string) => ({ input: name });
const value = (constant: string | number) => ({ value: constant });
const pending = <I>(): RuleCondition<Job, I> => is('status', '=', value('pending'));

/**
 * Which rows each call may change or remove, by the call's inputs:
 *
 * - `leasableJob` (`leaseJobs`): pending, of a kind asked for, due, and nobody's lease running.
 * - `jobHeldBy` (`renewJobLease`, `completeJob`, `retryJob`): the lease owner's, still pending.
 * - `keyTakeOver` (a claim of a known key): unanswered, its lease run out (the owner died or released it).
 * - `keyHeldBy` (`finishIdempotencyKey`, `releaseIdempotencyKey`, `saveSession`'s answer): the
 *   owner's, unanswered, so an answered key stays answered.
 * - `prunedKey`, `prunedJob` (`pruneExpired`): a key created before the cut-off unless a create
 *   holds it now; a job done before the cut-off, or a pending one created before it that no handler
 *   ever took (none runs its kind); a job that was leased and waits for a retry stays.
 * - `revivableJob` (`reviveJob`): dead; dead jobs are never leased nor pruned.
 * - `movableOrder` (`transitionOrder`): in one of the statuses the move is from.
 * - `unfulfilledOrder` (`markFulfilled`): not yet fulfilled, so the first time stays.
 * - `breakerAtVersion` (`putProviderBreaker` of a known provider): still at the version the
 *   writer read, so of two handlers that read one version only the first write counts.
 */
export const STORE_RULES = {
  leasableJob: {
    all: [pending(), { field: 'kind', op: 'in', to: input('kinds') }, is('runAt', '<=', input('now')), is('leaseUntil', '<=', input('now'))],
  } as RuleCondition<Job, Pick<LeaseJobsInput, 'kinds' | 'now'>>,
  jobHeldBy: { all: [pending(), is('leaseOwner', '=', input('owner'))] } as RuleCondition<Job, { owner: string }>,
  keyTakeOver: { all: [{ field: 'response', op: 'unset' }, is('leaseUntil', '<=', input('now'))] } as RuleCondition<IdempotencyKeyRow, { now: number }>,
  keyHeldBy: { all: [is('owner', '=', input('owner')), { field: 'response', op: 'unset' }] } as RuleCondition<IdempotencyKeyRow, { owner: string }>,
  prunedKey: { all: [is('createdAt', '<', input('idempotencyBefore')), is('leaseUntil', '<=', input('now'))] } as RuleCondition<IdempotencyKeyRow, PruneInput>,
  prunedJob: {
    any: [
      { all: [is('status', '=', value('done')), is('doneAt', '<', input('jobsDoneBefore'))] },
      { all: [pending(), is('attempts', '=', value(0)), is('createdAt', '<', input('jobsDoneBefore'))] },
    ],
  } as RuleCondition<Job, PruneInput>,
  revivableJob: is('status', '=', value('dead')) as RuleCondition<Job, object>,
  movableOrder: { field: 'status', op: 'in', to: input('from') } as RuleCondition<Order, { from: readonly OrderStatus[] }>,
  unfulfilledOrder: { field: 'fulfilledAt', op: 'unset' } as RuleCondition<Order, object>,
  breakerAtVersion: is('version', '=', input('expectedVersion')) as RuleCondition<ProviderBreaker, { expectedVersion: number }>,
};

/**
 * The times the handler hands the store (as `leaseUntil`, `runAt` and `PruneInput`), in ms: how
 * long a job's and a claim's leases last, when a failed job runs again, what pruning forgets.
 */
export const STORE_TIMES = {
  /** A job's lease (`hookLeaseMs`'s default), renewed every quarter of it while the job runs. */
  jobLeaseMs: 20_000,
  /** A claim's lease outlasts the provider call it guards by this, so a live create is not taken over. */
  claimLeaseBeyondProviderMs: 5_000,
  /** `Idempotency-Key`s are kept a day, like Stripe's; a retry later is a new checkout. */
  idempotencyKeyTtlMs: 24 * 60 * 60 * 1000,
  /** Done jobs (so handled webhook ids, for dedupe: providers resend for days) and never-taken ones. */
  doneJobTtlMs: 30 * 24 * 60 * 60 * 1000,
  /** A failed job runs again after this, doubling with each attempt up to `maxDelayMs` (`hookRetry`). */
  retry: { firstDelayMs: 1000, maxDelayMs: 300_000 },
};

/** What `pruneExpired` is called with at `now`: keys older than a day, jobs done (or never taken) over 30 days ago. */
export function pruneCutoffs(now: number): PruneInput {
  return { idempotencyBefore: now - STORE_TIMES.idempotencyKeyTtlMs, jobsDoneBefore: now - STORE_TIMES.doneJobTtlMs, now };
}

/** How long after its `attempts`-th attempt failed a job runs again (`retryJob`'s `runAt` is now plus this). */
export function retryDelay(attempts: number, retry: { firstDelayMs?: number; maxDelayMs?: number } = {}): number {
  const { firstDelayMs = STORE_TIMES.retry.firstDelayMs, maxDelayMs = STORE_TIMES.retry.maxDelayMs } = retry;
  return Math.min(maxDelayMs, firstDelayMs * 2 ** Math.max(0, attempts - 1));
}

/** How much of a failed attempt's error a job keeps. */
export const JOB_ERROR_MAX_LENGTH = 2000;

/**
 * What the calls write on the rows their rule matched; `null` clears a field. A lease also counts
 * an attempt (`attempts + 1`).
 */
export const STORE_WRITES = {
  leased: (owner: string, leaseUntil: number) => ({ leaseOwner: owner, leaseUntil }),
  renewed: (leaseUntil: number) => ({ leaseUntil }),
  completed: (now: number) => ({ status: 'done' as const, doneAt: now, leaseOwner: null, leaseUntil: 0 }),
  retried: (runAt: number, error: string) => ({ runAt, leaseOwner: null, leaseUntil: 0, lastError: error.slice(0, JOB_ERROR_MAX_LENGTH) }),
  buried: (now: number, error: string) => ({ status: 'dead' as const, deadAt: now, leaseOwner: null, leaseUntil: 0, lastError: error.slice(0, JOB_ERROR_MAX_LENGTH) }),
  /** A revived job is due at `runAt` as if enqueued then: its attempts and its deadline start again. */
  revived: (runAt: number) => ({ status: 'pending' as const, runAt, attempts: 0, createdAt: runAt, deadAt: null, leaseOwner: null, leaseUntil: 0 }),
  takenOver: (owner: string, leaseUntil: number) => ({ owner, leaseUntil }),
  answered: (response: StoredResponse) => ({ response, leaseUntil: 0 }),
  released: () => ({ leaseUntil: 0 }),
  moved: ({ to, at, paymentMethod }: OrderTransition) => ({
    status: to,
    updatedAt: at,
    ...(to === 'paid' && { paidAt: at }),
    ...(paymentMethod && { paymentMethod }),
  }),
  fulfilled: (at: string) => ({ fulfilledAt: at, updatedAt: at }),
};

/** True when `row` meets `condition` for this call's `input` (the memory reading of a rule). */
export function matchesRule<Row, Input>(condition: RuleCondition<Row, Input>, row: Row, input: Input): boolean {
  if ('all' in condition) return condition.all.every((part) => matchesRule(part, row, input));
  if ('any' in condition) return condition.any.some((part) => matchesRule(part, row, input));
  const field = (row as Record<string, unknown>)[condition.field];
  if (condition.op === 'unset') return field === undefined || field === null;
  const to = 'input' in condition.to ? (input as Record<string, unknown>)[condition.to.input] : condition.to.value;
  if (field === undefined || field === null) return false;
  if (condition.op === 'in') return (to as readonly unknown[]).includes(field);
  if (condition.op === '=') return field === to;
  return condition.op === '<' ? (field as number) < (to as number) : (field as number) <= (to as number);
}

/** `patch` written on `row` in place: a `null` deletes the field. */
export function applyWrite<Row extends object>(row: Row, patch: Record<string, unknown>): Row {
  for (const [field, next] of Object.entries(patch)) {
    if (next === null) delete (row as Record<string, unknown>)[field];
    else (row as Record<string, unknown>)[field] = next;
  }
  return row;
}

/**
 * A claim of a key that exists: `conflict` (another body), `done` (answered), `busy` (another
 * caller holds the lease), or `take-over` (`keyTakeOver`): the caller may take the key, keeping
 * its first reference, by a compare-and-set that still finds it so. A key that does not exist is
 * claimed by inserting it (`claimed` with the caller's reference); a driver that loses the
 * compare-and-set answers `lostTakeOver`.
 */
export function decideClaim(
  key: IdempotencyKeyRow,
  claim: Pick<ClaimIdempotencyInput, 'bodyHash' | 'now'>,
): Exclude<IdempotencyClaim, { outcome: 'claimed' }> | { outcome: 'take-over'; reference: string } {
  if (key.bodyHash !== claim.bodyHash) return { outcome: 'conflict' };
  if (key.response) return { outcome: 'done', response: key.response };
  if (!matchesRule(STORE_RULES.keyTakeOver, key, claim)) return { outcome: 'busy', leaseUntil: key.leaseUntil };
  return { outcome: 'take-over', reference: key.reference };
}

/** Another caller won the take-over race between the read and the compare-and-set: ask again. */
export function lostTakeOver(now: number): IdempotencyClaim {
  return { outcome: 'busy', leaseUntil: now };
}

/** The row a new key's claim inserts. */
export function newKeyRow(claim: ClaimIdempotencyInput): IdempotencyKeyRow {
  return { bodyHash: claim.bodyHash, reference: claim.reference, owner: claim.owner, leaseUntil: claim.leaseUntil, createdAt: claim.now };
}

/** The job `enqueueJob` (or a transition) adds: pending, never leased, created at its `runAt` (the enqueuer's clock). */
export function newJob(job: JobInput): Job {
  return { id: job.id, kind: job.kind, payload: job.payload ?? null, runAt: job.runAt, status: 'pending', attempts: 0, leaseUntil: 0, createdAt: job.runAt };
}

/** Leases take the jobs due first first. */
export function byRunAt(a: Pick<Job, 'runAt'>, b: Pick<Job, 'runAt'>): number {
  return a.runAt - b.runAt;
}

/** `listJobs` in memory: newest first by `createdAt`, then `id`; of one status if asked. */
export function jobListing(query: ListJobsQuery): { includes(job: Job): boolean; compare(a: Job, b: Job): number; limit: number } {
  return {
    includes: (job) => !query.status || job.status === query.status,
    compare: (a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0),
    limit: clampLimit(query.limit),
  };
}

/**
 * `listOrders` in memory: which orders a query answers (`includes`) and their order (`compare`,
 * negative when `a` comes first: by `createdAt`, then `reference`, newest first unless
 * `oldestFirst`) and how many (`limit`: the query's, 1 to 500, default 50). The SQL stores
 * answer the same with an index seek.
 */
export function orderListing(query: ListOrdersQuery): { includes(order: Order): boolean; compare(a: OrderCursor, b: OrderCursor): number; limit: number } {
  const { status, createdFrom, createdBefore, after } = query;
  const direction = query.oldestFirst ? 1 : -1;
  const ascending = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const compare = (a: OrderCursor, b: OrderCursor) => direction * (ascending(a.createdAt, b.createdAt) || ascending(a.reference, b.reference));
  const includes = (order: Order) =>
    (!status || order.status === status) &&
    (createdFrom === undefined || order.createdAt >= createdFrom) &&
    (createdBefore === undefined || order.createdAt < createdBefore) &&
    (!after || compare(order, after) > 0);
  return { includes, compare, limit: clampLimit(query.limit) };
}
