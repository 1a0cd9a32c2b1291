import { describe, expect, it } from 'vitest';
import { parseSession } from '../../provider-registry/session-schema.js';
import { convergeGateShape } from './shape.js';
import { invalidSessionOf } from '../../core/session-shapes/test-support/invalid-session.js';
import { NATIVE_ANSWERS } from './fake-answers.js';

const answer = NATIVE_ANSWERS.convergegate;

describe('ConvergeGate session shape', () => {
  it('recognises its sessions, not Stripe ones', () => {
    expect(convergeGateShape.recognises(answer)).toBe(true);
    expect(convergeGateShape.recognises({ ...answer, object: 'checkout.session' })).toBe(false);
    expect(convergeGateShape.recognises({ id: answer.id, url: answer.url })).toBe(false);
  });

  it('makes it a hosted session with amount, currency and expiry', () => {
    expect(parseSession(answer)).toEqual({
      id: 'AW-kLcRRC5P8U68CYe0kVA',
      provider: 'convergegate',
      kind: 'hosted',
      status: 'open',
      url: answer.url,
      amount: 1000,
      currency: 'USD',
      expires_at: '2038-01-19T03:14:08.000Z',
      livemode: false,
    });
  });

  it('maps paid and cancelled sessions', () => {
    expect(parseSession({ ...answer, status: 'paid' }).status).toBe('complete');
    expect(parseSession({ ...answer, status: 'canceled' }).status).toBe('cancelled');
  });

  it.each([
    [{ url: undefined }, 'session.url is required'],
    [{ url: '/pay/AW' }, 'session.url must be an absolute http(s) URL'],
    [{ status: 'weird' }, /^session\.status must be one of open, complete, /],
    [{ amount_total: '1000' }, 'session.amount_total must be a number'],
    [{ expire_at: -1 }, 'session.expire_at must be at least 0'],
  ])('rejects the near miss %o', (patch, message) => {
    expect(invalidSessionOf(() => parseSession({ ...answer, ...patch })).message).toMatch(message);
  });
});
