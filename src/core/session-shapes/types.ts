import type { CheckoutSession } from '../protocol.js';

/** What a shape may need besides the JSON itself. */
export interface SessionShapeContext {
  /** The `publishable-key` attribute: used when a Stripe session carries no key of its own. */
  publishableKey?: string | undefined;
}

/**
 * One JSON shape an endpoint may answer with (the contract session, or a provider-native
 * object such as Stripe's `checkout.session`), and how it becomes a `CheckoutSession`.
 */
export interface SessionShape {
  readonly name: string;
  /** Cheap detection, so a recognised shape reports its own field errors. */
  recognises(json: unknown): boolean;
  /** Validates and converts; throws `CheckoutError('invalid_session')` naming the bad field. */
  normalize(json: unknown, context: SessionShapeContext): CheckoutSession;
}
