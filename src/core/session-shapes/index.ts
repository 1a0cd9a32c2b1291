import type { SessionShape } from './types.js';
import { contractShape } from './contract.js';
import { PROVIDER_SHAPES } from '../../provider-registry/shapes.generated.js';
import { unrecognisedShape } from './unrecognised.js';

export type { SessionShape, SessionShapeContext } from './types.js';

/**
 * Shapes tried in order; the first that recognises the JSON normalizes it. Provider-native
 * shapes (Stripe `checkout.session`, Reepay `{ id, url }`, …) go after the contract, each in its
 * provider's folder (`src/providers/<name>/shape.ts`) with its own schema and normalizer.
 */
export const SESSION_SHAPES: readonly SessionShape[] = [
  contractShape,
  ...PROVIDER_SHAPES,
  // Last: JSON no shape above recognised and that is no near miss of the contract either.
  unrecognisedShape,
];
