/**
 * A new driver is a short file: this one. A `CheckoutStore` on an unstorage-like key-value store
 * (JSON values under `table:id` keys), written only with what `checkout-widget/server` exports;
 * key-value-driver.test.ts runs the exported conformance suite on it. Its calls are atomic within
 * one process (one queue per key-value store): a store shared by several processes needs a
 * compare-and-set of its own, as the SQL drivers have.
 */
import {
  applyWrite,
  byRunAt,
  decideClaim,
  jobListing,
  matchesRule,
  newJob,
  newKeyRow,
  orderListing,
  STORE_RULES,
  STORE_WRITES,
  type CheckoutStore,
  type IdempotencyKeyRow,
  type Job,
  type Order,
  type ProviderBreaker,
  type RuleCondition,
  type SessionRecord,
} from '../index.js';

/** unstorage's `Storage`, as much as the driver uses. */
export interface KeyValue {
  getItem(key: string): Promise<unknown>;
  setItem(key: string, value: unknown): Promise<void>;
  removeItem(key: string): Promise<void>;
  getKeys(prefix: string): Promise<string[]>;
}

/** A `CheckoutStore` on `kv`: every call reads rows, decides by the rules, writes. */
export function createKeyValueStore(kv: KeyValue): CheckoutStore {
  const { get, put, rows, update, insertNew, prune } = tables(kv);
  const answer = (key: string, owner: string, write: object) => update('key', key, write, STORE_RULES.keyHeldBy, { owner });
  const held = async (id: string, owner: string, write: object) => (await update('job', id, write, STORE_RULES.jobHeldBy, { owner })) !== undefined;
  return queued(kv, {
    insertOrder: async (order) => void (await insertNew('order', order.reference, order)),
    getOrder: (reference) => get<Order>('order', reference),
    async listOrders(query = {}) {
      const { includes, compare, limit } = orderListing(query);
      return (await rows<Order>('order')).filter(includes).sort(compare).slice(0, limit);
    },
    async transitionOrder(transition) {
      const moved = await update('order', transition.reference, STORE_WRITES.moved(transition), STORE_RULES.movableOrder, transition);
      if (moved && transition.job) await insertNew('job', transition.job.id, newJob(transition.job));
      return moved;
    },
    setOrderCharge: async (reference, chargeId, at) => void (await update('order', reference, { chargeId, updatedAt: at })),
    markFulfilled: async (reference, at) => void (await update('order', reference, STORE_WRITES.fulfilled(at), STORE_RULES.unfulfilledOrder, {})),
    addOrderAttempt: async (reference, attempt) => void (await get<Order>('order', reference).then((order) => order && put('order', reference, { ...order, attempts: [...(order.attempts ?? []), attempt] }))),
    async saveSession(record, finish) {
      await put('session', record.sessionId, record);
      await update('order', record.reference, { sessionId: record.sessionId, provider: record.provider });
      if (finish) await answer(finish.key, finish.owner, STORE_WRITES.answered(finish.response));
    },
    getSession: (sessionId) => get<SessionRecord>('session', sessionId),
    getSessionByReference: async (reference) => {
      const sessionId = (await get<Order>('order', reference))?.sessionId;
      return sessionId === undefined ? undefined : get<SessionRecord>('session', sessionId);
    },
    async claimIdempotencyKey({ order, ...input }) {
      const row = await get<IdempotencyKeyRow>('key', input.key);
      const claim = row ? decideClaim(row, input) : { outcome: 'take-over' as const, reference: input.reference };
      if (claim.outcome !== 'take-over') return claim;
      await put('key', input.key, row ? applyWrite(row, STORE_WRITES.takenOver(input.owner, input.leaseUntil)) : newKeyRow(input));
      if (order) await insertNew('order', claim.reference, { ...order, reference: claim.reference });
      return { outcome: 'claimed', reference: claim.reference };
    },
    finishIdempotencyKey: async (key, owner, response) => void (await answer(key, owner, STORE_WRITES.answered(response))),
    releaseIdempotencyKey: async (key, owner) => void (await answer(key, owner, STORE_WRITES.released())),
    enqueueJob: (job) => insertNew('job', job.id, newJob(job)),
    getJob: (id) => get<Job>('job', id),
    async leaseJobs(input) {
      const due = (await rows<Job>('job')).filter((job) => matchesRule(STORE_RULES.leasableJob, job, input)).sort(byRunAt).slice(0, input.limit);
      const leased = (job: Job) => applyWrite(job, { ...STORE_WRITES.leased(input.owner, input.leaseUntil), attempts: job.attempts + 1 });
      await Promise.all(due.map((job) => put('job', job.id, leased(job))));
      return due;
    },
    renewJobLease: (id, owner, leaseUntil) => held(id, owner, STORE_WRITES.renewed(leaseUntil)),
    completeJob: (id, owner, now) => held(id, owner, STORE_WRITES.completed(now)),
    retryJob: async (id, owner, runAt, error) => void (await held(id, owner, STORE_WRITES.retried(runAt, error))),
    ...deadJobsAndLimits(tables(kv), held),
    getProviderRecord: (namespace, key) => get('record', `${namespace}:${key}`),
    putProviderRecord: (namespace, key, value) => put('record', `${namespace}:${key}`, value),
    getProviderBreaker: (provider) => get<ProviderBreaker>('breaker', provider),
    putProviderBreaker: async (breaker, expectedVersion) => expectedVersion === 0 ? insertNew('breaker', breaker.provider, breaker) : (await update('breaker', breaker.provider, breaker, STORE_RULES.breakerAtVersion, { expectedVersion })) !== undefined,
    pruneExpired: async (input) => (await prune('key', STORE_RULES.prunedKey, input)) + (await prune('job', STORE_RULES.prunedJob, input)),
  });
}

/** Dead letters (listed, revived) and rate-limit windows, on the same rows and rules. */
function deadJobsAndLimits({ get, put, rows, update, prune }: ReturnType<typeof tables>, held: (id: string, owner: string, write: object) => Promise<boolean>) {
  return {
    buryJob: (id: string, owner: string, now: number, error: string) => held(id, owner, STORE_WRITES.buried(now, error)),
    listJobs: async (query = {}) => {
      const { includes, compare, limit } = jobListing(query);
      return (await rows<Job>('job')).filter(includes).sort(compare).slice(0, limit);
    },
    reviveJob: async (id: string, runAt: number) => (await update('job', id, STORE_WRITES.revived(runAt), STORE_RULES.revivableJob, {})) !== undefined,
    hitRateLimit: async (key: string, start: number, expiresAt: number) => {
      const count = ((await get<{ count: number }>('window', `${key}:${start}`))?.count ?? 0) + 1;
      return put('window', `${key}:${start}`, { count, expiresAt }).then(() => count);
    },
    pruneRateLimits: (now: number) => prune('window', { field: 'expiresAt', op: '<', to: { value: now } }, {}),
  } satisfies Partial<CheckoutStore>;
}

/** Rows as JSON values under `table:id`; `update` writes only when the row meets the rule. */
function tables(kv: KeyValue) {
  const get = async <T>(table: string, id: string) => ((await kv.getItem(`${table}:${id}`)) ?? undefined) as T | undefined;
  const put = (table: string, id: string, row: unknown) => kv.setItem(`${table}:${id}`, row);
  return {
    get,
    put,
    rows: async <T>(table: string) => Promise.all((await kv.getKeys(`${table}:`)).map((key) => kv.getItem(key) as Promise<T>)),
    async update<T extends object, I>(table: string, id: string, write: object, rule?: RuleCondition<T, I>, input?: I) {
      const row = await get<T>(table, id);
      if (!row || (rule && !matchesRule(rule, row, input as I))) return undefined;
      await put(table, id, applyWrite(row, write as Record<string, unknown>));
      return row;
    },
    insertNew: async (table: string, id: string, row: unknown) => !(await get(table, id)) && (await put(table, id, row), true),
    async prune<T, I>(table: string, rule: RuleCondition<T, I>, input: I) {
      let removed = 0;
      for (const key of await kv.getKeys(`${table}:`)) if (matchesRule(rule, (await kv.getItem(key)) as T, input)) await kv.removeItem(key).then(() => removed++);
      return removed;
    },
  };
}

const queues = new WeakMap<KeyValue, { tail: Promise<unknown> }>();

/** `calls` made atomic within this process: one queue per key-value store, shared by every store on it. */
function queued(kv: KeyValue, calls: Omit<CheckoutStore, 'migrate' | 'close'>): CheckoutStore {
  if (!queues.has(kv)) queues.set(kv, { tail: Promise.resolve() });
  const queue = queues.get(kv)!;
  const atomic = (call: (...args: unknown[]) => Promise<unknown>) => (...args: unknown[]) => {
    const run = queue.tail.then(() => call(...args));
    queue.tail = run.catch(() => {});
    return run;
  };
  const store = Object.fromEntries(Object.entries(calls).map(([name, call]) => [name, atomic(call as (...args: unknown[]) => Promise<unknown>)]));
  return { ...(store as typeof calls), migrate: async () => {}, close: async () => {} };
}

/** A Map behind unstorage's shape: values stored as JSON text, so every read is a copy. */
export function mapKeyValue(): KeyValue {
  const map = new Map<string, string>();
  return {
    getItem: async (key) => (map.has(key) ? (JSON.parse(map.get(key)!) as unknown) : null),
    setItem: async (key, value) => void map.set(key, JSON.stringify(value)),
    removeItem: async (key) => void map.delete(key),
    getKeys: async (prefix) => [...map.keys()].filter((key) => key.startsWith(prefix)),
  };
}
