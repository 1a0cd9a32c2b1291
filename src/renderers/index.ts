import { CheckoutError } from '../core/errors.js';
import type { SessionKind } from '../core/session.js';
import { PROVIDER_RENDERERS } from '../providers/renderers.generated.js';
import type { RendererFactory } from './types.js';

/**
 * Every renderer is a chunk: `hosted` (prefetched at connect, see `prefetchHostedRenderer`) and
 * those of the provider folders with a `renderer.ts` (`createRenderer: RendererFactory`), fetched
 * when a session of their kind arrives.
 */
export const RENDERER_LOADERS: Record<SessionKind, () => Promise<RendererFactory>> = {
  hosted: () => import('./hosted/hosted-renderer.js').then((module) => module.createHostedRenderer),
  ...PROVIDER_RENDERERS,
};

/**
 * Fetches the hosted renderer while the session is being created: most sessions are hosted ones
 * (and a card payment's 3-D Secure page is shown by it), so its chunk must not wait for the answer.
 * A failure is reported when a session needs it.
 */
export function prefetchHostedRenderer(): void {
  RENDERER_LOADERS.hosted().catch(() => undefined);
}

/** The renderer factory for a session kind; a failed chunk load is `provider_load_failed`. */
export async function loadRenderer(kind: SessionKind): Promise<RendererFactory> {
  const loader = RENDERER_LOADERS[kind];
  try {
    return await loader();
  } catch (error) {
    throw new CheckoutError('provider_load_failed', `The ${kind} checkout could not be loaded`, { retryable: true, cause: error });
  }
}
