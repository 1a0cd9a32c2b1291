import type { SessionShape } from './types.js';
import { contractShape } from './contract.js';
import { stripeCheckoutSessionShape } from './stripe-checkout-session.js';
import { bokaMeraShape } from './bokamera.js';
import { reepaySessionShape } from './reepay.js';
import { convergeGateShape } from './convergegate.js';
import { commerceLayerShape } from './commerce-layer.js';
import { unrecognisedShape } from './unrecognised.js';

export type { SessionShape, SessionShapeContext } from './types.js';

/**
 * Shapes tried in order; the first that recognises the JSON normalizes it. Provider-native
 * shapes (Stripe `checkout.session`, Reepay `{ id, url }`, …) go after the contract, each in its
 * own module with its own schema and normalizer.
 */
export const SESSION_SHAPES: readonly SessionShape[] = [
  contractShape,
  stripeCheckoutSessionShape,
  bokaMeraShape,
  reepaySessionShape,
  convergeGateShape,
  commerceLayerShape,
  // Last: JSON no shape above recognised and that is no near miss of the contract either.
  unrecognisedShape,
];
