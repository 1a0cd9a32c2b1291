/**
 * The session validators, a chunk of their own (`checkout-session-schema-….js`) that the widget
 * fetches only for an answer the core's contract check does not accept (session-validators.ts):
 * zod, the contract's field errors and the native shape of every provider folder with a `shape.ts`.
 */
import type { CheckoutSession } from '../core/protocol.js';
import { parseWithShapes, sessionShapes, type SessionShape, type SessionShapeContext } from '../core/session-shapes/index.js';
import { PROVIDER_SHAPES } from './shapes.generated.js';

/** The contract, every provider folder's native shape, and last the JSON none of them recognised. */
export const SESSION_SHAPES: readonly SessionShape[] = sessionShapes(PROVIDER_SHAPES);

/**
 * Validates what an endpoint (or the page) handed us and returns a contract session.
 * Throws `CheckoutError('invalid_session')` whose message names the offending field.
 */
export function parseSession(
  json: unknown,
  context: SessionShapeContext = {},
  shapes: readonly SessionShape[] = SESSION_SHAPES,
): CheckoutSession {
  return parseWithShapes(json, shapes, context);
}
