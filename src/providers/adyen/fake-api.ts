import { randomBytes } from 'node:crypto';
import { startFakeHttpServer, type FakeResponse, type RecordedRequest } from '../../server/test-support/fake-http.js';
import { signAdyenItem, type AdyenNotificationItem } from './webhook.js';

/**
 * A local fake of Adyen's Checkout API (sessions flow) per /work/shared/providers/adyen.md:
 * `POST /v71/sessions` and `GET /v71/sessions/:id?sessionResult=…` (`X-API-Key`, JSON,
 * `ServiceError` bodies), plus what Adyen Web's Drop-in talks to (`POST
 * /checkoutshopper/v1/sessions/:id/payments?clientKey=…`, which `fake-adyen-web.js` calls through
 * `page.route`) and a Hosted Checkout page (`GET/POST /hosted/:id`). Each payment attempt sends
 * a signed `AUTHORISATION` webhook to `webhookUrl` (Adyen's is set in the Customer Area).
 */

export const ADYEN_API_KEY = 'AQE_fake_adyen_api_key_0001';
export const ADYEN_MERCHANT = 'CheckoutWidgetECOM';
export const ADYEN_CLIENT_KEY = 'test_FAKECLIENTKEY0001';
/** The library's test key (facts §5). */
export const ADYEN_HMAC_KEY = 'DFB1EB5485895CFA84146406857104ABB4CBCABDC8AAF103A624C8F6A3EAAB00';
export const ADYEN_CARDS = {
  visa: '4111111111111111',
  /** 3DS2 challenge only; the challenge password is `password`. */
  challenge: '4212345678910006',
  /** This fake's own refused card (Adyen refuses by holder name in its test platform; not in the facts). */
  refused: '4000300011112220',
} as const;

export interface FakeAdyenSession {
  id: string;
  sessionData: string;
  request: Record<string, unknown>;
  amount: { value: number; currency: string };
  reference: string;
  returnUrl: string;
  expiresAt: string;
  mode: 'embedded' | 'hosted';
  url?: string;
  status: 'active' | 'completed' | 'refused' | 'canceled' | 'expired' | 'paymentPending';
  attempts: number;
  payments: { pspReference: string; resultCode: string; amount: { value: number; currency: string } }[];
}

export interface FakeAdyen {
  readonly url: string;
  readonly requests: RecordedRequest[];
  readonly sessions: Map<string, FakeAdyenSession>;
  /** sessionResult → session id. */
  readonly results: Map<string, string>;
  readonly webhooks: { body: string; status: number; answer: string }[];
  /** Where webhooks go (the Customer Area setting); none are sent while undefined. */
  webhookUrl: string | undefined;
  /** Pays a session as the Drop-in or the hosted page would: the payment's answer. */
  pay(id: string, card: string, challengePassword?: string): Promise<{ status: number; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

function serviceError(status: number, errorCode: string, message: string, errorType = 'validation'): FakeResponse {
  return { status, body: { status, errorCode, message, errorType } };
}

const CORS = { 'access-control-allow-origin': '*', 'access-control-allow-headers': 'content-type', 'access-control-allow-methods': 'POST, OPTIONS' };

export async function startFakeAdyen(options: { apiKey?: string; hmacKey?: string; webhookUrl?: string } = {}): Promise<FakeAdyen> {
  const apiKey = options.apiKey ?? ADYEN_API_KEY;
  const hmacKey = options.hmacKey ?? ADYEN_HMAC_KEY;
  const sessions = new Map<string, FakeAdyenSession>();
  const results = new Map<string, string>();
  const webhooks: FakeAdyen['webhooks'] = [];
  const pending = new Set<Promise<void>>();
  let origin = '';

  async function sendWebhook(session: FakeAdyenSession, pspReference: string, success: boolean): Promise<void> {
    if (!fake.webhookUrl) return;
    const item: AdyenNotificationItem = await signAdyenItem(hmacKey, {
      eventCode: 'AUTHORISATION',
      success: String(success),
      pspReference,
      originalReference: '',
      merchantAccountCode: String(session.request['merchantAccount']),
      merchantReference: session.reference,
      amount: session.amount,
      eventDate: new Date().toISOString(),
      paymentMethod: 'visa',
      reason: success ? '1234:1111:03/2030' : 'Refused',
      operations: ['CANCEL', 'CAPTURE', 'REFUND'],
      additionalData: {},
    });
    const body = JSON.stringify({ live: 'false', notificationItems: [{ NotificationRequestItem: item }] });
    const response = await fetch(fake.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    webhooks.push({ body, status: response.status, answer: await response.text() });
  }

  function expireIfDue(session: FakeAdyenSession): void {
    if (session.status === 'active' && Date.now() > Date.parse(session.expiresAt)) session.status = 'expired';
  }

  function newResult(session: FakeAdyenSession): string {
    const result = `resultData${randomBytes(18).toString('base64url')}`;
    results.set(result, session.id);
    return result;
  }

  async function pay(id: string, card: string, challengePassword?: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const session = sessions.get(id);
    if (!session) return { status: 422, body: { status: 422, errorCode: '14_0417', message: 'Session not found', errorType: 'validation' } };
    expireIfDue(session);
    if (session.status !== 'active') {
      return { status: 422, body: { status: 422, errorCode: '14_0418', message: `Session is ${session.status}`, errorType: 'validation' } };
    }
    const digits = card.replace(/\s+/g, '');
    const pspReference = randomBytes(8).toString('hex').toUpperCase();
    let resultCode = 'Authorised';
    if (digits === ADYEN_CARDS.refused) resultCode = 'Refused';
    if (digits === ADYEN_CARDS.challenge && challengePassword !== 'password') resultCode = 'Refused';
    session.attempts += 1;
    session.payments.push({ pspReference, resultCode, amount: session.amount });
    if (resultCode === 'Authorised') session.status = 'completed';
    // Adyen closes a session after too many refusals.
    else if (session.attempts >= 3) session.status = 'refused';
    const delivery = sendWebhook(session, pspReference, resultCode === 'Authorised').catch(() => undefined);
    pending.add(delivery);
    void delivery.finally(() => pending.delete(delivery));
    return { status: 200, body: { resultCode, sessionData: session.sessionData, sessionResult: newResult(session) } };
  }

  function createSession(request: RecordedRequest): FakeResponse {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(request.body) as Record<string, unknown>;
    } catch {
      return serviceError(400, '702', 'Structure of the request is invalid');
    }
    for (const field of ['merchantAccount', 'amount', 'reference', 'returnUrl']) {
      if (body[field] === undefined) return serviceError(422, '14_030', `Required field '${field}' is not provided.`);
    }
    const amount = body['amount'] as { value?: unknown; currency?: unknown };
    if (!Number.isInteger(amount.value) || typeof amount.currency !== 'string') return serviceError(422, '14_029', 'Invalid amount');
    if (body['merchantAccount'] !== ADYEN_MERCHANT) return serviceError(403, '901', 'Invalid Merchant Account', 'security');
    const id = `CS${randomBytes(8).toString('hex').toUpperCase()}`;
    const mode = body['mode'] === 'hosted' ? 'hosted' : 'embedded';
    const session: FakeAdyenSession = {
      id,
      sessionData: `Ab02b4c0!${randomBytes(48).toString('base64')}`,
      request: body,
      amount: { value: amount.value as number, currency: amount.currency },
      reference: String(body['reference']),
      returnUrl: String(body['returnUrl']),
      expiresAt: typeof body['expiresAt'] === 'string' ? body['expiresAt'] : new Date(Date.now() + 3600_000).toISOString(),
      mode,
      ...(mode === 'hosted' && { url: `${origin}/hosted/${id}` }),
      status: 'active',
      attempts: 0,
      payments: [],
    };
    sessions.set(id, session);
    const { request: _request, status: _status, attempts: _attempts, payments: _payments, ...answer } = session;
    return { status: 201, body: { ...body, ...answer } };
  }

  function readSession(id: string, sessionResult: string | null): FakeResponse {
    const session = sessions.get(id);
    if (!session) return serviceError(422, '14_0417', 'Session not found');
    if (!sessionResult || results.get(sessionResult) !== id) return serviceError(422, '14_012', 'The provided sessionResult could not be parsed.');
    expireIfDue(session);
    return { status: 200, body: { id, status: session.status, reference: session.reference, payments: session.payments, additionalData: {} } };
  }

  function hostedPage(session: FakeAdyenSession, message = ''): FakeResponse {
    const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Adyen Hosted Checkout (test double)</title></head>
<body><main><h1>Pay ${(session.amount.value / 100).toFixed(2)} ${session.amount.currency}</h1>${message ? `<p role="alert">${message}</p>` : ''}
<form method="post" action="/hosted/${session.id}"><label>Card number <input name="card" required></label>
<button type="submit">Pay</button></form></main></body></html>`;
    return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8', 'x-frame-options': 'DENY' }, body: html };
  }

  async function answer(request: RecordedRequest): Promise<FakeResponse> {
    const url = new URL(request.url, 'http://fake.adyen');
    if (url.pathname === '/favicon.ico') return { status: 204, body: '' };
    const hosted = /^\/hosted\/(CS[0-9A-F]+)$/.exec(url.pathname);
    if (hosted?.[1]) {
      const session = sessions.get(hosted[1]);
      if (!session) return { status: 404, body: 'No such session' };
      if (request.method === 'GET') return hostedPage(session);
      const paid = await pay(session.id, new URLSearchParams(request.body).get('card') ?? '');
      if (paid.body['resultCode'] !== 'Authorised') return hostedPage(session, `Payment ${String(paid.body['resultCode'] ?? 'failed')}`);
      const back = new URL(session.returnUrl);
      back.searchParams.set('sessionId', session.id);
      back.searchParams.set('sessionResult', String(paid.body['sessionResult']));
      return { status: 303, headers: { location: back.href }, body: '' };
    }
    const sdk = /^\/checkoutshopper\/v1\/sessions\/(CS[0-9A-F]+)\/payments$/.exec(url.pathname);
    if (sdk?.[1]) {
      if (request.method === 'OPTIONS') return { status: 204, headers: CORS, body: '' };
      if (url.searchParams.get('clientKey') !== ADYEN_CLIENT_KEY) return { ...serviceError(401, '901', 'Invalid client key', 'security'), headers: CORS };
      const body = JSON.parse(request.body || '{}') as { card?: string; challengePassword?: string; sessionData?: string };
      if (body.sessionData !== sessions.get(sdk[1])?.sessionData) return { ...serviceError(422, '14_0418', 'Invalid sessionData'), headers: CORS };
      const paid = await pay(sdk[1], body.card ?? '', body.challengePassword);
      return { status: paid.status, headers: CORS, body: paid.body };
    }
    if (request.headers['x-api-key'] !== apiKey) return serviceError(401, '000', 'HTTP Status Response - Unauthorized', 'security');
    if (request.method === 'POST' && url.pathname === '/v71/sessions') return createSession(request);
    const read = /^\/v71\/sessions\/([^/]+)$/.exec(url.pathname);
    if (request.method === 'GET' && read?.[1]) return readSession(decodeURIComponent(read[1]), url.searchParams.get('sessionResult'));
    return serviceError(404, '000', `Unrecognized request URL (${request.method}: ${url.pathname})`);
  }

  const server = await startFakeHttpServer(answer);
  origin = server.url;
  const fake: FakeAdyen = {
    url: server.url,
    requests: server.requests,
    sessions,
    results,
    webhooks,
    webhookUrl: options.webhookUrl,
    pay,
    async close() {
      await Promise.allSettled([...pending]);
      await server.close();
    },
  };
  return fake;
}
