import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCheckoutHandler, type CheckoutHandler } from '../../server/handler.js';
import { ProviderError, ProviderInputError, type CreateSessionInput } from '../../server/provider-api/types.js';
import { createMemoryStore } from '../../server/store/memory.js';
import { TEST_HOSTS } from '../../server/test-support/test-hosts.js';
import {
  startFakeVipps,
  VIPPS_CLIENT_ID,
  VIPPS_CLIENT_SECRET,
  VIPPS_MSN,
  VIPPS_SUBSCRIPTION_KEY,
  VIPPS_WEBHOOK_SECRET,
  type FakeVipps,
} from './fake-api.js';
import { registerVippsWebhook, VIPPS_WEBHOOK_EVENTS } from './register-webhook.js';
import { signVippsWebhook } from './webhook.js';
import { createVippsMobilePayProvider, epaymentReference, fromEnv, orderReferenceOf, type VippsMobilePayProviderOptions } from './server.js';

const KEYS = {
  clientId: VIPPS_CLIENT_ID,
  clientSecret: VIPPS_CLIENT_SECRET,
  subscriptionKey: VIPPS_SUBSCRIPTION_KEY,
  merchantSerialNumber: VIPPS_MSN,
  webhookSecret: VIPPS_WEBHOOK_SECRET,
};

let fake: FakeVipps;
let clock: number;

beforeEach(async () => {
  clock = Date.parse('2026-05-01T12:00:00Z');
  fake = await startFakeVipps();
});
afterEach(() => fake.close());

function provider(extra: Partial<VippsMobilePayProviderOptions> = {}) {
  return createVippsMobilePayProvider({ ...KEYS, apiUrl: fake.url, now: () => clock, ...extra });
}

let counter = 0;
function input(overrides: Partial<CreateSessionInput> = {}): CreateSessionInput {
  const reference = `ord_${(++counter).toString(16).padStart(20, '0')}`;
  return {
    reference,
    lines: [{ sku: 'mug', name: 'Mug', quantity: 1, unitAmount: 6000, vatRate: 0.25 }],
    amount: 6000,
    currency: 'NOK',
    acceptUrl: `https://shop.example/api/checkout/return/accept?checkout_session={SESSION_ID}&checkout_ref=${reference}`,
    cancelUrl: `https://shop.example/api/checkout/return/cancel?checkout_session={SESSION_ID}&checkout_ref=${reference}`,
    webhookUrl: 'https://shop.example/api/checkout/webhooks/vipps-mobilepay',
    ...overrides,
  };
}

const lines = () => fake.requests.map((request) => `${request.method} ${request.url}`);

describe('the ePayment reference', () => {
  it('is our order reference with every byte outside [A-Za-z0-9] escaped as -XX: allowed by the API, deterministic and reversible', () => {
    const reference = epaymentReference('ord_3f9a0c1d2e4b5a6c7d8e');
    expect(reference).toBe('ord-5F3f9a0c1d2e4b5a6c7d8e');
    expect(reference).toMatch(/^[a-zA-Z0-9-]{8,50}$/);
    expect(epaymentReference('ord_3f9a0c1d2e4b5a6c7d8e')).toBe(reference);
    expect(orderReferenceOf(reference)).toBe('ord_3f9a0c1d2e4b5a6c7d8e');
    // No two references share one: a dash is escaped too.
    expect(epaymentReference('order_a-b1')).not.toBe(epaymentReference('order-a_b1'));
    expect(orderReferenceOf(epaymentReference('ordre-æ_1234'))).toBe('ordre-æ_1234');
    expect(orderReferenceOf('acme-shop-123')).toBeUndefined();
  });

  it('refuses a reference that cannot make 8 to 50 characters', () => {
    expect(() => epaymentReference('ord_1')).toThrow(ProviderInputError);
    expect(() => epaymentReference(`ord_${'a'.repeat(47)}`)).toThrow(/8 to 50/);
  });
});

describe('Vipps MobilePay provider: create', () => {
  it('creates a WEB_REDIRECT payment with the documented headers and body, and answers a hosted session that may not be framed', async () => {
    const order = input({ customer: { phone: '+47 912 34 567 8' }, metadata: { campaign: 'spring' } });
    const session = await provider().createSession(order);
    const reference = epaymentReference(order.reference);

    expect(lines()).toEqual(['POST /accesstoken/get', 'POST /epayment/v1/payments']);
    const [token, create] = fake.requests;
    expect(token!.headers).toMatchObject({ client_id: VIPPS_CLIENT_ID, client_secret: VIPPS_CLIENT_SECRET, 'ocp-apim-subscription-key': VIPPS_SUBSCRIPTION_KEY, 'merchant-serial-number': VIPPS_MSN });
    expect(token!.body).toBe('');
    expect(create!.headers).toMatchObject({
      authorization: expect.stringMatching(/^Bearer fake-access-token-1-/),
      'ocp-apim-subscription-key': VIPPS_SUBSCRIPTION_KEY,
      'merchant-serial-number': VIPPS_MSN,
      'idempotency-key': reference,
      'content-type': 'application/json',
      'vipps-system-name': 'checkout-widget',
    });
    expect(JSON.parse(create!.body)).toEqual({
      amount: { currency: 'NOK', value: 6000 },
      paymentMethod: { type: 'WALLET' },
      reference,
      userFlow: 'WEB_REDIRECT',
      returnUrl: `https://shop.example/api/checkout/return/accept?checkout_session=${reference}&checkout_ref=${order.reference}`,
      paymentDescription: `Order ${order.reference}`,
      customer: { phoneNumber: '4791234567' + '8' },
      metadata: { orderReference: order.reference, campaign: 'spring' },
    });
    expect(session).toEqual({
      id: reference,
      provider: 'vipps-mobilepay',
      kind: 'hosted',
      status: 'open',
      url: fake.payments.get(reference)!.redirectUrl,
      frameable: false,
      amount: 6000,
      currency: 'NOK',
    });
  });

  it('a retried create (same order reference) names the same payment with the same Idempotency-Key: one payment', async () => {
    const order = input();
    const first = await provider().createSession(order);
    const second = await provider().createSession(order);
    expect(second).toEqual(first);
    expect(fake.payments.size).toBe(1);
  });

  it('takes NOK, DKK and EUR only, and refuses others before any request', async () => {
    for (const currency of ['NOK', 'DKK', 'EUR']) await expect(provider().createSession(input({ currency }))).resolves.toMatchObject({ currency });
    const before = fake.requests.length;
    await expect(provider().createSession(input({ currency: 'SEK' }))).rejects.toThrow(ProviderInputError);
    await expect(provider().createSession(input({ amount: 65_000_001 }))).rejects.toThrow(ProviderInputError);
    expect(fake.requests.length).toBe(before);
  });

  it('a problem+json answer becomes a ProviderError with the status', async () => {
    fake.failNext('POST /epayment/v1/payments', { status: 400, body: { type: 'x', title: 'Bad Request', status: 400, traceId: 't' } });
    await expect(provider().createSession(input())).rejects.toMatchObject({ name: 'ProviderError', providerStatus: 400 });
  });
});

describe('Vipps MobilePay provider: the access token', () => {
  it('concurrent creates share one token fetch', async () => {
    const vipps = provider();
    await Promise.all([1, 2, 3, 4].map(() => vipps.createSession(input())));
    expect(fake.tokenCalls()).toBe(1);
  });

  it('is reused until 3 minutes before expires_in ends, then fetched again', async () => {
    const vipps = provider();
    await vipps.createSession(input());
    clock += (3600 - 181) * 1000;
    await vipps.createSession(input());
    expect(fake.tokenCalls()).toBe(1);
    clock += 2000;
    await vipps.createSession(input());
    expect(fake.tokenCalls()).toBe(2);
  });

  it('a short-lived token is refreshed at half its life', async () => {
    await fake.close();
    fake = await startFakeVipps({ tokenLifetimeSeconds: 60 });
    const vipps = provider();
    await vipps.createSession(input());
    clock += 29_000;
    await vipps.createSession(input());
    expect(fake.tokenCalls()).toBe(1);
    clock += 2000;
    await vipps.createSession(input());
    expect(fake.tokenCalls()).toBe(2);
  });

  it('a 401 drops the cached token once and retries once with a fresh one', async () => {
    const vipps = provider();
    const session = await vipps.createSession(input());
    fake.revokeTokens();
    await expect(vipps.getSession(session.id)).resolves.toMatchObject({ status: 'open' });
    expect(fake.tokenCalls()).toBe(2);
    expect(lines().slice(-3)).toEqual(['GET /epayment/v1/payments/' + session.id, 'POST /accesstoken/get', 'GET /epayment/v1/payments/' + session.id]);
  });

  it('a second 401 in a row is a ProviderError, not a loop', async () => {
    const vipps = provider();
    const session = await vipps.createSession(input());
    const unauthorized = { status: 401, body: { type: 'x', title: 'Unauthorized', status: 401, traceId: 't' } };
    fake.failNext(`GET /epayment/v1/payments/${session.id}`, unauthorized, 5);
    await expect(vipps.getSession(session.id)).rejects.toMatchObject({ name: 'ProviderError', providerStatus: 401 });
    expect(fake.tokenCalls()).toBe(2);
    expect(lines().filter((line) => line.startsWith('GET')).length).toBe(2);
  });
});

describe('Vipps MobilePay provider: read and capture', () => {
  async function created(vipps = provider()) {
    const order = input();
    const session = await vipps.createSession(order);
    return { vipps, order, id: session.id };
  }

  it.each([
    ['reject', 'ABORTED', 'cancelled'],
    ['expire', 'EXPIRED', 'expired'],
  ] as const)('%s: state %s reads as %s, with nothing captured', async (outcome, state, status) => {
    const { vipps, id } = await created();
    expect((await vipps.getSession(id)).status).toBe('open');
    fake.act(id, outcome);
    expect(fake.payments.get(id)!.state).toBe(state);
    expect(await vipps.getSession(id)).toMatchObject({ id, status, frameable: false, amount: 6000, currency: 'NOK' });
    expect(lines().some((line) => line.endsWith('/capture'))).toBe(false);
  });

  it('TERMINATED (the merchant cancelled) reads as cancelled; an unknown state stays open', async () => {
    const { vipps, id } = await created();
    fake.payments.get(id)!.state = 'TERMINATED';
    expect((await vipps.getSession(id)).status).toBe('cancelled');
    (fake.payments.get(id) as { state: string }).state = 'SOMETHING_NEW';
    expect((await vipps.getSession(id)).status).toBe('open');
  });

  it('AUTHORIZED: captured in full with an Idempotency-Key before it reads complete; later reads capture nothing more', async () => {
    const { vipps, id } = await created();
    fake.act(id, 'approve');
    expect(await vipps.getSession(id)).toMatchObject({ id, status: 'complete', amount: 6000, currency: 'NOK' });
    const captures = fake.requests.filter((request) => request.url === `/epayment/v1/payments/${id}/capture`);
    expect(captures).toHaveLength(1);
    expect(JSON.parse(captures[0]!.body)).toEqual({ modificationAmount: { currency: 'NOK', value: 6000 } });
    expect(captures[0]!.headers['idempotency-key']).toMatch(/^capture-[0-9a-f]+$/);
    expect(String(captures[0]!.headers['idempotency-key']).length).toBeLessThanOrEqual(50);
    expect(fake.payments.get(id)!.aggregate.capturedAmount.value).toBe(6000);

    expect((await vipps.getSession(id)).status).toBe('complete');
    expect(fake.requests.filter((request) => request.url.endsWith('/capture'))).toHaveLength(1);
  });

  it('two reads at once (webhook and widget, two instances) send the same Idempotency-Key: captured once', async () => {
    const { id } = await created();
    fake.act(id, 'approve');
    const sessions = await Promise.all([provider().getSession(id), provider().getSession(id)]);
    expect(sessions.map((session) => session.status)).toEqual(['complete', 'complete']);
    const keys = fake.requests.filter((request) => request.url.endsWith('/capture')).map((request) => request.headers['idempotency-key']);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toBe(keys[1]);
    expect(fake.payments.get(id)!.aggregate.capturedAmount.value).toBe(6000);
  });

  it('CREATED (the shopper may be in the app or gone): open, not reported in flight', async () => {
    const { vipps, id } = await created();
    const session = await vipps.getSession(id);
    expect(session.status).toBe('open');
    expect(session).not.toHaveProperty('payment');
  });

  it('AUTHORIZED but the capture left some uncaptured: open with payment in_flight; complete once captured', async () => {
    const { vipps, id } = await created();
    fake.act(id, 'approve');
    fake.failNext(`POST /epayment/v1/payments/${id}/capture`, { status: 200, body: { aggregate: { capturedAmount: { currency: 'NOK', value: 1000 } } } });
    expect(await vipps.getSession(id)).toMatchObject({ id, status: 'open', payment: 'in_flight', amount: 6000 });
    expect(await vipps.getSession(id)).toMatchObject({ id, status: 'complete', amount: 6000 });
    expect(await vipps.getSession(id)).not.toHaveProperty('payment');
  });

  it('a failed capture is a ProviderError: the session never reads complete uncaptured', async () => {
    const { vipps, id } = await created();
    fake.act(id, 'approve');
    fake.failNext(`POST /epayment/v1/payments/${id}/capture`, { status: 500, body: { type: 'x', title: 'Server Error', status: 500, traceId: 't' } });
    await expect(vipps.getSession(id)).rejects.toThrow(ProviderError);
    expect(fake.payments.get(id)!.aggregate.capturedAmount.value).toBe(0);
    expect((await vipps.getSession(id)).status).toBe('complete');
  });

  it('with the orders: captures only when the order has the payment amount and currency; otherwise reports what was authorised, uncaptured', async () => {
    const orders = new Map<string, { amount: number; currency: string }>();
    const vipps = provider({ orders: { getOrder: async (reference) => orders.get(reference) } });
    const good = await created(vipps);
    orders.set(good.order.reference, { amount: 6000, currency: 'nok' });
    fake.act(good.id, 'approve');
    expect((await vipps.getSession(good.id)).status).toBe('complete');
    expect(fake.payments.get(good.id)!.aggregate.capturedAmount.value).toBe(6000);

    const bad = await created(vipps);
    orders.set(bad.order.reference, { amount: 5000, currency: 'NOK' });
    fake.act(bad.id, 'approve');
    expect(await vipps.getSession(bad.id)).toMatchObject({ status: 'complete', amount: 6000 });
    expect(fake.payments.get(bad.id)!.aggregate.capturedAmount.value).toBe(0);

    const orphan = await created(vipps);
    fake.act(orphan.id, 'approve');
    await vipps.getSession(orphan.id);
    expect(fake.payments.get(orphan.id)!.aggregate.capturedAmount.value).toBe(0);
  });

  it('an authorisation below the payment amount is not captured and is reported with the authorised amount', async () => {
    const { vipps, id } = await created();
    fake.act(id, 'approve');
    fake.payments.get(id)!.aggregate.authorizedAmount.value = 5000;
    expect(await vipps.getSession(id)).toMatchObject({ status: 'complete', amount: 5000 });
    expect(lines().some((line) => line.endsWith('/capture'))).toBe(false);
  });

  it('an unknown payment is a 404 ProviderError', async () => {
    await expect(provider().getSession('ord-5Fnot-2Dthere')).rejects.toMatchObject({ providerStatus: 404 });
  });
});

describe('Vipps MobilePay through the handler: the order is paid only once captured', () => {
  let handler: CheckoutHandler | undefined;
  afterEach(async () => {
    await handler?.close();
    handler = undefined;
  });

  it('create → approve → the signed AUTHORIZED webhook makes the handler read, capture and mark the order paid', async () => {
    const store = createMemoryStore();
    const paid: string[] = [];
    handler = createCheckoutHandler({
      providers: [createVippsMobilePayProvider({ ...KEYS, apiUrl: fake.url, orders: store })],
      catalog: { currency: 'NOK', products: { mug: { name: 'Mug', unitAmount: 6000, vatRate: 0.25 } } },
      store,
      allowedHosts: TEST_HOSTS,
      onOrderPaid: (order) => void paid.push(order.reference),
    });
    const created = await handler(
      new Request('https://shop.example/api/checkout/sessions', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ items: [{ sku: 'mug', quantity: 1 }] }),
      }),
    );
    expect(created.status).toBe(201);
    const session = (await created.json()) as { id: string };
    const record = await store.getSession(session.id);
    expect(session.id).toBe(epaymentReference(record!.reference));

    fake.act(session.id, 'approve');
    // Authorised but not yet read by the handler: the order waits.
    expect((await store.getOrder(record!.reference))?.status).toBe('pending');
    const url = 'https://shop.example/api/checkout/webhooks/vipps-mobilepay';
    const body = JSON.stringify({
      msn: VIPPS_MSN,
      reference: session.id,
      pspReference: '1234567891',
      name: 'AUTHORIZED',
      amount: { currency: 'NOK', value: 6000 },
      timestamp: new Date().toISOString(),
      idempotencyKey: null,
      success: true,
    });
    const headers = await signVippsWebhook(VIPPS_WEBHOOK_SECRET, url, body, new Date().toUTCString());
    const delivered = await handler(new Request(url, { method: 'POST', headers, body }));
    expect(delivered.status).toBe(200);
    await handler.whenIdle();
    await expect.poll(async () => (await store.getOrder(record!.reference))?.status).toBe('paid');
    expect(fake.payments.get(session.id)!.aggregate.capturedAmount.value).toBe(6000);
    await expect.poll(() => paid).toEqual([record!.reference]);
  });
});

describe('fromEnv', () => {
  const ENV = {
    VIPPS_MOBILEPAY_CLIENT_ID: VIPPS_CLIENT_ID,
    VIPPS_MOBILEPAY_CLIENT_SECRET: VIPPS_CLIENT_SECRET,
    VIPPS_MOBILEPAY_SUBSCRIPTION_KEY: VIPPS_SUBSCRIPTION_KEY,
    VIPPS_MOBILEPAY_MERCHANT_SERIAL_NUMBER: VIPPS_MSN,
    VIPPS_MOBILEPAY_WEBHOOK_SECRET: VIPPS_WEBHOOK_SECRET,
  };

  it('is undefined without any of its variables, the provider with all of them', async () => {
    expect(fromEnv({})).toBeUndefined();
    const vipps = fromEnv({ ...ENV, VIPPS_MOBILEPAY_API_URL: fake.url });
    expect(vipps?.name).toBe('vipps-mobilepay');
    await expect(vipps!.createSession(input())).resolves.toMatchObject({ provider: 'vipps-mobilepay' });
  });

  it('half a configuration throws and names what is missing', () => {
    const { VIPPS_MOBILEPAY_WEBHOOK_SECRET: _secret, VIPPS_MOBILEPAY_SUBSCRIPTION_KEY: _key, ...half } = ENV;
    expect(() => fromEnv(half)).toThrow(/VIPPS_MOBILEPAY_SUBSCRIPTION_KEY, VIPPS_MOBILEPAY_WEBHOOK_SECRET missing/);
    expect(() => fromEnv({ ...ENV, VIPPS_MOBILEPAY_MERCHANT_SERIAL_NUMBER: '12' })).toThrow(/4 to 6 digits/);
  });
});

describe('registerVippsWebhook', () => {
  it('registers the URL for the payment events and answers the id and secret', async () => {
    const answer = await registerVippsWebhook({ ...KEYS, apiUrl: fake.url, url: 'https://shop.example/api/checkout/webhooks/vipps-mobilepay' });
    expect(answer).toEqual({ id: fake.registrations[0]!.id, secret: VIPPS_WEBHOOK_SECRET });
    const request = fake.requests.at(-1)!;
    expect(`${request.method} ${request.url}`).toBe('POST /webhooks/v1/webhooks');
    expect(request.headers).toMatchObject({ authorization: expect.stringMatching(/^Bearer /), 'ocp-apim-subscription-key': VIPPS_SUBSCRIPTION_KEY, 'merchant-serial-number': VIPPS_MSN });
    expect(JSON.parse(request.body)).toEqual({ url: 'https://shop.example/api/checkout/webhooks/vipps-mobilepay', events: [...VIPPS_WEBHOOK_EVENTS] });
    expect(VIPPS_WEBHOOK_EVENTS).toContain('epayments.payment.authorized.v1');
  });
});
