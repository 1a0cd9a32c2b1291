import type {
  CheckoutStore,
  IdempotencyClaim,
  IdempotencyStore,
  Job,
  JobQueue,
  Order,
  BreakerStore,
  OrderStore,
  ProviderBreaker,
  ProviderRecordStore,
  RateLimitStore,
  SessionRecord,
  SessionStore,
  StorePruning,
  StoredResponse,
} from './types.js';
import {
  applyWrite,
  byRunAt,
  decideClaim,
  jobListing,
  lostTakeOver,
  matchesRule,
  newJob,
  newKeyRow,
  orderListing,
  STORE_RULES,
  STORE_WRITES,
  type IdempotencyKeyRow,
} from './rules.js';

/** The memory store's rows, one map per part. */
interface MemoryTables {
  orders: Map<string, Order>;
  sessions: Map<string, SessionRecord>;
  keys: Map<string, IdempotencyKeyRow>;
  jobs: Map<string, Job>;
  records: Map<string, unknown>;
  breakers: Map<string, ProviderBreaker>;
  /** Rate-limit windows by `key` and window start. */
  windows: Map<string, { count: number; expiresAt: number }>;
}

/**
 * Stored as copies, so a caller that changes what it got cannot change the store. Rows are plain
 * data (what the SQL stores keep as JSON), copied here by hand: `structuredClone` serialises and
 * deserialises each one, 2–3 % of the handler's busy time per create on this store
 * (docs/performance-runs.md, issue 26 item 5). Anything else (a `Date`, a `Map`, a function) goes to
 * `structuredClone` as before, which copies or refuses it.
 */
function copy<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return typeof value === 'function' ? structuredClone(value) : value;
  if (Array.isArray(value)) return value.map(copy) as T;
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) return structuredClone(value);
  const copied: Record<string, unknown> = {};
  for (const key of Object.keys(value)) copied[key] = copy((value as Record<string, unknown>)[key]);
  return copied as T;
}
const copyOf = <T>(value: T | undefined): T | undefined => (value === undefined ? undefined : copy(value));

/**
 * Keeps everything in this process's memory: for tests and trying things out. A restart forgets
 * every order, key and webhook, and a second process does not see them.
 */
export function createMemoryStore(): CheckoutStore {
  const tables: MemoryTables = { orders: new Map(), sessions: new Map(), keys: new Map(), jobs: new Map(), records: new Map(), breakers: new Map(), windows: new Map() };
  return {
    async migrate() {},
    ...memoryOrders(tables),
    ...memorySessions(tables),
    ...memoryIdempotency(tables),
    ...memoryJobs(tables),
    ...memoryProviderRecords(tables),
    ...memoryBreakers(tables),
    ...memoryPruning(tables),
    ...memoryRateLimits(tables),
    async close() {},
  };
}

function memoryOrders({ orders, jobs }: MemoryTables): OrderStore {
  return {
    async insertOrder(order) {
      if (!orders.has(order.reference)) orders.set(order.reference, copy(order));
    },
    async getOrder(reference) {
      return copyOf(orders.get(reference));
    },
    async listOrders(query = {}) {
      const { includes, compare, limit } = orderListing(query);
      return [...orders.values()].filter(includes).sort(compare).slice(0, limit).map(copy);
    },
    async transitionOrder(transition) {
      const order = orders.get(transition.reference);
      if (!order || !matchesRule(STORE_RULES.movableOrder, order, transition)) return undefined;
      applyWrite(order, STORE_WRITES.moved(transition));
      if (transition.job && !jobs.has(transition.job.id)) jobs.set(transition.job.id, newJob(copy(transition.job)));
      return copy(order);
    },
    async setOrderCharge(reference, chargeId, at) {
      const order = orders.get(reference);
      if (order) Object.assign(order, { chargeId, updatedAt: at });
    },
    async markFulfilled(reference, at) {
      const order = orders.get(reference);
      if (order && matchesRule(STORE_RULES.unfulfilledOrder, order, {})) applyWrite(order, STORE_WRITES.fulfilled(at));
    },
    async addOrderAttempt(reference, attempt) {
      const order = orders.get(reference);
      if (order) order.attempts = [...(order.attempts ?? []), copy(attempt)];
    },
  };
}

function memorySessions({ orders, sessions, keys }: MemoryTables): SessionStore {
  return {
    async saveSession(record, finish) {
      sessions.set(record.sessionId, copy(record));
      const order = orders.get(record.reference);
      if (order) Object.assign(order, { sessionId: record.sessionId, provider: record.provider });
      if (finish) answerKey(keys, finish.key, finish.owner, copy(finish.response));
    },
    async getSession(sessionId) {
      return copyOf(sessions.get(sessionId));
    },
    async getSessionByReference(reference) {
      const sessionId = orders.get(reference)?.sessionId;
      return sessionId === undefined ? undefined : copyOf(sessions.get(sessionId));
    },
  };
}

/** `finishIdempotencyKey` (and `saveSession`'s answer): only the owner's, unanswered key takes it. */
function answerKey(keys: Map<string, IdempotencyKeyRow>, key: string, owner: string, response: StoredResponse): void {
  const row = keys.get(key);
  if (row && matchesRule(STORE_RULES.keyHeldBy, row, { owner })) applyWrite(row, STORE_WRITES.answered(response));
}

function memoryIdempotency({ orders, keys }: MemoryTables): IdempotencyStore {
  // Synchronous from the read to the write: the compare-and-set of a take-over cannot lose here.
  function claimKey(input: Parameters<IdempotencyStore['claimIdempotencyKey']>[0]): IdempotencyClaim {
    const row = keys.get(input.key);
    if (!row) {
      keys.set(input.key, newKeyRow(input));
      return { outcome: 'claimed', reference: input.reference };
    }
    const claim = decideClaim(row, input);
    if (claim.outcome === 'done') return { outcome: 'done', response: copy(claim.response) };
    if (claim.outcome !== 'take-over') return claim;
    if (!matchesRule(STORE_RULES.keyTakeOver, row, input)) return lostTakeOver(input.now);
    applyWrite(row, STORE_WRITES.takenOver(input.owner, input.leaseUntil));
    return { outcome: 'claimed', reference: row.reference };
  }
  return {
    async claimIdempotencyKey(input) {
      const claim = claimKey(input);
      if (claim.outcome === 'claimed' && input.order && !orders.has(claim.reference)) {
        orders.set(claim.reference, { ...copy(input.order), reference: claim.reference });
      }
      return claim;
    },
    async finishIdempotencyKey(key, owner, response) {
      answerKey(keys, key, owner, copy(response));
    },
    async releaseIdempotencyKey(key, owner) {
      const row = keys.get(key);
      if (row && matchesRule(STORE_RULES.keyHeldBy, row, { owner })) applyWrite(row, STORE_WRITES.released());
    },
  };
}

function memoryJobs({ jobs }: MemoryTables): JobQueue {
  /** The job when `owner` holds its lease (`jobHeldBy`), else undefined. */
  const held = (id: string, owner: string) => {
    const job = jobs.get(id);
    return job && matchesRule(STORE_RULES.jobHeldBy, job, { owner }) ? job : undefined;
  };
  return {
    async enqueueJob(job) {
      if (jobs.has(job.id)) return false;
      jobs.set(job.id, newJob(copy(job)));
      return true;
    },
    async getJob(id) {
      return copyOf(jobs.get(id));
    },
    async leaseJobs(input) {
      const due = [...jobs.values()].filter((job) => matchesRule(STORE_RULES.leasableJob, job, input)).sort(byRunAt).slice(0, input.limit);
      for (const job of due) applyWrite(job, { ...STORE_WRITES.leased(input.owner, input.leaseUntil), attempts: job.attempts + 1 });
      return due.map(copy);
    },
    async renewJobLease(id, owner, leaseUntil) {
      const job = held(id, owner);
      if (job) applyWrite(job, STORE_WRITES.renewed(leaseUntil));
      return job !== undefined;
    },
    async completeJob(id, owner, now) {
      const job = held(id, owner);
      if (job) applyWrite(job, STORE_WRITES.completed(now));
      return job !== undefined;
    },
    async retryJob(id, owner, runAt, error) {
      const job = held(id, owner);
      if (job) applyWrite(job, STORE_WRITES.retried(runAt, error));
    },
    async buryJob(id, owner, now, error) {
      const job = held(id, owner);
      if (job) applyWrite(job, STORE_WRITES.buried(now, error));
      return job !== undefined;
    },
    async listJobs(query = {}) {
      const { includes, compare, limit } = jobListing(query);
      return [...jobs.values()].filter(includes).sort(compare).slice(0, limit).map(copy);
    },
    async reviveJob(id, runAt) {
      const job = jobs.get(id);
      if (!job || !matchesRule(STORE_RULES.revivableJob, job, {})) return false;
      applyWrite(job, STORE_WRITES.revived(runAt));
      return true;
    },
  };
}

function memoryRateLimits({ windows }: MemoryTables): RateLimitStore {
  return {
    async hitRateLimit(key, windowStart, expiresAt) {
      const id = `${key}\u0000${windowStart}`;
      const window = windows.get(id) ?? { count: 0, expiresAt };
      window.count += 1;
      windows.set(id, window);
      return window.count;
    },
    async pruneRateLimits(now) {
      let removed = 0;
      for (const [id, window] of windows) if (window.expiresAt < now && windows.delete(id)) removed++;
      return removed;
    },
  };
}

function memoryProviderRecords({ records }: MemoryTables): ProviderRecordStore {
  const recordKey = (namespace: string, key: string) => `${namespace}\u0000${key}`;
  return {
    async getProviderRecord(namespace, key) {
      return copyOf(records.get(recordKey(namespace, key)));
    },
    async putProviderRecord(namespace, key, value) {
      records.set(recordKey(namespace, key), copy(value));
    },
  };
}

function memoryBreakers({ breakers }: MemoryTables): BreakerStore {
  return {
    async getProviderBreaker(provider) {
      return copyOf(breakers.get(provider));
    },
    async putProviderBreaker(breaker, expectedVersion) {
      const row = breakers.get(breaker.provider);
      if (row ? !matchesRule(STORE_RULES.breakerAtVersion, row, { expectedVersion }) : expectedVersion !== 0) return false;
      breakers.set(breaker.provider, copy(breaker));
      return true;
    },
  };
}

function memoryPruning({ keys, jobs }: MemoryTables): StorePruning {
  return {
    async pruneExpired(input) {
      let removed = 0;
      for (const [key, row] of keys) if (matchesRule(STORE_RULES.prunedKey, row, input) && keys.delete(key)) removed++;
      for (const [id, job] of jobs) if (matchesRule(STORE_RULES.prunedJob, job, input) && jobs.delete(id)) removed++;
      return removed;
    },
  };
}
