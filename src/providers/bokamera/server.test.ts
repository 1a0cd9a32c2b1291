import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeHttpServer, type FakeHttpServer } from '../../server/test-support/fake-http.js';
import { ProviderInputError } from '../../server/provider-api/types.js';
import { ProviderError, type CreateSessionInput } from '../../server/provider-api/types.js';
import { createBokaMeraProvider, fromEnv } from './server.js';

const COMPANY = '10000000-0000-0000-0000-000000000001';
const ARTICLES = { massage: { ArticleId: 11, ArticleTypeId: 1 }, voucher: { ArticleId: 12, ArticleTypeId: 3 } };

/** The document's response fields with plausible values. */
function answer(extra: Record<string, unknown> = {}) {
  return {
    SessionId: 'cs_test_a1b2c3',
    Url: null,
    Status: 'open',
    ClientSecret: 'cs_test_a1b2c3_secret_xyz',
    CustomerId: null,
    PaymentIntentClientSecret: null,
    PaymentIntentId: null,
    StripeAccount: 'acct_1BokaMera',
    ...extra,
  };
}

function input(overrides: Partial<CreateSessionInput> = {}): CreateSessionInput {
  return {
    reference: 'order-5',
    lines: [
      { sku: 'massage', name: 'Massage 60 min', quantity: 1, unitAmount: 80000, vatRate: 0.25 },
      { sku: 'voucher', name: 'Voucher', quantity: 2, unitAmount: 10000, vatRate: 0.25 },
    ],
    amount: 100000,
    currency: 'SEK',
    customer: { email: 'a@b.example', country: 'se' },
    metadata: { internal_reference_id: 'booking-4711' },
    acceptUrl: 'https://shop.example/api/checkout/return/accept?checkout_session={SESSION_ID}',
    cancelUrl: 'https://shop.example/api/checkout/return/cancel?checkout_session={SESSION_ID}',
    webhookUrl: 'https://shop.example/api/checkout/webhooks/bokamera',
    ...overrides,
  };
}

describe('BokaMera provider', () => {
  let fake: FakeHttpServer;

  beforeEach(async () => {
    fake = await startFakeHttpServer(() => ({ body: answer() }));
  });
  afterEach(() => fake.close());

  const provider = (extra: Partial<Parameters<typeof createBokaMeraProvider>[0]> = {}) =>
    createBokaMeraProvider({
      companyId: COMPANY,
      articles: ARTICLES,
      apiUrl: fake.url,
      apiKey: 'bm-api-key',
      publishableKey: 'pk_test_bokamera',
      ...extra,
    });

  it('creates an embedded checkout with the documented fields and hands over the client secret', async () => {
    const session = await provider().createSession(input());

    const request = fake.requests[0]!;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/payment/stripe/v1/checkout');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers.accept).toBe('application/json');
    expect(request.headers['x-api-key']).toBe('bm-api-key');
    expect(request.headers.authorization).toBeUndefined();
    expect(JSON.parse(request.body)).toEqual({
      CompanyId: COMPANY,
      CountryCode: 'SE',
      Articles: [
        { ArticleId: 11, ArticleTypeId: 1, Quantity: 1 },
        { ArticleId: 12, ArticleTypeId: 3, Quantity: 2 },
      ],
      InternalReferenceId: 'booking-4711',
      ConfirmationUrl: 'https://shop.example/api/checkout/return/accept',
      UiMode: 'embedded',
    });
    expect(session).toEqual({
      id: 'cs_test_a1b2c3',
      provider: 'bokamera',
      kind: 'stripe-embedded',
      status: 'open',
      client_secret: 'cs_test_a1b2c3_secret_xyz',
      publishable_key: 'pk_test_bokamera',
      stripe_account: 'acct_1BokaMera',
    });
  });

  it('creates a hosted checkout that is redirected to, with a cancel URL and a bearer token', async () => {
    fake.respond(() => ({ body: answer({ Url: 'https://checkout.stripe.com/c/pay/cs_test_a1b2c3', ClientSecret: null }) }));
    const session = await provider({ uiMode: 'hosted', apiKeyHeader: 'X-Custom-Key', authToken: async () => 'user-token', countryCode: 'NO' }).createSession(
      input({ customer: undefined, metadata: undefined }),
    );
    const request = fake.requests[0]!;
    expect(request.headers['x-custom-key']).toBe('bm-api-key');
    expect(request.headers.authorization).toBe('Bearer user-token');
    expect(JSON.parse(request.body)).toMatchObject({
      CountryCode: 'NO',
      InternalReferenceId: 'order-5',
      CancelUrl: 'https://shop.example/api/checkout/return/cancel',
      UiMode: 'hosted',
    });
    expect(session).toEqual({
      id: 'cs_test_a1b2c3',
      provider: 'bokamera',
      kind: 'hosted',
      status: 'open',
      url: 'https://checkout.stripe.com/c/pay/cs_test_a1b2c3',
      frameable: false,
    });
  });

  it('refuses a sku without a BokaMera article before calling BokaMera', async () => {
    const error = await provider()
      .createSession(input({ lines: [{ sku: 'tea', name: 'Tea', quantity: 1, unitAmount: 100, vatRate: 0.12 }] }))
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderInputError);
    expect((error as Error).message).toMatch(/sku "tea"/);
    expect(fake.requests).toHaveLength(0);
  });

  it('returns created sessions, with a fresh status when readStatus is given', async () => {
    let status: 'open' | 'complete' = 'open';
    const bm = provider({ readStatus: async () => status });
    await bm.createSession(input());
    expect((await bm.getSession('cs_test_a1b2c3')).status).toBe('open');
    status = 'complete';
    expect(await bm.getSession('cs_test_a1b2c3')).toMatchObject({ status: 'complete', kind: 'stripe-embedded' });
    await expect(bm.getSession('cs_other')).rejects.toThrow(/unknown to this server/);
  });

  describe('provider failures become ProviderError', () => {
    it.each([
      [{ status: 400, body: { ResponseStatus: { ErrorCode: 'NotFound', Message: 'Company not found' } } }, /HTTP 400 \(Company not found\)/],
      [{ status: 401, body: { ResponseStatus: { Message: 'Not authenticated' } } }, /HTTP 401/],
      [{ status: 500, body: 'Internal Server Error' }, /HTTP 500/],
      [{ status: 200, body: 'SessionId,Url\ncs_1,' }, /not valid JSON/],
      [{ status: 200, body: { Url: 'https://x' } }, /unexpected answer \(SessionId/],
      [{ status: 200, body: answer({ ClientSecret: null }) }, /without ClientSecret/],
    ])('%j', async (reply, message) => {
      fake.respond(() => reply);
      const error = await provider().createSession(input()).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ProviderError);
      expect((error as Error).message).toMatch(message);
    });

    it('times out', async () => {
      fake.respond(() => ({ delayMs: 1_000, body: answer() }));
      await expect(provider({ timeoutMs: 50 }).createSession(input())).rejects.toThrow(/no answer within 50 ms/);
    });
  });

  it('validates options and reads the environment', () => {
    expect(() => createBokaMeraProvider({ companyId: 'acme', articles: ARTICLES })).toThrow(/GUID/);
    expect(() => createBokaMeraProvider({ companyId: COMPANY, articles: {} })).toThrow(/at least one sku/);
    expect(() => createBokaMeraProvider({ companyId: COMPANY, articles: { x: { ArticleId: 1.5, ArticleTypeId: 1 } } })).toThrow(/articles\["x"\]/);
    expect(fromEnv({ BOKAMERA_COMPANY_ID: COMPANY })).toBeUndefined();
    expect(() => fromEnv({ BOKAMERA_COMPANY_ID: COMPANY, BOKAMERA_ARTICLES: '{' })).toThrow(/not valid JSON/);
    expect(fromEnv({ BOKAMERA_COMPANY_ID: COMPANY, BOKAMERA_ARTICLES: JSON.stringify(ARTICLES) })?.name).toBe('bokamera');
  });
});
