import Stripe from 'stripe';
import { parseSession } from '../../provider-registry/session-schema.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startFakeHttpServer } from '../../server/test-support/fake-http.js';
import { ProviderError, ProviderInputError, WebhookVerificationError, type CreateSessionInput, type PaymentProvider } from '../../server/provider-api/types.js';
import {
  createStripeProvider,
  fromEnv,
  mapStripeStatus,
  toStripeLocale,
  type StripeProviderOptions,
} from './server.js';
import {
  FAKE_PUBLISHABLE_KEY,
  FAKE_SECRET_KEY,
  FAKE_WEBHOOK_SECRET,
  decodeStripeForm,
  startFakeStripe,
  stripeError,
  type FakeStripe,
} from './fake-api.js';
import { verifiedEvent } from '../../server/test-support/webhook-properties.js';

const NOW_MS = Date.parse('2026-11-22T11:00:00Z');
const NOW_S = NOW_MS / 1000;

function input(overrides: Partial<CreateSessionInput> = {}): CreateSessionInput {
  return {
    reference: 'ord_7f3a9c',
    lines: [
      { sku: 'TEE-BLK-M', name: 'T-shirt, black, M', quantity: 2, unitAmount: 12500, vatRate: 0.25 },
      { sku: 'MUG-01', name: 'Mug', quantity: 1, unitAmount: 7900, vatRate: 0.25 },
    ],
    amount: 32900,
    currency: 'DKK',
    customer: { email: 'shopper@example.com' },
    locale: 'da-DK',
    metadata: { cart: 'c_42' },
    idempotencyKey: '5b0c1c8e-6a55-4b7e-9a57-1f0c4d7f2a11',
    acceptUrl: 'https://shop.example/api/checkout/return/accept?checkout_session={SESSION_ID}',
    cancelUrl: 'https://shop.example/api/checkout/return/cancel?checkout_session={SESSION_ID}',
    webhookUrl: 'https://shop.example/api/checkout/webhooks/stripe',
    ...overrides,
  };
}

let fake: FakeStripe;

beforeEach(async () => {
  fake = await startFakeStripe({ now: () => NOW_MS });
});
afterEach(async () => {
  await fake.close();
});

function provider(options: Partial<StripeProviderOptions> = {}): PaymentProvider {
  return createStripeProvider({
    secretKey: FAKE_SECRET_KEY,
    publishableKey: FAKE_PUBLISHABLE_KEY,
    webhookSecret: FAKE_WEBHOOK_SECRET,
    stripe: fake.stripe,
    now: () => NOW_MS,
    ...options,
  });
}

function lastRequest() {
  const request = fake.requests.at(-1);
  if (!request) throw new Error('the fake received no request');
  return request;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

describe('createSession, embedded_page', () => {
  it('sends the branding settings it was given as branding_settings, and none without them', async () => {
    await provider({ brandingSettings: { button_color: '#663399', background_color: '#101418', border_style: 'pill' } }).createSession(input());
    const body = new URLSearchParams(lastRequest().body);
    expect(body.get('branding_settings[button_color]')).toBe('#663399');
    expect(body.get('branding_settings[background_color]')).toBe('#101418');
    expect(body.get('branding_settings[border_style]')).toBe('pill');
    await provider().createSession(input({ idempotencyKey: 'unbranded' }));
    expect([...new URLSearchParams(lastRequest().body).keys()].filter((key) => key.startsWith('branding_settings'))).toEqual([]);
  });

  it('sends a form-encoded create with catalog prices, the return URL and the idempotency key', async () => {
    await provider().createSession(input());
    const request = lastRequest();
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/v1/checkout/sessions');
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request.headers.authorization).toBe(`Bearer ${FAKE_SECRET_KEY}`);
    expect(request.headers['idempotency-key']).toBe('5b0c1c8e-6a55-4b7e-9a57-1f0c4d7f2a11');
    expect(request.headers['stripe-account']).toBeUndefined();

    const body = new URLSearchParams(request.body);
    expect(body.get('mode')).toBe('payment');
    expect(body.get('ui_mode')).toBe('embedded_page');
    expect(body.get('line_items[0][price_data][unit_amount]')).toBe('12500');
    expect(body.get('line_items[0][price_data][currency]')).toBe('dkk');
    expect(body.get('line_items[0][price_data][product_data][name]')).toBe('T-shirt, black, M');
    expect(body.get('line_items[0][quantity]')).toBe('2');
    expect(body.get('line_items[1][price_data][unit_amount]')).toBe('7900');
    expect(body.get('line_items[1][quantity]')).toBe('1');
    expect(body.get('redirect_on_completion')).toBe('if_required');
    // Stripe's placeholder, URL-encoded on the wire, literal once decoded.
    expect(request.body).toContain('checkout_session%3D%7BCHECKOUT_SESSION_ID%7D');
    expect(body.get('return_url')).toBe(
      'https://shop.example/api/checkout/return/accept?checkout_session={CHECKOUT_SESSION_ID}',
    );
    expect(body.has('success_url')).toBe(false);
    expect(body.has('cancel_url')).toBe(false);
    expect(body.get('expires_at')).toBe(String(NOW_S + 31 * 60));
    expect(body.get('customer_email')).toBe('shopper@example.com');
    expect(body.get('locale')).toBe('da');
    expect(body.get('client_reference_id')).toBe('ord_7f3a9c');
    expect(body.get('metadata[checkout_reference]')).toBe('ord_7f3a9c');
    expect(body.get('metadata[cart]')).toBe('c_42');
    expect(body.get('payment_intent_data[metadata][checkout_reference]')).toBe('ord_7f3a9c');
    expect(body.has('payment_intent_data[setup_future_usage]')).toBe(false);
  });

  it('maps the Stripe session to a stripe-embedded contract session', async () => {
    const session = await provider().createSession(input());
    const stored = fake.sessions.get(session.id);
    expect(stored).toBeDefined();
    expect(session).toEqual({
      id: stored?.id,
      provider: 'stripe',
      kind: 'stripe-embedded',
      status: 'open',
      client_secret: stored?.client_secret,
      publishable_key: FAKE_PUBLISHABLE_KEY,
      amount: 32900,
      currency: 'DKK',
      expires_at: '2026-11-22T11:31:00.000Z',
      livemode: false,
    });
    expect(session.client_secret).toMatch(/^cs_test_\w+_secret_\w+$/);
  });

  it('replaces a URL-encoded {SESSION_ID} placeholder too', async () => {
    await provider().createSession(input({ acceptUrl: 'https://shop.example/return/%7BSESSION_ID%7D/accept' }));
    expect(new URLSearchParams(lastRequest().body).get('return_url')).toBe(
      'https://shop.example/return/{CHECKOUT_SESSION_ID}/accept',
    );
  });

  it('asks Stripe to save the payment method when recurring', async () => {
    await provider().createSession(input({ recurring: true }));
    const body = new URLSearchParams(lastRequest().body);
    expect(body.get('payment_intent_data[setup_future_usage]')).toBe('off_session');
    expect(body.get('customer_creation')).toBe('always');
  });

  it('never attaches the session to a Stripe Customer named by the browser', async () => {
    await provider().createSession(input({ customer: { handle: 'cus_Q1w2E3r4', email: 'x@example.com' }, recurring: true }));
    const body = new URLSearchParams(lastRequest().body);
    expect(body.has('customer')).toBe(false);
    expect(body.get('customer_email')).toBe('x@example.com');
    expect(lastRequest().body).not.toContain('cus_Q1w2E3r4');
  });

  it('sends Stripe-Account and returns stripe_account for a connected account', async () => {
    const connected = provider({ stripeAccount: 'acct_1Connected' });
    const session = await connected.createSession(input());
    expect(lastRequest().headers['stripe-account']).toBe('acct_1Connected');
    expect(session.stripe_account).toBe('acct_1Connected');
    await connected.getSession(session.id);
    expect(lastRequest().method).toBe('GET');
    expect(lastRequest().headers['stripe-account']).toBe('acct_1Connected');
  });

  it('uses the configured session lifetime', async () => {
    await provider({ sessionTtlSeconds: 3600 }).createSession(input());
    expect(new URLSearchParams(lastRequest().body).get('expires_at')).toBe(String(NOW_S + 3600));
  });

  it('leaves the idempotency key to the SDK when the browser sent none', async () => {
    await provider().createSession(input({ idempotencyKey: undefined }));
    expect(lastRequest().headers['idempotency-key']).toMatch(/^stripe-node-retry-/);
  });

  it('refuses to pay an existing invoice and an empty cart without calling Stripe', async () => {
    const invoice = await rejection(provider().createSession(input({ invoice: 'inv_1' })));
    expect(invoice).toBeInstanceOf(ProviderError);
    // An input error (400 at the handler), not a provider failure (502, which the widget retries).
    expect(invoice).toBeInstanceOf(ProviderInputError);
    expect((invoice as Error).message).toMatch(/existing invoice/);
    const empty = await rejection(provider().createSession(input({ lines: [] })));
    expect(empty).toBeInstanceOf(ProviderInputError);
    expect((empty as Error).message).toMatch(/at least one line/);
    expect(fake.requests).toHaveLength(0);
  });
});

describe('createSession, hosted_page', () => {
  it('sends success_url and cancel_url and maps to a non-frameable hosted session', async () => {
    const session = await provider({ uiMode: 'hosted_page' }).createSession(input());
    const body = new URLSearchParams(lastRequest().body);
    expect(body.get('ui_mode')).toBe('hosted_page');
    expect(body.get('success_url')).toBe(
      'https://shop.example/api/checkout/return/accept?checkout_session={CHECKOUT_SESSION_ID}',
    );
    expect(body.get('cancel_url')).toBe(
      'https://shop.example/api/checkout/return/cancel?checkout_session={CHECKOUT_SESSION_ID}',
    );
    expect(body.has('return_url')).toBe(false);
    expect(body.has('redirect_on_completion')).toBe(false);
    expect(session.kind).toBe('hosted');
    expect(session.frameable).toBe(false);
    expect(session.url).toBe(fake.sessions.get(session.id)?.url);
    expect(session.url).toMatch(/^https:\/\/checkout\.stripe\.com\//);
    expect(session.client_secret).toBeUndefined();
    expect(session.publishable_key).toBeUndefined();
  });
});

describe('the widget accepts what the provider returns', () => {
  it('passes open embedded, open hosted and finished hosted sessions through the contract validation', async () => {
    const embedded = await provider().createSession(input());
    expect(parseSession(JSON.parse(JSON.stringify(embedded)))).toEqual(embedded);
    const hostedProvider = provider({ uiMode: 'hosted_page' });
    const hosted = await hostedProvider.createSession(input({ idempotencyKey: 'another-start' }));
    expect(parseSession(JSON.parse(JSON.stringify(hosted)))).toEqual(hosted);
    Object.assign(fake.sessions.get(hosted.id) ?? {}, { status: 'complete', payment_status: 'paid' });
    const finished = await hostedProvider.getSession(hosted.id);
    expect(parseSession(JSON.parse(JSON.stringify(finished))).status).toBe('complete');
  });
});

describe('getSession, hosted_page', () => {
  it('points a finished session, whose Stripe url is gone, at the return page it sent the shopper to', async () => {
    const hosted = provider({ uiMode: 'hosted_page' });
    const created = await hosted.createSession(input());
    const stored = fake.sessions.get(created.id);
    if (!stored) throw new Error('not stored');
    Object.assign(stored, { status: 'complete', payment_status: 'paid' });
    const completed = await hosted.getSession(created.id);
    expect(fake.sessions.get(created.id)?.url).toBeNull();
    expect(completed.status).toBe('complete');
    expect(completed.url).toBe(`https://shop.example/api/checkout/return/accept?checkout_session=${created.id}`);
    Object.assign(stored, { status: 'expired', payment_status: 'unpaid' });
    const expired = await hosted.getSession(created.id);
    expect(expired.status).toBe('expired');
    expect(expired.url).toBe(`https://shop.example/api/checkout/return/cancel?checkout_session=${created.id}`);
  });
});

describe('getSession', () => {
  it('reads the session with its PaymentIntent expanded and returns the client secret to resume', async () => {
    const created = await provider().createSession(input());
    const read = await provider().getSession(created.id);
    const request = lastRequest();
    expect(request.method).toBe('GET');
    const url = new URL(request.url, 'http://x');
    expect(url.pathname).toBe(`/v1/checkout/sessions/${created.id}`);
    expect([...url.searchParams.values()]).toContain('payment_intent');
    expect(read.client_secret).toBe(created.client_secret);
    expect(read).toEqual(created);
  });

  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['open', { status: 'open', payment_status: 'unpaid' }, 'open'],
    ['complete and paid', { status: 'complete', payment_status: 'paid' }, 'complete'],
    ['complete, no payment required', { status: 'complete', payment_status: 'no_payment_required' }, 'complete'],
    ['complete, async payment settling', { status: 'complete', payment_status: 'unpaid', payment_intent: 'pi_processing' }, 'open'],
    ['complete, async payment failed', { status: 'complete', payment_status: 'unpaid', payment_intent: 'pi_failed' }, 'failed'],
    ['expired', { status: 'expired', payment_status: 'unpaid' }, 'expired'],
  ];
  for (const [label, patch, expected] of cases) {
    it(`maps Stripe ${label} to ${expected}`, async () => {
      fake.paymentIntents.set('pi_processing', { id: 'pi_processing', object: 'payment_intent', status: 'processing' });
      fake.paymentIntents.set('pi_failed', { id: 'pi_failed', object: 'payment_intent', status: 'requires_payment_method' });
      const created = await provider().createSession(input());
      const stored = fake.sessions.get(created.id);
      if (!stored) throw new Error('not stored');
      Object.assign(stored, patch);
      const read = await provider().getSession(created.id);
      expect(read.status).toBe(expected);
      // Only the settling async payment is a payment in flight.
      expect(read.payment).toBe(label === 'complete, async payment settling' ? 'in_flight' : undefined);
    });
  }

  it('reads a finished embedded session even when Stripe sends no client secret', async () => {
    const created = await provider().createSession(input());
    const stored = fake.sessions.get(created.id);
    if (!stored) throw new Error('not stored');
    Object.assign(stored, { status: 'complete', payment_status: 'paid', client_secret: null });
    const read = await provider().getSession(created.id);
    expect(read.status).toBe('complete');
    expect(read.client_secret).toBeUndefined();
    stored.status = 'open';
    const error = await rejection(provider().getSession(created.id));
    expect((error as Error).message).toMatch(/without a client_secret/);
  });

  it('refuses an unknown Stripe status instead of guessing', () => {
    expect(() =>
      mapStripeStatus({ id: 'cs_test_x', status: 'paused', payment_status: 'unpaid', payment_intent: null }),
    ).toThrow(/unknown status "paused"/);
  });

  it('turns Stripe 404 into a ProviderError with Stripe\'s message', async () => {
    const error = await rejection(provider().getSession('cs_test_doesnotexist'));
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).providerStatus).toBe(404);
    expect((error as Error).message).toContain("No such checkout.session: 'cs_test_doesnotexist'");
    expect((error as Error).message).toContain('invalid_request_error');
  });

  it('refuses an id that is not a Checkout Session id without calling Stripe', async () => {
    const error = await rejection(provider().getSession('../customers/cus_1'));
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toMatch(/not a Stripe Checkout Session id/);
    expect(fake.requests).toHaveLength(0);
  });
});

describe('Stripe errors', () => {
  it('turns a 400 error object into a ProviderError carrying Stripe\'s message and type', async () => {
    fake.override(stripeError(400, 'invalid_request_error', 'Invalid currency: xyz.', { param: 'currency' }));
    const error = await rejection(provider().createSession(input()));
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).provider).toBe('stripe');
    expect((error as ProviderError).providerStatus).toBe(400);
    expect((error as Error).message).toContain('Invalid currency: xyz.');
    expect((error as Error).message).toContain('invalid_request_error');
  });

  it('turns a 500 api_error into a ProviderError with status 500', async () => {
    fake.override(stripeError(500, 'api_error', 'An unknown error occurred'));
    const error = await rejection(provider().getSession('cs_test_abc'));
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).providerStatus).toBe(500);
    expect((error as Error).message).toContain('An unknown error occurred');
  });

  it('never puts the secret key in the message, even when the answer echoes it', async () => {
    fake.override(stripeError(401, 'invalid_request_error', `Invalid API Key provided: ${FAKE_SECRET_KEY}`));
    const error = await rejection(provider().createSession(input()));
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toContain('Invalid API Key provided');
    expect((error as Error).message).not.toContain(FAKE_SECRET_KEY);
    expect((error as ProviderError).providerStatus).toBe(401);
  });

  it('turns a connection failure into a ProviderError', async () => {
    const closed = await startFakeHttpServer(() => ({}));
    const port = closed.port;
    await closed.close();
    const unreachable = new Stripe(FAKE_SECRET_KEY, { host: '127.0.0.1', port, protocol: 'http', maxNetworkRetries: 0, telemetry: false });
    const error = await rejection(provider({ stripe: unreachable }).createSession(input()));
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toMatch(/Could not reach Stripe to create a Checkout Session/);
  });
});

describe('the SDK the provider builds itself', () => {
  function ownSdkProvider(options: Partial<StripeProviderOptions> = {}): PaymentProvider {
    return createStripeProvider({
      secretKey: FAKE_SECRET_KEY,
      publishableKey: FAKE_PUBLISHABLE_KEY,
      apiUrl: `http://127.0.0.1:${fake.server.port}`,
      now: () => NOW_MS,
      ...options,
    });
  }

  it('pins the SDK\'s API version and retries a 5xx with the same idempotency key', async () => {
    fake.answerNextWith({ status: 500, body: { error: { type: 'api_error', message: 'try again' } } });
    const session = await ownSdkProvider().createSession(input());
    expect(session.status).toBe('open');
    expect(fake.requests).toHaveLength(2);
    const [first, second] = fake.requests;
    expect(first?.headers['idempotency-key']).toBe('5b0c1c8e-6a55-4b7e-9a57-1f0c4d7f2a11');
    expect(second?.headers['idempotency-key']).toBe('5b0c1c8e-6a55-4b7e-9a57-1f0c4d7f2a11');
    expect(second?.headers['stripe-version']).toBe(Stripe.API_VERSION);
    expect(Stripe.API_VERSION).toBe('2026-10-28.endive');
  });

  it('sends an explicitly configured API version', async () => {
    await ownSdkProvider({ apiVersion: '2026-03-25.dahlia' }).createSession(input());
    expect(lastRequest().headers['stripe-version']).toBe('2026-03-25.dahlia');
  });
});

describe('verifyWebhook', () => {
  function event(type: string, object: Record<string, unknown>) {
    return JSON.stringify({
      id: 'evt_1QabcDEF',
      object: 'event',
      api_version: Stripe.API_VERSION,
      created: NOW_S,
      data: { object },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type,
    });
  }
  const sessionObject = { id: 'cs_test_a1B2c3', object: 'checkout.session', status: 'complete', payment_status: 'paid' };

  // Signed on the provider's clock (NOW_MS), which is the clock the provider checks against.
  function signed(payload: string, secret = FAKE_WEBHOOK_SECRET, timestamp = NOW_S): Headers {
    const header = fake.stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });
    return new Headers({ 'stripe-signature': header, 'content-type': 'application/json' });
  }

  for (const type of [
    'checkout.session.completed',
    'checkout.session.async_payment_succeeded',
    'checkout.session.async_payment_failed',
    'checkout.session.expired',
  ]) {
    it(`accepts a signed ${type} and names its session`, async () => {
      const payload = event(type, sessionObject);
      const verified = await verifiedEvent(provider(), payload, signed(payload));
      expect(verified.eventId).toBe('evt_1QabcDEF');
      expect(verified.type).toBe(type);
      expect(verified.sessionId).toBe('cs_test_a1B2c3');
      expect((verified.payload as { data: { object: unknown } }).data.object).toEqual(sessionObject);
    });
  }

  it('accepts other signed events without a session id', async () => {
    const payload = event('payment_intent.succeeded', { id: 'pi_1', object: 'payment_intent' });
    const verified = await verifiedEvent(provider(), payload, signed(payload));
    expect(verified.type).toBe('payment_intent.succeeded');
    expect(verified.sessionId).toBeUndefined();
  });

  it('refuses a signature made with another secret', async () => {
    const payload = event('checkout.session.completed', sessionObject);
    const error = await rejection(verifiedEvent(provider(), payload, signed(payload, 'whsec_someone_else')));
    expect(error).toBeInstanceOf(WebhookVerificationError);
  });

  it('refuses a stale timestamp', async () => {
    const payload = event('checkout.session.completed', sessionObject);
    const tenMinutesAgo = NOW_S - 600;
    const error = await rejection(verifiedEvent(provider(), payload, signed(payload, FAKE_WEBHOOK_SECRET, tenMinutesAgo)));
    expect(error).toBeInstanceOf(WebhookVerificationError);
    expect((error as Error).message).toMatch(/600 s away from now/);
  });

  describe('timestamp tolerance, both ways (the SDK alone checks only age)', () => {
    // Only Date is faked: the SDK's own clock and the provider's `now` then agree on NOW_MS.
    beforeEach(() => {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(NOW_MS);
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    async function verifyAt(offsetSeconds: number, options: Partial<StripeProviderOptions> = {}) {
      const payload = event('checkout.session.completed', sessionObject);
      return verifiedEvent(provider(options), payload, signed(payload, FAKE_WEBHOOK_SECRET, NOW_S + offsetSeconds));
    }

    it('refuses a timestamp 301 s in the future', async () => {
      const error = await rejection(verifyAt(301));
      expect(error).toBeInstanceOf(WebhookVerificationError);
      expect((error as Error).message).toMatch(/301 s/);
    });

    it('refuses a timestamp a day in the future', async () => {
      const error = await rejection(verifyAt(24 * 60 * 60));
      expect(error).toBeInstanceOf(WebhookVerificationError);
    });

    it('accepts a timestamp 299 s in the future (clock skew) and 299 s in the past', async () => {
      await expect(verifyAt(299)).resolves.toMatchObject({ eventId: 'evt_1QabcDEF' });
      await expect(verifyAt(-299)).resolves.toMatchObject({ eventId: 'evt_1QabcDEF' });
    });

    it('refuses a timestamp 301 s in the past', async () => {
      const error = await rejection(verifyAt(-301));
      expect(error).toBeInstanceOf(WebhookVerificationError);
    });

    it('applies a configured tolerance in both directions', async () => {
      await expect(verifyAt(59, { webhookToleranceSeconds: 60 })).resolves.toBeDefined();
      expect(await rejection(verifyAt(61, { webhookToleranceSeconds: 60 }))).toBeInstanceOf(WebhookVerificationError);
      expect(await rejection(verifyAt(-61, { webhookToleranceSeconds: 60 }))).toBeInstanceOf(WebhookVerificationError);
    });
  });

  it("checks the timestamp on the provider's clock, not the machine's", async () => {
    const payload = event('checkout.session.completed', sessionObject);
    const machineNow = Math.floor(Date.now() / 1000);
    expect(Math.abs(machineNow - NOW_S)).toBeGreaterThan(300);
    await expect(verifiedEvent(provider(), payload, signed(payload))).resolves.toBeDefined();
    const error = await rejection(verifiedEvent(provider(), payload, signed(payload, FAKE_WEBHOOK_SECRET, machineNow)));
    expect(error).toBeInstanceOf(WebhookVerificationError);
  });

  it('refuses a Stripe-Signature header without exactly one numeric t=', async () => {
    const payload = event('checkout.session.completed', sessionObject);
    const header = signed(payload).get('stripe-signature')!;
    const v1 = header.split(',').filter((item) => !item.startsWith('t='));
    for (const bad of [
      v1.join(','),
      // A second t= could make the checked timestamp differ from the one under the HMAC.
      `t=${NOW_S},${header}`,
      `${header},t=${NOW_S - 3600}`,
      [`t=${NOW_S}abc`, ...v1].join(','),
      [`t=`, ...v1].join(','),
      [`t=-1`, ...v1].join(','),
    ]) {
      const error = await rejection(verifiedEvent(provider(), payload, new Headers({ 'stripe-signature': bad })));
      expect(error, bad).toBeInstanceOf(WebhookVerificationError);
    }
  });

  it('refuses a body changed after signing', async () => {
    const payload = event('checkout.session.completed', sessionObject);
    const headers = signed(payload);
    const tampered = payload.replace('"paid"', '"unpaid"');
    expect(tampered).not.toBe(payload);
    const error = await rejection(verifiedEvent(provider(), tampered, headers));
    expect(error).toBeInstanceOf(WebhookVerificationError);
  });

  it('refuses a webhook without a Stripe-Signature header', async () => {
    const payload = event('checkout.session.completed', sessionObject);
    const error = await rejection(verifiedEvent(provider(), payload, new Headers()));
    expect(error).toBeInstanceOf(WebhookVerificationError);
    expect((error as Error).message).toMatch(/Stripe-Signature/);
  });

  it('refuses every webhook when no webhook secret is configured', async () => {
    const payload = event('checkout.session.completed', sessionObject);
    const unconfigured = provider({ webhookSecret: undefined });
    const error = await rejection(verifiedEvent(unconfigured, payload, signed(payload)));
    expect(error).toBeInstanceOf(WebhookVerificationError);
    expect((error as Error).message).toMatch(/STRIPE_WEBHOOK_SECRET/);
  });
});

describe('configuration', () => {
  const base = { secretKey: FAKE_SECRET_KEY, publishableKey: FAKE_PUBLISHABLE_KEY };

  it('refuses keys of the wrong kind without echoing them', () => {
    expect(() => createStripeProvider({ ...base, secretKey: FAKE_PUBLISHABLE_KEY })).toThrow(/secret key must start with "sk_" or "rk_"/);
    expect(() => createStripeProvider({ ...base, publishableKey: FAKE_SECRET_KEY })).toThrow(/publishable key must start with "pk_"/);
    try {
      createStripeProvider({ ...base, publishableKey: FAKE_SECRET_KEY });
    } catch (error) {
      expect((error as Error).message).not.toContain(FAKE_SECRET_KEY);
    }
    expect(() => createStripeProvider({ ...base, secretKey: 'rk_test_restricted123' })).not.toThrow();
  });

  it('refuses a test secret key with a live publishable key', () => {
    expect(() => createStripeProvider({ ...base, publishableKey: 'pk_live_abc' })).toThrow(/different modes/);
  });

  it('refuses out-of-range lifetimes, unknown ui modes and malformed accounts', () => {
    expect(() => createStripeProvider({ ...base, sessionTtlSeconds: 600 })).toThrow(/sessionTtlSeconds/);
    expect(() => createStripeProvider({ ...base, sessionTtlSeconds: 90_000 })).toThrow(/sessionTtlSeconds/);
    expect(() => createStripeProvider({ ...base, uiMode: 'embedded' as never })).toThrow(/uiMode/);
    expect(() => createStripeProvider({ ...base, stripeAccount: 'acc_1' })).toThrow(/acct_/);
    expect(() => createStripeProvider({ ...base, webhookSecret: 'secret' })).toThrow(/whsec_/);
    // 0 would switch the SDK's age check off.
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => createStripeProvider({ ...base, webhookToleranceSeconds: bad })).toThrow(/webhookToleranceSeconds/);
    }
  });

  it('fromEnv: undefined when Stripe is not configured, a provider when both keys are set', () => {
    expect(fromEnv({})).toBeUndefined();
    const made = fromEnv({
      STRIPE_SECRET_KEY: FAKE_SECRET_KEY,
      STRIPE_PUBLISHABLE_KEY: FAKE_PUBLISHABLE_KEY,
      STRIPE_WEBHOOK_SECRET: FAKE_WEBHOOK_SECRET,
      STRIPE_UI_MODE: 'hosted_page',
      STRIPE_ACCOUNT: 'acct_1Connected',
    });
    expect(made?.name).toBe('stripe');
    expect(typeof made?.verifyWebhook).toBe('function');
  });

  it('fromEnv: refuses half a configuration, bad keys and an unknown ui mode', () => {
    expect(() => fromEnv({ STRIPE_SECRET_KEY: FAKE_SECRET_KEY })).toThrow(/STRIPE_PUBLISHABLE_KEY is missing/);
    expect(() => fromEnv({ STRIPE_PUBLISHABLE_KEY: FAKE_PUBLISHABLE_KEY })).toThrow(/STRIPE_SECRET_KEY is missing/);
    expect(() => fromEnv({ STRIPE_SECRET_KEY: 'pk_test_x', STRIPE_PUBLISHABLE_KEY: FAKE_PUBLISHABLE_KEY })).toThrow(/"sk_" or "rk_"/);
    expect(() => fromEnv({ STRIPE_SECRET_KEY: FAKE_SECRET_KEY, STRIPE_PUBLISHABLE_KEY: 'sk_test_x' })).toThrow(/"pk_"/);
    expect(() =>
      fromEnv({ STRIPE_SECRET_KEY: FAKE_SECRET_KEY, STRIPE_PUBLISHABLE_KEY: FAKE_PUBLISHABLE_KEY, STRIPE_UI_MODE: 'embedded' }),
    ).toThrow(/STRIPE_UI_MODE/);
  });
});

describe('toStripeLocale', () => {
  it('maps language tags to locales Stripe Checkout supports', () => {
    expect(toStripeLocale('da-DK')).toBe('da');
    expect(toStripeLocale('en-GB')).toBe('en-GB');
    expect(toStripeLocale('en-US')).toBe('en');
    expect(toStripeLocale('pt-br')).toBe('pt-BR');
    expect(toStripeLocale('fr_CA')).toBe('fr-CA');
    expect(toStripeLocale('es-419')).toBe('es-419');
    expect(toStripeLocale('no')).toBe('nb');
    expect(toStripeLocale('nb-NO')).toBe('nb');
    expect(toStripeLocale('kl-GL')).toBeUndefined();
    expect(toStripeLocale(undefined)).toBeUndefined();
  });

  it('leaves locale out of the create call when Stripe has none for it', async () => {
    await provider().createSession(input({ locale: 'kl-GL' }));
    expect(new URLSearchParams(lastRequest().body).has('locale')).toBe(false);
  });
});

describe('the fake', () => {
  it('decodes Stripe form encoding like Stripe does', () => {
    expect(decodeStripeForm('a[b][0][c]=1&a[b][1][c]=2&d=x')).toEqual({ a: { b: [{ c: '1' }, { c: '2' }] }, d: 'x' });
  });

  it('refuses success_url with embedded_page, as Stripe does', async () => {
    const response = await fetch(`${fake.server.url}/v1/checkout/sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${FAKE_SECRET_KEY}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'mode=payment&ui_mode=embedded_page&success_url=https%3A%2F%2Fx&line_items[0][quantity]=1',
    });
    expect(response.status).toBe(400);
  });
});
