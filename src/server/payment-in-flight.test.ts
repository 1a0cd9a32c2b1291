import { afterEach, describe, expect, it } from 'vitest';
import type { CheckoutSession } from '../core/protocol.js';
import type { Catalog } from './catalog.js';
import { createCheckoutHandler, type CheckoutHandler } from './handler.js';
import { cartKey } from './payment-in-flight.js';
import type { PaymentProvider } from './provider-api/types.js';
import { scriptedSessions } from './test-support/scripted-sessions.js';
import { testStores } from './test-support/stores.js';
import { TEST_HOSTS } from './test-support/test-hosts.js';

const SHOP = 'https://shop.example';
const BASE = 'https://api.example/api/checkout';
const silent = { error: () => {}, warn: () => {} };
const catalog: Catalog = {
  currency: 'DKK',
  products: { grinder: { name: 'Hand grinder', unitAmount: 89_900, vatRate: 0.25 }, beans: { name: 'Beans', unitAmount: 12_000, vatRate: 0.25 } },
};
const CART = { items: [{ sku: 'grinder', quantity: 1 }], customer: { email: 'shopper@example.com' } };

const handlers: CheckoutHandler[] = [];
const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(handlers.splice(0).map((handler) => handler.close()));
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe('cartKey', () => {
  it('is one key for one shopper and cart, whatever the order of lines, keys, method or locale', async () => {
    const one = cartKey({ items: [{ sku: 'a', quantity: 1 }, { sku: 'b', quantity: 2 }], customer: { email: 'x@example.com', country: 'DK' } }, undefined);
    const same = cartKey(
      { items: [{ sku: 'b', quantity: 2 }, { sku: 'a', quantity: 1 }], customer: { country: 'DK', email: 'x@example.com' }, method: 'blik', locale: 'da' },
      undefined,
    );
    expect(one).toMatch(/^[0-9a-f]{64}$/);
    expect(same).toBe(one);
    expect(cartKey({ items: [{ sku: 'a', quantity: 2 }, { sku: 'b', quantity: 2 }], customer: { email: 'x@example.com', country: 'DK' } }, undefined)).not.toBe(one);
    expect(cartKey({ items: [{ sku: 'a', quantity: 1 }, { sku: 'b', quantity: 2 }], customer: { email: 'y@example.com', country: 'DK' } }, undefined)).not.toBe(one);
  });

  it('names no cart for an anonymous create (two guests buying the same are two carts)', async () => {
    expect(cartKey({ items: [{ sku: 'a', quantity: 1 }] }, undefined)).toBeUndefined();
    expect(cartKey({ items: [{ sku: 'a', quantity: 1 }], metadata: { cart: 'c_1' } }, undefined)).toBeDefined();
    expect(cartKey({ items: [{ sku: 'a', quantity: 1 }] }, { customer: { handle: 'cust_1' } })).toBeDefined();
  });
});

describe.each(testStores(cleanups))('a second payment while one is in flight, on the %s store', (_, makeStore) => {
  function setUp() {
    const scripted = scriptedSessions('psp', () => ({ kind: 'hosted', url: 'https://psp.example/pay' }));
    const reads: string[] = [];
    const provider: PaymentProvider = {
      name: 'psp',
      createSession: scripted.createSession,
      getSession: (id) => {
        reads.push(id);
        return scripted.getSession(id);
      },
    };
    const handler = createCheckoutHandler({ catalog, logger: silent, store: makeStore(), allowedOrigins: [SHOP], allowedHosts: TEST_HOSTS, providers: [provider] });
    handlers.push(handler);
    const create = async (body: unknown, key?: string) => {
      const response = await handler(
        new Request(`${BASE}/sessions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: SHOP, ...(key && { 'idempotency-key': key }) },
          body: JSON.stringify(body),
        }),
      );
      return { status: response.status, body: (await response.json()) as CheckoutSession & { error?: { code: string; message: string } } };
    };
    const inFlight = (id: string) => scripted.sessions.set(id, { ...scripted.sessions.get(id)!, payment: 'in_flight' });
    return { handler, create, sessions: scripted.sessions, reads, inFlight };
  }

  it('refuses a new create for the cart (409 payment_in_flight) while its payment is in flight, and not before or after', async () => {
    const { create, sessions, inFlight } = setUp();
    const first = await create(CART, 'key-1');
    expect(first.status).toBe(201);
    // Open but nothing under way: a second tab may make its own session.
    const second = await create(CART, 'key-2');
    expect(second.status).toBe(201);
    inFlight(second.body.id);
    const refused = await create(CART, 'key-3');
    expect(refused.status).toBe(409);
    expect(refused.body.error).toEqual({ code: 'payment_in_flight', message: expect.stringContaining('in progress') });
    // Without a key too, and whatever method the shopper picks now.
    expect((await create({ ...CART, method: 'card' })).status).toBe(409);
    expect(sessions.size).toBe(2);
    // The 3-D Secure failed: the session is open, nothing in flight, a new attempt is fine.
    sessions.set(second.body.id, { ...sessions.get(second.body.id)!, payment: undefined });
    expect((await create(CART, 'key-4')).status).toBe(201);
  });

  it('answers a replay of the create that made the session (same Idempotency-Key) with that session', async () => {
    const { create, inFlight } = setUp();
    const first = await create(CART, 'key-1');
    inFlight(first.body.id);
    const replay = await create(CART, 'key-1');
    expect(replay).toEqual(first);
    expect((await create(CART, 'key-other')).status).toBe(409);
  });

  it('lets another cart, another shopper and an anonymous cart through, and reads no provider for them', async () => {
    const { create, inFlight, reads } = setUp();
    const first = await create(CART, 'key-1');
    inFlight(first.body.id);
    reads.length = 0;
    expect((await create({ ...CART, items: [{ sku: 'beans', quantity: 1 }] })).status).toBe(201);
    expect((await create({ ...CART, customer: { email: 'someone.else@example.com' } })).status).toBe(201);
    expect((await create({ items: CART.items })).status).toBe(201);
    expect(reads).toEqual([]);
  });

  it('lets the cart pay again once its order is final (paid, failed, …), without asking the provider', async () => {
    const { handler, create, sessions, reads } = setUp();
    const first = await create(CART, 'key-1');
    // The provider completes it; the read moves the order to paid.
    sessions.set(first.body.id, { ...sessions.get(first.body.id)!, status: 'complete' });
    await handler(new Request(`${BASE}/sessions/${first.body.id}`));
    expect((await handler.orders.list()).find((order) => order.sessionId === first.body.id)?.status).toBe('paid');
    reads.length = 0;
    expect((await create(CART, 'key-2')).status).toBe(201);
    expect(reads).toEqual([]);
  });
});
