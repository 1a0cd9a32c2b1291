import type {
  CheckoutStore,
  ClaimIdempotencyInput,
  IdempotencyClaim,
  Job,
  JobInput,
  ListOrdersQuery,
  Order,
  OrderCursor,
  OrderTransition,
  SessionRecord,
  StoredResponse,
} from './types.js';
import { clampLimit } from './limits.js';
import { byRunAt, canTakeOver, decideClaim, holdsLease, isLeasable, jobError, lostTakeOver, mayFinishKey, prunesJob, prunesKey } from './rules.js';

interface IdempotencyRow {
  createdAt: number;
  bodyHash: string;
  reference: string;
  owner?: string;
  leaseUntil: number;
  response?: StoredResponse;
}

// Stored as copies, so a caller that changes what it got cannot change the store.
const copy = <T>(value: T): T => structuredClone(value);

/**
 * Keeps everything in this process's memory: for tests and trying things out. A restart forgets
 * every order, key and webhook, and a second process does not see them.
 */
export function createMemoryStore(): CheckoutStore {
  const orders = new Map<string, Order>();
  const sessions = new Map<string, SessionRecord>();
  const idempotency = new Map<string, IdempotencyRow>();
  const jobs = new Map<string, Job>();
  const providerRecords = new Map<string, unknown>();
  const recordKey = (namespace: string, key: string) => `${namespace}\u0000${key}`;

  function claimKey(input: ClaimIdempotencyInput): IdempotencyClaim {
    const row = idempotency.get(input.key);
    if (!row) {
      idempotency.set(input.key, {
        createdAt: input.now,
        bodyHash: input.bodyHash,
        reference: input.reference,
        owner: input.owner,
        leaseUntil: input.leaseUntil,
      });
      return { outcome: 'claimed', reference: input.reference };
    }
    const claim = decideClaim(row, input);
    if (claim.outcome === 'done') return { outcome: 'done', response: copy(claim.response) };
    if (claim.outcome !== 'take-over') return claim;
    // Synchronous since the read: the compare-and-set cannot fail here, but states the rule.
    if (!canTakeOver(row, input.now)) return lostTakeOver(input.now);
    row.owner = input.owner;
    row.leaseUntil = input.leaseUntil;
    return { outcome: 'claimed', reference: row.reference };
  }

  function finishKey(key: string, owner: string, response: StoredResponse): void {
    const row = idempotency.get(key);
    if (row && mayFinishKey(row, owner)) Object.assign(row, { response: copy(response), leaseUntil: 0 });
  }

  function ownedJob(id: string, owner: string): Job | undefined {
    const job = jobs.get(id);
    return job && holdsLease(job, owner) ? job : undefined;
  }

  return {
    async migrate() {},

    async insertOrder(order) {
      if (!orders.has(order.reference)) orders.set(order.reference, copy(order));
    },
    async getOrder(reference) {
      const order = orders.get(reference);
      return order && copy(order);
    },
    async listOrders(query: ListOrdersQuery = {}) {
      const { status, createdFrom, createdBefore, after } = query;
      const direction = query.oldestFirst ? 1 : -1;
      const ascending = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
      // Negative when a comes before b in the listing: by createdAt, then reference (as the SQL stores).
      const compare = (a: OrderCursor, b: OrderCursor) =>
        direction * (ascending(a.createdAt, b.createdAt) || ascending(a.reference, b.reference));
      return [...orders.values()]
        .filter(
          (order) =>
            (!status || order.status === status) &&
            (createdFrom === undefined || order.createdAt >= createdFrom) &&
            (createdBefore === undefined || order.createdAt < createdBefore) &&
            (!after || compare(order, after) > 0),
        )
        .sort(compare)
        .slice(0, clampLimit(query.limit))
        .map(copy);
    },
    async transitionOrder(transition: OrderTransition) {
      const order = orders.get(transition.reference);
      if (!order || !transition.from.includes(order.status)) return undefined;
      order.status = transition.to;
      order.updatedAt = transition.at;
      if (transition.to === 'paid') order.paidAt = transition.at;
      if (transition.paymentMethod) order.paymentMethod = transition.paymentMethod;
      if (transition.job && !jobs.has(transition.job.id)) jobs.set(transition.job.id, newJob(transition.job));
      return copy(order);
    },
    async setOrderCharge(reference, chargeId, at) {
      const order = orders.get(reference);
      if (order) Object.assign(order, { chargeId, updatedAt: at });
    },
    async markFulfilled(reference, at) {
      const order = orders.get(reference);
      if (order && !order.fulfilledAt) Object.assign(order, { fulfilledAt: at, updatedAt: at });
    },

    async saveSession(record, finish) {
      sessions.set(record.sessionId, copy(record));
      const order = orders.get(record.reference);
      if (order) order.sessionId = record.sessionId;
      if (finish) finishKey(finish.key, finish.owner, finish.response);
    },
    async getSession(sessionId) {
      const record = sessions.get(sessionId);
      return record && copy(record);
    },
    async getSessionByReference(reference) {
      const sessionId = orders.get(reference)?.sessionId;
      const record = sessionId === undefined ? undefined : sessions.get(sessionId);
      return record && copy(record);
    },

    async claimIdempotencyKey(input: ClaimIdempotencyInput & { order?: Order }): Promise<IdempotencyClaim> {
      const claim = claimKey(input);
      if (claim.outcome === 'claimed' && input.order && !orders.has(claim.reference)) {
        orders.set(claim.reference, { ...copy(input.order), reference: claim.reference });
      }
      return claim;
    },
    async finishIdempotencyKey(key, owner, response) {
      finishKey(key, owner, response);
    },
    async releaseIdempotencyKey(key, owner) {
      const row = idempotency.get(key);
      if (row && mayFinishKey(row, owner)) row.leaseUntil = 0;
    },

    async enqueueJob(job) {
      if (jobs.has(job.id)) return false;
      jobs.set(job.id, newJob(job));
      return true;
    },
    async getJob(id) {
      const job = jobs.get(id);
      return job && copy(job);
    },
    async leaseJobs({ owner, kinds, now, leaseUntil, limit }) {
      const due = [...jobs.values()]
        .filter((job) => isLeasable(job, kinds, now))
        .sort(byRunAt)
        .slice(0, limit);
      for (const job of due) {
        job.leaseOwner = owner;
        job.leaseUntil = leaseUntil;
        job.attempts += 1;
      }
      return due.map(copy);
    },
    async renewJobLease(id, owner, leaseUntil) {
      const job = ownedJob(id, owner);
      if (job) job.leaseUntil = leaseUntil;
      return job !== undefined;
    },
    async completeJob(id, owner, now) {
      const job = ownedJob(id, owner);
      if (!job) return false;
      Object.assign(job, { status: 'done', doneAt: now, leaseUntil: 0 });
      delete job.leaseOwner;
      return true;
    },
    async retryJob(id, owner, runAt, error) {
      const job = ownedJob(id, owner);
      if (!job) return;
      Object.assign(job, { runAt, leaseUntil: 0, lastError: jobError(error) });
      delete job.leaseOwner;
    },

    async getProviderRecord(namespace, key) {
      const value = providerRecords.get(recordKey(namespace, key));
      return value === undefined ? undefined : copy(value);
    },
    async putProviderRecord(namespace, key, value) {
      providerRecords.set(recordKey(namespace, key), copy(value));
    },

    async pruneExpired(input) {
      let removed = 0;
      for (const [key, row] of idempotency) if (prunesKey(row, input) && idempotency.delete(key)) removed++;
      for (const [id, job] of jobs) if (prunesJob(job, input) && jobs.delete(id)) removed++;
      return removed;
    },

    async close() {},
  };
}

function newJob(input: JobInput): Job {
  return { ...copy(input), status: 'pending', attempts: 0, leaseUntil: 0, createdAt: input.runAt };
}
