import { describe, expect, it } from 'vitest';
import { parseSession } from '../../provider-registry/session-schema.js';
import { bokaMeraShape } from './shape.js';
import { invalidSessionOf } from '../../core/session-shapes/test-support/invalid-session.js';
import { NATIVE_ANSWERS } from './fake-answers.js';

const { 'bokamera embedded': embedded, 'bokamera hosted': hosted } = NATIVE_ANSWERS;

describe('BokaMera shape', () => {
  it('recognises PascalCase checkout answers only', () => {
    expect(bokaMeraShape.recognises(embedded)).toBe(true);
    expect(bokaMeraShape.recognises({ ClientSecret: 'x' })).toBe(true);
    expect(bokaMeraShape.recognises({ sessionId: 'x', url: 'https://a.example' })).toBe(false);
  });

  it('makes ClientSecret a stripe-embedded session on the connected account', () => {
    expect(parseSession(embedded, { publishableKey: 'pk_test_bokamera' })).toEqual({
      id: 'cs_test_b0ka',
      provider: 'bokamera',
      kind: 'stripe-embedded',
      status: 'open',
      client_secret: 'cs_test_b0ka_secret_1',
      publishable_key: 'pk_test_bokamera',
      stripe_account: 'acct_123',
    });
  });

  it('never uses the PaymentIntent secret as the checkout secret', () => {
    const session = parseSession(hosted);
    expect(JSON.stringify(session)).not.toContain('pi_1_secret_2');
  });

  it('makes a Url-only answer a redirect-only hosted session', () => {
    expect(parseSession(hosted)).toEqual({
      id: 'cs_test_b0ka',
      provider: 'bokamera',
      kind: 'hosted',
      status: 'open',
      url: hosted.Url,
      frameable: false,
    });
  });

  it('reads Status in any case and treats a missing one as open', () => {
    expect(parseSession({ ...hosted, Status: 'Complete' }).status).toBe('complete');
    expect(parseSession({ ...hosted, Status: null }).status).toBe('open');
  });

  it.each([
    [{ ClientSecret: null, Url: null }, 'session.ClientSecret or session.Url is required'],
    [{ SessionId: undefined }, 'session.SessionId is required'],
    [{ SessionId: 42 }, 'session.SessionId must be a string'],
    [{ SessionId: '' }, 'session.SessionId must not be empty'],
    [{ ClientSecret: null, Url: 'checkout/cs_1' }, 'session.Url must be an absolute http(s) URL'],
    [{ Status: 'paid' }, 'session.Status must be one of open, complete, expired'],
  ])('rejects the near miss %o', (patch, message) => {
    expect(invalidSessionOf(() => parseSession({ ...embedded, ...patch }, { publishableKey: 'pk_test_1' })).message).toBe(message);
  });

  it('needs the publishable-key attribute for an embedded answer', () => {
    expect(invalidSessionOf(() => parseSession(embedded)).message).toMatch(/publishable-key attribute/);
  });
});
