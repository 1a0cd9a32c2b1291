/**
 * Test helpers, like Stripe's `/v1/test_helpers/…`: a shop's tests move a session on from code,
 * without a browser, with the secret key. `complete` and `cancel` send the session's webhook as a
 * payment on the hosted page does, unless `webhook` says to drop, duplicate or delay it.
 *
 *   POST /v1/test_helpers/sessions/:id/complete  { method?: 'card'|'blik', webhook?, webhook_delay_ms? }
 *   POST /v1/test_helpers/sessions/:id/decline   a declined attempt; the session stays open
 *   POST /v1/test_helpers/sessions/:id/cancel    { webhook?, webhook_delay_ms? }
 *   POST /v1/test_helpers/sessions/:id/expire    expired now (no webhook, as for any expiry)
 */
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { sessionToApi } from './api-shapes.js';
import type { PspCredentials } from './credentials.js';
import { apiError, unauthorised } from './http.js';
import type { PspSession } from './model.js';
import type { PspState } from './state.js';
import type { WebhookPlan } from './webhooks.js';

/** What a test helper may do with the webhook of the change it makes. */
export const WEBHOOK_ACTIONS = ['deliver', 'drop', 'duplicate'] as const;

const bodySchema = z.object({
  method: z.enum(['card', 'blik']).optional(),
  webhook: z.enum(WEBHOOK_ACTIONS).optional(),
  webhook_delay_ms: z.number().int().min(0).max(600_000).optional(),
});

export function addTestHelperRoutes(app: Hono, deps: { state: PspState; credentials: PspCredentials }): void {
  const base = '/v1/test_helpers/sessions/:id';
  app.post(`${base}/complete`, (c) => move(c, deps, (session, body) => deps.state.complete(session, body.method ?? 'card', { last4: '4242', behaviour: 'succeeds' }, plan(body))));
  app.post(`${base}/cancel`, (c) => move(c, deps, (session, body) => deps.state.cancel(session, plan(body))));
  app.post(`${base}/decline`, (c) => move(c, deps, (session) => deps.state.decline(session)));
  app.post(`${base}/expire`, (c) => move(c, deps, (session) => deps.state.expire(session)));
}

type HelperBody = z.infer<typeof bodySchema>;

function plan(body: HelperBody): WebhookPlan {
  const copies = { deliver: 1, drop: 0, duplicate: 2 }[body.webhook ?? 'deliver'];
  return { copies, delayMs: body.webhook_delay_ms ?? 0 };
}

/** Authenticates, reads the body (empty is `{}`), and applies `change` to an open session: 409 otherwise. */
async function move(
  c: Context,
  { state, credentials }: { state: PspState; credentials: PspCredentials },
  change: (session: PspSession, body: HelperBody) => void,
): Promise<Response> {
  if (!credentials.hasSecretKey(c.req.header('authorization'))) return unauthorised();
  const raw = await c.req.text();
  let data: unknown = {};
  try {
    if (raw.trim() !== '') data = JSON.parse(raw);
  } catch {
    return apiError(400, 'invalid_request', 'Body is not valid JSON');
  }
  const parsed = bodySchema.safeParse(data);
  if (!parsed.success) return apiError(400, 'invalid_request', `${parsed.error.issues[0]?.path.join('.') || 'body'}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  const session = state.session(c.req.param('id') ?? '');
  if (!session) return apiError(404, 'not_found', `No session "${c.req.param('id')}"`);
  if (session.status !== 'open') return apiError(409, 'session_closed', `The session is ${session.status}`);
  change(session, parsed.data);
  return c.json(sessionToApi(session, credentials));
}
