import { describe, expect, it } from 'vitest';
import { SESSION_STATUSES } from '../core/protocol.js';
import {
  chargeReport,
  isFinal,
  isSecondPayment,
  moveOn,
  newOrder,
  nextStatus,
  orderTransition,
  refusedTransition,
  type ProviderReport,
} from './order-machine.js';
import { ORDER_STATUSES, type Order, type OrderStatus } from './store/types.js';

const order = (status: OrderStatus, extra: Partial<Order> = {}): Order => ({
  reference: 'ord_1',
  provider: 'sandbox',
  status,
  amount: 24_900,
  currency: 'DKK',
  lines: [],
  customer: {},
  createdAt: '2026-11-30T12:00:00.000Z',
  updatedAt: '2026-11-30T12:00:00.000Z',
  ...extra,
});

/** The whole table: each order status × each provider report, with the money matching; `·` stays. */
const TABLE: Record<OrderStatus, Record<ProviderReport, OrderStatus | '·'>> = {
  //         open        complete          failed             cancelled               expired
  pending: { open: '·', complete: 'paid', failed: 'failed', cancelled: 'cancelled', expired: 'expired' },
  failed: { open: '·', complete: 'paid', failed: '·', cancelled: '·', expired: '·' },
  cancelled: { open: '·', complete: 'paid', failed: '·', cancelled: '·', expired: '·' },
  expired: { open: '·', complete: 'paid', failed: '·', cancelled: '·', expired: '·' },
  paid: { open: '·', complete: '·', failed: '·', cancelled: '·', expired: '·' },
  mismatch: { open: '·', complete: '·', failed: '·', cancelled: '·', expired: '·' },
};

describe('the order machine', () => {
  it('covers every order status and every provider report', () => {
    expect(Object.keys(TABLE).sort()).toEqual([...ORDER_STATUSES].sort());
    for (const row of Object.values(TABLE)) expect(Object.keys(row).sort()).toEqual([...SESSION_STATUSES].sort());
  });

  describe.each(ORDER_STATUSES)('an order %s', (status) => {
    it.each(SESSION_STATUSES)('on a report %s', (report) => {
      const expected = TABLE[status][report];
      expect(nextStatus(order(status), { status: report, amount: 24_900, currency: 'DKK' }) ?? '·').toBe(expected);
    });
  });

  it('keeps paid and mismatch final, and only those', () => {
    expect(ORDER_STATUSES.filter(isFinal)).toEqual(['paid', 'mismatch']);
  });

  it.each([
    ['another amount', { amount: 100 }, 'mismatch'],
    ['another currency', { currency: 'EUR' }, 'mismatch'],
    ['both', { amount: 100, currency: 'EUR' }, 'mismatch'],
    ['the currency in lower case', { currency: 'dkk' }, 'paid'],
    ['no amount or currency (the provider names none)', {}, 'paid'],
    ['the same amount and currency', { amount: 24_900, currency: 'DKK' }, 'paid'],
  ] as const)('turns a complete with %s into %s', (_what, money, expected) => {
    for (const status of ['pending', 'failed', 'cancelled', 'expired'] as const) {
      expect(nextStatus(order(status), { status: 'complete', ...money })).toBe(expected);
    }
  });

  it('checks the money only on complete', () => {
    expect(nextStatus(order('pending'), { status: 'failed', amount: 1, currency: 'EUR' })).toBe('failed');
  });

  it('compares-and-sets from every status the report moves the same way', () => {
    const late = ['pending', 'failed', 'cancelled', 'expired'];
    expect(moveOn(order('cancelled'), { status: 'complete' })).toEqual({ to: 'paid', from: late });
    expect(moveOn(order('pending'), { status: 'complete', amount: 1 })).toEqual({ to: 'mismatch', from: late });
    expect(moveOn(order('pending'), { status: 'expired' })).toEqual({ to: 'expired', from: ['pending'] });
    expect(moveOn(order('paid'), { status: 'complete' })).toBeUndefined();
    expect(moveOn(order('pending'), { status: 'open' })).toBeUndefined();
  });

  it('enqueues the order_paid job with a move to paid, and only then', () => {
    const paid = orderTransition('ord_1', { to: 'paid', from: ['pending'] }, { at: 'T', runAt: 7, paymentMethod: 'pm_1' });
    expect(paid).toEqual({
      reference: 'ord_1',
      from: ['pending'],
      to: 'paid',
      at: 'T',
      paymentMethod: 'pm_1',
      job: { id: 'order_paid:ord_1', kind: 'order_paid', payload: { reference: 'ord_1' }, runAt: 7 },
    });
    expect(orderTransition('ord_1', { to: 'mismatch', from: ['pending'] }, { at: 'T', runAt: 7 })).toEqual({
      reference: 'ord_1',
      from: ['pending'],
      to: 'mismatch',
      at: 'T',
    });
  });

  it('fails a new order its provider refused', () => {
    expect(refusedTransition('ord_1', 'T')).toEqual({ reference: 'ord_1', from: ['pending'], to: 'failed', at: 'T' });
  });

  it('reads a charge as a report', () => {
    expect(chargeReport({ id: 'ch', status: 'succeeded', amount: 5, currency: 'DKK' })).toEqual({ status: 'complete', amount: 5, currency: 'DKK' });
    expect(chargeReport({ id: 'ch', status: 'failed' })).toEqual({ status: 'failed' });
    expect(chargeReport({ id: 'ch', status: 'pending' })).toEqual({ status: 'open' });
  });

  it('tells a second payment: a final order reported complete through another session', () => {
    const paid = order('paid', { sessionId: 'cs_1' });
    expect(isSecondPayment(paid, { status: 'complete', sessionId: 'cs_2' })).toBe(true);
    expect(isSecondPayment(order('mismatch', { sessionId: 'cs_1' }), { status: 'complete', sessionId: 'cs_2' })).toBe(true);
    expect(isSecondPayment(paid, { status: 'complete', sessionId: 'cs_1' })).toBe(false);
    expect(isSecondPayment(paid, { status: 'complete' })).toBe(false);
    expect(isSecondPayment(order('cancelled', { sessionId: 'cs_1' }), { status: 'complete', sessionId: 'cs_2' })).toBe(false);
  });

  it('makes a new order pending, priced from the catalog, its lines without their VAT rate', () => {
    const priced = {
      amount: 24_900,
      currency: 'DKK',
      lines: [{ sku: 'beans', name: 'Coffee beans', quantity: 1, unitAmount: 24_900, vatRate: 0.25 }],
    };
    const made = newOrder({ provider: 'sandbox', priced, customer: undefined, createdAt: 'T' });
    expect(made).toEqual({
      reference: expect.stringMatching(/^ord_[0-9a-f]{20}$/),
      provider: 'sandbox',
      status: 'pending',
      amount: 24_900,
      currency: 'DKK',
      lines: [{ sku: 'beans', name: 'Coffee beans', quantity: 1, unitAmount: 24_900 }],
      customer: {},
      createdAt: 'T',
      updatedAt: 'T',
    });
    expect(newOrder({ reference: 'ord_x', provider: 'p', priced, customer: { email: 'a@b.c' }, paymentMethod: 'pm_1', createdAt: 'T' })).toMatchObject({
      reference: 'ord_x',
      customer: { email: 'a@b.c' },
      paymentMethod: 'pm_1',
    });
  });
});
