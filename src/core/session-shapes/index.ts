import type { SessionShape } from './types.js';
import { contractShape } from './contract.js';

export type { SessionShape, SessionShapeContext } from './types.js';

/**
 * Shapes tried in order; the first that recognises the JSON normalizes it. Provider-native
 * shapes (Stripe `checkout.session`, Reepay `{ id, url }`, …) go after the contract, each in its
 * own module with its own schema and normalizer.
 */
export const SESSION_SHAPES: readonly SessionShape[] = [contractShape];
