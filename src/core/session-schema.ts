import { CheckoutError } from './errors.js';
import type { CheckoutSession } from './protocol.js';
import { contractShape } from './session-shapes/contract.js';
import { SESSION_SHAPES, type SessionShape, type SessionShapeContext } from './session-shapes/index.js';

/**
 * Validates what an endpoint (or the page) handed us and returns a contract session.
 * Throws `CheckoutError('invalid_session')` whose message names the offending field.
 */
export function parseSession(
  json: unknown,
  context: SessionShapeContext = {},
  shapes: readonly SessionShape[] = SESSION_SHAPES,
): CheckoutSession {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new CheckoutError('invalid_session', 'session must be a JSON object');
  }
  const shape = shapes.find((candidate) => candidate.recognises(json)) ?? contractShape;
  return shape.normalize(json, context);
}
