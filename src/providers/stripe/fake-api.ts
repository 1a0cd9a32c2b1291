import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import {
  startFakeHttpServer,
  type FakeHttpServer,
  type FakeResponse,
  type RecordedRequest,
} from '../../server/test-support/fake-http.js';

/**
 * A local fake of the two Stripe API calls the provider makes, answering with `checkout.session`
 * objects shaped as Stripe documents them, and what the e2e specs do to it (play Stripe finishing a
 * payment). Tests only.
 */

export const FAKE_SECRET_KEY = 'sk_test_51FakeSecretKeyForTests0000';
export const FAKE_PUBLISHABLE_KEY = 'pk_test_51FakePublishableKeyForTests00';
export const FAKE_WEBHOOK_SECRET = 'whsec_fake_webhook_secret_for_tests';

type FormValue = string | FormObject | FormValue[];
interface FormObject {
  [key: string]: FormValue;
}

/** Decodes Stripe's form encoding (`a[b][0][c]=v`) into nested objects and arrays. */
export function decodeStripeForm(body: string): FormObject {
  const root: FormObject = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const path = key.split(/\[|\]\[|\]/).filter((part) => part !== '');
    let node: FormObject | FormValue[] = root;
    path.forEach((part, index) => {
      const last = index === path.length - 1;
      const container = node as Record<string, FormValue>;
      if (last) {
        container[part] = value;
        return;
      }
      const nextIsIndex = /^\d+$/.test(path[index + 1] ?? '');
      container[part] ??= nextIsIndex ? [] : {};
      node = container[part] as FormObject | FormValue[];
    });
  }
  return root;
}

function randomId(length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(randomBytes(length), (byte) => alphabet[byte % alphabet.length]).join('');
}

export function stripeError(status: number, type: string, message: string, extra: Record<string, string> = {}): FakeResponse {
  return {
    status,
    headers: { 'request-id': `req_${randomId(14)}`, 'stripe-should-retry': 'false' },
    body: { error: { type, message, ...extra } },
  };
}

/** A `checkout.session` as the API returns it: the fields the docs list, defaults as Stripe sets them. */
export type FakeCheckoutSession = Record<string, unknown> & { id: string };

export interface FakeStripe {
  readonly server: FakeHttpServer;
  readonly requests: RecordedRequest[];
  /** Sessions by id, as the fake holds them; tests change their status here. */
  readonly sessions: Map<string, FakeCheckoutSession>;
  /** PaymentIntents by id, returned when a retrieve expands `payment_intent`. */
  readonly paymentIntents: Map<string, Record<string, unknown>>;
  /** An SDK instance pointed at the fake, no retries. */
  readonly stripe: Stripe;
  /** Answer every request with this instead (error cases); `null` restores normal answers. */
  override(response: FakeResponse | null): void;
  /** Answer only the next request with this, then answer normally again. */
  answerNextWith(response: FakeResponse): void;
  close(): Promise<void>;
}

function num(value: FormValue | undefined): number | undefined {
  return typeof value === 'string' && value !== '' ? Number(value) : undefined;
}
function str(value: FormValue | undefined): string | null {
  return typeof value === 'string' ? value : null;
}

export async function startFakeStripe(options: { secretKey?: string; now?: () => number } = {}): Promise<FakeStripe> {
  const secretKey = options.secretKey ?? FAKE_SECRET_KEY;
  const now = options.now ?? Date.now;
  const sessions = new Map<string, FakeCheckoutSession>();
  const paymentIntents = new Map<string, Record<string, unknown>>();
  const idempotent = new Map<string, { body: string; response: FakeResponse }>();
  let forced: FakeResponse | null = null;
  const oneShot: FakeResponse[] = [];

  function createSession(request: RecordedRequest): FakeResponse {
    const params = decodeStripeForm(request.body);
    const uiMode = str(params.ui_mode) ?? 'hosted_page';
    if (!['hosted_page', 'embedded_page', 'elements', 'form'].includes(uiMode)) {
      return stripeError(400, 'invalid_request_error', `Invalid ui_mode: must be one of hosted_page, embedded_page, elements, or form`, { param: 'ui_mode' });
    }
    if (uiMode === 'embedded_page' && params.success_url !== undefined) {
      return stripeError(400, 'invalid_request_error', 'You may not specify `success_url` when `ui_mode` is `embedded_page`.', { param: 'success_url' });
    }
    if (uiMode === 'embedded_page' && params.cancel_url !== undefined) {
      return stripeError(400, 'invalid_request_error', 'You may not specify `cancel_url` when `ui_mode` is `embedded_page`.', { param: 'cancel_url' });
    }
    const lines = Array.isArray(params.line_items) ? (params.line_items as FormObject[]) : [];
    if (str(params.mode) === 'payment' && lines.length === 0) {
      return stripeError(400, 'invalid_request_error', 'You must provide at least one line item in `payment` mode.', { param: 'line_items' });
    }
    const created = Math.floor(now() / 1000);
    const expiresAt = num(params.expires_at) ?? created + 24 * 3600;
    if (expiresAt < created + 30 * 60 || expiresAt > created + 24 * 3600) {
      return stripeError(400, 'invalid_request_error', 'The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.', { param: 'expires_at' });
    }
    let currency: string | null = null;
    let amount = 0;
    for (const line of lines) {
      const priceData = line.price_data as FormObject;
      currency = str(priceData.currency);
      amount += (num(priceData.unit_amount) ?? 0) * (num(line.quantity) ?? 1);
    }
    const id = `cs_test_${randomId(58)}`;
    const session: FakeCheckoutSession = {
      id,
      object: 'checkout.session',
      amount_subtotal: amount,
      amount_total: amount,
      cancel_url: str(params.cancel_url),
      client_reference_id: str(params.client_reference_id),
      client_secret: uiMode === 'hosted_page' ? null : `${id}_secret_${randomId(24)}`,
      created,
      currency,
      customer: str(params.customer),
      customer_creation: str(params.customer_creation),
      customer_email: str(params.customer_email),
      expires_at: expiresAt,
      livemode: false,
      locale: str(params.locale),
      metadata: (params.metadata as FormObject | undefined) ?? {},
      mode: str(params.mode) ?? 'payment',
      payment_intent: null,
      payment_method_types: ['card'],
      payment_status: 'unpaid',
      status: 'open',
      success_url: str(params.success_url),
      ui_mode: uiMode,
      url: uiMode === 'hosted_page' ? `https://checkout.stripe.com/c/pay/${id}#fidkdWxOYHwnPyd1blpxYHZxWjA0` : null,
      ...(uiMode === 'embedded_page' && {
        return_url: str(params.return_url),
        redirect_on_completion: str(params.redirect_on_completion) ?? 'always',
      }),
    };
    sessions.set(id, session);
    return { status: 200, headers: { 'request-id': `req_${randomId(14)}` }, body: session };
  }

  function retrieveSession(id: string, query: URLSearchParams): FakeResponse {
    const session = sessions.get(id);
    if (!session) {
      return stripeError(404, 'invalid_request_error', `No such checkout.session: '${id}'`, { code: 'resource_missing', param: 'session' });
    }
    // As Stripe does: a hosted session's page URL exists only while it is open.
    if (session.status !== 'open' && session.url) session.url = null;
    const expand = [...query.entries()].filter(([key]) => key.startsWith('expand')).map(([, value]) => value);
    const intentId = session.payment_intent;
    if (expand.includes('payment_intent') && typeof intentId === 'string') {
      return { status: 200, body: { ...session, payment_intent: paymentIntents.get(intentId) ?? intentId } };
    }
    return { status: 200, body: session };
  }

  function answer(request: RecordedRequest): FakeResponse {
    const next = oneShot.shift();
    if (next) return next;
    if (forced) return forced;
    if (request.headers.authorization !== `Bearer ${secretKey}`) {
      return stripeError(401, 'invalid_request_error', `Invalid API Key provided: ${secretKey.slice(0, 8)}****${secretKey.slice(-4)}`);
    }
    const url = new URL(request.url, 'http://fake.stripe');
    if (request.method === 'POST' && url.pathname === '/v1/checkout/sessions') {
      const key = request.headers['idempotency-key'];
      if (typeof key === 'string') {
        const earlier = idempotent.get(key);
        if (earlier && earlier.body !== request.body) {
          return stripeError(400, 'idempotency_error', `Keys for idempotent requests can only be used with the same parameters they were first used with.`);
        }
        if (earlier) return earlier.response;
        const response = createSession(request);
        idempotent.set(key, { body: request.body, response });
        return response;
      }
      return createSession(request);
    }
    const match = /^\/v1\/checkout\/sessions\/([^/]+)$/.exec(url.pathname);
    if (request.method === 'GET' && match?.[1]) return retrieveSession(decodeURIComponent(match[1]), url.searchParams);
    return stripeError(404, 'invalid_request_error', `Unrecognized request URL (${request.method}: ${url.pathname}).`);
  }

  const server = await startFakeHttpServer(answer);
  const stripe = new Stripe(secretKey, {
    host: '127.0.0.1',
    port: server.port,
    protocol: 'http',
    maxNetworkRetries: 0,
    telemetry: false,
  });
  return {
    server,
    requests: server.requests,
    sessions,
    paymentIntents,
    stripe,
    override(response) {
      forced = response;
    },
    answerNextWith(response) {
      oneShot.push(response);
    },
    close: () => server.close(),
  };
}

/**
 * What Stripe does when the shopper pays a card in embedded checkout, before Stripe.js calls
 * `onComplete`: the session becomes `complete` + `paid`, with a succeeded PaymentIntent.
 */
export function completeCheckoutSession(fake: FakeStripe, sessionId: string): void {
  const session = fake.sessions.get(sessionId);
  if (!session) throw new Error(`The fake Stripe has no session ${sessionId}`);
  if (session['status'] !== 'open') throw new Error(`Session ${sessionId} is ${String(session['status'])}, not open`);
  const intentId = `pi_${sessionId.slice(-24)}`;
  fake.paymentIntents.set(intentId, { id: intentId, object: 'payment_intent', status: 'succeeded', amount: session['amount_total'] });
  session['status'] = 'complete';
  session['payment_status'] = 'paid';
  session['payment_intent'] = intentId;
}
