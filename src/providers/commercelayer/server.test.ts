import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeHttpServer, type RecordedRequest } from '../../server/test-support/fake-http.js';
import {
  PaymentDeclinedError,
  ProviderError,
  ProviderInputError,
  type CreateSessionInput,
  type SubmitTokenContext,
} from '../../server/provider-api/types.js';
import { createMemoryStore } from '../../server/store/memory.js';
import {
  FAKE_CHECKOUT_PUBLIC_KEY,
  FAKE_CHECKOUT_TOKENS,
  FAKE_COMMERCELAYER_ACCESS_TOKEN,
  startFakeCommerceLayer,
  type FakeCommerceLayer,
} from './fake-api.js';
import { createCommerceLayerProvider, fromEnv, type CommerceLayerProviderOptions } from './server.js';

const ORDER = 'ABCRtyUpBa';
const SHOP_BRIDGE = 'https://shop.example/api/checkout/return';

function input(overrides: Partial<CreateSessionInput> = {}): CreateSessionInput {
  return {
    reference: 'ord_1',
    lines: [{ sku: 'mug', name: 'Mug', quantity: 1, unitAmount: 5000, vatRate: 0.25 }],
    amount: 5000,
    currency: 'EUR',
    acceptUrl: `${SHOP_BRIDGE}/accept?checkout_session={SESSION_ID}&checkout_ref=ord_1`,
    cancelUrl: `${SHOP_BRIDGE}/cancel?checkout_session={SESSION_ID}&checkout_ref=ord_1`,
    webhookUrl: 'https://shop.example/api/checkout/webhooks/commercelayer',
    ...overrides,
  };
}

const context: SubmitTokenContext = {
  reference: 'ord_1',
  acceptUrl: `${SHOP_BRIDGE}/accept?checkout_session={SESSION_ID}&checkout_ref=ord_1`,
  cancelUrl: `${SHOP_BRIDGE}/cancel?checkout_session={SESSION_ID}&checkout_ref=ord_1`,
};

/** One line per Commerce Layer endpoint as the adapter sent it, printed once for the issue note. */
const sentByEndpoint = new Map<string, string>();
function noteRequests(requests: readonly RecordedRequest[]): void {
  for (const request of requests) {
    const path = new URL(request.url, 'http://x').pathname;
    const attributes = request.body ? Object.keys((JSON.parse(request.body) as { data?: { attributes?: object } }).data?.attributes ?? {}) : [];
    const endpoint = `${request.method} ${path.replace(/\/api\/(orders|checkout_com_payments)\/[^/]+$/, '/api/$1/:id')} ${attributes.filter((name) => name.startsWith('_')).join(',')}`;
    if (!sentByEndpoint.has(endpoint)) sentByEndpoint.set(endpoint, `${request.method} ${path} ${request.body || '(no body)'}`);
  }
}
afterAll(() => {
  for (const line of sentByEndpoint.values()) console.log(`Commerce Layer request as sent: ${line}`);
});

describe('Commerce Layer + checkout.com provider (card-token sessions)', () => {
  let fake: FakeCommerceLayer;

  beforeEach(async () => {
    fake = await startFakeCommerceLayer({ [ORDER]: { total_amount_with_taxes_cents: 5000, currency_code: 'EUR' } });
  });
  afterEach(async () => {
    noteRequests(fake.requests);
    await fake.close();
  });

  const provider = (extra: Partial<CommerceLayerProviderOptions> = {}) =>
    createCommerceLayerProvider({
      apiUrl: fake.url,
      accessToken: FAKE_COMMERCELAYER_ACCESS_TOKEN,
      checkoutPublicKey: FAKE_CHECKOUT_PUBLIC_KEY,
      orderId: ORDER,
      ...extra,
    });
  const bodyOf = (request: RecordedRequest) => JSON.parse(request.body) as unknown;

  it("answers create with a card-token session for the Commerce Layer order's total", async () => {
    const session = await provider().createSession(input());
    expect(session).toEqual({
      id: 'cl_ord_1',
      provider: 'commercelayer',
      kind: 'card-token',
      status: 'open',
      token_provider: 'checkout.com',
      public_key: FAKE_CHECKOUT_PUBLIC_KEY,
      amount: 5000,
      currency: 'EUR',
    });
    expect(fake.requests).toHaveLength(1);
    const [read] = fake.requests as [RecordedRequest];
    expect(read.method).toBe('GET');
    expect(read.url).toBe(`/api/orders/${ORDER}`);
    expect(read.headers.accept).toBe('application/vnd.api+json');
    expect(read.headers.authorization).toBe(`Bearer ${FAKE_COMMERCELAYER_ACCESS_TOKEN}`);
  });

  it('refuses a create whose catalog price or currency differs from the order (a 400, nothing paid)', async () => {
    for (const differing of [{ amount: 4999 }, { currency: 'DKK' }]) {
      const error = await provider().createSession(input(differing)).catch((caught: unknown) => caught);
      expect(error, JSON.stringify(differing)).toBeInstanceOf(ProviderInputError);
      expect((error as Error).message).toMatch(/order ABCRtyUpBa totals 5000 EUR but the cart is .* the Commerce Layer order and the catalog disagree/);
    }
    expect(fake.requests.every((request) => request.url.startsWith('/api/orders/'))).toBe(true);
  });

  it('pays with a token: creates the payment with the order and the return URLs, authorises it, answers complete', async () => {
    const cl = provider();
    await cl.createSession(input());
    const session = await cl.submitToken!('cl_ord_1', FAKE_CHECKOUT_TOKENS.authorised, context);
    expect(session).toMatchObject({ id: 'cl_ord_1', kind: 'card-token', status: 'complete', amount: 5000, currency: 'EUR' });
    expect(session.url).toBeUndefined();

    const [, create, authorize] = fake.requests as [RecordedRequest, RecordedRequest, RecordedRequest];
    for (const request of [create, authorize]) expect(request.headers['content-type']).toBe('application/vnd.api+json');
    expect(create.method).toBe('POST');
    expect(create.url).toBe('/api/checkout_com_payments');
    expect(bodyOf(create)).toEqual({
      data: {
        type: 'checkout_com_payments',
        attributes: {
          payment_type: 'token',
          token: FAKE_CHECKOUT_TOKENS.authorised,
          // checkout.com adds cko-session-id; checkout_ref lets the return bridge find the session.
          success_url: `${SHOP_BRIDGE}/accept?checkout_ref=ord_1`,
          failure_url: `${SHOP_BRIDGE}/cancel?checkout_ref=ord_1`,
          reference: 'ord_1',
        },
        relationships: { order: { data: { type: 'orders', id: ORDER } } },
      },
    });
    const paymentId = (bodyOf(authorize) as { data: { id: string } }).data.id;
    expect(authorize.method).toBe('PATCH');
    expect(authorize.url).toBe(`/api/checkout_com_payments/${paymentId}`);
    expect(bodyOf(authorize)).toEqual({ data: { type: 'checkout_com_payments', id: paymentId, attributes: { _authorize: true } } });
    // Reads confirm through _details with the checkout.com session.
    expect(await cl.getSession('cl_ord_1')).toMatchObject({ status: 'complete' });
    expect(fake.requests.at(-1)).toMatchObject({ method: 'PATCH', url: `/api/checkout_com_payments/${paymentId}` });
  });

  it('hands over 3-D Secure as a url that must not be framed; the cko-session-id return completes it', async () => {
    const cl = provider();
    await cl.createSession(input());
    const session = await cl.submitToken!('cl_ord_1', FAKE_CHECKOUT_TOKENS.threeDSecure, context);
    expect(session).toMatchObject({ id: 'cl_ord_1', kind: 'card-token', status: 'open', frameable: false });
    const paymentId = new URL(session.url!).pathname.split('/').pop()!;
    expect(session.url).toBe(`${fake.url}/3ds/${paymentId}`);
    expect(await cl.getSession('cl_ord_1')).toMatchObject({ status: 'open', url: session.url });

    const back = new URL(fake.finishThreeDSecure(paymentId, 'complete'));
    expect(back.origin + back.pathname).toBe(`${SHOP_BRIDGE}/accept`);
    expect(back.searchParams.get('checkout_ref')).toBe('ord_1');
    const ckoSessionId = back.searchParams.get('cko-session-id')!;
    // Found through the checkout.com session alone: the return URL carries nothing else of the payment.
    expect(await cl.completeReturn(ckoSessionId)).toMatchObject({ id: 'cl_ord_1', status: 'complete' });
    expect(bodyOf(fake.requests.at(-1)!)).toEqual({
      data: { type: 'checkout_com_payments', id: paymentId, attributes: { _details: true, session_id: ckoSessionId } },
    });
    expect(await cl.getSession('cl_ord_1')).toMatchObject({ status: 'complete' });
  });

  it('a failed 3-D Secure reads as failed', async () => {
    const cl = provider();
    await cl.createSession(input());
    const session = await cl.submitToken!('cl_ord_1', FAKE_CHECKOUT_TOKENS.threeDSecure, context);
    fake.finishThreeDSecure(new URL(session.url!).pathname.split('/').pop()!, 'fail');
    expect(await cl.getSession('cl_ord_1')).toMatchObject({ status: 'failed' });
  });

  it('throws PaymentDeclinedError on a decline, keeps the session open for another card, and pays with the next', async () => {
    const cl = provider();
    await cl.createSession(input());
    await expect(cl.submitToken!('cl_ord_1', FAKE_CHECKOUT_TOKENS.declined, context)).rejects.toBeInstanceOf(PaymentDeclinedError);
    expect(await cl.getSession('cl_ord_1')).toMatchObject({ status: 'open', kind: 'card-token' });
    expect(await cl.submitToken!('cl_ord_1', FAKE_CHECKOUT_TOKENS.authorised, context)).toMatchObject({ status: 'complete' });
  });

  it('refuses a token that is not checkout.com-shaped before calling Commerce Layer', async () => {
    const cl = provider();
    await cl.createSession(input());
    const before = fake.requests.length;
    for (const token of ['tok_short', 'tok_UPPERCASEUPPERCASEUPPERCA', `tok_${'a'.repeat(27)}`, 'card_123']) {
      await expect(cl.submitToken!('cl_ord_1', token, context), token).rejects.toBeInstanceOf(ProviderInputError);
    }
    expect(fake.requests).toHaveLength(before);
  });

  it('keeps its records on the shop store: another process reads and pays the session', async () => {
    const shared = createMemoryStore();
    const { providerRecordsOn } = await import('../../server/store/provider-records.js');
    const records = () => providerRecordsOn<never>(shared, 'commercelayer');
    await provider({ store: records() }).createSession(input());
    const other = provider({ store: records() });
    expect(await other.getSession('cl_ord_1')).toMatchObject({ status: 'open', amount: 5000 });
    const session = await other.submitToken!('cl_ord_1', FAKE_CHECKOUT_TOKENS.threeDSecure, context);
    const ckoSessionId = new URL(fake.finishThreeDSecure(new URL(session.url!).pathname.split('/').pop()!, 'complete')).searchParams.get('cko-session-id')!;
    expect(await provider({ store: records() }).completeReturn(ckoSessionId)).toMatchObject({ id: 'cl_ord_1', status: 'complete' });
    await expect(other.getSession('cl_ord_unknown')).rejects.toMatchObject({ providerStatus: 404 });
  });

  it('reads a session of the earlier adapter (its id is the payment id) as before', async () => {
    const cl = provider();
    await cl.createSession(input());
    const session = await cl.submitToken!('cl_ord_1', FAKE_CHECKOUT_TOKENS.authorised, context);
    expect(session.status).toBe('complete');
    const paymentId = (bodyOf(fake.requests[2]!) as { data: { id: string } }).data.id;
    expect(await cl.getSession(paymentId)).toMatchObject({ id: paymentId, kind: 'hosted', status: 'complete', url: `${SHOP_BRIDGE}/accept?checkout_ref=ord_1` });
    expect(fake.requests.slice(-2).map((request) => request.method)).toEqual(['GET', 'PATCH']);
  });

  it('refuses missing and malformed cko session ids', async () => {
    const cl = provider();
    await expect(cl.completeReturn('pay_123', 'cl_ord_1')).rejects.toBeInstanceOf(ProviderInputError);
    await expect(cl.completeReturn('sid_unknown')).rejects.toThrow(/no payment this server created/);
    expect(fake.requests).toHaveLength(0);
  });

  describe('the order charged is chosen by the server, never by the browser', () => {
    it('refuses metadata.order_id and metadata.token without calling Commerce Layer', async () => {
      const bodies: Record<string, string>[] = [{ order_id: 'SomeoneElse' }, { order_id: ORDER }, { order_id: '' }, { token: FAKE_CHECKOUT_TOKENS.authorised }];
      for (const metadata of bodies) {
        const error = await provider().createSession(input({ metadata })).catch((caught: unknown) => caught);
        expect(error, JSON.stringify(metadata)).toBeInstanceOf(ProviderInputError);
        expect((error as Error).message).toMatch(/metadata\.(order_id|token)/);
      }
      expect(fake.requests).toHaveLength(0);
    });

    it('asks the orderFor hook, with the create input, and charges its order rather than the configured one', async () => {
      fake.orders.set('cl_ord_42', { total_amount_with_taxes_cents: 5000, currency_code: 'eur' });
      const seen: CreateSessionInput[] = [];
      const cl = provider({ orderId: 'FIXED', orderFor: async (given) => (seen.push(given), `cl_${given.reference}`) });
      await cl.createSession(input({ reference: 'ord_42', metadata: { cart: 'c_9' } }));
      expect(fake.requests[0]!.url).toBe('/api/orders/cl_ord_42');
      expect(seen[0]).toMatchObject({ reference: 'ord_42', amount: 5000, metadata: { cart: 'c_9' } });
      await cl.submitToken!('cl_ord_42', FAKE_CHECKOUT_TOKENS.authorised, { ...context, reference: 'ord_42' });
      expect(bodyOf(fake.requests[1]!)).toMatchObject({ data: { relationships: { order: { data: { id: 'cl_ord_42' } } } } });
    });

    it('a hook without an answer fails the create instead of falling back to the configured order', async () => {
      for (const answer of ['', '  ', undefined, 42, 'two words'] as unknown[]) {
        const error = await provider({ orderFor: () => answer as string }).createSession(input()).catch((caught: unknown) => caught);
        expect(error, String(answer)).toBeInstanceOf(ProviderError);
        expect(error, String(answer)).not.toBeInstanceOf(ProviderInputError);
        expect((error as Error).message).toMatch(/orderFor/);
      }
      expect(fake.requests).toHaveLength(0);
    });

    it("passes the hook's ProviderInputError on (a 400) and wraps its other failures", async () => {
      const refused = new ProviderInputError('commercelayer', 'this cart has no order yet');
      await expect(provider({ orderFor: () => Promise.reject(refused) }).createSession(input())).rejects.toBe(refused);
      const failure = new Error('database down: postgres://user:pw@db');
      const error = await provider({ orderFor: () => Promise.reject(failure) }).createSession(input()).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ProviderError);
      expect((error as Error).message).not.toContain('postgres://');
      expect((error as Error).cause).toBe(failure);
    });
  });

  describe('provider failures become ProviderError', () => {
    it.each([
      [{ status: 422, body: { errors: [{ title: 'is invalid', detail: 'token - is invalid', code: 'VALIDATION_ERROR' }] } }, /HTTP 422 \(token - is invalid: is invalid\)/],
      [{ status: 401, body: { errors: [{ title: 'Invalid token', detail: 'The access token you provided is invalid.' }] } }, /HTTP 401/],
      [{ status: 500, body: 'oops' }, /HTTP 500/],
      [{ status: 201, body: '<html>' }, /not valid JSON/],
      [{ status: 201, body: { data: { id: 'x', type: 'orders', attributes: {} } } }, /unexpected answer \(data\.type/],
    ])('%j', async (answer, message) => {
      const raw = await startFakeHttpServer((request) =>
        request.method === 'GET' ? { body: { data: { id: ORDER, type: 'orders', attributes: { total_amount_with_taxes_cents: 5000, currency_code: 'EUR' } } } } : answer,
      );
      try {
        const cl = provider({ apiUrl: raw.url });
        await cl.createSession(input());
        const error = await cl.submitToken!('cl_ord_1', FAKE_CHECKOUT_TOKENS.authorised, context).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(ProviderError);
        expect(error).not.toBeInstanceOf(PaymentDeclinedError);
        expect((error as Error).message).toMatch(message);
      } finally {
        await raw.close();
      }
    });

    it('times out', async () => {
      const raw = await startFakeHttpServer(() => ({ delayMs: 1_000, body: {} }));
      try {
        await expect(provider({ apiUrl: raw.url, timeoutMs: 50 }).createSession(input())).rejects.toThrow(/no answer within 50 ms/);
      } finally {
        await raw.close();
      }
    });
  });

  it('validates options and reads the environment', () => {
    const env = { COMMERCELAYER_BASE_URL: 'https://x', COMMERCELAYER_ACCESS_TOKEN: 't', COMMERCELAYER_ORDER_ID: 'o', COMMERCELAYER_CHECKOUT_PUBLIC_KEY: 'pk_sbox_abcd' };
    expect(fromEnv(env)?.name).toBe('commercelayer');
    expect(fromEnv({ COMMERCELAYER_BASE_URL: 'https://x' })).toBeUndefined();
    // Said at start, not on the first payment.
    expect(() => fromEnv({ ...env, COMMERCELAYER_ORDER_ID: '' })).toThrow(/COMMERCELAYER_ORDER_ID/);
    expect(() => fromEnv({ ...env, COMMERCELAYER_CHECKOUT_PUBLIC_KEY: '' })).toThrow(/COMMERCELAYER_CHECKOUT_PUBLIC_KEY/);
    // A secret key must never reach a browser's session.
    expect(() => fromEnv({ ...env, COMMERCELAYER_CHECKOUT_PUBLIC_KEY: 'sk_sbox_secret' })).toThrow(/checkoutPublicKey must be checkout.com's public key/);
    const options = { apiUrl: 'https://x', accessToken: 't', checkoutPublicKey: 'pk_abcd' };
    expect(() => createCommerceLayerProvider({ ...options, accessToken: '' })).toThrow(/accessToken is required/);
    expect(() => createCommerceLayerProvider(options)).toThrow(/orderFor|orderId/);
    expect(() => createCommerceLayerProvider({ ...options, orderId: ' ' })).toThrow(/orderId/);
  });
});
