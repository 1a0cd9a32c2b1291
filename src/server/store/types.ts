import type { CustomerInput } from '../customer.js';

/** Where an order is (docs/protocol.md, "State rules"). `paid` and `mismatch` are final. */
export const ORDER_STATUSES = ['pending', 'paid', 'failed', 'cancelled', 'expired', 'mismatch'] as const;
/** Where an order is, one of `ORDER_STATUSES`. */
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** One line of an order, as priced from the catalog when it was made: later catalog changes leave it alone. */
export interface OrderLine {
  sku: string;
  name: string;
  quantity: number;
  /** Minor units, including VAT. */
  unitAmount: number;
}

/** One entry of the order ledger, as `handler.orders` returns it. */
export interface Order {
  /** `ord_…`: ours, sent to the provider as its order reference. */
  reference: string;
  provider: string;
  /** The provider's checkout session, once it was created. */
  sessionId?: string;
  /** The provider's charge, for an order charged without a checkout (a saved payment method). */
  chargeId?: string;
  status: OrderStatus;
  /** Minor units: what the server priced, never what a browser said. */
  amount: number;
  currency: string;
  lines: OrderLine[];
  customer: CustomerInput;
  /** A payment method the provider saved for later charges (a `recurring` checkout). */
  paymentMethod?: string;
  /** ISO 8601. */
  createdAt: string;
  updatedAt: string;
  paidAt?: string;
  /** When `onOrderPaid` returned for this order. */
  fulfilledAt?: string;
  /**
   * The creates that failed before `provider` served it (or before the checkout gave up), oldest
   * first (docs/protocol.md, "Methods, routing and failover"). Absent when the first try served.
   */
  attempts?: OrderAttempt[];
}

/** One failed create of an order at one provider: what failed, and whether the handler failed over. */
export interface OrderAttempt {
  provider: string;
  /** The method the create was for (`card`, `blik`, …). */
  method: string;
  /**
   * `failover`: the provider could not take it (network error before the request was sent, 5xx,
   * 429) and the next candidate was tried; `unknown`: the provider may have made a session (a
   * timeout, a cut answer), so nothing else was tried and a retry goes back to this provider;
   * `final`: refused for good (a 4xx about the request, a decline).
   */
  outcome: 'failover' | 'unknown' | 'final';
  /** What failed, for people (secrets redacted). */
  error: string;
  /** ISO 8601. */
  at: string;
}

/** What the handler remembers of a session it created, to route reads and returns. */
export interface SessionRecord {
  sessionId: string;
  provider: string;
  /** The order the session pays. */
  reference: string;
  /** The shop page's origin: the return bridge posts its message only to this origin. */
  shopOrigin: string;
  /** Absolute URL of the shop page a top-level return goes back to. */
  returnPage: string;
}

/** A stored answer to a create call, returned to every retry with the same `Idempotency-Key`. */
export interface StoredResponse {
  status: number;
  body: unknown;
}

/** What `claimIdempotencyKey` answers (rules.ts `decideClaim` decides it for a known key). */
export type IdempotencyClaim =
  /** This caller owns the key now: call the provider with this reference. */
  | { outcome: 'claimed'; reference: string }
  /** The key was used with another body. */
  | { outcome: 'conflict' }
  /** A create with this key finished: answer with its response. */
  | { outcome: 'done'; response: StoredResponse }
  /** Another caller is creating with this key; ask again later (or take over after `leaseUntil`). */
  | { outcome: 'busy'; leaseUntil: number };

/** What `claimIdempotencyKey` takes. */
export interface ClaimIdempotencyInput {
  key: string;
  bodyHash: string;
  /** Used only when the key is new; a known key keeps the reference it was first claimed with. */
  reference: string;
  /** Who claims: a random id per handler. */
  owner: string;
  /** Epoch ms: others may take the key over after this (the owner died). */
  leaseUntil: number;
  now: number;
}

/** The answer `saveSession` stores for a create's idempotency key, in the same transaction. */
export interface FinishIdempotencyInput {
  key: string;
  owner: string;
  response: StoredResponse;
}

/**
 * `webhook`: re-read what a stored event names and move the order (any handler); `on_webhook`:
 * the shop's `onWebhook` for it; `order_paid`: the shop's `onOrderPaid`. A handler leases only
 * the kinds it can run, so one without a hook leaves that hook's work to one that has it.
 */
export const JOB_KINDS = ['webhook', 'on_webhook', 'order_paid'] as const;
/** What a job does, one of `JOB_KINDS`. */
export type JobKind = (typeof JOB_KINDS)[number];

/** What `enqueueJob` takes (and a transition's job). */
export interface JobInput {
  /** Unique: `webhook:<provider>:<event id>`, `order_paid:<reference>`. Enqueuing a known id does nothing. */
  id: string;
  kind: JobKind;
  payload: unknown;
  /** Epoch ms. */
  runAt: number;
}

/**
 * Where a job is: `pending` (due, running or waiting for a retry), `done`, or `dead`: it failed too
 * often or for too long, and waits for an operator (`handler.jobs.retry`).
 */
export const JOB_STATUSES = ['pending', 'done', 'dead'] as const;
/** One of `JOB_STATUSES`. */
export type JobStatus = (typeof JOB_STATUSES)[number];

/** Durable work: a verified webhook to handle, an order to fulfil. Done once, retried while it fails, dead when it keeps failing. */
export interface Job extends JobInput {
  status: JobStatus;
  /** How many times it was leased. */
  attempts: number;
  leaseOwner?: string;
  /** Epoch ms; 0 when nobody holds it. */
  leaseUntil: number;
  lastError?: string;
  createdAt: number;
  doneAt?: number;
  /** Epoch ms: when it went `dead` (the SQL stores keep it in `done_at`). */
  deadAt?: number;
}

/** Which jobs `listJobs` answers: newest first (by `createdAt`, then `id`). */
export interface ListJobsQuery {
  status?: JobStatus;
  /** Default 50, at most 500. */
  limit?: number;
}

/** What `transitionOrder` takes: a compare-and-set of the order's status. */
export interface OrderTransition {
  reference: string;
  /** Moves only from one of these. */
  from: readonly OrderStatus[];
  to: OrderStatus;
  /** ISO 8601; also `paidAt` when `to` is `paid`. */
  at: string;
  paymentMethod?: string;
  /** Enqueued in the same transaction, only when the order moved. */
  job?: JobInput;
}

/** Where a page of `listOrders` ended: its last order's `createdAt` and `reference`. */
export interface OrderCursor {
  createdAt: string;
  reference: string;
}

/**
 * Which orders `listOrders` answers, in which order. Times are ISO 8601 as `toISOString()` writes
 * them (the stores compare them as text).
 */
export interface ListOrdersQuery {
  status?: OrderStatus;
  /** Only orders created at or after this time (inclusive). */
  createdFrom?: string;
  /** Only orders created before this time (exclusive). */
  createdBefore?: string;
  /**
   * Oldest first (`createdAt`, then `reference`, ascending). Default: newest first (both descending).
   */
  oldestFirst?: boolean;
  /**
   * The next page: only orders after this one in the listing's order (pass the last order of the
   * page before). Keyset paging: orders inserted, or gone from the listing (another status),
   * between two pages do not shift the others, so none of those is skipped or answered twice.
   */
  after?: OrderCursor;
  /** Default 50, at most 500. */
  limit?: number;
}

/** Setting up and closing a store's own resources. */
export interface StoreLifecycle {
  /** Creates tables or upgrades them; safe to call from many processes at once. Called by the handler. */
  migrate(): Promise<void>;
  /** Closes connections the store opened itself (not a pool it was given). */
  close(): Promise<void>;
}

/** The order ledger: orders and their compare-and-set status moves. */
export interface OrderStore {
  /** Inserts the order; does nothing when the reference exists (a retried create). */
  insertOrder(order: Order): Promise<void>;
  getOrder(reference: string): Promise<Order | undefined>;
  listOrders(query?: ListOrdersQuery): Promise<Order[]>;
  /** Compare-and-set of the status; returns the moved order, or undefined when it was not in `from`. */
  transitionOrder(transition: OrderTransition): Promise<Order | undefined>;
  /** Sets the provider's charge id on an order. */
  setOrderCharge(reference: string, chargeId: string, at: string): Promise<void>;
  /** Sets `fulfilledAt` once; later calls keep the first time. */
  markFulfilled(reference: string, at: string): Promise<void>;
  /** Appends a failed create attempt to the order's `attempts` (atomic: concurrent appends all stay). */
  addOrderAttempt(reference: string, attempt: OrderAttempt): Promise<void>;
}

/** The provider sessions the handler created, by session id and by their order. */
export interface SessionStore {
  /**
   * Saves the record and the session id on its order, sets the order's `provider` to the record's
   * (the provider that served it, after a failover), and (in the same transaction) stores the
   * create's answer for its idempotency key when `finish` is given.
   */
  saveSession(record: SessionRecord, finish?: FinishIdempotencyInput): Promise<void>;
  getSession(sessionId: string): Promise<SessionRecord | undefined>;
  getSessionByReference(reference: string): Promise<SessionRecord | undefined>;
}

/** `Idempotency-Key`s of creates: a leased claim, then the stored answer. */
export interface IdempotencyStore {
  /**
   * Atomic across processes: of concurrent claims of a new key exactly one is `claimed`. With
   * `order`, a claim also inserts that order (unless its reference exists) in the same transaction,
   * under the reference the claim returns.
   */
  claimIdempotencyKey(input: ClaimIdempotencyInput & { order?: Order }): Promise<IdempotencyClaim>;
  /** Stores the answer for the key (only its owner's call counts). */
  finishIdempotencyKey(key: string, owner: string, response: StoredResponse): Promise<void>;
  /** The owner's create failed in a way a retry may fix: the next claim takes over at once, same reference. */
  releaseIdempotencyKey(key: string, owner: string): Promise<void>;
}

/** Durable work with leases: enqueue, lease, renew, complete, retry. */
export interface JobQueue {
  /** Adds a job unless its id exists; true when added. */
  enqueueJob(job: JobInput): Promise<boolean>;
  getJob(id: string): Promise<Job | undefined>;
  /** Takes up to `limit` due, unleased pending jobs of these kinds for `owner` until `leaseUntil`; none is given to two owners. */
  leaseJobs(input: LeaseJobsInput): Promise<Job[]>;
  /** Extends the owner's lease; false when the owner lost it. */
  renewJobLease(id: string, owner: string, leaseUntil: number): Promise<boolean>;
  /** Marks the job done (only for its lease owner); false when the owner had lost it. */
  completeJob(id: string, owner: string, now: number): Promise<boolean>;
  /** Frees the job to run again at `runAt` (only for its lease owner). */
  retryJob(id: string, owner: string, runAt: number, error: string): Promise<void>;
  /**
   * Gives up on the job (only for its lease owner): `dead` with `error` as its `lastError` and
   * `deadAt: now`; no handler leases it again until `reviveJob`. False when the owner had lost it.
   */
  buryJob(id: string, owner: string, now: number, error: string): Promise<boolean>;
  /** Jobs of one status (or all), newest first. */
  listJobs(query?: ListJobsQuery): Promise<Job[]>;
  /**
   * A `dead` job back to `pending`, due at `runAt`, as if enqueued then: `attempts` 0, `createdAt`
   * `runAt` (its deadline starts again), `lastError` kept. False when it is not dead.
   */
  reviveJob(id: string, runAt: number): Promise<boolean>;
}

/** What `leaseJobs` takes. */
export interface LeaseJobsInput {
  owner: string;
  kinds: readonly JobKind[];
  now: number;
  leaseUntil: number;
  limit: number;
}

/** A provider adapter's own key-value records (e.g. Reepay: session → invoice). */
export interface ProviderRecordStore {
  /** A provider adapter's own record, by namespace and key. */
  getProviderRecord(namespace: string, key: string): Promise<unknown>;
  /** Stores or replaces a provider adapter's record (JSON-serialisable). */
  putProviderRecord(namespace: string, key: string, value: unknown): Promise<void>;
}

/**
 * A provider's circuit breaker as the store keeps it, shared by every handler on the store
 * (docs/protocol.md, "Methods, routing and failover"). The handler decides the moves
 * (src/server/breaker.ts); the store only keeps the row and compares `version` on each write.
 */
export interface ProviderBreaker {
  provider: string;
  state: 'closed' | 'open' | 'half-open';
  /** Failures that another provider could have fixed, counted since `windowStart`. */
  failures: number;
  /** Epoch ms: when the current failure window began. */
  windowStart: number;
  /** Epoch ms: `open` until then; after it, one request probes. */
  openedUntil: number;
  /** Epoch ms: `half-open`: the probe in flight holds the provider until then (another is let through after). */
  probeUntil: number;
  /** Bumped by every write: the compare-and-set's handle. 0: never written. */
  version: number;
}

/** The providers' circuit breakers: a row per provider, written by compare-and-set on its version. */
export interface BreakerStore {
  getProviderBreaker(provider: string): Promise<ProviderBreaker | undefined>;
  /**
   * Writes `breaker` (whose `version` is `expectedVersion + 1`) only when the stored row's version
   * is `expectedVersion` (0: only when there is no row yet); true when written. Of concurrent
   * writes from one version, exactly one wins.
   */
  putProviderBreaker(breaker: ProviderBreaker, expectedVersion: number): Promise<boolean>;
}

/**
 * Counters of the rate limits, per key and fixed window, shared by every handler on the store.
 * Its own part (and table), apart from the other parts.
 */
export interface RateLimitStore {
  /**
   * Counts one hit of `key` in the window that starts at `windowStart` (epoch ms) and answers the
   * window's count with it. Atomic across processes: of n concurrent hits each gets another of
   * 1…n. The window may be forgotten once `expiresAt` has passed.
   */
  hitRateLimit(key: string, windowStart: number, expiresAt: number): Promise<number>;
  /** Forgets the windows whose `expiresAt` is before `now`; answers how many went. The handler calls it with `pruneExpired`. */
  pruneRateLimits(now: number): Promise<number>;
}

/** What `pruneExpired` takes (epoch ms). */
export interface PruneInput {
  idempotencyBefore: number;
  jobsDoneBefore: number;
  now: number;
}

/** Forgetting what is no longer needed. */
export interface StorePruning {
  /**
   * Forgets idempotency keys created before `idempotencyBefore` (unless a create holds one now),
   * jobs done before `jobsDoneBefore`, and jobs created before it that no handler ever took (none on
   * the store runs their kind, e.g. no `onWebhook`); orders, session records and dead jobs are kept. Returns
   * how many rows went. The handler calls it every few minutes.
   */
  pruneExpired(input: PruneInput): Promise<number>;
}

/**
 * Everything the handler remembers (docs/protocol.md, "State rules"): the intersection of the
 * parts above (an interface extending them all). Every method is atomic on its own, and two handlers on one store behave as one.
 * Write your own by passing the exported conformance suite (`checkout-widget/server/store-conformance`).
 */
export interface CheckoutStore
  extends StoreLifecycle,
    OrderStore,
    SessionStore,
    IdempotencyStore,
    JobQueue,
    ProviderRecordStore,
    BreakerStore,
    StorePruning,
    RateLimitStore {}
