import { CheckoutError } from '../core/errors.js';
import type { SessionKind } from '../core/protocol.js';
import { createHostedRenderer } from '../renderers/hosted/hosted-renderer.js';
import type { RendererFactory } from '../renderers/types.js';
import { PROVIDER_RENDERERS } from './renderers.generated.js';

/**
 * Provider folders with a `renderer.ts` export `createRenderer: RendererFactory`. Only `hosted` is
 * in the core bundle; the others are separate chunks, fetched when a session of their kind arrives.
 */
export const RENDERER_LOADERS: Record<SessionKind, () => Promise<RendererFactory>> = {
  hosted: () => Promise.resolve(createHostedRenderer),
  ...PROVIDER_RENDERERS,
};

/** The renderer factory for a session kind; a failed chunk load is `provider_load_failed`. */
export async function loadRenderer(kind: SessionKind): Promise<RendererFactory> {
  const loader = RENDERER_LOADERS[kind];
  try {
    return await loader();
  } catch (error) {
    throw new CheckoutError('provider_load_failed', `The ${kind} checkout could not be loaded`, { retryable: true, cause: error });
  }
}
