import type { SessionStatus } from '../core/protocol.js';
import type { PricedCart } from './catalog.js';
import type { CustomerInput, PricedLine, ProviderCharge } from './provider-api/types.js';
import { ORDER_STATUSES, type Job, type JobInput, type Order, type OrderLine, type OrderStatus, type OrderTransition } from './store/types.js';
import { randomHex } from './web-crypto.js';

/**
 * The order's life (docs/protocol.md, "State rules"), written once: how an order is made, where each thing its
 * provider says moves it, the amount check, and the `order_paid` job that fulfils it. Pure: the
 * ledger reads the provider and the order, asks this module, and writes the answer with the
 * store's compare-and-set.
 */

/** What a provider says of an order's payment: its session's status, or its charge's (see `chargeReport`). */
export type ProviderReport = SessionStatus;

/** A report with the money it names, where the provider names it. */
export interface ProviderReading {
  status: ProviderReport;
  amount?: number;
  currency?: string;
}

/**
 * Order status × provider report → next status; absent: the order stays (`open` never moves it).
 * A `complete` whose amount or currency differs from the order's lands on `mismatch` instead of
 * `paid` (`nextStatus`). `paid` and `mismatch` are final.
 */
export const TRANSITIONS: { readonly [S in OrderStatus]: Readonly<Partial<Record<ProviderReport, OrderStatus>>> } = {
  pending: { complete: 'paid', failed: 'failed', cancelled: 'cancelled', expired: 'expired' },
  // Money taken after a cancel or an expiry (a late 3-D Secure, a race) still counts.
  failed: { complete: 'paid' },
  cancelled: { complete: 'paid' },
  expired: { complete: 'paid' },
  paid: {},
  mismatch: {},
};

/** A status no report moves any more. */
export function isFinal(status: OrderStatus): boolean {
  return Object.keys(TRANSITIONS[status]).length === 0;
}

/** Where `report` moves `order`; undefined: it stays. */
export function nextStatus(order: Pick<Order, 'status' | 'amount' | 'currency'>, report: ProviderReading): OrderStatus | undefined {
  const next = TRANSITIONS[order.status][report.status];
  return next === 'paid' && !paysOrder(order, report) ? 'mismatch' : next;
}

/** The money reported is the order's; a provider that names no amount or currency is not contradicted. */
function paysOrder(order: Pick<Order, 'amount' | 'currency'>, report: ProviderReading): boolean {
  const amountDiffers = report.amount !== undefined && report.amount !== order.amount;
  const currencyDiffers = report.currency !== undefined && report.currency.toUpperCase() !== order.currency.toUpperCase();
  return !amountDiffers && !currencyDiffers;
}

/** A move as the store's compare-and-set takes it. */
export interface OrderMove {
  to: OrderStatus;
  /**
   * Every status the report moves the same way, not only the one read: an order that moved in
   * between (a cancel racing a payment) still takes the payment, and one that became final does not.
   */
  from: readonly OrderStatus[];
}

/** The move `report` makes of `order`; undefined: it stays. */
export function moveOn(order: Pick<Order, 'status' | 'amount' | 'currency'>, report: ProviderReading): OrderMove | undefined {
  const to = nextStatus(order, report);
  if (!to) return undefined;
  const next = TRANSITIONS[order.status][report.status];
  return { to, from: ORDER_STATUSES.filter((status) => TRANSITIONS[status][report.status] === next) };
}

/** The store write of a move; a move to `paid` enqueues its `order_paid` job in the same transaction. */
export function orderTransition(
  reference: string,
  move: OrderMove,
  { at, runAt, paymentMethod }: { at: string; runAt: number; paymentMethod?: string | undefined },
): OrderTransition {
  return {
    reference,
    from: move.from,
    to: move.to,
    at,
    ...(paymentMethod && { paymentMethod }),
    ...(move.to === 'paid' && { job: orderPaidJob(reference, runAt) }),
  };
}

/** The provider refused the create or the charge outright (a body it will never take): a `failed` report on a new order. */
export function refusedTransition(reference: string, at: string): OrderTransition {
  const move = moveOn({ status: 'pending', amount: 0, currency: '' }, { status: 'failed' })!;
  return orderTransition(reference, move, { at, runAt: 0 });
}

/** A provider's charge as a report: `succeeded` is `complete`; `pending` is still `open`. */
export function chargeReport(charge: ProviderCharge): ProviderReading {
  const status = charge.status === 'succeeded' ? 'complete' : charge.status === 'failed' ? 'failed' : 'open';
  return {
    status,
    ...(charge.amount !== undefined && { amount: charge.amount }),
    ...(charge.currency !== undefined && { currency: charge.currency }),
  };
}

/**
 * A final order that a provider reports paid through another session than the one it was paid by:
 * the shopper paid twice (two tabs, a retried redirect). Nothing moves; a person refunds one.
 */
export function isSecondPayment(order: Order, report: ProviderReading & { sessionId?: string | undefined }): boolean {
  return isFinal(order.status) && report.status === 'complete' && !!report.sessionId && !!order.sessionId && order.sessionId !== report.sessionId;
}

/** The job that fulfils a paid order: one per order, so `onOrderPaid` is called once. */
export function orderPaidJob(reference: string, runAt: number): JobInput {
  return { id: `order_paid:${reference}`, kind: 'order_paid', payload: { reference }, runAt };
}

/** The order an `order_paid` job fulfils. */
export function orderPaidReference(job: Job): string {
  return (job.payload as { reference: string }).reference;
}

/** Paid, and `onOrderPaid` has not returned for it yet. */
export function awaitsFulfilment(order: Order | undefined): order is Order {
  return order?.status === 'paid' && !order.fulfilledAt;
}

/** What a new order is made of: a checkout's or a saved payment method's charge. */
export interface NewOrder {
  /** Default: a new random `ord_…`. */
  reference?: string;
  provider: string;
  /** Priced from the server catalog, never from what a browser said. */
  priced: PricedCart;
  customer: CustomerInput | undefined;
  paymentMethod?: string;
  createdAt: string;
}

/** A `pending` order, as it is written before its provider is called (no payment without its order). */
export function newOrder({ reference, provider, priced, customer, paymentMethod, createdAt }: NewOrder): Order {
  return {
    reference: reference ?? `ord_${randomHex(10)}`,
    provider,
    status: 'pending',
    amount: priced.amount,
    currency: priced.currency,
    lines: orderLines(priced.lines),
    customer: customer ?? {},
    ...(paymentMethod && { paymentMethod }),
    createdAt,
    updatedAt: createdAt,
  };
}

function orderLines(lines: readonly PricedLine[]): OrderLine[] {
  return lines.map(({ sku, name, quantity, unitAmount }) => ({ sku, name, quantity, unitAmount }));
}
