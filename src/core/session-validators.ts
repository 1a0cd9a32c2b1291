import { CheckoutError } from './errors.js';
import type { CheckoutSession } from './session.js';
import type { SessionShapeContext } from './session-shapes/types.js';

type SchemaModule = typeof import('./session-schema.js');

let loading: Promise<SchemaModule> | undefined;

/**
 * The session validators (zod and every session shape) are a chunk of their own: the CDN core
 * stays small, and the chunk downloads while the session request is in flight. Call early.
 */
export function preloadSessionValidators(): Promise<SchemaModule> {
  loading ??= import('./session-schema.js').catch((error: unknown) => {
    loading = undefined; // let the next start try again
    throw new CheckoutError('provider_load_failed', 'The checkout could not load its session validator', {
      retryable: true,
      cause: error,
    });
  });
  return loading;
}

/** `parseSession` from the validators chunk. */
export async function parseSessionLazily(json: unknown, context: SessionShapeContext = {}): Promise<CheckoutSession> {
  const { parseSession } = await preloadSessionValidators();
  return parseSession(json, context);
}
