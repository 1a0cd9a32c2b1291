import { afterEach, describe, expect, it } from 'vitest';
import { signReepayWebhook } from '../../server/adapter-kit/webhook-signatures.js';
import { createCheckoutHandler } from '../../server/handler.js';
import { createMemoryStore } from '../../server/store/memory.js';
import { startFakeHttpServer, type FakeHttpServer } from '../../server/test-support/fake-http.js';
import { ProviderInputError } from '../../server/provider-api/types.js';
import { TEST_HOSTS } from '../../server/test-support/test-hosts.js';
import { createReepayProvider } from './server.js';

const PRIVATE_KEY = 'priv_0123456789abcdef';
const WEBHOOK_SECRET = 'webhook-secret-1';
const catalog = { currency: 'DKK', products: { beans: { name: 'Coffee beans, 1 kg', unitAmount: 24_900, vatRate: 0.25 } } };

/** Reepay's API as documented for a merchant-initiated charge: `POST /v1/charge`, read back as an invoice. */
async function fakeReepay(state: 'settled' | 'failed' | 'pending') {
  const invoices = new Map<string, Record<string, unknown>>();
  return startFakeHttpServer((request) => {
    if (request.method === 'POST' && request.url === '/v1/charge') {
      const body = JSON.parse(request.body) as { handle: string; amount: number; currency: string };
      // Reepay answers the existing charge for a known handle: one charge per order.
      const invoice = invoices.get(body.handle) ?? {
        handle: body.handle,
        state,
        amount: body.amount,
        currency: body.currency,
        ...(state === 'failed' && { error: 'credit_card_expired' }),
      };
      invoices.set(body.handle, invoice);
      return { status: 200, body: invoice };
    }
    const match = /^\/v1\/invoice\/(.+)$/.exec(request.url);
    if (request.method === 'GET' && match && invoices.has(decodeURIComponent(match[1]!))) {
      return { status: 200, body: { ...invoices.get(decodeURIComponent(match[1]!)), state: 'settled' } };
    }
    return { status: 404, body: { error: 'Not found' } };
  });
}

const servers: FakeHttpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

function reepayOn(fake: FakeHttpServer) {
  return createReepayProvider({ privateKey: PRIVATE_KEY, webhookSecret: WEBHOOK_SECRET, checkoutApiUrl: fake.url, apiUrl: fake.url });
}

describe('Reepay charges of a saved payment method through handler.charge', () => {
  it('sends the documented body, and a settled charge makes a paid order that is fulfilled', async () => {
    const fake = await fakeReepay('settled');
    servers.push(fake);
    const paid: string[] = [];
    const handler = createCheckoutHandler({
      catalog,
      providers: [reepayOn(fake)],
      store: createMemoryStore(),
      allowedHosts: TEST_HOSTS,
      onOrderPaid: (order) => void paid.push(order.reference),
    });
    const order = await handler.charge({ paymentMethod: 'ca_1234', items: [{ sku: 'beans', quantity: 2 }], idempotencyKey: 'refill-7' });
    expect(fake.requests.map((request) => `${request.method} ${request.url}`)).toEqual(['POST /v1/charge']);
    expect(JSON.parse(fake.requests[0]!.body)).toEqual({ handle: order.reference, amount: 49_800, currency: 'DKK', source: 'ca_1234' });
    expect(fake.requests[0]!.headers['authorization']).toBe(`Basic ${Buffer.from(`${PRIVATE_KEY}:`).toString('base64')}`);
    expect(order).toMatchObject({ provider: 'reepay', status: 'paid', chargeId: order.reference, amount: 49_800 });
    await handler.whenIdle();
    expect(paid).toEqual([order.reference]);
    await handler.close();
  });

  it('a failed charge is a failed order; a pending one is moved by the invoice webhook, read back from Reepay', async () => {
    const failing = await fakeReepay('failed');
    servers.push(failing);
    const handler = createCheckoutHandler({ catalog, providers: [reepayOn(failing)], store: createMemoryStore() });
    expect((await handler.charge({ paymentMethod: 'ca_1', items: [{ sku: 'beans', quantity: 1 }], idempotencyKey: 'a' })).status).toBe('failed');
    await handler.close();

    const slow = await fakeReepay('pending');
    servers.push(slow);
    const store = createMemoryStore();
    const later = createCheckoutHandler({ catalog, providers: [reepayOn(slow)], store, allowedHosts: TEST_HOSTS });
    const order = await later.charge({ paymentMethod: 'ca_1', items: [{ sku: 'beans', quantity: 1 }], idempotencyKey: 'b' });
    expect(order.status).toBe('pending');
    const timestamp = new Date().toISOString();
    const body = JSON.stringify({
      id: 'wh_1',
      event_id: 'ev_1',
      // Unsigned: a hint only, whatever it says; the invoice read decides.
      event_type: 'invoice_failed',
      timestamp,
      signature: await signReepayWebhook(WEBHOOK_SECRET, timestamp, 'wh_1'),
      invoice: order.reference,
    });
    const answer = await later(new Request('https://shop.example/api/checkout/webhooks/reepay', { method: 'POST', body }));
    expect(answer.status).toBe(200);
    await later.whenIdle();
    expect((await later.orders.get(order.reference))?.status).toBe('paid');
    await later.close();
  });

  it('refuses a payment method that is not a saved card before calling Reepay', async () => {
    const fake = await fakeReepay('settled');
    servers.push(fake);
    await expect(
      reepayOn(fake).charge!({ reference: 'ord_1', paymentMethod: 'pm_1', lines: [], amount: 1, currency: 'DKK' }),
    ).rejects.toBeInstanceOf(ProviderInputError);
    expect(fake.requests).toHaveLength(0);
  });
});
