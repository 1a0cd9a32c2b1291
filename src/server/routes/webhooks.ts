import { Hono, type MiddlewareHandler } from 'hono';
import { WebhookVerificationError, type VerifiedWebhook } from '../provider-api/types.js';
import { errorAnswer, jsonAnswer } from '../responses.js';
import type { CheckoutContext, CheckoutEnv } from './context.js';
import { limitBody } from './middleware.js';

const MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;

/**
 * `POST /webhooks/:provider`: verifies the provider's signature on the raw body, stores the event
 * (once per provider and event id) and answers; the event is handled by the job runner.
 */
export function webhookRoutes(): Hono<CheckoutEnv> {
  return new Hono<CheckoutEnv>().post(
    '/webhooks/:provider',
    knownProvider,
    limitBody(MAX_WEBHOOK_BODY_BYTES, 'Webhook body is too large'),
    receiveWebhook,
  );
}

/** An unknown provider is answered 404 before its body is read, whatever its size. */
const knownProvider: MiddlewareHandler<CheckoutEnv> = async (c, next) => {
  const name = c.req.param('provider') ?? '';
  if (!c.var.checkout.config.providers.get(name)?.verifyWebhook) {
    return errorAnswer(c, 404, 'not_found', `No webhook endpoint for provider "${name}"`);
  }
  await next();
};

async function receiveWebhook(c: CheckoutContext): Promise<Response> {
  const { config, kickJobs } = c.var.checkout;
  const name = c.req.param('provider') ?? '';
  const provider = config.providers.get(name)!;
  const raw = await c.req.text();
  let event: VerifiedWebhook;
  try {
    event = await provider.verifyWebhook!(raw, c.req.raw.headers);
  } catch (error) {
    const message = error instanceof WebhookVerificationError ? error.message : 'The webhook could not be verified';
    config.logger.warn(`checkout: refused a webhook for "${name}": ${message}`);
    return errorAnswer(c, 400, 'invalid_signature', message);
  }
  // Stored before the answer: once the provider hears 2xx the event is safe, whatever happens here next.
  const added = await config.store.enqueueJob({
    id: `webhook:${name}:${event.eventId}`,
    kind: 'webhook',
    payload: { provider: name, event },
    runAt: config.now(),
  });
  kickJobs();
  return jsonAnswer(c, 200, added ? { received: true } : { received: true, duplicate: true });
}
