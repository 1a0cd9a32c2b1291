/**
 * Mollie recurring, through the handler against the fake API: a `recurring: true` checkout makes a
 * Mollie customer and a `sequenceType: first` payment; once paid, the order keeps the customer and
 * mandate (`cst_…/mdt_…`, read from Mollie), and `handler.charge()` charges it with a
 * `sequenceType: recurring` payment whose webhook names our reference.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createCheckoutHandler, type CheckoutHandler } from '../../server/handler.js';
import { ProviderInputError } from '../../server/provider-api/types.js';
import { WEBHOOK_HINT_WINDOW_MS } from '../../server/routes/webhooks.js';
import { createMemoryStore } from '../../server/store/memory.js';
import { MOLLIE_TEST_KEY, startFakeMollie, type FakeMollie } from './fake-api.js';
import { createMollieProvider } from './server.js';

const SHOP = 'https://shop.example';
const catalog = { currency: 'EUR', products: { beans: { name: 'Coffee beans, 1 kg', unitAmount: 2_490, vatRate: 0.09 } } };
const START = Date.parse('2026-05-01T12:00:00Z');

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setUp() {
  let handler: CheckoutHandler | undefined;
  // Mollie's webhooks go straight into the handler under test.
  const fake = await startFakeMollie({ sendWebhook: (url, init) => handler!(new Request(url, init)) });
  const clock = { now: START };
  handler = createCheckoutHandler({
    catalog,
    providers: [createMollieProvider({ apiKey: MOLLIE_TEST_KEY, apiUrl: fake.url })],
    store: createMemoryStore(),
    publicUrl: SHOP,
    // A short lease polls the job queue often: the hint's job is found soon after its window closes.
    hookLeaseMs: 500,
    now: () => clock.now,
  });
  cleanups.push(() => fake.close(), () => handler!.close());
  return { fake, handler, clock };
}

const lines = (fake: FakeMollie) => fake.requests.map((request) => `${request.method} ${request.url}`);
const bodyOf = (fake: FakeMollie, index: number) => JSON.parse(fake.requests[index]!.body) as Record<string, unknown>;

/** A recurring checkout, paid on Mollie's page: the order then holds the customer and mandate. */
async function paidFirstPayment(fake: FakeMollie, handler: CheckoutHandler) {
  const created = await handler(
    new Request(`${SHOP}/api/checkout/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'first-1' },
      body: JSON.stringify({ items: [{ sku: 'beans', quantity: 1 }], recurring: true, customer: { email: 'jan@example.org', first_name: 'Jan', last_name: 'Jansen' } }),
    }),
  );
  expect(created.status).toBe(201);
  const session = (await created.json()) as { id: string };
  await fake.settle(session.id, 'paid');
  // The shopper's return: the read moves the order.
  const read = await handler(new Request(`${SHOP}/api/checkout/sessions/${session.id}`));
  expect(await read.json()).toMatchObject({ status: 'complete' });
  const [order] = await handler.orders.list({});
  return { session, order: order! };
}

describe('Mollie recurring: first payment, then handler.charge() on the mandate', () => {
  it('a recurring checkout makes a customer and a first payment; the paid order keeps customer/mandate read from Mollie', async () => {
    const { fake, handler } = await setUp();
    const { session, order } = await paidFirstPayment(fake, handler);
    expect(lines(fake).slice(0, 2)).toEqual(['POST /v2/customers', 'POST /v2/payments']);
    expect(bodyOf(fake, 0)).toEqual({ name: 'Jan Jansen', email: 'jan@example.org', metadata: { reference: order.reference } });
    expect(fake.requests[0]!.headers['idempotency-key']).toBe(`${order.reference}:customer`);
    const customerId = [...fake.customers.keys()][0]!;
    expect(bodyOf(fake, 1)).toMatchObject({ customerId, sequenceType: 'first', amount: { currency: 'EUR', value: '24.90' } });
    const mandateId = fake.payments.get(session.id)!.mandateId!;
    expect(order).toMatchObject({ status: 'paid', paymentMethod: `${customerId}/${mandateId}` });
  });

  it('charges sequenceType recurring with the mandate, no redirect, a webhook URL naming our reference; the same key charges once', async () => {
    const { fake, handler } = await setUp();
    const { order: first } = await paidFirstPayment(fake, handler);
    const before = fake.requests.length;
    const order = await handler.charge({ paymentMethod: first.paymentMethod!, items: [{ sku: 'beans', quantity: 2 }], idempotencyKey: 'refill-7' });
    expect(lines(fake).slice(before)).toEqual(['POST /v2/payments']);
    const [customerId, mandateId] = first.paymentMethod!.split('/');
    const body = bodyOf(fake, before);
    expect(body).toEqual({
      amount: { currency: 'EUR', value: '49.80' },
      description: `Order ${order.reference}`,
      metadata: { reference: order.reference },
      customerId,
      mandateId,
      sequenceType: 'recurring',
      webhookUrl: `${SHOP}/api/checkout/webhooks/mollie?reference=${order.reference}`,
    });
    expect(fake.requests[before]!.headers['idempotency-key']).toBe(`${order.reference}:charge`);
    expect(order).toMatchObject({ provider: 'mollie', status: 'paid', amount: 4_980, chargeId: expect.stringMatching(/^tr_/) });

    const again = await handler.charge({ paymentMethod: first.paymentMethod!, items: [{ sku: 'beans', quantity: 2 }], idempotencyKey: 'refill-7' });
    expect(again.reference).toBe(order.reference);
    expect(lines(fake).slice(before)).toEqual(['POST /v2/payments']);
  });

  it('a pending charge is moved by its webhook hint (the reference from our URL), read back from Mollie when the window closes', async () => {
    const { fake, handler, clock } = await setUp();
    const { order: first } = await paidFirstPayment(fake, handler);
    fake.recurringStatus = 'pending';
    const order = await handler.charge({ paymentMethod: first.paymentMethod!, items: [{ sku: 'beans', quantity: 1 }], idempotencyKey: 'refill-8' });
    expect(order.status).toBe('pending');
    await fake.settle(order.chargeId!, 'paid');
    expect(fake.webhooks.at(-1)).toMatchObject({ url: `${SHOP}/api/checkout/webhooks/mollie?reference=${order.reference}`, body: `id=${order.chargeId}`, status: 200 });
    clock.now += WEBHOOK_HINT_WINDOW_MS;
    await handler.whenIdle();
    await new Promise((resolve) => setTimeout(resolve, 150));
    await handler.whenIdle();
    expect((await handler.orders.get(order.reference))?.status).toBe('paid');
    expect(lines(fake).at(-1)).toBe(`GET /v2/payments/${order.chargeId}`);
  });

  it('refuses a payment method that is not a Mollie customer/mandate before calling Mollie', async () => {
    const fake = await startFakeMollie();
    cleanups.push(() => fake.close());
    const mollie = createMollieProvider({ apiKey: MOLLIE_TEST_KEY, apiUrl: fake.url });
    for (const paymentMethod of ['ca_1234', 'cst_abc/ca_1', 'mdt_abc']) {
      await expect(mollie.charge({ reference: 'ord_1', paymentMethod, lines: [], amount: 100, currency: 'EUR' })).rejects.toBeInstanceOf(ProviderInputError);
    }
    expect(fake.requests).toEqual([]);
  });
});
