import { Hono, type MiddlewareHandler } from 'hono';
import type { HandlerConfig } from '../options.js';
import { baseUrl } from '../origins.js';
import { WebhookVerificationError, type VerifiedWebhook } from '../provider-api/types.js';
import { errorAnswer, jsonAnswer } from '../responses.js';
import type { CheckoutContext, CheckoutEnv } from './context.js';
import { bodyText, limitBody } from './middleware.js';
import type { Annotate } from '../telemetry.js';

const MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;

/**
 * `POST /webhooks/:provider`: verifies the provider's signature on the raw body, stores each event
 * (once per provider and event id; an unsigned hint only when it names something of ours) and
 * answers as the provider expects; the events are handled by the job runner.
 */
export function webhookRoutes(): Hono<CheckoutEnv> {
  return new Hono<CheckoutEnv>().post(
    '/webhooks/:provider',
    knownProvider,
    limitBody(MAX_WEBHOOK_BODY_BYTES, 'Webhook body is too large'),
    tracedReceipt,
  );
}

/** Each receipt a span `checkout.webhook.receive` (attributes provider, outcome, events). */
const tracedReceipt = (c: CheckoutContext) =>
  c.get('checkout').config.telemetry.span(
    'checkout.webhook.receive',
    { 'checkout.provider': c.req.param('provider') ?? '' },
    (annotate) => receiveWebhook(c, annotate),
    { kind: 'server' },
  );

/** An unknown provider is answered 404 before its body is read, whatever its size. */
const knownProvider: MiddlewareHandler<CheckoutEnv> = async (c, next) => {
  const name = c.req.param('provider') ?? '';
  if (!c.get('checkout').config.providers.get(name)?.verifyWebhook) {
    return errorAnswer(c, 404, 'not_found', `No webhook endpoint for provider "${name}"`);
  }
  await next();
};

async function receiveWebhook(c: CheckoutContext, annotate: Annotate): Promise<Response> {
  const { config, kickJobs } = c.get('checkout');
  const { telemetry } = config;
  const name = c.req.param('provider') ?? '';
  const log = c.get('log').with({ provider: name });
  const received = (outcome: string, count = 1) => {
    if (count > 0) telemetry.record('webhooksReceived', { 'checkout.provider': name, 'checkout.outcome': outcome }, count);
  };
  const provider = config.providers.get(name)!;
  const raw = bodyText(c);
  const url = `${baseUrl(config, c.req.raw)}/webhooks/${encodeURIComponent(name)}${new URL(c.req.url).search}`;
  let events: readonly VerifiedWebhook[];
  try {
    const verified = await provider.verifyWebhook!(raw, c.req.raw.headers, { url, method: c.req.method });
    events = Array.isArray(verified) ? verified : [verified as VerifiedWebhook];
  } catch (error) {
    const message = error instanceof WebhookVerificationError ? error.message : 'The webhook could not be verified';
    log.warn('webhook.refused', `refused a webhook for "${name}": ${message}`);
    received('refused');
    annotate({ 'checkout.outcome': 'refused' });
    return errorAnswer(c, 400, 'invalid_signature', message);
  }
  let stored = 0;
  let duplicates = 0;
  let ignored = 0;
  for (const event of events) {
    const job = event.hint ? await hintJob(c.get('checkout').config, name, event) : { event, runAt: config.now() };
    // A hint naming nothing of ours: answered like any other, nothing stored (no write per forged request).
    if (!job) {
      ignored++;
      continue;
    }
    // Stored before the answer: once the provider hears 2xx the event is safe, whatever happens here next.
    const added = await config.store.enqueueJob({
      id: `webhook:${name}:${job.event.eventId}`,
      kind: 'webhook',
      payload: { provider: name, event: job.event },
      runAt: job.runAt,
    });
    if (added) stored++;
    else duplicates++;
  }
  received('stored', stored);
  received('duplicate', duplicates);
  received('ignored', ignored);
  annotate({ 'checkout.webhook.events': events.length, 'checkout.outcome': stored > 0 ? 'stored' : duplicates > 0 ? 'duplicate' : 'ignored' });
  log.info('webhook.received', `received ${events.length} verified webhook event(s): ${stored} stored, ${duplicates} duplicate, ${ignored} ignored`, {
    stored,
    duplicates,
    ignored,
  });
  kickJobs();
  const acknowledgement = provider.webhookAcknowledgement;
  if (acknowledgement) {
    return c.body(acknowledgement.body, (acknowledgement.status ?? 200) as 200, { 'content-type': acknowledgement.contentType });
  }
  return jsonAnswer(c, 200, duplicates > 0 && stored === 0 ? { received: true, duplicate: true } : { received: true });
}

/** Hints of one id within this many milliseconds share one job, run at the window's end. */
export const WEBHOOK_HINT_WINDOW_MS = 5_000;

/**
 * The job for an unsigned hint, or undefined when it names no session or charge of this provider.
 * One job per id per window, run when the window closes: every hint is followed by a read no
 * earlier than itself, and a flood of one id costs one provider read per window.
 */
async function hintJob(
  config: HandlerConfig,
  provider: string,
  event: VerifiedWebhook,
): Promise<{ event: VerifiedWebhook; runAt: number } | undefined> {
  const { store } = config;
  let id: string | undefined;
  if (event.sessionId) {
    if ((await store.getSession(event.sessionId))?.provider === provider) id = event.sessionId;
  } else if (event.chargeId && event.reference) {
    const order = await store.getOrder(event.reference);
    if (order?.provider === provider && order.chargeId === event.chargeId) id = event.chargeId;
  }
  if (!id) return undefined;
  const window = Math.floor(config.now() / WEBHOOK_HINT_WINDOW_MS);
  return { event: { ...event, eventId: `hint:${id}:${window}` }, runAt: (window + 1) * WEBHOOK_HINT_WINDOW_MS };
}
