import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeHttpServer, type FakeHttpServer, type RecordedRequest } from '../../server/test-support/fake-http.js';
import { ProviderInputError } from '../../server/providers/types.js';
import { ProviderError, type CreateSessionInput } from '../../server/providers/types.js';
import { createCommerceLayerProvider, fromEnv } from './server.js';

const TOKEN = 'your-access-token';
const PAYMENT_ID = 'xYZkjABcde';
const CKO_SESSION = 'sid_y3oqhf46pyzuxjbcn2giaqnb44';
const REDIRECT = 'https://api.checkout.com/3ds/pay_mbabizu24mvu3mela5njyhpit4';

/** The document's example resource, with a payment response and session id of our choosing. */
function payment(paymentStatus: string | undefined, extra: Record<string, unknown> = {}) {
  return {
    data: {
      id: PAYMENT_ID,
      type: 'checkout_com_payments',
      links: { self: `https://yourdomain.commercelayer.io/api/checkout_com_payments/${PAYMENT_ID}` },
      attributes: {
        public_key: 'pk_test_xxxx-yyyy-zzzz',
        payment_type: 'token',
        token: 'tok_4gzeau5o2uqubbk6fufs3m7p54',
        session_id: CKO_SESSION,
        success_url: 'https://shop.example/api/checkout/return/accept',
        failure_url: 'https://shop.example/api/checkout/return/cancel',
        redirect_uri: REDIRECT,
        payment_response: paymentStatus ? { status: paymentStatus } : { foo: 'bar' },
        mismatched_amounts: false,
        reference: 'order-1',
        ...extra,
      },
      meta: { mode: 'test' },
    },
  };
}

function input(overrides: Partial<CreateSessionInput> = {}): CreateSessionInput {
  return {
    reference: 'order-1',
    lines: [{ sku: 'mug', name: 'Mug', quantity: 1, unitAmount: 5000, vatRate: 0.25 }],
    amount: 5000,
    currency: 'eur',
    metadata: { token: 'tok_4gzeau5o2uqubbk6fufs3m7p54' },
    acceptUrl: 'https://shop.example/api/checkout/return/accept?checkout_session={SESSION_ID}',
    cancelUrl: 'https://shop.example/api/checkout/return/cancel?checkout_session={SESSION_ID}',
    webhookUrl: 'https://shop.example/api/checkout/webhooks/commercelayer',
    ...overrides,
  };
}

describe('Commerce Layer + checkout.com provider', () => {
  let fake: FakeHttpServer;
  let detailsStatus = 'Authorized';

  function route(request: RecordedRequest) {
    if (request.method === 'POST') return { status: 201, body: payment(undefined) };
    if (request.method === 'GET') return { body: payment('Pending') };
    const attributes = (JSON.parse(request.body) as { data: { attributes: Record<string, unknown> } }).data.attributes;
    if (attributes['_authorize']) return { body: payment('Pending') };
    return { body: payment(detailsStatus) };
  }

  beforeEach(async () => {
    detailsStatus = 'Authorized';
    fake = await startFakeHttpServer(route);
  });
  afterEach(() => fake.close());

  const provider = (extra: Partial<Parameters<typeof createCommerceLayerProvider>[0]> = {}) =>
    createCommerceLayerProvider({ baseUrl: fake.url, accessToken: TOKEN, orderId: 'ABCRtyUpBa', ...extra });
  const chargedOrder = (index = 0) =>
    (JSON.parse(fake.requests[index]!.body) as { data: { relationships: { order: { data: { id: string } } } } }).data
      .relationships.order.data.id;

  it('creates the payment, authorizes it and hands over the 3-D Secure redirect', async () => {
    const session = await provider().createSession(input());

    expect(fake.requests).toHaveLength(2);
    const [create, authorize] = fake.requests as [RecordedRequest, RecordedRequest];
    for (const request of [create, authorize]) {
      expect(request.headers.accept).toBe('application/vnd.api+json');
      expect(request.headers['content-type']).toBe('application/vnd.api+json');
      expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);
    }
    expect(create.method).toBe('POST');
    expect(create.url).toBe('/api/checkout_com_payments');
    expect(JSON.parse(create.body)).toEqual({
      data: {
        type: 'checkout_com_payments',
        attributes: {
          payment_type: 'token',
          token: 'tok_4gzeau5o2uqubbk6fufs3m7p54',
          success_url: 'https://shop.example/api/checkout/return/accept',
          failure_url: 'https://shop.example/api/checkout/return/cancel',
          reference: 'order-1',
        },
        relationships: { order: { data: { type: 'orders', id: 'ABCRtyUpBa' } } },
      },
    });
    expect(authorize.method).toBe('PATCH');
    expect(authorize.url).toBe(`/api/checkout_com_payments/${PAYMENT_ID}`);
    expect(JSON.parse(authorize.body)).toEqual({
      data: { type: 'checkout_com_payments', id: PAYMENT_ID, attributes: { _authorize: true } },
    });
    expect(session).toEqual({
      id: PAYMENT_ID,
      provider: 'commercelayer',
      kind: 'hosted',
      status: 'open',
      url: REDIRECT,
      frameable: false,
      amount: 5000,
      currency: 'EUR',
    });
  });

  it('completes the return with the cko session id and maps the checkout.com status', async () => {
    const cl = provider();
    await cl.createSession(input());
    for (const [status, expected] of [
      ['Authorized', 'complete'],
      ['Captured', 'complete'],
      ['Pending', 'open'],
      ['Declined', 'failed'],
      ['Card Verified', 'open'],
    ] as const) {
      detailsStatus = status;
      // Found through the checkout.com session alone: the return URL carries nothing else.
      expect((await cl.completeReturn(CKO_SESSION)).status, status).toBe(expected);
    }
    const details = fake.requests[2]!;
    expect(details.method).toBe('PATCH');
    expect(details.url).toBe(`/api/checkout_com_payments/${PAYMENT_ID}`);
    expect(JSON.parse(details.body)).toEqual({
      data: { type: 'checkout_com_payments', id: PAYMENT_ID, attributes: { _details: true, session_id: CKO_SESSION } },
    });
  });

  it('never reports complete when the amounts do not match the order', async () => {
    fake.respond((request) =>
      request.method === 'PATCH' ? { body: payment('Authorized', { mismatched_amounts: true }) } : route(request),
    );
    expect((await provider().getSession(PAYMENT_ID)).status).toBe('failed');
  });

  it('getSession in a fresh process reads the payment, then asks for details with its session id', async () => {
    detailsStatus = 'Captured';
    const session = await provider().getSession(PAYMENT_ID);
    expect(fake.requests.map((request) => request.method)).toEqual(['GET', 'PATCH']);
    expect(fake.requests[0]!.url).toBe(`/api/checkout_com_payments/${PAYMENT_ID}`);
    expect(session).toMatchObject({ id: PAYMENT_ID, status: 'complete', url: 'https://shop.example/api/checkout/return/accept' });
  });

  it('getSession without a checkout.com session reports what the payment says', async () => {
    fake.respond(() => ({ body: payment('Pending', { session_id: null }) }));
    expect((await provider().getSession(PAYMENT_ID)).status).toBe('open');
    expect(fake.requests).toHaveLength(1);
  });

  it('asks a token function for every request', async () => {
    let issued = 0;
    await provider({ accessToken: async () => `token-${++issued}` }).createSession(input());
    expect(fake.requests.map((request) => request.headers.authorization)).toEqual(['Bearer token-1', 'Bearer token-2']);
  });

  it('refuses missing tokens and cko session ids before calling Commerce Layer', async () => {
    const cl = provider();
    await expect(cl.createSession(input({ metadata: {} }))).rejects.toThrow(/metadata\.token/);
    await expect(cl.createSession(input({ metadata: { token: 'card' } }))).rejects.toThrow(/metadata\.token/);
    await expect(cl.completeReturn('pay_123', PAYMENT_ID)).rejects.toBeInstanceOf(ProviderInputError);
    await expect(cl.completeReturn('sid_unknown')).rejects.toThrow(/no payment this server created/);
    expect(fake.requests).toHaveLength(0);
  });

  describe('the order charged is chosen by the server, never by the browser', () => {
    it('refuses a metadata.order_id from the request body without calling Commerce Layer', async () => {
      for (const orderId of ['SomeoneElse', 'ABCRtyUpBa', '']) {
        const error = await provider()
          .createSession(input({ metadata: { order_id: orderId, token: 'tok_1' } }))
          .catch((caught: unknown) => caught);
        expect(error, orderId).toBeInstanceOf(ProviderInputError);
        expect((error as Error).message).toMatch(/metadata\.order_id/);
      }
      expect(fake.requests).toHaveLength(0);
    });

    it('charges the configured order', async () => {
      await provider({ orderId: 'FIXED' }).createSession(input());
      expect(chargedOrder()).toBe('FIXED');
    });

    it('asks the orderFor hook, with the create input, and charges its order rather than the configured one', async () => {
      const seen: CreateSessionInput[] = [];
      const cl = provider({
        orderId: 'FIXED',
        orderFor: async (given) => {
          seen.push(given);
          return `cl_${given.reference}`;
        },
      });
      const session = await cl.createSession(input({ reference: 'ord_42', metadata: { token: 'tok_1', cart: 'c_9' } }));
      expect(chargedOrder()).toBe('cl_ord_42');
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({ reference: 'ord_42', amount: 5000, metadata: { cart: 'c_9' } });
      expect(session.amount).toBe(5000);
      // A synchronous hook serves too.
      await provider({ orderFor: () => 'SYNC' }).createSession(input());
      expect(chargedOrder(2)).toBe('SYNC');
    });

    it('never asks the hook when the body names an order', async () => {
      let asked = 0;
      const cl = provider({ orderFor: () => (asked++, 'X') });
      await expect(cl.createSession(input({ metadata: { order_id: 'Y', token: 'tok_1' } }))).rejects.toBeInstanceOf(
        ProviderInputError,
      );
      expect(asked).toBe(0);
    });

    it('a hook without an answer fails the create instead of falling back to the configured order', async () => {
      for (const answer of ['', '  ', undefined, 42, 'two words'] as unknown[]) {
        const error = await provider({ orderId: 'FIXED', orderFor: () => answer as string })
          .createSession(input())
          .catch((caught: unknown) => caught);
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
      const error = await provider({ orderFor: () => Promise.reject(failure) })
        .createSession(input())
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).not.toBeInstanceOf(ProviderInputError);
      expect((error as Error).message).not.toContain('postgres://');
      expect((error as Error).cause).toBe(failure);
      expect(fake.requests).toHaveLength(0);
    });

    it('refuses to be made without a way to pick the order', () => {
      expect(() => createCommerceLayerProvider({ baseUrl: fake.url, accessToken: TOKEN })).toThrow(/orderFor|orderId/);
      expect(() => createCommerceLayerProvider({ baseUrl: fake.url, accessToken: TOKEN, orderId: ' ' })).toThrow(/orderId/);
    });
  });

  describe('provider failures become ProviderError', () => {
    it.each([
      [{ status: 422, body: { errors: [{ title: 'is invalid', detail: 'token - is invalid', code: 'VALIDATION_ERROR' }] } }, /HTTP 422 \(token - is invalid: is invalid\)/],
      [{ status: 401, body: { errors: [{ title: 'Invalid token', detail: 'The access token you provided is invalid.' }] } }, /HTTP 401/],
      [{ status: 500, body: 'oops' }, /HTTP 500/],
      [{ status: 201, body: '<html>' }, /not valid JSON/],
      [{ status: 201, body: { data: { id: PAYMENT_ID, type: 'orders', attributes: {} } } }, /unexpected answer \(data\.type/],
    ])('%j', async (answer, message) => {
      fake.respond(() => answer);
      const error = await provider().createSession(input()).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ProviderError);
      expect((error as Error).message).toMatch(message);
    });

    it('fails when authorization fails after the payment was created', async () => {
      fake.respond((request) => (request.method === 'PATCH' ? { status: 503, body: { errors: [{ title: 'Service unavailable' }] } } : route(request)));
      await expect(provider().createSession(input())).rejects.toThrow(/authorize payment failed: HTTP 503/);
    });

    it('times out', async () => {
      fake.respond(() => ({ delayMs: 1_000, body: {} }));
      await expect(provider({ timeoutMs: 50 }).getSession(PAYMENT_ID)).rejects.toThrow(/no answer within 50 ms/);
    });
  });

  it('validates options and reads the environment', () => {
    expect(() => createCommerceLayerProvider({ baseUrl: 'https://x', accessToken: '' })).toThrow(/accessToken is required/);
    expect(fromEnv({ COMMERCELAYER_BASE_URL: 'https://x' })).toBeUndefined();
    expect(
      fromEnv({ COMMERCELAYER_BASE_URL: 'https://x', COMMERCELAYER_ACCESS_TOKEN: 't', COMMERCELAYER_ORDER_ID: 'o' })?.name,
    ).toBe('commercelayer');
    // Without an order the provider could charge nothing: said at start, not on the first payment.
    expect(() => fromEnv({ COMMERCELAYER_BASE_URL: 'https://x', COMMERCELAYER_ACCESS_TOKEN: 't' })).toThrow(
      /COMMERCELAYER_ORDER_ID/,
    );
  });
});
