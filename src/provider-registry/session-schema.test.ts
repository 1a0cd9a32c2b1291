import { describe, expect, it } from 'vitest';
import { CheckoutError } from '../core/errors.js';
import type { SessionShape } from '../core/session-shapes/index.js';
import { parseSession } from './session-schema.js';

const hosted = {
  id: 'ses_1',
  provider: 'sandbox',
  kind: 'hosted',
  status: 'open',
  url: 'https://psp.example/pay/ses_1',
  frameable: true,
  amount: 50000,
  currency: 'DKK',
  expires_at: '2026-11-22T12:00:00Z',
  livemode: false,
};
const stripe = {
  id: 'cs_1',
  provider: 'stripe',
  kind: 'stripe-embedded',
  status: 'open',
  client_secret: 'cs_1_secret_x',
  publishable_key: 'pk_test_1',
};
const adyen = {
  id: 'CS841C62BF399F968C',
  provider: 'adyen',
  kind: 'adyen',
  status: 'open',
  session_id: 'CS841C62BF399F968C',
  session_data: 'Ab02b4c0!BQABAgAeRei',
  client_key: 'test_ABC',
  environment: 'live-us',
};
const cardToken = {
  id: 'ses_ct',
  provider: 'commercelayer',
  kind: 'card-token',
  status: 'open',
  token_provider: 'checkout.com',
  public_key: 'pk_sbox_abc',
  amount: 49800,
  currency: 'DKK',
};

function errorOf(run: () => unknown): CheckoutError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(CheckoutError);
    return error as CheckoutError;
  }
  throw new Error('expected parseSession to throw');
}

describe('parseSession', () => {
  it('accepts a contract session and drops unknown fields', () => {
    const session = parseSession({ ...hosted, extra: 'x', nested: { a: 1 } });
    expect(session).toEqual(hosted);
    expect('extra' in session).toBe(false);
  });

  it('treats null optional fields as absent', () => {
    const session = parseSession({ ...hosted, client_secret: null, amount: null });
    expect('client_secret' in session).toBe(false);
    expect('amount' in session).toBe(false);
  });

  it.each(['id', 'provider', 'kind', 'status'])('names the missing required field %s', (field) => {
    const json: Record<string, unknown> = { ...hosted };
    delete json[field];
    const error = errorOf(() => parseSession(json));
    expect(error.code).toBe('invalid_session');
    expect(error.message).toBe(`session.${field} is required`);
  });

  it('names the allowed kinds', () => {
    expect(errorOf(() => parseSession({ ...hosted, kind: 'paypal' })).message).toBe(
      'session.kind must be one of hosted, card-token, adyen, reepay, stripe-embedded',
    );
  });

  it('names the allowed statuses', () => {
    expect(errorOf(() => parseSession({ ...hosted, status: 'done' })).message).toBe(
      'session.status must be one of open, complete, expired, cancelled, failed',
    );
  });

  it.each([
    [{ id: 42 }, 'session.id must be a string'],
    [{ id: '' }, 'session.id must not be empty'],
    [{ frameable: 'yes' }, 'session.frameable must be a boolean'],
    [{ amount: '500' }, 'session.amount must be a number'],
    [{ amount: 1.5 }, 'session.amount must be an integer (minor units)'],
    [{ amount: -1 }, 'session.amount must be at least 0'],
    [{ expires_at: 'tomorrow' }, 'session.expires_at must be an ISO 8601 date-time'],
    [{ livemode: 1 }, 'session.livemode must be a boolean'],
    [{ url: '/relative' }, 'session.url must be an absolute http(s) URL'],
    [{ url: 'javascript:alert(1)' }, 'session.url must be an absolute http(s) URL'],
  ])('rejects a mistyped field %o', (patch, message) => {
    expect(errorOf(() => parseSession({ ...hosted, ...patch })).message).toBe(message);
  });

  it.each(['hosted', 'reepay'])('requires url for kind %s', (kind) => {
    const { url: _url, ...rest } = hosted;
    expect(errorOf(() => parseSession({ ...rest, kind })).message).toBe(`session.url is required for kind ${kind}`);
  });

  it('accepts an adyen session and requires its four Drop-in fields while open', () => {
    expect(parseSession(adyen)).toEqual(adyen);
    for (const field of ['session_id', 'session_data', 'client_key', 'environment'] as const) {
      const { [field]: _gone, ...rest } = adyen;
      expect(errorOf(() => parseSession(rest)).message).toBe(`session.${field} is required for kind adyen`);
      expect(parseSession({ ...rest, status: 'complete' }).status).toBe('complete');
    }
  });

  it('refuses an adyen API key or an unknown environment (the script host is built from it)', () => {
    expect(errorOf(() => parseSession({ ...adyen, client_key: 'AQEyhmfxK' })).message).toBe(
      'session.client_key must be an Adyen client key (test_… or live_…)',
    );
    expect(errorOf(() => parseSession({ ...adyen, environment: 'evil.example' })).message).toMatch(/^session\.environment must be one of test, live/);
  });

  it('requires client_secret for stripe-embedded', () => {
    const { client_secret: _secret, ...rest } = stripe;
    expect(errorOf(() => parseSession(rest)).message).toBe('session.client_secret is required for kind stripe-embedded');
  });

  it('needs no url or client secret once the session is finished (nothing is rendered then)', () => {
    const { client_secret: _secret, publishable_key: _key, ...finishedStripe } = stripe;
    expect(parseSession({ ...finishedStripe, status: 'complete' }).status).toBe('complete');
    const { url: _url, ...finishedHosted } = hosted;
    expect(parseSession({ ...finishedHosted, status: 'expired' }).status).toBe('expired');
    expect(errorOf(() => parseSession({ ...finishedHosted, status: 'open' })).message).toBe('session.url is required for kind hosted');
  });

  it('accepts a card-token session with its token provider, public key and (sandbox) script', () => {
    expect(parseSession(cardToken)).toEqual(cardToken);
    const sandbox = { ...cardToken, provider: 'sandbox-fields', token_provider: 'sandbox', frames_url: 'http://127.0.0.1:4243/v1/frames.js' };
    expect(parseSession(sandbox)).toEqual(sandbox);
  });

  it.each(['token_provider', 'public_key'])('requires %s for kind card-token while it is open', (field) => {
    const json: Record<string, unknown> = { ...cardToken };
    delete json[field];
    expect(errorOf(() => parseSession(json)).message).toBe(`session.${field} is required for kind card-token`);
    expect(parseSession({ ...json, status: 'complete' }).status).toBe('complete');
  });

  it('accepts a Mollie Components session: profile_id and testmode instead of a public key', () => {
    const { public_key: _key, ...rest } = cardToken;
    const mollie = { ...rest, provider: 'mollie', token_provider: 'mollie', profile_id: 'pfl_QkEhN94Ba', testmode: true };
    expect(parseSession(mollie)).toEqual(mollie);
    const { profile_id: _profile, ...withoutProfile } = mollie;
    expect(errorOf(() => parseSession(withoutProfile)).message).toBe('session.profile_id is required for kind card-token');
    expect(parseSession({ ...withoutProfile, status: 'failed' }).status).toBe('failed');
  });

  it('requires frames_url for the sandbox token provider only', () => {
    expect(errorOf(() => parseSession({ ...cardToken, token_provider: 'sandbox' })).message).toBe(
      'session.frames_url is required for token_provider sandbox',
    );
  });

  it.each([
    [{ token_provider: 'stripe' }, 'session.token_provider must be one of checkout.com, sandbox, mollie'],
    [{ token_provider: 'mollie', profile_id: 'pk_test_1' }, 'session.profile_id must be a Mollie profile id (pfl_…)'],
    [{ token_provider: 'mollie', profile_id: 'pfl_1', testmode: 'yes' }, 'session.testmode must be a boolean'],
    [{ public_key: 'sk_sbox_abc' }, 'session.public_key must be a public key (pk_…)'],
    [{ frames_url: 'javascript:alert(1)' }, 'session.frames_url must be an absolute http(s) URL'],
    [{ frames_url: '/v1/frames.js' }, 'session.frames_url must be an absolute http(s) URL'],
  ])('rejects a mistyped card-token field %o', (patch, message) => {
    expect(errorOf(() => parseSession({ ...cardToken, ...patch })).message).toBe(message);
  });

  it('takes the publishable key from the attribute when the session has none', () => {
    const { publishable_key: _key, ...rest } = stripe;
    expect(errorOf(() => parseSession(rest)).message).toMatch(/^session\.publishable_key is required/);
    expect(parseSession(rest, { publishableKey: 'pk_live_2' }).publishable_key).toBe('pk_live_2');
    expect(parseSession(stripe, { publishableKey: 'pk_live_2' }).publishable_key).toBe('pk_test_1');
  });

  it('refuses a secret key in place of a publishable key', () => {
    expect(errorOf(() => parseSession({ ...stripe, publishable_key: 'sk_test_1' })).message).toBe(
      'session.publishable_key must be a publishable key (pk_…)',
    );
    const { publishable_key: _key, ...rest } = stripe;
    expect(errorOf(() => parseSession(rest, { publishableKey: 'sk_test_1' })).message).toMatch(/publishable-key attribute/);
  });

  it.each([null, 'text', 42, []])('rejects a non-object %o', (json) => {
    expect(errorOf(() => parseSession(json)).message).toBe('session must be a JSON object');
  });

  it('tries later shapes when the contract shape does not recognise the JSON', () => {
    const reepayShape: SessionShape = {
      name: 'reepay-native',
      recognises: (json) => typeof json === 'object' && json !== null && !('kind' in json) && 'url' in json,
      normalize: (json) => {
        const { id, url } = json as { id: string; url: string };
        return { id, url, provider: 'reepay', kind: 'reepay', status: 'open' };
      },
    };
    const session = parseSession({ id: 'cs_abc', url: 'https://checkout.reepay.com/#/cs_abc' }, {}, [reepayShape]);
    expect(session.kind).toBe('reepay');
    // With no shape recognising it, the contract's own error names the field.
    expect(errorOf(() => parseSession({ id: 'x', url: 'https://a.example' })).message).toBe('session.provider is required');
  });
});
