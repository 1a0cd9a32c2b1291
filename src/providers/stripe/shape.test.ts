import { describe, expect, it } from 'vitest';
import { parseSession } from '../../provider-registry/session-schema.js';
import { stripeCheckoutSessionShape } from './shape.js';
import { invalidSessionOf as errorOf } from '../../core/session-shapes/test-support/invalid-session.js';
import { NATIVE_ANSWERS } from './fake-answers.js';

const { 'stripe embedded': embedded, 'stripe hosted': hosted } = NATIVE_ANSWERS;

describe('Stripe checkout.session shape', () => {
  it('recognises only checkout.session objects', () => {
    expect(stripeCheckoutSessionShape.recognises(embedded)).toBe(true);
    expect(stripeCheckoutSessionShape.recognises({ ...embedded, object: 'payment_intent' })).toBe(false);
    expect(stripeCheckoutSessionShape.recognises({ id: 'cs_test_1', client_secret: 'x' })).toBe(false);
  });

  it('makes an embedded session a stripe-embedded session with the attribute key', () => {
    expect(parseSession(embedded, { publishableKey: 'pk_test_shop' })).toEqual({
      id: 'cs_test_a1b2c3',
      provider: 'stripe',
      kind: 'stripe-embedded',
      status: 'open',
      client_secret: 'cs_test_a1b2c3_secret_xyz',
      publishable_key: 'pk_test_shop',
      amount: 62700,
      currency: 'DKK',
      expires_at: '2026-11-23T08:00:00.000Z',
      livemode: false,
    });
  });

  it('accepts the pre-dahlia ui_mode name and a session without ui_mode', () => {
    expect(parseSession({ ...embedded, ui_mode: 'embedded' }, { publishableKey: 'pk_test_1' }).kind).toBe('stripe-embedded');
    const { ui_mode: _mode, ...noMode } = embedded;
    expect(parseSession(noMode, { publishableKey: 'pk_test_1' }).kind).toBe('stripe-embedded');
  });

  it('makes a hosted session a redirect-only hosted session', () => {
    const session = parseSession(hosted);
    expect(session).toMatchObject({ kind: 'hosted', url: hosted.url, frameable: false, provider: 'stripe' });
    expect('client_secret' in session).toBe(false);
  });

  it('follows Stripe status', () => {
    expect(parseSession({ ...hosted, status: 'complete', payment_status: 'paid' }).status).toBe('complete');
    expect(parseSession({ ...hosted, status: 'expired' }).status).toBe('expired');
  });

  it('needs a publishable key for an embedded session, and never a secret one', () => {
    expect(errorOf(() => parseSession(embedded)).message).toMatch(/publishable-key attribute/);
    expect(errorOf(() => parseSession(embedded, { publishableKey: 'sk_test_1' })).message).toMatch(/pk_/);
  });

  it.each([
    [{ client_secret: null }, 'session.client_secret is required for kind stripe-embedded'],
    [{ ui_mode: 'custom' }, 'session.ui_mode must be one of embedded, embedded_page, hosted, hosted_page'],
    [{ status: 'paid' }, 'session.status must be one of open, complete, expired'],
    [{ amount_total: 1.5 }, 'session.amount_total must be an integer'],
    [{ id: '' }, 'session.id must not be empty'],
  ])('rejects the near miss %o', (patch, message) => {
    expect(errorOf(() => parseSession({ ...embedded, ...patch }, { publishableKey: 'pk_test_1' })).message).toBe(message);
  });

  it('accepts a finished hosted session whose url Stripe cleared', () => {
    expect(parseSession({ ...hosted, status: 'complete', url: null })).toMatchObject({ kind: 'hosted', status: 'complete' });
  });

  it('rejects a hosted session without a usable url', () => {
    expect(errorOf(() => parseSession({ ...hosted, url: null })).message).toBe('session.url is required for ui_mode hosted_page');
    expect(errorOf(() => parseSession({ ...hosted, url: 'javascript:alert(1)' })).message).toBe(
      'session.url must be an absolute http(s) URL',
    );
  });
});
