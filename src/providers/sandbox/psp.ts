/**
 * The sandbox PSP, assembled from its parts in `psp/`: the model and its transitions (`state`),
 * the files it keeps (`persistence`), webhooks, the JSON API, the hosted page, the card frame and
 * the SDK doubles (Mollie.js, Adyen Web).
 * Node only (node:crypto, node:fs): never part of the edge-safe `./server`.
 */
import { Hono } from 'hono';
import { signSandboxPayload } from '../../server/adapter-kit/webhook-signatures.js';
import { SANDBOX_ID_PLACEHOLDER, SANDBOX_SIGNATURE_HEADER } from './protocol.js';
import { addApiRoutes } from './psp/api-routes.js';
import { createCredentials } from './psp/credentials.js';
import { addFramesRoutes } from './psp/frames-routes.js';
import { apiError } from './psp/http.js';
import type { SandboxPsp, SandboxPspOptions } from './psp/options.js';
import { addPageRoutes } from './psp/page-routes.js';
import { addSdkRoutes } from './psp/sdk-routes.js';
import { addTestHelperRoutes } from './psp/test-helper-routes.js';
import { loadStateFile, saveStateFile } from './psp/persistence.js';
import { PspState } from './psp/state.js';
import { createWebhookSender } from './psp/webhooks.js';

// Re-exported for the PSP's users (tests, demo): the signer is the adapter toolkit's, so the scheme is written once.
export { SANDBOX_ID_PLACEHOLDER, SANDBOX_SIGNATURE_HEADER, signSandboxPayload };
export { SANDBOX_BLIK_CODES, SANDBOX_DECLINE_REASON, SANDBOX_TEST_CARDS } from './psp/cards.js';
export type { SandboxStatus } from './psp/model.js';
export type { SandboxPsp, SandboxPspOptions } from './psp/options.js';
export { loadOrCreateSandboxKeys } from './psp/persistence.js';

/**
 * A small but real-behaving payment service provider for offline development and tests: an API
 * with Basic auth, a frameable hosted page with card (incl. decline and 3-D Secure) and BLIK,
 * expiry, and signed webhooks. Run it on its own port so it is a different origin from the shop.
 */
export function createSandboxPsp(options: SandboxPspOptions): SandboxPsp {
  if (!options.secretKey) throw new TypeError('createSandboxPsp needs a secretKey');
  if (!options.webhookSecret) throw new TypeError('createSandboxPsp needs a webhookSecret');
  const now = options.now ?? Date.now;
  const logger = options.logger ?? console;
  const configuredPublicUrl = options.publicUrl?.replace(/\/+$/, '');
  const credentials = createCredentials(options.secretKey);
  const webhooks = createWebhookSender({
    secret: options.webhookSecret,
    send: options.fetch ?? fetch,
    now,
    retryDelayMs: options.webhookRetryDelayMs ?? 2000,
    attempts: options.webhookAttempts ?? 12,
    logger,
  });
  const { stateFile } = options;
  const state: PspState = new PspState(
    {
      now,
      changed: () => {
        if (stateFile) saveStateFile(stateFile, state.records());
      },
      notify: (about, target, type, plan) => webhooks.deliver(about, target, type, plan),
    },
    stateFile ? loadStateFile(stateFile) : undefined,
  );

  const app = new Hono();
  // First: its CORS middleware answers the SDK doubles' preflights and marks the token route's answers.
  addSdkRoutes(app, { state, credentials, configuredPublicUrl });
  addApiRoutes(app, { state, credentials, ttlSeconds: options.ttlSeconds ?? 1800, configuredPublicUrl });
  addPageRoutes(app, state);
  addTestHelperRoutes(app, { state, credentials });
  addFramesRoutes(app, { state, credentials, configuredPublicUrl });
  app.notFound(() => apiError(404, 'not_found', 'Not found'));
  app.onError((error) => {
    logger.warn(`sandbox: request failed: ${error instanceof Error ? error.message : String(error)}`);
    return apiError(500, 'internal_error', 'The sandbox failed to handle the request');
  });

  return {
    app,
    fetch: (request) => Promise.resolve(app.fetch(request)),
    whenIdle: () => webhooks.whenIdle(),
    close: () => webhooks.close(),
  };
}
