/**
 * The SDK doubles' routes: the Mollie.js and Adyen Web doubles' scripts, CORS for the calls they
 * make from the shop's page (`POST /v1/tokens`, `POST /v1/dropin/sessions/:id/payments`), and the
 * Drop-in double's payments call. Registered before the API routes, so the CORS headers reach them.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Context, Hono } from 'hono';
import { cors } from 'hono/cors';
import { z } from 'zod';
import { adyenWebScript, mollieScript } from '../sdk-doubles.js';
import { cardOutcome, checkCard, ONLY_TEST_CARDS, TOKENIZABLE_CARDS } from './cards.js';
import type { PspCredentials } from './credentials.js';
import { apiError, jsonBody, publicOrigin, scriptResponse } from './http.js';
import { newId, type PspSession } from './model.js';
import type { PspState } from './state.js';

export interface SdkRoutesDeps {
  state: PspState;
  credentials: PspCredentials;
  /** Where browsers reach the PSP, if configured (else the origin of each request). */
  configuredPublicUrl: string | undefined;
}

/** The Drop-in double's payment: the session's data, the card, and the answer to a 3-D Secure challenge. */
const dropinPaymentSchema = z.object({
  sessionData: z.string().min(1).max(100),
  number: z.string().max(40),
  expiry: z.string().max(10),
  cvc: z.string().max(10),
  challenge: z.enum(['complete', 'fail']).optional(),
});

/** Browser calls carry a browser key (never a cookie): any origin may make them. */
const browserCors = cors({ origin: '*', allowMethods: ['POST'], allowHeaders: ['authorization', 'content-type'], maxAge: 600 });

export function addSdkRoutes(app: Hono, deps: SdkRoutesDeps): void {
  app.use('/v1/tokens', browserCors);
  app.use('/v1/dropin/*', browserCors);
  app.get('/v1/mollie.js', (c) => scriptResponse(mollieScript(publicOrigin(c, deps.configuredPublicUrl))));
  app.get('/v1/adyen-web.js', (c) => scriptResponse(adyenWebScript(publicOrigin(c, deps.configuredPublicUrl))));
  app.post('/v1/dropin/sessions/:id/payments', (c) => payInDropin(c, c.req.param('id'), deps));
}

function sameText(a: string, b: string): boolean {
  const left = new TextEncoder().encode(a);
  const right = new TextEncoder().encode(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Adyen's words for the outcome, with an opaque `sessionResult` (the sandbox adapter reads the session with its secret key instead). */
function dropinAnswer(c: Context, session: PspSession, resultCode: 'Authorised' | 'Refused' | 'ChallengeShopper'): Response {
  return c.json({ resultCode, sessionData: session.sessionData, ...(resultCode !== 'ChallengeShopper' && { sessionResult: newId('sbxres_') }) });
}

/**
 * The Drop-in double's card payment (client key in the query, as Adyen Web's calls carry it):
 * `Authorised`, `Refused` (the session stays open for another card), or `ChallengeShopper` for
 * the 3-D Secure card until the shopper answers (`challenge`). A card the sandbox does not know
 * is a 422 that leaves the session as it was.
 */
async function payInDropin(c: Context, id: string, { state, credentials }: SdkRoutesDeps): Promise<Response> {
  if (!credentials.isClientKey(c.req.query('clientKey') ?? '')) return apiError(401, 'unauthorized', 'Send the client key as ?clientKey=');
  const request = await jsonBody(c, dropinPaymentSchema);
  if (request.refusal) return request.refusal;
  const { body } = request;
  const session = state.session(id);
  if (!session?.sessionData || !sameText(session.sessionData, body.sessionData)) return apiError(404, 'not_found', `No Drop-in session "${id.slice(0, 80)}" with that sessionData`);
  if (session.status !== 'open') return apiError(409, 'session_closed', `The session is ${session.status}`);
  const checked = checkCard(body, state.now());
  if ('field' in checked) return apiError(422, 'card_invalid', checked.message);
  if (!TOKENIZABLE_CARDS.has(checked.number)) return apiError(422, 'card_not_supported', ONLY_TEST_CARDS);
  const outcome = cardOutcome(checked.number);
  const last4 = checked.number.slice(-4);
  if (outcome.result === 'challenge' && !body.challenge) return dropinAnswer(c, session, 'ChallengeShopper');
  if (outcome.result === 'declined' || (outcome.result === 'challenge' && body.challenge === 'fail')) {
    state.decline(session);
    return dropinAnswer(c, session, 'Refused');
  }
  state.complete(session, 'card', { last4, behaviour: outcome.result === 'complete' ? outcome.behaviour : 'succeeds' });
  return dropinAnswer(c, session, 'Authorised');
}
