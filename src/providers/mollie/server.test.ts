import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PaymentDeclinedError, ProviderError, ProviderInputError, WebhookVerificationError, type CreateSessionInput } from '../../server/provider-api/types.js';
import { MOLLIE_PROFILE_ID, MOLLIE_TEST_KEY, startFakeMollie, type FakeMollie, type MolliePaymentStatus } from './fake-api.js';
import { mollieLocale } from './locale.js';
import { createMollieProvider, fromEnv } from './server.js';

const WEBHOOK = 'https://shop.example/api/checkout/webhooks/mollie';

function input(overrides: Partial<CreateSessionInput> = {}): CreateSessionInput {
  return {
    reference: 'ord_0a1b2c3d',
    lines: [{ sku: 'mug', name: 'Mug', quantity: 1, unitAmount: 1000, vatRate: 0.21 }],
    amount: 1000,
    currency: 'EUR',
    customer: { email: 'jan@example.org', first_name: 'Jan', last_name: 'Jansen' },
    locale: 'nl',
    idempotencyKey: 'browser-key-1',
    acceptUrl: 'https://shop.example/api/checkout/return/accept?checkout_session={SESSION_ID}&checkout_ref=ord_0a1b2c3d',
    cancelUrl: 'https://shop.example/api/checkout/return/cancel?checkout_session={SESSION_ID}&checkout_ref=ord_0a1b2c3d',
    webhookUrl: WEBHOOK,
    ...overrides,
  };
}

const form = (body: string) => new Headers({ 'content-type': 'application/x-www-form-urlencoded' });
const webhookRequest = (query = '') => ({ url: `${WEBHOOK}${query}`, method: 'POST' });

describe('Mollie provider (hosted)', () => {
  let fake: FakeMollie;
  beforeEach(async () => {
    // Webhooks of the fake are not under test here: answered, not sent anywhere.
    fake = await startFakeMollie({ sendWebhook: async () => new Response('', { status: 200 }) });
  });
  afterEach(() => fake.close());

  const provider = () => createMollieProvider({ apiKey: MOLLIE_TEST_KEY, apiUrl: fake.url });

  it('creates the payment as documented and answers its checkout link as a hosted, non-frameable session', async () => {
    const session = await provider().createSession(input());
    expect(fake.requests).toHaveLength(1);
    const [request] = fake.requests;
    expect(`${request!.method} ${request!.url}`).toBe('POST /v2/payments');
    expect(request!.headers).toMatchObject({
      authorization: `Bearer ${MOLLIE_TEST_KEY}`,
      'content-type': 'application/json',
      accept: 'application/hal+json',
      'idempotency-key': 'ord_0a1b2c3d:payment',
    });
    expect(JSON.parse(request!.body)).toEqual({
      amount: { currency: 'EUR', value: '10.00' },
      description: 'Order ord_0a1b2c3d',
      metadata: { reference: 'ord_0a1b2c3d' },
      locale: 'nl_NL',
      // The placeholder is dropped (Mollie cannot fill it): the bridge finds the session by checkout_ref.
      redirectUrl: 'https://shop.example/api/checkout/return/accept?checkout_ref=ord_0a1b2c3d',
      cancelUrl: 'https://shop.example/api/checkout/return/cancel?checkout_ref=ord_0a1b2c3d',
      webhookUrl: WEBHOOK,
    });
    const payment = fake.payments.get(session.id)!;
    expect(session).toEqual({
      id: payment.id,
      provider: 'mollie',
      kind: 'hosted',
      status: 'open',
      url: payment._links['checkout']!.href,
      frameable: false,
      amount: 1000,
      currency: 'EUR',
      expires_at: new Date(payment.expiresAt).toISOString(),
      livemode: false,
    });
    expect(session.id).toMatch(/^tr_/);
  });

  it.each([
    ['EUR', 1000, '10.00'],
    ['EUR', 5, '0.05'],
    ['JPY', 1000, '1000'],
    ['KWD', 12345, '12.345'],
  ])('sends %s %i minor units as "%s" and reads it back as the same minor units', async (currency, amount, value) => {
    const session = await provider().createSession(input({ currency, amount }));
    expect((JSON.parse(fake.requests[0]!.body) as { amount: unknown }).amount).toEqual({ currency, value });
    expect(session).toMatchObject({ amount, currency });
  });

  it('a retried create (same reference) is the same payment: the Idempotency-Key is derived from our reference', async () => {
    const first = await provider().createSession(input());
    const again = await provider().createSession(input({ idempotencyKey: 'another-browser-key' }));
    expect(again.id).toBe(first.id);
    expect(fake.payments.size).toBe(1);
    expect((await provider().createSession(input({ reference: 'ord_ffff' }))).id).not.toBe(first.id);
  });

  it.each<[MolliePaymentStatus, string]>([
    ['open', 'open'],
    ['pending', 'open'],
    ['authorized', 'open'],
    ['paid', 'complete'],
    ['canceled', 'cancelled'],
    ['expired', 'expired'],
    ['failed', 'failed'],
  ])('reads Mollie status %s as %s', async (mollie, ours) => {
    const { id } = await provider().createSession(input());
    fake.payments.get(id)!.status = mollie;
    const session = await provider().getSession(id);
    expect(session.status).toBe(ours);
    expect(session.payment).toBe(mollie === 'pending' || mollie === 'authorized' ? 'in_flight' : undefined);
    expect(fake.requests.at(-1)).toMatchObject({ method: 'GET', url: `/v2/payments/${id}` });
  });

  it('a read of an open payment past its expiresAt is expired (the fake moves it as Mollie does)', async () => {
    const { id } = await provider().createSession(input());
    fake.payments.get(id)!.expiresAt = new Date(Date.now() - 1000).toISOString();
    expect((await provider().getSession(id)).status).toBe('expired');
  });

  it('an answer whose amount is not a decimal of its currency is a ProviderError, not a guess', async () => {
    const { id } = await provider().createSession(input());
    fake.payments.get(id)!.amount = { value: '10', currency: 'EUR' };
    await expect(provider().getSession(id)).rejects.toThrow(/not a EUR amount/);
  });

  it("Mollie's error answer becomes a ProviderError with its detail", async () => {
    await expect(provider().createSession(input({ currency: 'eur!' }))).rejects.toBeInstanceOf(ProviderError);
    const wrongKey = createMollieProvider({ apiKey: 'test_SomeoneElsesKey000000', apiUrl: fake.url });
    await expect(wrongKey.getSession('tr_unknown1')).rejects.toThrow(/HTTP 401/);
  });

  it('refuses options that cannot work, at start-up', () => {
    expect(() => createMollieProvider({ apiKey: 'sk_live_nope' })).toThrow(/apiKey must be a Mollie API key/);
    expect(() => createMollieProvider({ apiKey: MOLLIE_TEST_KEY, profileId: 'profile' })).toThrow(/profileId/);
    expect(() => createMollieProvider({ apiKey: MOLLIE_TEST_KEY, components: true })).toThrow(/profileId \(pfl_…\) is required/);
    expect(fromEnv({})).toBeUndefined();
    expect(fromEnv({ MOLLIE_API_KEY: MOLLIE_TEST_KEY })?.name).toBe('mollie');
    expect(fromEnv({ MOLLIE_API_KEY: MOLLIE_TEST_KEY, MOLLIE_PROFILE_ID: MOLLIE_PROFILE_ID, MOLLIE_COMPONENTS: 'true' })?.label).toBe('Mollie (card fields)');
  });

  it('maps widget locales onto Mollie locales, and leaves unknown ones to Mollie', () => {
    expect(mollieLocale('da')).toBe('da_DK');
    expect(mollieLocale('en-GB')).toBe('en_GB');
    expect(mollieLocale('en')).toBe('en_US');
    expect(mollieLocale('de-CH')).toBe('de_CH');
    expect(mollieLocale('no')).toBe('nb_NO');
    expect(mollieLocale('ja')).toBeUndefined();
    expect(mollieLocale(undefined)).toBeUndefined();
  });

  describe('verifyWebhook (the classic webhook is an unsigned hint)', () => {
    it('id=tr_… is a hint to re-read that payment, and nothing is read while verifying', async () => {
      expect(await provider().verifyWebhook('id=tr_d0b0E3EA3v', form(''), webhookRequest())).toEqual({
        eventId: 'tr_d0b0E3EA3v',
        type: 'payment',
        hint: true,
        sessionId: 'tr_d0b0E3EA3v',
        payload: { id: 'tr_d0b0E3EA3v' },
      });
      expect(fake.requests).toEqual([]);
    });

    it('a charge hint carries the reference from our webhook URL; a card-token hint our session', async () => {
      expect(await provider().verifyWebhook('id=tr_abc', form(''), webhookRequest('?reference=ord_77'))).toMatchObject({ hint: true, chargeId: 'tr_abc', reference: 'ord_77' });
      expect(await provider().verifyWebhook('id=tr_abc', form(''), webhookRequest('?session=mollie_ord_77'))).toMatchObject({ hint: true, sessionId: 'mollie_ord_77' });
    });

    it.each([
      ['empty body', ''],
      ['another id kind', 'id=cst_8wmqcHMN4U'],
      ['a second field', 'id=tr_abc&status=paid'],
      ['JSON', '{"id":"tr_abc"}'],
      ['a path in the id', 'id=tr_abc/../x'],
    ])('refuses %s', async (_, body) => {
      await expect(provider().verifyWebhook(body, form(body), webhookRequest())).rejects.toBeInstanceOf(WebhookVerificationError);
    });

    it('refuses a next-gen event (X-Mollie-Signature): this adapter takes no webhookSecret', async () => {
      const headers = new Headers({ 'content-type': 'application/json', 'x-mollie-signature': `sha256=${'a'.repeat(64)}` });
      await expect(provider().verifyWebhook('id=tr_abc', headers, webhookRequest())).rejects.toThrow(/next-gen/);
    });
  });
});

describe('Mollie provider (Mollie Components, card-token)', () => {
  let fake: FakeMollie;
  beforeEach(async () => {
    fake = await startFakeMollie({ sendWebhook: async () => new Response('', { status: 200 }) });
  });
  afterEach(() => fake.close());

  const provider = () => createMollieProvider({ apiKey: MOLLIE_TEST_KEY, profileId: MOLLIE_PROFILE_ID, apiUrl: fake.url, components: true });
  const context = { reference: 'ord_0a1b2c3d', acceptUrl: input().acceptUrl, cancelUrl: input().cancelUrl };

  it('answers a card-token session for Mollie Components without calling Mollie', async () => {
    const session = await provider().createSession(input());
    expect(session).toEqual({
      id: 'mollie_ord_0a1b2c3d',
      provider: 'mollie',
      kind: 'card-token',
      status: 'open',
      token_provider: 'mollie',
      profile_id: MOLLIE_PROFILE_ID,
      testmode: true,
      amount: 1000,
      currency: 'EUR',
      livemode: false,
    });
    expect(fake.requests).toEqual([]);
  });

  it('pays with the token: method creditcard and cardToken, the webhook naming our session; complete when Mollie says paid', async () => {
    const mollie = provider();
    const { id } = await mollie.createSession(input());
    const session = await mollie.submitToken!(id, 'tkn_Pabc123test', context);
    const body = JSON.parse(fake.requests[0]!.body) as Record<string, unknown>;
    expect(body).toMatchObject({
      amount: { currency: 'EUR', value: '10.00' },
      method: 'creditcard',
      cardToken: 'tkn_Pabc123test',
      redirectUrl: 'https://shop.example/api/checkout/return/accept?checkout_ref=ord_0a1b2c3d',
      webhookUrl: `${WEBHOOK}?session=mollie_ord_0a1b2c3d`,
    });
    expect(fake.requests[0]!.headers['idempotency-key']).toMatch(/^ord_0a1b2c3d:card:[0-9a-f]{16}$/);
    expect(session).toMatchObject({ id, kind: 'card-token', status: 'complete' });
    expect(session.url).toBeUndefined();
    expect((await mollie.getSession(id)).status).toBe('complete');
  });

  it('3-D Secure: the open payment\'s checkout link is the session url, never framed', async () => {
    const mollie = provider();
    const { id } = await mollie.createSession(input());
    const session = await mollie.submitToken!(id, 'tkn_Sabc123test', context);
    const payment = [...fake.payments.values()][0]!;
    expect(session).toMatchObject({ status: 'open', url: payment._links['checkout']!.href, frameable: false });
    await fake.settle(payment.id, 'paid');
    expect(await mollie.getSession(id)).toMatchObject({ status: 'complete' });
    expect((await mollie.getSession(id)).url).toBeUndefined();
  });

  it('a decline is a PaymentDeclinedError and the session takes another card', async () => {
    const mollie = provider();
    const { id } = await mollie.createSession(input());
    await expect(mollie.submitToken!(id, 'tkn_Dabc123test', context)).rejects.toBeInstanceOf(PaymentDeclinedError);
    expect(await mollie.getSession(id)).toMatchObject({ status: 'open' });
    expect((await mollie.submitToken!(id, 'tkn_Pdef456test', context)).status).toBe('complete');
    expect(fake.payments.size).toBe(2);
  });

  it('refuses a token that is not a Mollie card token before calling Mollie', async () => {
    const mollie = provider();
    const { id } = await mollie.createSession(input());
    await expect(mollie.submitToken!(id, 'tok_abcdefghijklmnopqrstuvwxyz', context)).rejects.toBeInstanceOf(ProviderInputError);
    expect(fake.requests).toEqual([]);
  });
});
