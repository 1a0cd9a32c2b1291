import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSession } from '../../provider-registry/session-schema.js';
import { REEPAY_SESSION_ID, reepaySessionShape } from './shape.js';
import { invalidSessionOf } from '../../core/session-shapes/test-support/invalid-session.js';
import { NATIVE_ANSWERS } from './fake-answers.js';

const answer = NATIVE_ANSWERS.reepay;
const { id } = answer;

describe('Reepay session shape', () => {
  it('shares its session id pattern with the renderer, which keeps a copy to stay out of the validators chunk', () => {
    const renderer = readFileSync(new URL('./renderer.ts', import.meta.url), 'utf8');
    expect(renderer).toContain(`const REEPAY_SESSION_ID = ${String(REEPAY_SESSION_ID)};`);
  });

  it('recognises charge and recurring session ids only', () => {
    expect(reepaySessionShape.recognises(answer)).toBe(true);
    expect(reepaySessionShape.recognises({ ...answer, id: `pa_${id.slice(3)}` })).toBe(true);
    expect(reepaySessionShape.recognises({ ...answer, id: 'cs_test_a1b2c3' })).toBe(false);
    expect(reepaySessionShape.recognises({ ...answer, id: `${id}0` })).toBe(false);
    expect(reepaySessionShape.recognises({ ...answer, id: id.toUpperCase() })).toBe(false);
  });

  it('makes { id, url } an open reepay session', () => {
    expect(parseSession(answer)).toEqual({ id, url: answer.url, provider: 'reepay', kind: 'reepay', status: 'open' });
  });

  it('rejects a Reepay id without a usable url', () => {
    expect(invalidSessionOf(() => parseSession({ id })).message).toBe('session.url is required');
    expect(invalidSessionOf(() => parseSession({ id, url: `#/${id}` })).message).toBe(
      'session.url must be an absolute http(s) URL',
    );
  });

  it('leaves an id of another form to the contract, which names the missing field', () => {
    expect(invalidSessionOf(() => parseSession({ id: 'cs_123', url: answer.url })).message).toBe('session.provider is required');
  });

  it('lets a contract session with a Reepay id stay a contract session', () => {
    const contract = { ...answer, provider: 'frisbii', kind: 'reepay', status: 'complete' };
    expect(parseSession(contract)).toMatchObject({ provider: 'frisbii', status: 'complete' });
  });
});

describe('Reepay session among the native shapes', () => {
  it('wins over ConvergeGate for a Reepay id that also carries amount_total (the shapes are tried by precedence)', () => {
    const session = parseSession({ id: `cs_${'a1'.repeat(16)}`, url: 'https://checkout.reepay.com/#/cs_1', amount_total: 12900 });
    expect(session).toMatchObject({ provider: 'reepay', kind: 'reepay' });
  });
});
