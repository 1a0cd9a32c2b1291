/** The JSON API the shop's backend calls: sessions, charges of saved cards, and the card frame's tokens. */
import type { Context, Hono } from 'hono';
import { cardOutcome, checkCard, ONLY_TEST_CARDS, SANDBOX_TEST_CARDS, TOKENIZABLE_CARDS } from './cards.js';
import type { PspCredentials } from './credentials.js';
import { apiError, jsonBody, publicOrigin, SECRET_KEY_NEEDED, unauthorised } from './http.js';
import { newId, type PspSession } from './model.js';
import type { IdempotencyClaim, PspState } from './state.js';
import {
  chargeBodySchema,
  chargeToApi,
  createSessionBodySchema,
  payWithTokenBodySchema,
  sessionToApi,
  storedLine,
  type CreateSessionBody,
} from './api-shapes.js';

export interface ApiRoutesDeps {
  state: PspState;
  credentials: PspCredentials;
  /** Default lifetime of a session, in seconds. */
  ttlSeconds: number;
  /** Where browsers reach the PSP, if configured (else the origin of each API request). */
  configuredPublicUrl: string | undefined;
}

export function addApiRoutes(app: Hono, deps: ApiRoutesDeps): void {
  app.post('/v1/sessions', (c) => createSession(c, deps));
  app.get('/v1/sessions/:id', (c) => readSession(c, c.req.param('id'), deps));
  app.post('/v1/charges', (c) => createCharge(c, deps));
  app.get('/v1/charges/:id', (c) => readCharge(c, c.req.param('id'), deps));
  app.post('/v1/tokens', (c) => createToken(c, deps));
  app.post('/v1/sessions/:id/pay', (c) => payWithToken(c, c.req.param('id'), deps));
}

function hasSecretKey(c: Context, credentials: PspCredentials): boolean {
  return credentials.hasSecretKey(c.req.header('authorization'));
}

/**
 * The answer to a request repeating an `Idempotency-Key`: 409 when its body differs, else what
 * the first request made, as `toApi` shows it, when that is still kept. Undefined: go on and make it.
 */
function idempotentAnswer(c: Context, state: PspState, claim: IdempotencyClaim | undefined, toApi: (id: string) => object | undefined): Response | undefined {
  const earlier = claim && state.idempotencyEntry(claim.key);
  if (!earlier) return undefined;
  if (earlier.bodyHash !== claim.bodyHash) return apiError(409, 'idempotency_conflict', 'Idempotency-Key reused with a different body');
  const made = toApi(earlier.id);
  return made && c.json(made, 201);
}

function newSession(body: CreateSessionBody, createdAt: number, ttlSeconds: number, publicUrl: string): PspSession {
  return {
    id: newId('sbx_'),
    amount: body.amount,
    currency: body.currency,
    lines: body.lines.map(storedLine),
    reference: body.reference,
    acceptUrl: body.accept_url,
    cancelUrl: body.cancel_url,
    ...(body.notification_url && { notificationUrl: body.notification_url }),
    ...(body.locale && { locale: body.locale }),
    publicUrl,
    createdAt,
    expiresAt: createdAt + (body.expires_in ?? ttlSeconds) * 1000,
    status: 'open',
    awaitingChallenge: false,
    failedAttempts: 0,
    recurring: body.recurring ?? false,
    ...(body.customer && { customer: body.customer }),
    cardToken: body.kind === 'card_token',
    ...(body.kind === 'dropin' && { sessionData: newId('sbxdata_') }),
  };
}

async function createSession(c: Context, { state, credentials, ttlSeconds, configuredPublicUrl }: ApiRoutesDeps): Promise<Response> {
  if (!hasSecretKey(c, credentials)) return unauthorised();
  const request = await jsonBody(c, createSessionBodySchema);
  if (request.refusal) return request.refusal;
  const key = c.req.header('idempotency-key');
  const claim = key ? { key, bodyHash: request.bodyHash } : undefined;
  const toApi = (id: string) => {
    const session = state.session(id);
    return session && sessionToApi(session, credentials);
  };
  const replayed = idempotentAnswer(c, state, claim, toApi);
  if (replayed) return replayed;
  const session = newSession(request.body, state.now(), ttlSeconds, publicOrigin(c, configuredPublicUrl));
  state.addSession(session, claim);
  return c.json(sessionToApi(session, credentials), 201);
}

function readSession(c: Context, id: string, { state, credentials }: ApiRoutesDeps): Response {
  if (!hasSecretKey(c, credentials)) return apiError(401, 'unauthorized', SECRET_KEY_NEEDED);
  const session = state.session(id);
  if (!session) return apiError(404, 'not_found', `No session "${id}"`);
  return c.json(sessionToApi(session, credentials));
}

async function createCharge(c: Context, { state, credentials }: ApiRoutesDeps): Promise<Response> {
  if (!hasSecretKey(c, credentials)) return unauthorised();
  const request = await jsonBody(c, chargeBodySchema);
  if (request.refusal) return request.refusal;
  const { body, bodyHash } = request;
  const header = c.req.header('idempotency-key');
  // Keys of charges and of sessions live apart (a header value cannot hold a NUL).
  const claim = header ? { key: `charge\u0000${header}`, bodyHash } : undefined;
  const toApi = (id: string) => {
    const charge = state.charge(id);
    return charge && chargeToApi(charge);
  };
  const replayed = idempotentAnswer(c, state, claim, toApi);
  if (replayed) return replayed;
  const method = state.paymentMethod(body.payment_method);
  if (!method || (body.customer !== undefined && body.customer !== method.customer)) {
    const owner = body.customer === undefined ? '' : ` of customer "${body.customer}"`;
    return apiError(404, 'not_found', `No payment method "${body.payment_method}"${owner}`);
  }
  const charge = state.chargeSavedCard(
    method,
    {
      amount: body.amount,
      currency: body.currency,
      reference: body.reference,
      lines: (body.lines ?? []).map(storedLine),
      ...(body.notification_url && { notificationUrl: body.notification_url }),
    },
    claim,
  );
  return c.json(chargeToApi(charge), 201);
}

function readCharge(c: Context, id: string, { state, credentials }: ApiRoutesDeps): Response {
  if (!hasSecretKey(c, credentials)) return apiError(401, 'unauthorized', SECRET_KEY_NEEDED);
  const charge = state.charge(id);
  if (!charge) return apiError(404, 'not_found', `No charge "${id}"`);
  return c.json(chargeToApi(charge));
}

/** The card frame's call: a test card, checked, for a one-use token. */
async function createToken(c: Context, { state, credentials }: ApiRoutesDeps): Promise<Response> {
  const key = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1] ?? '';
  if (!credentials.mayTokenize(key)) return apiError(401, 'unauthorized', 'Send the public key (or the profile id) as a Bearer token');
  const fields: unknown = await c.req.json().catch(() => undefined);
  if (typeof fields !== 'object' || fields === null) return apiError(400, 'invalid_request', 'Body is not a JSON object');
  const checked = checkCard(fields as Record<string, unknown>, state.now());
  if ('field' in checked) return apiError(422, 'card_invalid', checked.message);
  if (checked.number === SANDBOX_TEST_CARDS.processingError) return apiError(422, 'processing_error', 'The card could not be processed. Try another card.');
  if (!TOKENIZABLE_CARDS.has(checked.number)) return apiError(422, 'card_not_supported', ONLY_TEST_CARDS);
  const token = state.addToken(checked.number);
  return c.json({ token: token.id, card: { last4: checked.number.slice(-4) } }, 201);
}

/** A card-token session paid with a token: completed, declined, or waiting on 3-D Secure (`challenge_url`). */
async function payWithToken(c: Context, id: string, { state, credentials }: ApiRoutesDeps): Promise<Response> {
  if (!hasSecretKey(c, credentials)) return unauthorised();
  const request = await jsonBody(c, payWithTokenBodySchema);
  if (request.refusal) return request.refusal;
  const session = state.session(id);
  if (!session) return apiError(404, 'not_found', `No session "${id}"`);
  if (!session.cardToken) return apiError(409, 'not_card_token', 'This session is paid on its hosted page, not with a token');
  if (session.status !== 'open' || session.awaitingChallenge) return apiError(409, 'session_closed', `The session is ${session.awaitingChallenge ? 'waiting on 3-D Secure' : session.status}`);
  const token = state.token(request.body.token);
  if (!token || token.used) return apiError(400, 'invalid_token', 'Unknown or already used token');
  state.spendToken(token);
  const last4 = token.number.slice(-4);
  const outcome = cardOutcome(token.number);
  if (outcome.result === 'declined') {
    state.decline(session);
    return apiError(402, 'card_declined', 'Your card was declined. Try another card.');
  }
  if (outcome.result === 'challenge') state.awaitChallenge(session, last4);
  else state.complete(session, 'card', { last4, behaviour: outcome.behaviour });
  return c.json(sessionToApi(session, credentials));
}
