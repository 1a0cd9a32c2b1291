/**
 * The behaviour every `CheckoutStore` must have, as a Vitest suite. The three stores run it, and a
 * shop that writes its own store runs it too:
 *
 * ```ts
 * import { describeStoreConformance } from 'checkout-widget/server/store-conformance';
 * describeStoreConformance('my store', async () => ({ store: myStore(), another: () => myStore() }));
 * ```
 */
import { afterEach, describe, expect, it } from 'vitest';
import { JOB_KINDS, type CheckoutStore, type JobInput, type ListOrdersQuery, type Order, type OrderAttempt, type OrderCursor, type ProviderBreaker } from './types.js';

const ALL_KINDS = JOB_KINDS;

/**
 * What `open` gives each conformance test: a fresh store, and ways to open it again. Give
 * `reopen`: the durability test fails without it unless the suite's name says `memory`; `another`
 * runs the concurrency cases on two stores, as two processes would.
 */
export interface ConformanceSubject {
  /** An empty store, migrated or not. */
  store: CheckoutStore;
  /** A second store on the same data, as another process would open it (shared stores only). */
  another?: () => CheckoutStore;
  /** Closes the store and opens it again on the same data (durable stores only). */
  reopen?: () => Promise<CheckoutStore>;
  /** Called after each test, after the stores were closed. */
  cleanup?: () => Promise<void>;
}

const AT = '2026-11-30T12:00:00.000Z';
const LATER = '2026-11-30T12:05:00.000Z';
const NOW = Date.UTC(2026, 10, 30, 12);

/** A valid pending order under `reference`, for a custom store's own tests; `overrides` replace any field. */
export function sampleOrder(reference: string, overrides: Partial<Order> = {}): Order {
  return {
    reference,
    provider: 'sandbox',
    status: 'pending',
    amount: 89_900,
    currency: 'DKK',
    lines: [{ sku: 'grinder', name: 'Hand grinder', quantity: 1, unitAmount: 89_900 }],
    customer: { email: 'ane@example.dk', handle: 'cust-1' },
    createdAt: AT,
    updatedAt: AT,
    ...overrides,
  };
}

function job(id: string, overrides: Partial<JobInput> = {}): JobInput {
  return { id, kind: 'webhook', payload: { provider: 'sandbox', n: id }, runAt: NOW, ...overrides };
}

/** Registers the Vitest suite every `CheckoutStore` must pass, under `name`; `open` is called once per test. */
export function describeStoreConformance(name: string, open: () => Promise<ConformanceSubject>): void {
  describe(`${name}: CheckoutStore conformance`, () => {
    const opened: CheckoutStore[] = [];
    const cleanups: (() => Promise<void>)[] = [];

    async function subject() {
      const found = await open();
      opened.push(found.store);
      if (found.cleanup) cleanups.push(found.cleanup);
      await found.store.migrate();
      const another = found.another
        ? () => {
            const store = found.another!();
            opened.push(store);
            return store;
          }
        : undefined;
      const reopen = found.reopen
        ? async () => {
            const store = await found.reopen!();
            opened.push(store);
            return store;
          }
        : undefined;
      return { store: found.store, another, reopen };
    }

    afterEach(async () => {
      await Promise.allSettled(opened.splice(0).map((store) => store.close()));
      for (const cleanup of cleanups.splice(0)) await cleanup();
    });

    describe('orders', () => {
      orderLedgerCases(subject);
      orderPagingCases(subject);
      orderMoveCases(subject);
    });
    describe('session records', () => sessionCases(subject));
    describe('idempotency keys', () => {
      keyClaimCases(subject);
      keyOrderCases(subject);
      keyTakeOverCases(subject);
    });
    describe('jobs (webhook inbox and hooks)', () => {
      jobLeaseCases(subject);
      jobOwnerCases(subject);
      jobLeaseEndCases(subject);
      deadJobCases(subject);
    });
    describe('rate limits', () => rateLimitCases(subject));
    recordAndPruneCases(subject);
    describe('provider breakers and failed attempts (failover)', () => breakerCases(subject));
    cutOffAndDurabilityCases(subject, name);
  });
}

/** A fresh, migrated store of the suite's subject, with its ways to open it again. */
type Subject = () => Promise<{ store: CheckoutStore; another: (() => CheckoutStore) | undefined; reopen: (() => Promise<CheckoutStore>) | undefined }>;

/** The idempotency cases' claim: key-1 with body h1 for owner one, leased 30 s from NOW. */
const claim = { key: 'key-1', bodyHash: 'h1', owner: 'one', leaseUntil: NOW + 30_000, now: NOW };

/** An order is kept as inserted, once; listings by status, limit and window. */
function orderLedgerCases(subject: Subject): void {
  it('keeps every field of an order and answers undefined for an unknown reference', async () => {
    const { store } = await subject();
    const order = sampleOrder('ord_a', { customer: { email: 'å@example.dk', first_name: 'Åse' } });
    await store.insertOrder(order);
    expect(await store.getOrder('ord_a')).toEqual(order);
    expect(await store.getOrder('ord_missing')).toBeUndefined();
  });

  it('does not overwrite an order when its reference is inserted again (a retried create)', async () => {
    const { store } = await subject();
    await store.insertOrder(sampleOrder('ord_a'));
    await store.insertOrder(sampleOrder('ord_a', { amount: 1, lines: [] }));
    expect((await store.getOrder('ord_a'))?.amount).toBe(89_900);
  });

  it('lists newest first, by status, with a limit', async () => {
    const { store } = await subject();
    for (let i = 0; i < 5; i++) {
      await store.insertOrder(sampleOrder(`ord_${i}`, { createdAt: `2026-11-30T12:0${i}:00.000Z` }));
    }
    await store.transitionOrder({ reference: 'ord_1', from: ['pending'], to: 'paid', at: LATER });
    expect((await store.listOrders()).map((order) => order.reference)).toEqual(['ord_4', 'ord_3', 'ord_2', 'ord_1', 'ord_0']);
    expect((await store.listOrders({ limit: 2 })).map((order) => order.reference)).toEqual(['ord_4', 'ord_3']);
    expect((await store.listOrders({ status: 'paid' })).map((order) => order.reference)).toEqual(['ord_1']);
    expect(await store.listOrders({ status: 'mismatch' })).toEqual([]);
  });

  it('lists within a createdAt window (from inclusive, before exclusive), oldest first when asked', async () => {
    const { store } = await subject();
    for (let i = 0; i < 5; i++) {
      await store.insertOrder(sampleOrder(`ord_${i}`, { createdAt: `2026-11-30T12:0${i}:00.000Z` }));
    }
    await store.transitionOrder({ reference: 'ord_2', from: ['pending'], to: 'paid', at: LATER });
    const window = { createdFrom: '2026-11-30T12:01:00.000Z', createdBefore: '2026-11-30T12:04:00.000Z' };
    const references = async (query: ListOrdersQuery) => (await store.listOrders(query)).map((order) => order.reference);
    expect(await references({ ...window, oldestFirst: true })).toEqual(['ord_1', 'ord_2', 'ord_3']);
    expect(await references(window)).toEqual(['ord_3', 'ord_2', 'ord_1']);
    expect(await references({ ...window, status: 'pending', oldestFirst: true })).toEqual(['ord_1', 'ord_3']);
    expect(await references({ createdFrom: '2026-11-30T12:03:00.000Z', oldestFirst: true })).toEqual(['ord_3', 'ord_4']);
    expect(await references({ createdBefore: '2026-11-30T12:01:00.000Z' })).toEqual(['ord_0']);
    expect(await references({ oldestFirst: true, limit: 2 })).toEqual(['ord_0', 'ord_1']);
    expect(await references({ createdFrom: '2026-11-30T12:02:00.000Z', createdBefore: '2026-11-30T12:02:00.000Z' })).toEqual([]);
  });
}

/** Keyset paging of `listOrders`, both ways, while orders move and arrive. */
function orderPagingCases(subject: Subject): void {
  it('pages by a cursor both ways, ties on createdAt in reference order, no order twice or left out', async () => {
    const { store } = await subject();
    const at = (minute: number) => `2026-11-30T12:0${minute}:00.000Z`;
    // Inserted out of order; three share 12:01 and two share 12:03.
    const rows: [string, number][] = [['ord_e', 3], ['ord_b', 1], ['ord_g', 5], ['ord_c', 1], ['ord_a', 0], ['ord_f', 3], ['ord_d', 1]];
    for (const [reference, minute] of rows) await store.insertOrder(sampleOrder(reference, { createdAt: at(minute) }));
    const oldestFirst = ['ord_a', 'ord_b', 'ord_c', 'ord_d', 'ord_e', 'ord_f', 'ord_g'];
    for (const query of [{ oldestFirst: true }, {}] as ListOrdersQuery[]) {
      for (const limit of [1, 2, 3]) {
        const seen: string[] = [];
        let after: OrderCursor | undefined;
        for (let page = 0; page < 10; page++) {
          const orders = await store.listOrders({ ...query, limit, ...(after && { after }) });
          seen.push(...orders.map((order) => order.reference));
          if (orders.length < limit) break;
          after = orders.at(-1)!;
        }
        expect(seen).toEqual(query.oldestFirst ? oldestFirst : [...oldestFirst].reverse());
      }
    }
    // A cursor in the middle of a tie: the rest of the tie, then on.
    expect(
      (await store.listOrders({ oldestFirst: true, after: { createdAt: at(1), reference: 'ord_b' }, limit: 3 })).map((order) => order.reference),
    ).toEqual(['ord_c', 'ord_d', 'ord_e']);
    expect((await store.listOrders({ after: { createdAt: at(3), reference: 'ord_f' }, limit: 2 })).map((order) => order.reference)).toEqual([
      'ord_e',
      'ord_d',
    ]);
  });

  it('continues a paged listing of one status and window where it was, while orders move and arrive', async () => {
    const { store } = await subject();
    for (let i = 0; i < 6; i++) await store.insertOrder(sampleOrder(`ord_${i}`, { createdAt: `2026-11-30T12:0${i}:00.000Z` }));
    const query: ListOrdersQuery = { status: 'pending', createdFrom: '2026-11-30T12:01:00.000Z', createdBefore: '2026-11-30T12:05:00.000Z', oldestFirst: true, limit: 2 };
    const first = await store.listOrders(query);
    expect(first.map((order) => order.reference)).toEqual(['ord_1', 'ord_2']);
    // Between the pages: an order of the first page is paid, one of the next is too, and a late insert lands behind the cursor.
    await store.transitionOrder({ reference: 'ord_1', from: ['pending'], to: 'paid', at: LATER });
    await store.transitionOrder({ reference: 'ord_3', from: ['pending'], to: 'paid', at: LATER });
    await store.insertOrder(sampleOrder('ord_1b', { createdAt: '2026-11-30T12:01:30.000Z' }));
    const second = await store.listOrders({ ...query, after: first.at(-1)! });
    expect(second.map((order) => order.reference)).toEqual(['ord_4']);
  });
}

/** Status moves by compare-and-set (STORE_RULES.movableOrder), with their job; charge and fulfilment. */
function orderMoveCases(subject: Subject): void {
  it('moves a status only from the allowed ones, sets paidAt, and enqueues the job with the move', async () => {
    const { store } = await subject();
    await store.insertOrder(sampleOrder('ord_a'));
    const paid = await store.transitionOrder({
      reference: 'ord_a',
      from: ['pending'],
      to: 'paid',
      at: LATER,
      paymentMethod: 'pm_1',
      job: job('order_paid:ord_a', { kind: 'order_paid', payload: { reference: 'ord_a' } }),
    });
    expect(paid).toMatchObject({ status: 'paid', paidAt: LATER, updatedAt: LATER, paymentMethod: 'pm_1' });
    expect(await store.getJob('order_paid:ord_a')).toMatchObject({ kind: 'order_paid', status: 'pending', payload: { reference: 'ord_a' } });

    const again = await store.transitionOrder({
      reference: 'ord_a',
      from: ['pending'],
      to: 'failed',
      at: LATER,
      job: job('should-not-exist'),
    });
    expect(again).toBeUndefined();
    expect(await store.getJob('should-not-exist')).toBeUndefined();
    expect((await store.getOrder('ord_a'))?.status).toBe('paid');
    expect(await store.transitionOrder({ reference: 'ord_missing', from: ['pending'], to: 'paid', at: LATER })).toBeUndefined();
  });

  it('lets exactly one of many concurrent moves win', async () => {
    const { store, another } = await subject();
    await store.insertOrder(sampleOrder('ord_a'));
    const stores = another ? [store, another()] : [store];
    const moves = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        stores[i % stores.length]!.transitionOrder({
          reference: 'ord_a',
          from: ['pending'],
          to: 'paid',
          at: LATER,
          job: job('order_paid:ord_a', { kind: 'order_paid' }),
        }),
      ),
    );
    expect(moves.filter(Boolean)).toHaveLength(1);
  });

  it('records the charge and the first fulfilment time only', async () => {
    const { store } = await subject();
    await store.insertOrder(sampleOrder('ord_a'));
    await store.setOrderCharge('ord_a', 'ch_1', LATER);
    await store.markFulfilled('ord_a', LATER);
    await store.markFulfilled('ord_a', '2030-01-01T00:00:00.000Z');
    expect(await store.getOrder('ord_a')).toMatchObject({ chargeId: 'ch_1', fulfilledAt: LATER });
  });
}

/** Session records, by id and by order. */
function sessionCases(subject: Subject): void {
  it('finds a session by id and by its order reference, and sets it on the order', async () => {
    const { store } = await subject();
    await store.insertOrder(sampleOrder('ord_a'));
    const record = {
      sessionId: 'sbx_1',
      provider: 'sandbox',
      reference: 'ord_a',
      shopOrigin: 'https://shop.example',
      returnPage: 'https://shop.example/checkout?x=1',
    };
    await store.saveSession(record);
    expect(await store.getSession('sbx_1')).toEqual(record);
    expect(await store.getSessionByReference('ord_a')).toEqual(record);
    expect((await store.getOrder('ord_a'))?.sessionId).toBe('sbx_1');
    expect(await store.getSession('sbx_2')).toBeUndefined();
    expect(await store.getSessionByReference('ord_b')).toBeUndefined();
  });

  it('sets the order\'s provider to the one whose session served it (a failover)', async () => {
    const { store } = await subject();
    await store.insertOrder(sampleOrder('ord_a', { provider: 'first' }));
    await store.saveSession({ sessionId: 'sbx_9', provider: 'second', reference: 'ord_a', shopOrigin: 'https://shop.example', returnPage: 'https://shop.example/' });
    expect(await store.getOrder('ord_a')).toMatchObject({ provider: 'second', sessionId: 'sbx_9' });
  });
}

/** A breaker row of `provider` as its first write leaves it (version 1); `overrides` replace any field. */
export function sampleBreaker(provider: string, overrides: Partial<ProviderBreaker> = {}): ProviderBreaker {
  return { provider, state: 'closed', failures: 1, windowStart: NOW, openedUntil: 0, probeUntil: 0, version: 1, ...overrides };
}

/** `putProviderBreaker`'s compare-and-set (STORE_RULES.breakerAtVersion); `addOrderAttempt`'s appends. */
function breakerCases(subject: Subject): void {
  it('writes a provider breaker by compare-and-set on its version, and keeps every field', async () => {
    const { store, another } = await subject();
    expect(await store.getProviderBreaker('sandbox')).toBeUndefined();
    expect(await store.putProviderBreaker(sampleBreaker('sandbox'), 1)).toBe(false);
    expect(await store.putProviderBreaker(sampleBreaker('sandbox'), 0)).toBe(true);
    expect(await store.putProviderBreaker(sampleBreaker('sandbox', { failures: 7 }), 0)).toBe(false);
    const open = sampleBreaker('sandbox', { state: 'open', failures: 5, openedUntil: NOW + 30_000, probeUntil: NOW + 1, version: 2 });
    expect(await store.putProviderBreaker(open, 1)).toBe(true);
    expect(await store.putProviderBreaker(sampleBreaker('sandbox', { version: 2 }), 1)).toBe(false);
    expect(await store.getProviderBreaker('sandbox')).toEqual(open);
    expect(await store.getProviderBreaker('stripe')).toBeUndefined();
    // Another handler on the store sees it.
    if (another) expect(await another().getProviderBreaker('sandbox')).toEqual(open);
  });

  it('lets exactly one of many concurrent writes from one version win', async () => {
    const { store, another } = await subject();
    await store.putProviderBreaker(sampleBreaker('sandbox'), 0);
    const second = another?.() ?? store;
    const writes = Array.from({ length: 6 }, (_, index) =>
      (index % 2 ? second : store).putProviderBreaker(sampleBreaker('sandbox', { failures: 10 + index, version: 2 }), 1),
    );
    expect((await Promise.all(writes)).filter(Boolean)).toHaveLength(1);
    const firsts = Array.from({ length: 4 }, (_, index) => (index % 2 ? second : store).putProviderBreaker(sampleBreaker('other', { failures: index }), 0));
    expect((await Promise.all(firsts)).filter(Boolean)).toHaveLength(1);
  });

  it('appends failed create attempts to an order, keeping concurrent ones and the order of each caller\'s', async () => {
    const { store } = await subject();
    await store.insertOrder(sampleOrder('ord_a'));
    expect((await store.getOrder('ord_a'))?.attempts).toBeUndefined();
    const attempt = (provider: string, outcome: OrderAttempt['outcome']) => ({ provider, method: 'card', outcome, error: `${provider} failed: HTTP 503 «ø»`, at: AT });
    await store.addOrderAttempt('ord_a', attempt('one', 'failover'));
    await store.addOrderAttempt('ord_a', attempt('two', 'unknown'));
    expect((await store.getOrder('ord_a'))?.attempts).toEqual([attempt('one', 'failover'), attempt('two', 'unknown')]);
    await Promise.all(['a', 'b', 'c', 'd'].map((name) => store.addOrderAttempt('ord_a', attempt(name, 'final'))));
    expect((await store.getOrder('ord_a'))?.attempts?.map((found) => found.provider).sort()).toEqual(['a', 'b', 'c', 'd', 'one', 'two']);
    await store.addOrderAttempt('ord_missing', attempt('one', 'failover'));
    expect(await store.getOrder('ord_missing')).toBeUndefined();
  });
}

/** A new key, a busy one, an answered one; a released or expired one taken over. */
function keyClaimCases(subject: Subject): void {
  it('gives a new key to its first caller, keeps others waiting, and answers the stored response', async () => {
    const { store } = await subject();
    expect(await store.claimIdempotencyKey({ ...claim, reference: 'ord_1' })).toEqual({ outcome: 'claimed', reference: 'ord_1' });
    expect(await store.claimIdempotencyKey({ ...claim, reference: 'ord_2', owner: 'two' })).toEqual({
      outcome: 'busy',
      leaseUntil: NOW + 30_000,
    });
    expect(await store.claimIdempotencyKey({ ...claim, bodyHash: 'h2', reference: 'ord_3', owner: 'two' })).toEqual({
      outcome: 'conflict',
    });
    // Only the owner's answer counts.
    await store.finishIdempotencyKey('key-1', 'two', { status: 500, body: 'not mine' });
    await store.finishIdempotencyKey('key-1', 'one', { status: 201, body: { id: 'sbx_1', amount: 5 } });
    expect(await store.claimIdempotencyKey({ ...claim, reference: 'ord_4', owner: 'three' })).toEqual({
      outcome: 'done',
      response: { status: 201, body: { id: 'sbx_1', amount: 5 } },
    });
  });

  it('hands a released or expired key to the next caller with the first reference', async () => {
    const { store } = await subject();
    await store.claimIdempotencyKey({ ...claim, reference: 'ord_1' });
    await store.releaseIdempotencyKey('key-1', 'one');
    expect(await store.claimIdempotencyKey({ ...claim, reference: 'ord_2', owner: 'two' })).toEqual({
      outcome: 'claimed',
      reference: 'ord_1',
    });
    // Owner "two" dies; after its lease a third caller takes over, still with ord_1.
    expect(await store.claimIdempotencyKey({ ...claim, reference: 'ord_3', owner: 'three', now: NOW + 29_000 })).toMatchObject({
      outcome: 'busy',
    });
    expect(
      await store.claimIdempotencyKey({ ...claim, reference: 'ord_3', owner: 'three', now: NOW + 30_000, leaseUntil: NOW + 60_000 }),
    ).toEqual({ outcome: 'claimed', reference: 'ord_1' });
    // The old owner can no longer finish it.
    await store.finishIdempotencyKey('key-1', 'two', { status: 201, body: 'late' });
    await store.finishIdempotencyKey('key-1', 'three', { status: 201, body: 'mine' });
    expect(await store.claimIdempotencyKey({ ...claim, reference: 'x', owner: 'four' })).toMatchObject({
      response: { body: 'mine' },
    });
  });
}

/** The order written with the winning claim; the body checked before the lease. */
function keyOrderCases(subject: Subject): void {
  it('writes the order with the claim that wins, under the claim\'s reference, and the answer with the session', async () => {
    const { store } = await subject();
    const claimed = await store.claimIdempotencyKey({ ...claim, reference: 'ord_1', order: sampleOrder('ord_1') });
    expect(claimed).toEqual({ outcome: 'claimed', reference: 'ord_1' });
    expect((await store.getOrder('ord_1'))?.status).toBe('pending');
    // A waiting caller's order is not written.
    await store.claimIdempotencyKey({ ...claim, reference: 'ord_2', owner: 'two', order: sampleOrder('ord_2') });
    expect(await store.getOrder('ord_2')).toBeUndefined();
    // A take-over keeps the first reference and does not write its own.
    await store.releaseIdempotencyKey('key-1', 'one');
    expect(await store.claimIdempotencyKey({ ...claim, reference: 'ord_3', owner: 'three', order: sampleOrder('ord_3') })).toEqual({
      outcome: 'claimed',
      reference: 'ord_1',
    });
    expect(await store.getOrder('ord_3')).toBeUndefined();
    await store.saveSession(
      { sessionId: 's1', provider: 'sandbox', reference: 'ord_1', shopOrigin: 'https://a.example', returnPage: 'https://a.example/' },
      { key: 'key-1', owner: 'three', response: { status: 201, body: { id: 's1' } } },
    );
    expect((await store.getOrder('ord_1'))?.sessionId).toBe('s1');
    expect(await store.claimIdempotencyKey({ ...claim, reference: 'x', owner: 'four' })).toEqual({
      outcome: 'done',
      response: { status: 201, body: { id: 's1' } },
    });
    // Only the owner's answer counts, with the session or without.
    await store.saveSession(
      { sessionId: 's2', provider: 'sandbox', reference: 'ord_1', shopOrigin: 'https://a.example', returnPage: 'https://a.example/' },
      { key: 'key-1', owner: 'one', response: { status: 500, body: 'late' } },
    );
    expect(await store.claimIdempotencyKey({ ...claim, reference: 'x', owner: 'four' })).toMatchObject({ response: { status: 201 } });
  });

  it('checks the body before the lease, and keeps an answered key answered (decideClaim, STORE_RULES.keyHeldBy)', async () => {
    const { store } = await subject();
    await store.claimIdempotencyKey({ ...claim, reference: 'ord_1' });
    // Expired, but another body: a conflict, not a take-over.
    expect(await store.claimIdempotencyKey({ ...claim, bodyHash: 'h2', reference: 'ord_2', owner: 'two', now: NOW + 30_000 })).toEqual({
      outcome: 'conflict',
    });
    // Only the owner releases it.
    await store.releaseIdempotencyKey('key-1', 'two');
    expect(await store.claimIdempotencyKey({ ...claim, reference: 'ord_2', owner: 'two' })).toMatchObject({ outcome: 'busy' });
    await store.finishIdempotencyKey('key-1', 'one', { status: 201, body: 'first' });
    // The first answer stays: a second one, a release, or the lease running out change nothing.
    await store.finishIdempotencyKey('key-1', 'one', { status: 500, body: 'second' });
    await store.releaseIdempotencyKey('key-1', 'one');
    expect(await store.claimIdempotencyKey({ ...claim, reference: 'ord_3', owner: 'three', now: NOW + 999_999 })).toEqual({
      outcome: 'done',
      response: { status: 201, body: 'first' },
    });
  });
}

/** A take-over from a dead owner; concurrent claims. */
function keyTakeOverCases(subject: Subject): void {
  it('writes the order under the first reference when a caller takes over a key whose owner died before writing it', async () => {
    const { store } = await subject();
    await store.claimIdempotencyKey({ ...claim, reference: 'ord_1' });
    expect(
      await store.claimIdempotencyKey({ ...claim, reference: 'ord_2', owner: 'two', now: NOW + 30_000, leaseUntil: NOW + 60_000, order: sampleOrder('ord_2') }),
    ).toEqual({ outcome: 'claimed', reference: 'ord_1' });
    expect(await store.getOrder('ord_1')).toMatchObject({ reference: 'ord_1', status: 'pending', amount: 89_900 });
    expect(await store.getOrder('ord_2')).toBeUndefined();
    // The dead owner can neither answer nor release it now.
    await store.releaseIdempotencyKey('key-1', 'one');
    expect(await store.claimIdempotencyKey({ ...claim, reference: 'ord_3', owner: 'three', now: NOW + 40_000 })).toEqual({
      outcome: 'busy',
      leaseUntil: NOW + 60_000,
    });
  });

  it('gives a key to exactly one of many concurrent callers', async () => {
    const { store, another } = await subject();
    const stores = another ? [store, another()] : [store];
    const claims = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        stores[i % stores.length]!.claimIdempotencyKey({ ...claim, reference: `ord_${i}`, owner: `owner-${i}` }),
      ),
    );
    expect(claims.filter((result) => result.outcome === 'claimed')).toHaveLength(1);
    expect(claims.filter((result) => result.outcome === 'busy')).toHaveLength(29);
  });
}

/** Enqueue once; lease due jobs of the kinds asked for, each to one owner (STORE_RULES.leasableJob). */
function jobLeaseCases(subject: Subject): void {
  it('adds a job once: the same id again is a duplicate', async () => {
    const { store } = await subject();
    expect(await store.enqueueJob(job('webhook:sandbox:evt_1'))).toBe(true);
    expect(await store.enqueueJob(job('webhook:sandbox:evt_1', { payload: 'other' }))).toBe(false);
    expect(await store.getJob('webhook:sandbox:evt_1')).toMatchObject({
      status: 'pending',
      attempts: 0,
      payload: { provider: 'sandbox', n: 'webhook:sandbox:evt_1' },
    });
  });

  it('leases only due jobs, each to one owner, oldest first', async () => {
    const { store } = await subject();
    await store.enqueueJob(job('b', { runAt: NOW - 1000 }));
    await store.enqueueJob(job('a', { runAt: NOW - 2000 }));
    await store.enqueueJob(job('future', { runAt: NOW + 60_000 }));
    const leased = await store.leaseJobs({ kinds: ALL_KINDS, owner: 'one', now: NOW, leaseUntil: NOW + 20_000, limit: 10 });
    expect(leased.map((item) => item.id)).toEqual(['a', 'b']);
    expect(leased[0]).toMatchObject({ leaseOwner: 'one', leaseUntil: NOW + 20_000, attempts: 1 });
    expect(await store.leaseJobs({ kinds: ALL_KINDS, owner: 'two', now: NOW + 1000, leaseUntil: NOW + 21_000, limit: 10 })).toEqual([]);
    expect((await store.leaseJobs({ kinds: ALL_KINDS, owner: 'two', now: NOW + 60_000, leaseUntil: NOW + 80_000, limit: 1 })).map((item) => item.id)).toEqual(['a']);
  });

  it('leases only the kinds asked for', async () => {
    const { store } = await subject();
    await store.enqueueJob(job('w', { kind: 'webhook' }));
    await store.enqueueJob(job('p', { kind: 'order_paid' }));
    await store.enqueueJob(job('h', { kind: 'on_webhook' }));
    expect(await store.leaseJobs({ kinds: [], owner: 'one', now: NOW, leaseUntil: NOW + 1000, limit: 10 })).toEqual([]);
    const leased = await store.leaseJobs({ kinds: ['webhook', 'on_webhook'], owner: 'one', now: NOW, leaseUntil: NOW + 1000, limit: 10 });
    expect(leased.map((item) => item.id).sort()).toEqual(['h', 'w']);
    expect((await store.leaseJobs({ kinds: ALL_KINDS, owner: 'two', now: NOW, leaseUntil: NOW + 1000, limit: 10 })).map((item) => item.id)).toEqual(['p']);
  });

  it('never leases one job to two concurrent owners', async () => {
    const { store, another } = await subject();
    for (let i = 0; i < 40; i++) await store.enqueueJob(job(`job-${i}`));
    const stores = another ? [store, another(), another()] : [store];
    const leases = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        stores[i % stores.length]!.leaseJobs({ kinds: ALL_KINDS, owner: `owner-${i}`, now: NOW, leaseUntil: NOW + 20_000, limit: 10 }),
      ),
    );
    const ids = leases.flat().map((item) => item.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeLessThanOrEqual(40);
    const rest = await store.leaseJobs({ kinds: ALL_KINDS, owner: 'late', now: NOW, leaseUntil: NOW + 20_000, limit: 100 });
    expect(ids.length + rest.length).toBe(40);
  });
}

/** Renew, complete and retry by the lease owner only (STORE_RULES.jobHeldBy); a dead owner's job taken over. */
function jobOwnerCases(subject: Subject): void {
  it('completes for the lease owner only, and retries later with the error kept', async () => {
    const { store } = await subject();
    await store.enqueueJob(job('j'));
    await store.leaseJobs({ kinds: ALL_KINDS, owner: 'one', now: NOW, leaseUntil: NOW + 20_000, limit: 1 });
    expect(await store.renewJobLease('j', 'two', NOW + 40_000)).toBe(false);
    expect(await store.renewJobLease('j', 'one', NOW + 40_000)).toBe(true);
    await store.retryJob('j', 'one', NOW + 5000, 'hook threw: boom');
    expect(await store.getJob('j')).toMatchObject({ status: 'pending', runAt: NOW + 5000, leaseUntil: 0, lastError: 'hook threw: boom' });
    expect(await store.leaseJobs({ kinds: ALL_KINDS, owner: 'two', now: NOW + 4999, leaseUntil: NOW + 30_000, limit: 1 })).toEqual([]);
    expect(await store.leaseJobs({ kinds: ALL_KINDS, owner: 'two', now: NOW + 5000, leaseUntil: NOW + 30_000, limit: 1 })).toHaveLength(1);
    expect(await store.completeJob('j', 'one', NOW + 6000)).toBe(false);
    expect(await store.completeJob('j', 'two', NOW + 6000)).toBe(true);
    expect(await store.getJob('j')).toMatchObject({ status: 'done', doneAt: NOW + 6000, attempts: 2 });
    expect(await store.leaseJobs({ kinds: ALL_KINDS, owner: 'three', now: NOW + 999_999, leaseUntil: NOW + 9_999_999, limit: 1 })).toEqual([]);
    // A done job's id still dedupes.
    expect(await store.enqueueJob(job('j'))).toBe(false);
  });

  it('refuses renew, complete and retry from anyone but the lease owner of a pending job (STORE_RULES.jobHeldBy)', async () => {
    const { store } = await subject();
    await store.enqueueJob(job('j'));
    // Not leased yet: nobody holds it.
    expect(await store.renewJobLease('j', 'one', NOW + 1000)).toBe(false);
    expect(await store.completeJob('j', 'one', NOW)).toBe(false);
    await store.leaseJobs({ kinds: ALL_KINDS, owner: 'one', now: NOW, leaseUntil: NOW + 20_000, limit: 1 });
    await store.retryJob('j', 'two', NOW + 5000, 'not mine');
    expect(await store.getJob('j')).toMatchObject({ status: 'pending', runAt: NOW, leaseOwner: 'one', leaseUntil: NOW + 20_000 });
    expect((await store.getJob('j'))?.lastError).toBeUndefined();
    expect(await store.completeJob('j', 'two', NOW + 1)).toBe(false);
    expect(await store.getJob('j')).toMatchObject({ status: 'pending', attempts: 1 });
    expect(await store.completeJob('j', 'one', NOW + 2)).toBe(true);
    // Done is final: no renew, no second completion, no retry.
    expect(await store.renewJobLease('j', 'one', NOW + 40_000)).toBe(false);
    expect(await store.completeJob('j', 'one', NOW + 3)).toBe(false);
    await store.retryJob('j', 'one', NOW + 5000, 'too late');
    expect(await store.getJob('j')).toMatchObject({ status: 'done', doneAt: NOW + 2, leaseUntil: 0 });
    expect((await store.getJob('j'))?.leaseOwner).toBeUndefined();
  });

  it('keeps at most 2000 characters of a retried job\'s error', async () => {
    const { store } = await subject();
    await store.enqueueJob(job('j'));
    await store.leaseJobs({ kinds: ALL_KINDS, owner: 'one', now: NOW, leaseUntil: NOW + 20_000, limit: 1 });
    await store.retryJob('j', 'one', NOW + 5000, 'x'.repeat(5000));
    expect((await store.getJob('j'))?.lastError).toBe('x'.repeat(2000));
  });

  it('gives a job whose lease ran out (its process died) to the next owner', async () => {
    const { store } = await subject();
    await store.enqueueJob(job('j'));
    await store.leaseJobs({ kinds: ALL_KINDS, owner: 'dead', now: NOW, leaseUntil: NOW + 20_000, limit: 1 });
    const taken = await store.leaseJobs({ kinds: ALL_KINDS, owner: 'alive', now: NOW + 20_000, leaseUntil: NOW + 40_000, limit: 1 });
    expect(taken.map((item) => item.leaseOwner)).toEqual(['alive']);
    expect(await store.completeJob('j', 'dead', NOW + 20_001)).toBe(false);
    expect(await store.renewJobLease('j', 'dead', NOW + 60_000)).toBe(false);
    expect(await store.getJob('j')).toMatchObject({ leaseOwner: 'alive', leaseUntil: NOW + 40_000, attempts: 2 });
    expect(await store.completeJob('j', 'alive', NOW + 20_001)).toBe(true);
  });
}

/** Where a lease ends: renewed, or run out with nobody taking over. */
function jobLeaseEndCases(subject: Subject): void {
  it('holds a renewed lease past its first end: the next owner takes the job only when the renewed lease ran out (STORE_RULES.leasableJob)', async () => {
    const { store } = await subject();
    await store.enqueueJob(job('j'));
    await store.leaseJobs({ kinds: ALL_KINDS, owner: 'one', now: NOW, leaseUntil: NOW + 20_000, limit: 1 });
    expect(await store.renewJobLease('j', 'one', NOW + 40_000)).toBe(true);
    expect(await store.leaseJobs({ kinds: ALL_KINDS, owner: 'two', now: NOW + 20_000, leaseUntil: NOW + 60_000, limit: 1 })).toEqual([]);
    expect(await store.leaseJobs({ kinds: ALL_KINDS, owner: 'two', now: NOW + 39_999, leaseUntil: NOW + 60_000, limit: 1 })).toEqual([]);
    expect(await store.leaseJobs({ kinds: ALL_KINDS, owner: 'two', now: NOW + 40_000, leaseUntil: NOW + 60_000, limit: 1 })).toMatchObject([
      { id: 'j', leaseOwner: 'two', attempts: 2 },
    ]);
  });

  it('lets the lease owner complete or retry a job whose lease ran out while nobody took it over (STORE_RULES.jobHeldBy)', async () => {
    const { store } = await subject();
    await store.enqueueJob(job('done-late'));
    await store.enqueueJob(job('retried-late'));
    await store.leaseJobs({ kinds: ALL_KINDS, owner: 'one', now: NOW, leaseUntil: NOW + 1000, limit: 2 });
    expect(await store.completeJob('done-late', 'one', NOW + 5000)).toBe(true);
    await store.retryJob('retried-late', 'one', NOW + 9000, 'slow');
    expect(await store.getJob('retried-late')).toMatchObject({ status: 'pending', runAt: NOW + 9000, leaseUntil: 0, lastError: 'slow', attempts: 1 });
    expect((await store.getJob('retried-late'))?.leaseOwner).toBeUndefined();
    // A retried job is nobody's: its old owner can neither complete nor renew it.
    expect(await store.completeJob('retried-late', 'one', NOW + 9001)).toBe(false);
    expect(await store.renewJobLease('retried-late', 'one', NOW + 20_000)).toBe(false);
  });
}

/** Dead letters: buried by the lease owner only, listed, never leased nor pruned, revived once (STORE_RULES.revivableJob). */
function deadJobCases(subject: Subject): void {
  it('buries a job for its lease owner only: dead with its error, never leased again, listed by status', async () => {
    const { store } = await subject();
    await store.enqueueJob(job('j'));
    await store.enqueueJob(job('other', { runAt: NOW + 1 }));
    await store.leaseJobs({ kinds: ALL_KINDS, owner: 'one', now: NOW, leaseUntil: NOW + 20_000, limit: 1 });
    expect(await store.buryJob('j', 'two', NOW + 1000, 'not mine')).toBe(false);
    expect(await store.getJob('j')).toMatchObject({ status: 'pending', leaseOwner: 'one' });
    expect(await store.buryJob('j', 'one', NOW + 1000, `boom ${'x'.repeat(3000)}`)).toBe(true);
    const dead = await store.getJob('j');
    expect(dead).toMatchObject({ status: 'dead', deadAt: NOW + 1000, leaseUntil: 0, attempts: 1 });
    expect(dead?.lastError).toHaveLength(2000);
    expect(dead?.leaseOwner).toBeUndefined();
    expect(dead?.doneAt).toBeUndefined();
    // Dead is final for the runner: no lease, no completion, no second burial, no retry.
    expect(await store.leaseJobs({ kinds: ALL_KINDS, owner: 'two', now: NOW + 999_999, leaseUntil: NOW + 9_999_999, limit: 5 })).toMatchObject([{ id: 'other' }]);
    expect(await store.completeJob('j', 'one', NOW + 2000)).toBe(false);
    expect(await store.buryJob('j', 'one', NOW + 2000, 'again')).toBe(false);
    await store.retryJob('j', 'one', NOW + 3000, 'late retry');
    expect(await store.getJob('j')).toMatchObject({ status: 'dead', deadAt: NOW + 1000 });
    expect((await store.listJobs({ status: 'dead' })).map((item) => item.id)).toEqual(['j']);
    expect((await store.listJobs({ status: 'pending' })).map((item) => item.id)).toEqual(['other']);
    // All, newest first (createdAt, then id), with a limit.
    expect((await store.listJobs()).map((item) => item.id)).toEqual(['other', 'j']);
    expect((await store.listJobs({ limit: 1 })).map((item) => item.id)).toEqual(['other']);
    expect(await store.listJobs({ status: 'done' })).toEqual([]);
  });

  it('revives a dead job once: pending, due at the given time, attempts and deadline anew, its error kept', async () => {
    const { store } = await subject();
    await store.enqueueJob(job('j'));
    await store.enqueueJob(job('alive'));
    await store.leaseJobs({ kinds: ALL_KINDS, owner: 'one', now: NOW, leaseUntil: NOW + 20_000, limit: 2 });
    await store.buryJob('j', 'one', NOW + 1000, 'boom');
    expect(await store.reviveJob('alive', NOW + 5000)).toBe(false);
    expect(await store.reviveJob('missing', NOW + 5000)).toBe(false);
    expect(await store.getJob('alive')).toMatchObject({ status: 'pending', leaseOwner: 'one', runAt: NOW });
    expect(await store.reviveJob('j', NOW + 5000)).toBe(true);
    expect(await store.reviveJob('j', NOW + 6000)).toBe(false);
    const revived = await store.getJob('j');
    expect(revived).toMatchObject({ status: 'pending', runAt: NOW + 5000, createdAt: NOW + 5000, attempts: 0, leaseUntil: 0, lastError: 'boom' });
    expect(revived?.deadAt).toBeUndefined();
    expect(await store.leaseJobs({ kinds: ALL_KINDS, owner: 'two', now: NOW + 4999, leaseUntil: NOW + 30_000, limit: 5 })).toEqual([]);
    expect(await store.leaseJobs({ kinds: ALL_KINDS, owner: 'two', now: NOW + 5000, leaseUntil: NOW + 30_000, limit: 5 })).toMatchObject([
      { id: 'j', attempts: 1, leaseOwner: 'two' },
    ]);
    expect(await store.completeJob('j', 'two', NOW + 5001)).toBe(true);
  });

  it('keeps dead jobs when it prunes, however old', async () => {
    const { store } = await subject();
    await store.enqueueJob(job('j'));
    await store.leaseJobs({ kinds: ALL_KINDS, owner: 'one', now: NOW, leaseUntil: NOW + 20_000, limit: 1 });
    await store.buryJob('j', 'one', NOW, 'boom');
    const later = NOW + 100 * 24 * 60 * 60 * 1000;
    await store.pruneExpired({ idempotencyBefore: later, jobsDoneBefore: later, now: later });
    expect(await store.getJob('j')).toMatchObject({ status: 'dead' });
  });
}

/** Rate-limit windows: counted per key and window, atomically across stores, pruned once expired. */
function rateLimitCases(subject: Subject): void {
  it('counts hits per key and window, and forgets windows once they expired', async () => {
    const { store } = await subject();
    const minute = NOW - (NOW % 60_000);
    expect(await store.hitRateLimit('create:client:203.0.113.7', minute, minute + 120_000)).toBe(1);
    expect(await store.hitRateLimit('create:client:203.0.113.7', minute, minute + 120_000)).toBe(2);
    expect(await store.hitRateLimit('create:client:203.0.113.8', minute, minute + 120_000)).toBe(1);
    expect(await store.hitRateLimit('create:client:203.0.113.7', minute + 60_000, minute + 180_000)).toBe(1);
    expect(await store.hitRateLimit('create:client:203.0.113.7', minute, minute + 120_000)).toBe(3);
    // Expired before `now` only: the window ending exactly now stays.
    expect(await store.pruneRateLimits(minute + 120_000)).toBe(0);
    expect(await store.pruneRateLimits(minute + 120_001)).toBe(2);
    expect(await store.hitRateLimit('create:client:203.0.113.7', minute + 60_000, minute + 180_000)).toBe(2);
    expect(await store.hitRateLimit('create:client:203.0.113.7', minute, minute + 120_000)).toBe(1);
  });

  it('gives each of many concurrent hits, from two stores on the same data, its own count', async () => {
    const { store, another } = await subject();
    const other = another?.() ?? store;
    const counts = await Promise.all(Array.from({ length: 24 }, (_, i) => (i % 2 ? other : store).hitRateLimit('token:total', NOW, NOW + 60_000)));
    expect([...counts].sort((a, b) => a - b)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
  });
}

/** Provider records; pruning (STORE_RULES.prunedKey, prunedJob). */
function recordAndPruneCases(subject: Subject): void {
  it('keeps provider records per namespace and replaces them by key', async () => {
    const { store } = await subject();
    expect(await store.getProviderRecord('reepay', 'cs_1')).toBeUndefined();
    await store.putProviderRecord('reepay', 'cs_1', { invoice: 'ord_1', amount: 100 });
    await store.putProviderRecord('other', 'cs_1', 'another');
    await store.putProviderRecord('reepay', 'cs_1', { invoice: 'ord_1', amount: 200, paid: true });
    expect(await store.getProviderRecord('reepay', 'cs_1')).toEqual({ invoice: 'ord_1', amount: 200, paid: true });
    expect(await store.getProviderRecord('other', 'cs_1')).toBe('another');
  });

  it('prunes old idempotency keys and done jobs, keeping held keys, pending jobs and orders', async () => {
    const { store } = await subject();
    await store.insertOrder(sampleOrder('ord_a'));
    await store.claimIdempotencyKey({ key: 'old-done', bodyHash: 'h', reference: 'ord_a', owner: 'one', leaseUntil: NOW + 1, now: NOW });
    await store.finishIdempotencyKey('old-done', 'one', { status: 201, body: {} });
    await store.claimIdempotencyKey({ key: 'old-held', bodyHash: 'h', reference: 'ord_b', owner: 'two', leaseUntil: NOW + 999_999, now: NOW });
    await store.claimIdempotencyKey({ key: 'new', bodyHash: 'h', reference: 'ord_c', owner: 'three', leaseUntil: NOW + 1, now: NOW + 50_000 });
    await store.enqueueJob(job('old-done'));
    await store.enqueueJob(job('pending'));
    await store.leaseJobs({ kinds: ALL_KINDS, owner: 'one', now: NOW, leaseUntil: NOW + 10, limit: 10 });
    await store.completeJob('old-done', 'one', NOW + 1);
    // Nobody runs on_webhook jobs on this store (no onWebhook): an old one that was never taken goes.
    await store.enqueueJob(job('never-taken', { kind: 'on_webhook' }));
    await store.enqueueJob(job('never-taken-new', { kind: 'on_webhook', runAt: NOW + 15_000 }));
    const removed = await store.pruneExpired({ idempotencyBefore: NOW + 10_000, jobsDoneBefore: NOW + 10_000, now: NOW + 20_000 });
    expect(removed).toBe(3);
    expect(await store.getJob('never-taken')).toBeUndefined();
    expect(await store.getJob('never-taken-new')).toBeDefined();
    // A pruned key is new again; the held one still waits for its owner.
    expect(await store.claimIdempotencyKey({ key: 'old-done', bodyHash: 'other', reference: 'ord_x', owner: 'four', leaseUntil: NOW + 30_000, now: NOW + 20_000 })).toEqual({
      outcome: 'claimed',
      reference: 'ord_x',
    });
    expect(await store.claimIdempotencyKey({ key: 'old-held', bodyHash: 'h', reference: 'ord_y', owner: 'four', leaseUntil: NOW + 30_000, now: NOW + 20_000 })).toMatchObject({ outcome: 'busy' });
    expect(await store.claimIdempotencyKey({ key: 'new', bodyHash: 'other', reference: 'ord_z', owner: 'four', leaseUntil: NOW + 30_000, now: NOW + 60_000 })).toEqual({ outcome: 'conflict' });
    expect(await store.getJob('old-done')).toBeUndefined();
    expect(await store.getJob('pending')).toMatchObject({ status: 'pending' });
    expect(await store.getOrder('ord_a')).toBeDefined();
  });

  it('prunes an answered key once it is old, whatever lease it was claimed with', async () => {
    const { store } = await subject();
    await store.claimIdempotencyKey({ key: 'answered', bodyHash: 'h', reference: 'ord_a', owner: 'one', leaseUntil: NOW + 999_999, now: NOW });
    await store.finishIdempotencyKey('answered', 'one', { status: 201, body: {} });
    expect(await store.pruneExpired({ idempotencyBefore: NOW + 1, jobsDoneBefore: 0, now: NOW + 1 })).toBe(1);
    expect(await store.claimIdempotencyKey({ key: 'answered', bodyHash: 'h', reference: 'ord_b', owner: 'two', leaseUntil: NOW + 30_000, now: NOW + 2 })).toEqual({
      outcome: 'claimed',
      reference: 'ord_b',
    });
  });
}

/** Pruning at its cut-offs; what a durable store keeps over a reopen. */
function cutOffAndDurabilityCases(subject: Subject, name: string): void {
  it('prunes at the cut-offs exactly: before them, not at them; a lease ending now no longer holds a key (STORE_RULES.prunedKey, prunedJob)', async () => {
    const { store } = await subject();
    const cut = NOW + 10_000;
    const key = (name: string, now: number, leaseUntil: number) =>
      store.claimIdempotencyKey({ key: name, bodyHash: 'h', reference: `ord_${name}`, owner: 'one', leaseUntil, now });
    await key('before-cut', cut - 1, cut);
    await key('at-cut', cut, cut);
    await key('held-until-later', cut - 1, cut + 1);
    await store.enqueueJob(job('done-before', { runAt: NOW }));
    await store.enqueueJob(job('done-at', { runAt: NOW }));
    await store.enqueueJob(job('retried', { runAt: NOW }));
    await store.leaseJobs({ kinds: ALL_KINDS, owner: 'one', now: NOW, leaseUntil: NOW + 1000, limit: 10 });
    await store.completeJob('done-before', 'one', cut - 1);
    await store.completeJob('done-at', 'one', cut);
    // Leased once and waiting for its retry: old, but not abandoned.
    await store.retryJob('retried', 'one', NOW + 999_999, 'later');
    await store.enqueueJob(job('never-taken-at-cut', { kind: 'on_webhook', runAt: cut }));
    expect(await store.pruneExpired({ idempotencyBefore: cut, jobsDoneBefore: cut, now: cut })).toBe(2);
    const answer = (name: string) => store.claimIdempotencyKey({ key: name, bodyHash: 'other', reference: 'ord_new', owner: 'two', leaseUntil: cut + 30_000, now: cut + 1 });
    expect(await answer('before-cut')).toEqual({ outcome: 'claimed', reference: 'ord_new' });
    expect(await answer('at-cut')).toEqual({ outcome: 'conflict' });
    expect(await answer('held-until-later')).toEqual({ outcome: 'conflict' });
    expect(await store.getJob('done-before')).toBeUndefined();
    expect(await store.getJob('done-at')).toMatchObject({ status: 'done' });
    expect(await store.getJob('retried')).toMatchObject({ status: 'pending', attempts: 1 });
    expect(await store.getJob('never-taken-at-cut')).toMatchObject({ status: 'pending', attempts: 0 });
  });

  it('keeps orders, sessions, keys and jobs when it is closed and opened again (durable stores)', async (context) => {
    const { store, reopen } = await subject();
    if (!reopen) {
      // Only the memory store has no reopen; it says so by name rather than skipping silently.
      expect(name).toMatch(/memory/i);
      return context.annotate?.('not durable by design');
    }
    await store.insertOrder(sampleOrder('ord_a'));
    await store.saveSession({ sessionId: 's1', provider: 'sandbox', reference: 'ord_a', shopOrigin: 'https://a.example', returnPage: 'https://a.example/' });
    await store.claimIdempotencyKey({ key: 'k', bodyHash: 'h', reference: 'ord_a', owner: 'one', leaseUntil: NOW + 1, now: NOW });
    await store.finishIdempotencyKey('k', 'one', { status: 201, body: { id: 's1' } });
    await store.enqueueJob(job('j'));
    const again = await reopen();
    expect((await again.getOrder('ord_a'))?.sessionId).toBe('s1');
    expect(await again.getSessionByReference('ord_a')).toMatchObject({ sessionId: 's1' });
    expect(await again.claimIdempotencyKey({ key: 'k', bodyHash: 'h', reference: 'x', owner: 'two', leaseUntil: NOW + 1, now: NOW })).toMatchObject({
      outcome: 'done',
    });
    expect(await again.enqueueJob(job('j'))).toBe(false);
  });
}
