import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CreateSessionInput, PaymentProvider, VerifiedWebhook } from '../../server/provider-api/types.js';
import { ProviderError, ProviderInputError, WebhookVerificationError } from '../../server/provider-api/types.js';
import { ADYEN_API_KEY, ADYEN_CARDS, ADYEN_CLIENT_KEY, ADYEN_HMAC_KEY, ADYEN_MERCHANT, startFakeAdyen, type FakeAdyen } from './fake-api.js';
import { createAdyenProvider, fromEnv, mapAdyenSessionStatus, type AdyenProviderOptions } from './server.js';
import { signAdyenItem, type AdyenNotificationItem } from './webhook.js';

let adyen: FakeAdyen;
beforeEach(async () => {
  adyen = await startFakeAdyen();
});
afterEach(async () => {
  await adyen.close();
});

const NOW = Date.parse('2026-05-01T12:00:00Z');

function provider(options: Partial<AdyenProviderOptions> = {}): PaymentProvider {
  return createAdyenProvider({
    apiKey: ADYEN_API_KEY,
    merchantAccount: ADYEN_MERCHANT,
    clientKey: ADYEN_CLIENT_KEY,
    hmacKey: ADYEN_HMAC_KEY,
    apiUrl: adyen.url,
    ...options,
  });
}

const input = (overrides: Partial<CreateSessionInput> = {}): CreateSessionInput => ({
  reference: 'ord_1',
  lines: [{ sku: 'mug', name: 'Mug', quantity: 2, unitAmount: 12_500, vatRate: 0.25 }],
  amount: 25_000,
  currency: 'eur',
  customer: { email: 'shopper@example.com', country: 'nl' },
  locale: 'nl-NL',
  idempotencyKey: 'idem-1',
  acceptUrl: 'https://shop.example/api/checkout/return/accept?checkout_ref=ord_1&checkout_session={SESSION_ID}',
  cancelUrl: 'https://shop.example/api/checkout/return/cancel?checkout_ref=ord_1',
  webhookUrl: 'https://shop.example/api/checkout/webhooks/adyen',
  ...overrides,
});

async function notification(item: Partial<AdyenNotificationItem>, key = ADYEN_HMAC_KEY): Promise<string> {
  const signed = await signAdyenItem(key, {
    eventCode: 'AUTHORISATION',
    success: 'true',
    pspReference: '993617895215577D',
    originalReference: '',
    merchantAccountCode: ADYEN_MERCHANT,
    merchantReference: 'ord_1',
    amount: { value: 25_000, currency: 'EUR' },
    ...item,
  });
  return JSON.stringify({ live: 'false', notificationItems: [{ NotificationRequestItem: signed }] });
}

describe('createAdyenProvider: sessions', () => {
  it('sends POST /v71/sessions as documented and answers a kind "adyen" session', async () => {
    const session = await provider({ now: () => NOW }).createSession(input());
    const request = adyen.requests.at(-1)!;
    expect(`${request.method} ${request.url}`).toBe('POST /v71/sessions');
    expect(request.headers['x-api-key']).toBe(ADYEN_API_KEY);
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['idempotency-key']).toBe('idem-1');
    expect(JSON.parse(request.body)).toEqual({
      merchantAccount: ADYEN_MERCHANT,
      amount: { value: 25_000, currency: 'EUR' },
      reference: 'ord_1',
      // Adyen fills no placeholder: dropped, the bridge finds the session by reference.
      returnUrl: 'https://shop.example/api/checkout/return/accept?checkout_ref=ord_1',
      expiresAt: new Date(NOW + 1800_000).toISOString(),
      channel: 'Web',
      countryCode: 'NL',
      shopperLocale: 'nl-NL',
      shopperEmail: 'shopper@example.com',
      lineItems: [{ id: 'mug', description: 'Mug', quantity: 2, amountIncludingTax: 12_500, taxPercentage: 2500 }],
    });
    const stored = adyen.sessions.get(session.id)!;
    expect(session).toEqual({
      id: stored.id,
      provider: 'adyen',
      kind: 'adyen',
      status: 'open',
      session_id: stored.id,
      session_data: stored.sessionData,
      client_key: ADYEN_CLIENT_KEY,
      environment: 'test',
      amount: 25_000,
      currency: 'EUR',
      expires_at: new Date(NOW + 1800_000).toISOString(),
      livemode: false,
    });
  });

  it('hosted mode sends mode "hosted" and answers kind "hosted" with the url, not frameable', async () => {
    const session = await provider({ mode: 'hosted' }).createSession(input());
    expect(JSON.parse(adyen.requests.at(-1)!.body).mode).toBe('hosted');
    expect(session).toMatchObject({ kind: 'hosted', status: 'open', url: `${adyen.url}/hosted/${session.id}`, frameable: false });
    expect(session).not.toHaveProperty('session_data');
  });

  it('reads Adyen only with a sessionResult, forwards the offered one, keeps it, and drops one Adyen refuses', async () => {
    const adyenProvider = provider();
    const session = await adyenProvider.createSession(input());
    // No result yet: nothing to ask Adyen, the session is open.
    expect((await adyenProvider.getSession(session.id)).status).toBe('open');
    expect(adyen.requests.filter((request) => request.method === 'GET')).toHaveLength(0);

    // A forged result: Adyen refuses it (422), so it is neither believed nor kept.
    expect((await adyenProvider.getSession(session.id, { providerResult: 'forged' })).status).toBe('open');
    expect(adyen.requests.at(-1)!.url).toBe(`/v71/sessions/${session.id}?sessionResult=forged`);

    const paid = await adyen.pay(session.id, ADYEN_CARDS.visa);
    const result = String(paid.body['sessionResult']);
    const read = await adyenProvider.getSession(session.id, { providerResult: result });
    expect(read.status).toBe('complete');
    expect(read).not.toHaveProperty('session_data');
    const get = adyen.requests.at(-1)!;
    expect(`${get.method} ${get.url}`).toBe(`GET /v71/sessions/${session.id}?sessionResult=${encodeURIComponent(result)}`);
    expect(get.headers['x-api-key']).toBe(ADYEN_API_KEY);
    // A later read without one (the widget's confirmation, a webhook's job) asks Adyen with the kept result.
    const before = adyen.requests.length;
    expect((await adyenProvider.getSession(session.id)).status).toBe('complete');
    expect(adyen.requests.slice(before).map((request) => request.url)).toEqual([`/v71/sessions/${session.id}?sessionResult=${encodeURIComponent(result)}`]);
  });

  it('a result of another session is refused by Adyen and changes nothing', async () => {
    const adyenProvider = provider();
    const mine = await adyenProvider.createSession(input());
    const other = await adyenProvider.createSession(input({ reference: 'ord_2' }));
    const paid = await adyen.pay(other.id, ADYEN_CARDS.visa);
    expect((await adyenProvider.getSession(mine.id, { providerResult: String(paid.body['sessionResult']) })).status).toBe('open');
  });

  it('refused three times is failed; expired when past expiresAt; unknown ids are a 404', async () => {
    let now = Date.now();
    const adyenProvider = provider({ now: () => now });
    const session = await adyenProvider.createSession(input());
    let result = '';
    for (let i = 0; i < 3; i++) result = String((await adyen.pay(session.id, ADYEN_CARDS.refused)).body['sessionResult']);
    expect((await adyenProvider.getSession(session.id, { providerResult: result })).status).toBe('failed');

    const later = await adyenProvider.createSession(input({ reference: 'ord_3' }));
    now += 1801_000;
    expect((await adyenProvider.getSession(later.id)).status).toBe('expired');
    await expect(adyenProvider.getSession('CS0000')).rejects.toMatchObject({ providerStatus: 404 });
  });

  it('a payment in flight: paymentPending or a Pending/Received result code reads open with payment in_flight; a refused one does not', async () => {
    const adyenProvider = provider();
    const session = await adyenProvider.createSession(input());
    const result = String((await adyen.pay(session.id, ADYEN_CARDS.refused)).body['sessionResult']);
    // A refused attempt on an active session: open, nothing under way.
    const refused = await adyenProvider.getSession(session.id, { providerResult: result });
    expect(refused.status).toBe('open');
    expect(refused).not.toHaveProperty('payment');

    const faked = adyen.sessions.get(session.id)!;
    faked.payments[0]!.resultCode = 'Received';
    expect(await adyenProvider.getSession(session.id)).toMatchObject({ status: 'open', payment: 'in_flight' });
    faked.payments[0]!.resultCode = 'Pending';
    expect(await adyenProvider.getSession(session.id)).toMatchObject({ status: 'open', payment: 'in_flight' });
    faked.payments[0]!.resultCode = 'Refused';
    faked.status = 'paymentPending';
    expect(await adyenProvider.getSession(session.id)).toMatchObject({ status: 'open', payment: 'in_flight' });
    faked.status = 'active';
    expect(await adyenProvider.getSession(session.id)).not.toHaveProperty('payment');
  });

  it('in flight until the signed AUTHORISATION: a failed one ends it, a successful one completes the session', async () => {
    const adyenProvider = provider();
    const session = await adyenProvider.createSession(input());
    const result = String((await adyen.pay(session.id, ADYEN_CARDS.refused)).body['sessionResult']);
    adyen.sessions.get(session.id)!.status = 'paymentPending';
    expect(await adyenProvider.getSession(session.id, { providerResult: result })).toMatchObject({ status: 'open', payment: 'in_flight' });
    // Adyen's session status is not updated after its result: the webhook decides.
    await adyenProvider.verifyWebhook!(await notification({ success: 'false', pspReference: 'P1' }), new Headers());
    const ended = await adyenProvider.getSession(session.id);
    expect(ended.status).toBe('open');
    expect(ended).not.toHaveProperty('payment');

    const other = await adyenProvider.createSession(input({ reference: 'ord_2' }));
    const otherResult = String((await adyen.pay(other.id, ADYEN_CARDS.refused)).body['sessionResult']);
    adyen.sessions.get(other.id)!.payments[0]!.resultCode = 'Pending';
    expect(await adyenProvider.getSession(other.id, { providerResult: otherResult })).toMatchObject({ status: 'open', payment: 'in_flight' });
    await adyenProvider.verifyWebhook!(await notification({ merchantReference: 'ord_2', pspReference: 'P2' }), new Headers());
    const paid = await adyenProvider.getSession(other.id);
    expect(paid.status).toBe('complete');
    expect(paid).not.toHaveProperty('payment');
  });

  it('maps every documented session status', () => {
    expect(['active', 'completed', 'paymentPending', 'refused', 'canceled', 'expired', 'new'].map(mapAdyenSessionStatus)).toEqual([
      'open', 'complete', 'open', 'failed', 'cancelled', 'expired', 'open',
    ]);
  });

  it('turns Adyen errors into ProviderError and refuses input Adyen cannot take', async () => {
    await expect(provider({ apiKey: 'wrong' }).createSession(input())).rejects.toThrow(/HTTP 401/);
    await expect(provider({ merchantAccount: 'Other' }).createSession(input())).rejects.toBeInstanceOf(ProviderError);
    await expect(provider().createSession(input({ invoice: 'inv_1' }))).rejects.toBeInstanceOf(ProviderInputError);
    await expect(provider().createSession(input({ recurring: true }))).rejects.toBeInstanceOf(ProviderInputError);
    const metadata = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v']));
    await expect(provider().createSession(input({ metadata }))).rejects.toBeInstanceOf(ProviderInputError);
  });

  it('checks its options at start-up', () => {
    expect(() => provider({ clientKey: 'pk_test_1' })).toThrow(/clientKey/);
    expect(() => provider({ clientKey: 'live_ABC' })).toThrow(/live key but environment is "test"/);
    expect(() => provider({ environment: 'live', clientKey: 'live_ABC', apiUrl: undefined })).toThrow(/liveEndpointUrlPrefix/);
    expect(() => provider({ environment: 'prod' as never })).toThrow(/environment/);
    expect(() => provider({ hmacKey: 'xyz' })).toThrow(/hex HMAC key/);
    expect(() => provider({ mode: 'popup' as never })).toThrow(/mode/);
  });

  it('uses the live prefix for a live environment', async () => {
    const requested: string[] = [];
    const live = createAdyenProvider({
      apiKey: ADYEN_API_KEY,
      merchantAccount: ADYEN_MERCHANT,
      clientKey: 'live_ABC',
      environment: 'live-us',
      liveEndpointUrlPrefix: '1797a841fbb37ca7-AdyenDemo',
      fetch: async (url) => {
        requested.push(url);
        return new Response(JSON.stringify({ status: 500 }), { status: 500 });
      },
    });
    await expect(live.createSession(input())).rejects.toThrow(ProviderError);
    expect(requested).toEqual(['https://1797a841fbb37ca7-AdyenDemo-checkout-live.adyenpayments.com/checkout/v71/sessions']);
  });
});

describe('createAdyenProvider: webhooks', () => {
  it('acknowledges with [accepted]; one event per item with a stable id; maps our reference to the session', async () => {
    const adyenProvider = provider();
    expect(adyenProvider.webhookAcknowledgement).toEqual({ contentType: 'text/plain', body: '[accepted]' });
    const session = await adyenProvider.createSession(input());
    const events = (await adyenProvider.verifyWebhook!(await notification({}), new Headers())) as VerifiedWebhook[];
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ eventId: '993617895215577D:AUTHORISATION:true', type: 'AUTHORISATION', sessionId: session.id });
    // The signed AUTHORISATION is Adyen's final word: the session reads complete without a sessionResult.
    expect((await adyenProvider.getSession(session.id)).status).toBe('complete');
  });

  it('a refused AUTHORISATION, another amount or another reference completes nothing', async () => {
    const adyenProvider = provider();
    const session = await adyenProvider.createSession(input());
    const body = JSON.stringify({
      live: 'false',
      notificationItems: await Promise.all(
        [
          { success: 'false', pspReference: 'A' },
          { amount: { value: 1, currency: 'EUR' }, pspReference: 'B' },
          { merchantReference: 'ord_other', pspReference: 'C' },
        ].map(async (item) => ({ NotificationRequestItem: JSON.parse(await notification(item)).notificationItems[0].NotificationRequestItem })),
      ),
    });
    const events = (await adyenProvider.verifyWebhook!(body, new Headers())) as VerifiedWebhook[];
    expect(events.map((event) => [event.eventId, event.sessionId])).toEqual([
      ['A:AUTHORISATION:false', session.id],
      ['B:AUTHORISATION:true', session.id],
      ['C:AUTHORISATION:true', undefined],
    ]);
    expect((await adyenProvider.getSession(session.id)).status).toBe('open');
  });

  it('refuses a delivery with a forged, missing or wrong-key item, and refuses all without an HMAC key', async () => {
    const adyenProvider = provider();
    const session = await adyenProvider.createSession(input());
    const genuine = JSON.parse(await notification({})) as { notificationItems: { NotificationRequestItem: AdyenNotificationItem }[] };
    const forged = structuredClone(genuine);
    forged.notificationItems[0]!.NotificationRequestItem.success = 'false';
    forged.notificationItems.push(genuine.notificationItems[0]!);
    await expect(adyenProvider.verifyWebhook!(JSON.stringify(forged), new Headers())).rejects.toThrow(/item 0 has an HMAC signature that does not match/);
    const unsigned = structuredClone(genuine);
    delete unsigned.notificationItems[0]!.NotificationRequestItem.additionalData!.hmacSignature;
    await expect(adyenProvider.verifyWebhook!(JSON.stringify(unsigned), new Headers())).rejects.toThrow(/no additionalData.hmacSignature/);
    const otherKey = await notification({}, 'A'.repeat(64));
    await expect(adyenProvider.verifyWebhook!(otherKey, new Headers())).rejects.toBeInstanceOf(WebhookVerificationError);
    await expect(adyenProvider.verifyWebhook!('not json', new Headers())).rejects.toThrow(/not JSON/);
    await expect(adyenProvider.verifyWebhook!('{"notificationItems":[]}', new Headers())).rejects.toThrow(/no notificationItems/);
    await expect(provider({ hmacKey: undefined }).verifyWebhook!(await notification({}), new Headers())).rejects.toThrow(/HMAC key is not configured/);
    // Nothing refused moved the session.
    expect((await adyenProvider.getSession(session.id)).status).toBe('open');
  });
});

describe('fromEnv', () => {
  it('is undefined without Adyen variables, an error for half of them, a provider for all', () => {
    expect(fromEnv({})).toBeUndefined();
    expect(() => fromEnv({ ADYEN_API_KEY: 'k' })).toThrow(/ADYEN_MERCHANT_ACCOUNT, ADYEN_CLIENT_KEY missing/);
    const adyenProvider = fromEnv({
      ADYEN_API_KEY: 'k',
      ADYEN_MERCHANT_ACCOUNT: ADYEN_MERCHANT,
      ADYEN_CLIENT_KEY: ADYEN_CLIENT_KEY,
      ADYEN_HMAC_KEY: ADYEN_HMAC_KEY,
      ADYEN_MODE: 'hosted',
    });
    expect(adyenProvider?.name).toBe('adyen');
    expect(() => fromEnv({ ADYEN_API_KEY: 'k', ADYEN_MERCHANT_ACCOUNT: 'm', ADYEN_CLIENT_KEY: ADYEN_CLIENT_KEY, ADYEN_ENVIRONMENT: 'nowhere' })).toThrow(/environment/);
  });
});
