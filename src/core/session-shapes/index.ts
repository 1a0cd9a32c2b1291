import { CheckoutError } from '../errors.js';
import type { CheckoutSession } from '../protocol.js';
import { contractShape } from './contract.js';
import type { SessionShape, SessionShapeContext } from './types.js';
import { unrecognisedShape } from './unrecognised.js';

export type { SessionShape, SessionShapeContext } from './types.js';

/**
 * Shapes tried in order; the first that recognises the JSON normalizes it. Provider-native
 * shapes (Stripe `checkout.session`, Reepay `{ id, url }`, …) go after the contract, each in its
 * provider's folder (`src/providers/<name>/shape.ts`) with its own schema and normalizer. The core
 * names no provider: the provider registry hands their shapes in (`src/provider-registry/session-schema.ts`).
 */
export function sessionShapes(providerShapes: readonly SessionShape[]): readonly SessionShape[] {
  return [
    contractShape,
    ...providerShapes,
    // Last: JSON no shape above recognised and that is no near miss of the contract either.
    unrecognisedShape(providerShapes),
  ];
}

/**
 * Validates what an endpoint (or the page) handed us against `shapes` (see `sessionShapes`) and
 * returns a contract session. Throws `CheckoutError('invalid_session')` whose message names the
 * offending field.
 */
export function parseWithShapes(json: unknown, shapes: readonly SessionShape[], context: SessionShapeContext = {}): CheckoutSession {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new CheckoutError('invalid_session', 'session must be a JSON object');
  }
  const shape = shapes.find((candidate) => candidate.recognises(json)) ?? contractShape;
  return shape.normalize(json, context);
}
