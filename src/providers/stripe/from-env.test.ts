import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromEnv, stripeApiLocation } from './server.js';
import { FAKE_PUBLISHABLE_KEY, FAKE_SECRET_KEY, startFakeStripe, type FakeStripe } from './fake-api.js';

describe('Stripe fromEnv: STRIPE_API_URL', () => {
  let fake: FakeStripe;
  beforeAll(async () => {
    fake = await startFakeStripe();
  });
  afterAll(async () => {
    await fake.close();
  });

  it('sends the API calls to STRIPE_API_URL instead of api.stripe.com', async () => {
    const provider = fromEnv({
      STRIPE_SECRET_KEY: FAKE_SECRET_KEY,
      STRIPE_PUBLISHABLE_KEY: FAKE_PUBLISHABLE_KEY,
      STRIPE_API_URL: fake.server.url,
    });
    const before = fake.requests.length;
    const session = await provider!.createSession({
      reference: 'ord_env1',
      lines: [{ sku: 'mug', name: 'Mug', quantity: 1, unitAmount: 12900, vatRate: 0.25 }],
      amount: 12900,
      currency: 'DKK',
      acceptUrl: 'http://127.0.0.1/return/accept?checkout_session={SESSION_ID}',
      cancelUrl: 'http://127.0.0.1/return/cancel?checkout_session={SESSION_ID}',
      webhookUrl: 'http://127.0.0.1/webhooks/stripe',
    });
    expect(session).toMatchObject({ provider: 'stripe', kind: 'stripe-embedded', amount: 12900 });
    expect(fake.requests.slice(before).map((request) => `${request.method} ${request.url}`)).toEqual(['POST /v1/checkout/sessions']);
  });

  it('parses origins into host, port and protocol', () => {
    expect(stripeApiLocation('http://127.0.0.1:12111')).toEqual({ host: '127.0.0.1', port: 12111, protocol: 'http' });
    expect(stripeApiLocation('https://api.stripe.com')).toEqual({ host: 'api.stripe.com', port: 443, protocol: 'https' });
    expect(stripeApiLocation('http://[::1]:8080/')).toEqual({ host: '::1', port: 8080, protocol: 'http' });
  });

  it('refuses a URL that is not an http(s) origin, without echoing credentials', () => {
    expect(() => stripeApiLocation('localhost:12111')).toThrow(/http or https/);
    expect(() => stripeApiLocation('not a url')).toThrow(/absolute http\(s\) URL/);
    expect(() => stripeApiLocation('ftp://127.0.0.1')).toThrow(/http or https/);
    expect(() => stripeApiLocation('http://127.0.0.1/v1')).toThrow(/origin only/);
    let message = '';
    try {
      stripeApiLocation('http://user:sk_test_secret@127.0.0.1');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/origin only/);
    expect(message).not.toContain('sk_test_secret');
  });
});
