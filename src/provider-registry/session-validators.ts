import { CheckoutError } from '../core/errors.js';
import type { CheckoutSession } from '../core/protocol.js';
import { acceptContractSession } from '../core/session-shapes/contract-check.js';
import type { SessionShapeContext } from '../core/session-shapes/types.js';

type SchemaModule = typeof import('./session-schema.js');

let loading: Promise<SchemaModule> | undefined;

/**
 * The full session validators (zod, the contract's field errors and every provider-native shape)
 * are a chunk of their own, fetched only for an answer the core's contract check does not accept.
 */
export function loadSessionValidators(): Promise<SchemaModule> {
  loading ??= import('./session-schema.js').catch((error: unknown) => {
    // Let the next start try again (Chromium keeps a failed module fetch failed until a reload).
    loading = undefined;
    throw new CheckoutError('provider_load_failed', 'The checkout could not load its session validator', {
      retryable: true,
      cause: error,
    });
  });
  return loading;
}

/**
 * A contract session at once (the core's own check); any other answer (provider-native, or
 * invalid) through the validators chunk. The widget hands it to the core's session client, which
 * knows no provider's shape.
 */
export async function parseSessionLazily(json: unknown, context: SessionShapeContext = {}): Promise<CheckoutSession> {
  const session = acceptContractSession(json, context);
  if (session) return session;
  const { parseSession } = await loadSessionValidators();
  return parseSession(json, context);
}
