/**
 * The store's tables as rows, and the mapping between them and the store's records: shared by the
 * Kysely stores (`sql.ts`) and the D1 store (`d1.ts`), which runs no query builder at runtime.
 */
import type { CustomerInput } from '../customer.js';
import { newJob, type IdempotencyKeyRow } from './rules.js';
import type { Job, JobInput, JobKind, Order, OrderAttempt, OrderLine, OrderStatus, ProviderBreaker, SessionRecord } from './types.js';

// Epoch-millisecond and amount columns are BIGINT: PostgreSQL's driver hands them back as strings.
export type BigIntColumn = number | string;

export interface OrdersTable {
  reference: string;
  provider: string;
  session_id: string | null;
  charge_id: string | null;
  status: string;
  amount: BigIntColumn;
  currency: string;
  lines: string;
  customer: string;
  payment_method: string | null;
  created_at: string;
  updated_at: string;
  paid_at: string | null;
  fulfilled_at: string | null;
  /** JSON array of `OrderAttempt`s (migration 0005); NULL when the first try served. */
  attempts: string | null;
}

export interface SessionsTable {
  session_id: string;
  provider: string;
  reference: string;
  shop_origin: string;
  return_page: string;
}

export interface IdempotencyTable {
  key: string;
  body_hash: string;
  reference: string;
  owner: string | null;
  lease_until: BigIntColumn;
  response_status: number | null;
  response_body: string | null;
  created_at: BigIntColumn;
}

export interface JobsTable {
  id: string;
  kind: string;
  payload: string;
  status: string;
  attempts: number;
  run_at: BigIntColumn;
  lease_owner: string | null;
  lease_until: BigIntColumn;
  last_error: string | null;
  created_at: BigIntColumn;
  done_at: BigIntColumn | null;
}

export interface RateLimitsTable {
  key: string;
  window_start: BigIntColumn;
  count: number;
  expires_at: BigIntColumn;
}

export interface ProviderBreakersTable {
  provider: string;
  state: string;
  failures: number;
  window_start: BigIntColumn;
  opened_until: BigIntColumn;
  probe_until: BigIntColumn;
  version: number;
}

export interface ProviderRecordsTable {
  namespace: string;
  key: string;
  value: string;
}

export interface StoreDatabase {
  checkout_provider_records: ProviderRecordsTable;
  checkout_orders: OrdersTable;
  checkout_sessions: SessionsTable;
  checkout_idempotency: IdempotencyTable;
  checkout_jobs: JobsTable;
  checkout_provider_breakers: ProviderBreakersTable;
  checkout_rate_limits: RateLimitsTable;
}


export function toOrder(row: OrdersTable): Order {
  return {
    reference: row.reference,
    provider: row.provider,
    ...(row.session_id !== null && { sessionId: row.session_id }),
    ...(row.charge_id !== null && { chargeId: row.charge_id }),
    status: row.status as OrderStatus,
    amount: Number(row.amount),
    currency: row.currency,
    lines: JSON.parse(row.lines) as OrderLine[],
    customer: JSON.parse(row.customer) as CustomerInput,
    ...(row.payment_method !== null && { paymentMethod: row.payment_method }),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    ...(row.paid_at !== null && { paidAt: row.paid_at }),
    ...(row.fulfilled_at !== null && { fulfilledAt: row.fulfilled_at }),
    ...(row.attempts !== null && { attempts: JSON.parse(row.attempts) as OrderAttempt[] }),
  };
}

export function toJob(row: JobsTable): Job {
  // `done_at` is when it finished: done, or (status `dead`) given up.
  const finished = row.done_at === null ? undefined : Number(row.done_at);
  return {
    id: row.id,
    kind: row.kind as JobKind,
    payload: JSON.parse(row.payload) as unknown,
    runAt: Number(row.run_at),
    status: row.status as Job['status'],
    attempts: row.attempts,
    ...(row.lease_owner !== null && { leaseOwner: row.lease_owner }),
    leaseUntil: Number(row.lease_until),
    ...(row.last_error !== null && { lastError: row.last_error }),
    createdAt: Number(row.created_at),
    ...(finished !== undefined && (row.status === 'dead' ? { deadAt: finished } : { doneAt: finished })),
  };
}

export function jobRow(input: JobInput): JobsTable {
  const job = newJob(input);
  return {
    id: job.id,
    kind: job.kind,
    payload: JSON.stringify(job.payload),
    status: job.status,
    attempts: job.attempts,
    run_at: job.runAt,
    lease_owner: null,
    lease_until: job.leaseUntil,
    last_error: null,
    created_at: job.createdAt,
    done_at: null,
  };
}


export function orderRow(order: Order): OrdersTable {
  return {
    reference: order.reference,
    provider: order.provider,
    session_id: order.sessionId ?? null,
    charge_id: order.chargeId ?? null,
    status: order.status,
    amount: order.amount,
    currency: order.currency,
    lines: JSON.stringify(order.lines),
    customer: JSON.stringify(order.customer),
    payment_method: order.paymentMethod ?? null,
    created_at: order.createdAt,
    updated_at: order.updatedAt,
    paid_at: order.paidAt ?? null,
    fulfilled_at: order.fulfilledAt ?? null,
    attempts: order.attempts?.length ? JSON.stringify(order.attempts) : null,
  };
}


export function toBreaker(row: ProviderBreakersTable): ProviderBreaker {
  return {
    provider: row.provider,
    state: row.state as ProviderBreaker['state'],
    failures: Number(row.failures),
    windowStart: Number(row.window_start),
    openedUntil: Number(row.opened_until),
    probeUntil: Number(row.probe_until),
    version: Number(row.version),
  };
}

export function breakerRow(breaker: ProviderBreaker): ProviderBreakersTable {
  return {
    provider: breaker.provider,
    state: breaker.state,
    failures: breaker.failures,
    window_start: breaker.windowStart,
    opened_until: breaker.openedUntil,
    probe_until: breaker.probeUntil,
    version: breaker.version,
  };
}


export function toKeyRow(row: IdempotencyTable): IdempotencyKeyRow {
  return {
    bodyHash: row.body_hash,
    reference: row.reference,
    owner: row.owner ?? undefined,
    leaseUntil: Number(row.lease_until),
    createdAt: Number(row.created_at),
    ...(row.response_status !== null && { response: { status: row.response_status, body: JSON.parse(row.response_body ?? 'null') as unknown } }),
  };
}


export function toSessionRecord(row: SessionsTable): SessionRecord {
  return {
    sessionId: row.session_id,
    provider: row.provider,
    reference: row.reference,
    shopOrigin: row.shop_origin,
    returnPage: row.return_page,
  };
}


