import type { Context } from 'hono';
import * as z from 'zod/mini';
import { isPaymentInFlight, type CheckoutSession } from '../../core/protocol.js';
import { tokenKey } from '../idempotency.js';
import { baseUrl } from '../origins.js';
import { callProvider, providerFailureMessage } from '../provider-calls.js';
import { redactSecrets } from '../redact.js';
import { CARD_TOKEN_KIND, PaymentDeclinedError, ProviderInputError, type PaymentProvider } from '../provider-api/types.js';
import { describeIssues, toRequestIssues } from '../request-schema.js';
import { errorAnswer, errorBody, jsonAnswer } from '../responses.js';
import { countDecline } from '../rate-limits.js';
import { refusedTransition } from '../order-machine.js';
import { returnUrls } from '../return-bridge-page.js';
import type { SessionRecord } from '../store/types.js';
import type { CheckoutContext } from './context.js';
import { bodyText } from './middleware.js';

export const MAX_TOKEN_BODY_BYTES = 4 * 1024;
/** Every token post for a session claims the same key with the same "body": a second one is busy or done, never a conflict. */
const TOKEN_CLAIM_HASH = 'card-token';

/**
 * `{ token }` and nothing else: an `order_id` or `amount` is refused, not ignored, so a caller
 * who thinks it picks the order learns it does not (the order is the one create recorded).
 */
const tokenBodySchema = z.strictObject({
  // Providers check their own format (checkout.com: tok_ + 26, Mollie Components: tkn_…); this keeps junk from the store and the log.
  token: z.string().check(z.regex(/^(tok|tkn)_[A-Za-z0-9_]{1,128}$/, 'must be a card token (tok_… or tkn_…)')),
});

type CardTokenProvider = PaymentProvider & Required<Pick<PaymentProvider, 'submitToken'>>;

/**
 * `POST /sessions/:id/token`: pays a card-token session with the token its card fields made. One
 * attempt per session at a time (a claim on the store, so across handlers): a decline frees it for
 * another card; an authorisation or 3-D Secure keeps it, so no second post authorises again.
 */
export async function submitToken(c: CheckoutContext): Promise<Response> {
  const { config, ledger, claims } = c.get('checkout');
  const id = c.req.param('id') ?? '';
  const token = parseTokenBody(bodyText(c));
  if (typeof token !== 'string') return errorAnswer(c, 400, 'invalid_request', token.message);
  const record = await config.store.getSession(id);
  const provider = record && config.providers.get(record.provider);
  // Only a session this store recorded: its order is the one the token pays, whatever the body says.
  if (!record || !provider) return errorAnswer(c, 404, 'not_found', `No checkout session "${id}"`);
  if (!provider.submitToken) return notCardToken(c, provider.name);

  const owner = claims.newOwner();
  const key = tokenKey(id);
  const claim = await claims.tryClaim(key, TOKEN_CLAIM_HASH, record.reference, owner);
  // A session its declines closed answers why, on every handler.
  if (claim.outcome === 'done' && claim.response.status === 409) return jsonAnswer(c, 409, claim.response.body);
  if (claim.outcome !== 'claimed') {
    // Another post is paying right now, or its answer was a 3-D Secure page: a payment is under way.
    const earlier = claim.outcome === 'done' ? (claim.response.body as CheckoutSession) : undefined;
    if (claim.outcome === 'busy' || (earlier?.status === 'open' && earlier.url)) return paymentInFlight(c);
    return sessionClosed(c, 'a payment for it is already authorised');
  }
  const release = () => config.store.releaseIdempotencyKey(key, owner);
  try {
    const answer = await payWithToken(c, provider as CardTokenProvider, record, token);
    if (answer.kind === 'declined') {
      if (!(await countDecline(config, id, c.req.raw))) {
        await release();
        return errorAnswer(c, 402, 'payment_failed', answer.message);
      }
      // Card testing, or a shopper out of cards: the session takes no more, here or on any other handler.
      const closed = errorBody('session_closed', `${answer.message}; this checkout had too many declined cards and takes no more: start a new one`);
      await config.store.transitionOrder(refusedTransition(record.reference, config.isoNow()));
      await config.store.finishIdempotencyKey(key, owner, { status: 409, body: closed });
      return jsonAnswer(c, 409, closed);
    }
    if (answer.kind === 'refused') {
      await release();
      return answer.response;
    }
    const { session } = answer;
    // Authorised, failed or in 3-D Secure: this session's attempt is decided, every later post is refused.
    if (session.status !== 'open' || session.url) await config.store.finishIdempotencyKey(key, owner, { status: 200, body: session });
    else await release();
    await ledger.settleSession(record.reference, session, c.get('log'));
    return jsonAnswer(c, 200, session);
  } catch (error) {
    // The provider may have authorised before it failed: the claim stays until its lease runs out,
    // so an immediate retry cannot authorise a second time.
    c.get('log').error('token.payment_failed', `paying a session with a card token at "${provider.name}" failed`, ids(record), error);
    return errorAnswer(c, 502, 'provider_error', providerFailureMessage(error, provider.name));
  }
}

type PaymentAnswer = { kind: 'session'; session: CheckoutSession } | { kind: 'refused'; response: Response } | { kind: 'declined'; message: string };

/** The session read fresh (still an open card-token one?), then paid; a refusal frees the claim. */
async function payWithToken(c: CheckoutContext, provider: CardTokenProvider, record: SessionRecord, token: string): Promise<PaymentAnswer> {
  const { config } = c.get('checkout');
  const refused = (response: Response): PaymentAnswer => ({ kind: 'refused', response });
  let current: CheckoutSession;
  try {
    current = await callProvider(config, provider.name, 'getSession', () => provider.getSession(record.sessionId));
  } catch (error) {
    // Nothing was paid yet: a retry may come at once.
    c.get('log').error('session.read_failed', `reading a session at "${provider.name}" failed`, ids(record), error);
    return refused(errorAnswer(c, 502, 'provider_error', providerFailureMessage(error, provider.name)));
  }
  if (current.kind !== CARD_TOKEN_KIND) return refused(notCardToken(c, provider.name));
  if (current.status !== 'open') return refused(sessionClosed(c, `it is ${current.status}`));
  if (current.url || isPaymentInFlight(current)) return refused(paymentInFlight(c));
  try {
    const context = { reference: record.reference, ...returnUrls(baseUrl(config, c.req.raw), record.reference) };
    const session = await callProvider(config, provider.name, 'submitToken', () => provider.submitToken(record.sessionId, token, context));
    return { kind: 'session', session };
  } catch (error) {
    if (error instanceof PaymentDeclinedError) return { kind: 'declined', message: redactSecrets(error.message) };
    if (error instanceof ProviderInputError) return refused(errorAnswer(c, 400, 'invalid_request', redactSecrets(error.message)));
    throw error;
  }
}

/** What the log records of a token payment name: never the token. */
const ids = (record: SessionRecord) => ({ sessionId: record.sessionId, reference: record.reference, provider: record.provider });

/** The token, or why the body is refused. */
function parseTokenBody(raw: string): string | { message: string } {
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return { message: 'Request body is not valid JSON' };
  }
  const parsed = tokenBodySchema.safeParse(data);
  return parsed.success ? parsed.data.token : { message: describeIssues(toRequestIssues(parsed.error)) };
}

const notCardToken = (c: Context, provider: string) =>
  errorAnswer(c, 409, 'not_card_token', `This session of "${provider}" is not a card-token session: it takes no card token`);

const paymentInFlight = (c: Context) =>
  errorAnswer(c, 409, 'payment_in_flight', 'A payment for this session is in progress (3-D Secure or authorisation); wait for its outcome');

const sessionClosed = (c: Context, why: string) =>
  errorAnswer(c, 409, 'session_closed', `This session takes no card token: ${why}`);
