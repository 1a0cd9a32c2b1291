import { describe, expect, it } from 'vitest';
import { parseSession, SESSION_SHAPES } from '../../provider-registry/session-schema.js';
import { PROVIDER_SHAPES } from '../../provider-registry/shapes.generated.js';
import { invalidSessionOf } from './test-support/invalid-session.js';
import { acceptedShapes } from './unrecognised.js';

const ACCEPTED_SHAPES = acceptedShapes(PROVIDER_SHAPES);

describe('unrecognised shapes', () => {
  it.each([{}, { session: { id: 'x' } }, { data: { type: 'orders' } }, { Id: 'x', Link: 'https://a.example' }])(
    'lists the accepted shapes for %o',
    (json) => {
      const message = invalidSessionOf(() => parseSession(json)).message;
      expect(message).toMatch(/^session is not a known shape; expected a contract session/);
      for (const shape of ACCEPTED_SHAPES) expect(message).toContain(shape);
    },
  );

  it('names every native shape in the list', () => {
    const natives = SESSION_SHAPES.filter((shape) => shape.name !== 'contract' && shape.name !== 'unrecognised');
    expect(natives).toEqual(PROVIDER_SHAPES);
    expect(natives.length).toBeGreaterThan(0);
    for (const shape of natives) expect(ACCEPTED_SHAPES).toContain(shape.name);
    expect(SESSION_SHAPES.at(-1)!.name).toBe('unrecognised');
  });

  it('leaves a near miss of the contract to the contract, which names the field', () => {
    expect(invalidSessionOf(() => parseSession({ id: 'ses_1', status: 'open' })).message).toBe('session.provider is required');
  });
});
