import { Hono, type Context, type MiddlewareHandler } from 'hono';
import type { HandlerConfig } from '../options.js';
import { WebhookVerificationError, type VerifiedWebhook } from '../provider-api/types.js';
import { errorAnswer, jsonAnswer } from '../responses.js';
import { limitBody } from './middleware.js';

const MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;

/**
 * `POST /webhooks/:provider`: verifies the provider's signature on the raw body, stores the event
 * (once per provider and event id) and answers; the event is handled by the job runner.
 */
export function webhookRoutes(config: HandlerConfig, kickJobs: () => void): Hono {
  // An unknown provider is answered 404 before its body is read, whatever its size.
  const knownProvider: MiddlewareHandler = async (c, next) => {
    const name = c.req.param('provider') ?? '';
    if (!config.providers.get(name)?.verifyWebhook) return errorAnswer(c, 404, 'not_found', `No webhook endpoint for provider "${name}"`);
    await next();
  };
  return new Hono().post(
    '/webhooks/:provider',
    knownProvider,
    limitBody(MAX_WEBHOOK_BODY_BYTES, 'Webhook body is too large'),
    (c) => receiveWebhook(c, config, kickJobs),
  );
}

async function receiveWebhook(c: Context, config: HandlerConfig, kickJobs: () => void): Promise<Response> {
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
