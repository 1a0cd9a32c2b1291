import { NATIVE_ANSWERS } from './fake-answers.js';
import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signConvergeGateHeaders } from '../../server/adapter-kit/webhook-signatures.js';
import { startFakeHttpServer, type FakeHttpServer } from '../../server/test-support/fake-http.js';
import { ProviderError, ProviderInputError, WebhookVerificationError, type CreateSessionInput } from '../../server/provider-api/types.js';
import { createConvergeGateProvider, fromEnv } from './server.js';
import { verifiedEvent } from '../../server/test-support/webhook-properties.js';

const SECRET_KEY = 'sk_test_BQokikJOvBiI2HlWgH4olfQ2';
const NOW = Date.parse('2026-05-01T12:00:00Z');
const NOW_SECONDS = NOW / 1000;

/** The document's example answer (`fake-answers.ts`), served by the fake with the given status. */
function documentedSession(fake: FakeHttpServer, status = 'open') {
  return {
    ...NATIVE_ANSWERS.convergegate,
    currency: 'pln',
    expire_at: NOW_SECONDS + 1800,
    created_at: NOW_SECONDS,
    url: `${fake.url}/pay/AW-kLcRRC5P8U68CYe0kVA`,
    status,
  };
}

function input(overrides: Partial<CreateSessionInput> = {}): CreateSessionInput {
  return {
    reference: 'order-9',
    lines: [{ sku: 'mug', name: 'Mug', quantity: 1, unitAmount: 1000, vatRate: 0.23 }],
    amount: 1000,
    currency: 'PLN',
    customer: { email: 'john@example.com', first_name: 'John', last_name: 'Doe', country: 'PL' },
    locale: 'pl',
    metadata: { campaign: 'spring' },
    acceptUrl: 'https://shop.example/api/checkout/return/accept?checkout_session={SESSION_ID}',
    cancelUrl: 'https://shop.example/api/checkout/return/cancel?checkout_session={SESSION_ID}',
    webhookUrl: 'https://shop.example/api/checkout/webhooks/convergegate',
    customerIp: '203.0.113.7',
    ...overrides,
  };
}

async function signedHeaders(body: string, timestamp = String(NOW_SECONDS - 10), key = SECRET_KEY): Promise<Headers> {
  return new Headers(await signConvergeGateHeaders(key, body, timestamp));
}

describe('ConvergeGate provider', () => {
  let fake: FakeHttpServer;
  let clock = NOW;

  beforeEach(async () => {
    clock = NOW;
    fake = await startFakeHttpServer(() => ({ status: 200, body: documentedSession(fake) }));
  });
  afterEach(() => fake.close());

  function provider(extra: Partial<Parameters<typeof createConvergeGateProvider>[0]> = {}) {
    return createConvergeGateProvider({ apiUrl: fake.url, secretKey: SECRET_KEY, now: () => clock, ...extra });
  }

  it('creates a BLIK session form-encoded with every documented field', async () => {
    const session = await provider().createSession(input());

    const request = fake.requests[0]!;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/v1/checkout/sessions');
    expect(request.headers.authorization).toBe(`Basic ${Buffer.from(`${SECRET_KEY}:`).toString('base64')}`);
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect([...new URLSearchParams(request.body)]).toEqual([
      ['amount', '1000'],
      ['currency', 'pln'],
      ['customer_email', 'john@example.com'],
      ['customer_firstname', 'John'],
      ['customer_lastname', 'Doe'],
      ['success_url', 'https://shop.example/api/checkout/return/accept'],
      ['cancel_url', 'https://shop.example/api/checkout/return/cancel'],
      ['notification_url', 'https://shop.example/api/checkout/webhooks/convergegate'],
      ['customer_ip', '203.0.113.7'],
      ['customer_country', 'PL'],
      ['payment_method', 'blik'],
      ['expires_at', String(NOW_SECONDS + 1800)],
      ['locale', 'pl'],
      ['metadata[reference]', 'order-9'],
      ['metadata[campaign]', 'spring'],
    ]);
    expect(session).toEqual({
      id: 'AW-kLcRRC5P8U68CYe0kVA',
      provider: 'convergegate',
      kind: 'hosted',
      status: 'open',
      url: `${fake.url}/pay/AW-kLcRRC5P8U68CYe0kVA`,
      frameable: false,
      amount: 1000,
      currency: 'PLN',
      expires_at: new Date((NOW_SECONDS + 1800) * 1000).toISOString(),
      livemode: false,
    });
  });

  it('leaves out optional fields it does not have and honours frameable', async () => {
    const session = await provider({ frameable: true }).createSession(
      input({ customerIp: undefined, locale: undefined, metadata: undefined, customer: { email: 'a@b.example', first_name: 'A', last_name: 'B' } }),
    );
    const form = new URLSearchParams(fake.requests[0]!.body);
    expect(form.has('customer_ip')).toBe(false);
    expect(form.has('customer_country')).toBe(false);
    expect(form.has('locale')).toBe(false);
    expect(session.frameable).toBe(true);
  });

  it('refuses a session without the required customer fields, before calling ConvergeGate', async () => {
    const error = await provider().createSession(input({ customer: { email: 'a@b.example' } })).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderInputError);
    expect((error as Error).message).toMatch(/customer\.first_name, customer\.last_name/);
    expect(fake.requests).toHaveLength(0);
  });

  it('reads a session with GET and maps its status', async () => {
    const gate = provider();
    for (const [status, expected] of [
      ['open', 'open'],
      ['complete', 'complete'],
      ['expired', 'expired'],
      ['something-new', 'open'],
    ] as const) {
      fake.respond(() => ({ body: documentedSession(fake, status) }));
      expect((await gate.getSession('AW-kLcRRC5P8U68CYe0kVA')).status, status).toBe(expected);
    }
    const read = fake.requests[0]!;
    expect(read.method).toBe('GET');
    expect(read.url).toBe('/v1/checkout/sessions/AW-kLcRRC5P8U68CYe0kVA');
    expect(read.headers.authorization).toMatch(/^Basic /);

    clock = NOW + 3600_000;
    fake.respond(() => ({ body: documentedSession(fake, 'open') }));
    expect((await gate.getSession('AW-kLcRRC5P8U68CYe0kVA')).status).toBe('expired');
  });

  describe('provider failures become ProviderError', () => {
    it.each([
      [{ status: 400, body: { error: { message: 'Invalid currency' } } }, /HTTP 400 \(Invalid currency\)/],
      [{ status: 401, body: { error: { message: 'Invalid API key' } } }, /HTTP 401/],
      [{ status: 500, body: 'Internal error' }, /HTTP 500/],
      [{ status: 200, body: '{"id":' }, /not valid JSON/],
      [{ status: 200, body: { id: 'x', status: 'open' } }, /unexpected answer/],
    ])('%j', async (answer, message) => {
      fake.respond(() => answer);
      const error = await provider().getSession('AW-1').catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ProviderError);
      expect((error as Error).message).toMatch(message);
    });

    it('times out', async () => {
      fake.respond(() => ({ delayMs: 1_000, body: {} }));
      await expect(provider({ timeoutMs: 50 }).createSession(input())).rejects.toThrow(/convergegate: create checkout session failed: no answer within 50 ms/);
    });
  });

  describe('webhooks', () => {
    const body = JSON.stringify({ type: 'session.completed', data: { id: 'AW-kLcRRC5P8U68CYe0kVA', status: 'complete' } });

    it('accepts a correctly signed, fresh webhook and names the session', async () => {
      const verified = await verifiedEvent(provider(), body, await signedHeaders(body));
      expect(verified.sessionId).toBe('AW-kLcRRC5P8U68CYe0kVA');
      expect(verified.type).toBe('session.completed');
      // A retry (new timestamp, same body) is the same event.
      const retry = await verifiedEvent(provider(), body, await signedHeaders(body, String(NOW_SECONDS)));
      expect(retry.eventId).toBe(verified.eventId);
    });

    it('rejects forged bodies, wrong keys and missing headers', async () => {
      const gate = provider();
      const headers = await signedHeaders(body);
      await expect(verifiedEvent(gate, body.replace('complete', 'expired'), headers)).rejects.toBeInstanceOf(WebhookVerificationError);
      await expect(verifiedEvent(gate, body, await signedHeaders(body, undefined, 'sk_test_other'))).rejects.toThrow(/signature/);
      // The key is the SHA-256 of the secret, not the secret itself.
      const plainKeyTimestamp = String(NOW_SECONDS);
      const plainKey = new Headers({
        'Sec-Timestamp': plainKeyTimestamp,
        'Sec-Signature': createHmac('sha256', SECRET_KEY).update(plainKeyTimestamp + body).digest('hex'),
      });
      await expect(verifiedEvent(gate, body, plainKey)).rejects.toThrow(/signature/);
      await expect(verifiedEvent(gate, body, new Headers())).rejects.toThrow(/header is missing/);
    });

    it('rejects a correctly signed webhook with a replayed (old) timestamp', async () => {
      const old = String(NOW_SECONDS - 3600);
      await expect(verifiedEvent(provider(), body, await signedHeaders(body, old))).rejects.toThrow(/timestamp/);
    });
  });

  it('validates options and reads the environment', () => {
    expect(() => createConvergeGateProvider({ apiUrl: '', secretKey: SECRET_KEY })).toThrow(/apiUrl is required/);
    expect(() => createConvergeGateProvider({ apiUrl: 'https://x', secretKey: 'pk_1' })).toThrow(/sk_/);
    expect(fromEnv({ CONVERGEGATE_SECRET_KEY: SECRET_KEY })).toBeUndefined();
    expect(fromEnv({ CONVERGEGATE_SECRET_KEY: SECRET_KEY, CONVERGEGATE_BASE_URL: 'https://x' })?.name).toBe('convergegate');
  });
});
