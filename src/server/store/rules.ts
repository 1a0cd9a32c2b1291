/**
 * The store's rules, written once above the drivers: what a claim of an idempotency key answers,
 * which jobs a lease takes, who may renew, complete or retry one, and what pruning forgets. A
 * driver reads and writes rows atomically (a compare-and-set); these pure functions decide the
 * outcome from what it read. The SQL drivers state the same conditions as `WHERE` clauses (sql.ts
 * names the rule each one follows); the conformance suite checks both agree.
 */
import type { ClaimIdempotencyInput, IdempotencyClaim, Job, JobKind, PruneInput, StoredResponse } from './types.js';

/** What a claim needs of a stored idempotency key. */
export interface IdempotencyKeyState {
  bodyHash: string;
  reference: string;
  /** Epoch ms; 0 once released or answered. */
  leaseUntil: number;
  response?: StoredResponse;
}

/**
 * A claim of a key that exists: `conflict` (another body), `done` (answered), `busy` (another
 * caller holds the lease), or `take-over`: the lease ran out (the owner died or released it), so
 * the caller may take the key, keeping its first reference, by a compare-and-set that still
 * finds it unanswered and expired (`canTakeOver`). A key that does not exist is claimed by
 * inserting it (`claimed` with the caller's reference).
 */
export function decideClaim(
  key: IdempotencyKeyState,
  input: Pick<ClaimIdempotencyInput, 'bodyHash' | 'now'>,
): Exclude<IdempotencyClaim, { outcome: 'claimed' }> | { outcome: 'take-over'; reference: string } {
  if (key.bodyHash !== input.bodyHash) return { outcome: 'conflict' };
  if (key.response) return { outcome: 'done', response: key.response };
  if (key.leaseUntil > input.now) return { outcome: 'busy', leaseUntil: key.leaseUntil };
  return { outcome: 'take-over', reference: key.reference };
}

/** The compare-and-set of a take-over: the key is still unanswered and its lease still expired. */
export function canTakeOver(key: IdempotencyKeyState, now: number): boolean {
  return !key.response && key.leaseUntil <= now;
}

/** Another caller won the take-over race between the read and the compare-and-set: ask again. */
export function lostTakeOver(now: number): IdempotencyClaim {
  return { outcome: 'busy', leaseUntil: now };
}

/** Only the key's owner answers or releases it, and only once (an answered key stays answered). */
export function mayFinishKey(key: IdempotencyKeyState & { owner?: string | undefined }, owner: string): boolean {
  return key.owner === owner && !key.response;
}

/** A job a lease may take: pending, of one of these kinds, due, and nobody's lease running. */
export function isLeasable(job: Pick<Job, 'status' | 'kind' | 'runAt' | 'leaseUntil'>, kinds: readonly JobKind[], now: number): boolean {
  return job.status === 'pending' && kinds.includes(job.kind) && job.runAt <= now && job.leaseUntil <= now;
}

/** Leases take the jobs due first first. */
export function byRunAt(a: Pick<Job, 'runAt'>, b: Pick<Job, 'runAt'>): number {
  return a.runAt - b.runAt;
}

/** Renew, complete and retry count only for the lease owner of a pending job. */
export function holdsLease(job: Pick<Job, 'status' | 'leaseOwner'>, owner: string): boolean {
  return job.status === 'pending' && job.leaseOwner === owner;
}

/** How much of a failed attempt's error a job keeps. */
export const JOB_ERROR_MAX_LENGTH = 2000;

/** The error a retried job keeps. */
export function jobError(error: string): string {
  return error.slice(0, JOB_ERROR_MAX_LENGTH);
}

/** Pruning forgets a key created before the cutoff unless a create holds its lease now. */
export function prunesKey(key: { createdAt: number; leaseUntil: number }, input: PruneInput): boolean {
  return key.createdAt < input.idempotencyBefore && key.leaseUntil <= input.now;
}

/**
 * Pruning forgets a job done before the cutoff, and a pending one created before it that no
 * handler ever took (none runs its kind); a job that was leased and waits for a retry stays.
 */
export function prunesJob(job: Pick<Job, 'status' | 'doneAt' | 'attempts' | 'createdAt'>, input: PruneInput): boolean {
  if (job.status === 'done') return (job.doneAt ?? 0) < input.jobsDoneBefore;
  return job.attempts === 0 && job.createdAt < input.jobsDoneBefore;
}
