import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { startFakeHttpServer, type FakeResponse, type RecordedRequest } from '../../server/test-support/fake-http.js';
import { signVippsWebhook } from './webhook.js';

/**
 * A local fake of Vipps MobilePay's Access Token, ePayment and Webhooks APIs, per
 * /work/shared/providers/vipps-mobilepay.md: `POST /accesstoken/get` (string `expires_in`),
 * `POST /epayment/v1/payments` (Idempotency-Key required and honoured, the documented body
 * checks), `GET /epayment/v1/payments/{reference}`, `POST …/capture` (idempotent, never more
 * than authorised), `POST /webhooks/v1/webhooks` (answers `{ id, secret }`), problem+json errors,
 * and the landing page `GET /landing?token=…` on the fake's own origin, which refuses every frame
 * and lets a test approve, reject or let the payment expire before it goes to `returnUrl`.
 * Registered webhooks get each event, signed as the Webhooks API signs.
 */

export const VIPPS_CLIENT_ID = 'fake-client-id-0001';
export const VIPPS_CLIENT_SECRET = 'fake-client-secret-0001';
export const VIPPS_SUBSCRIPTION_KEY = 'fake-subscription-key-0001';
export const VIPPS_MSN = '123456';
export const VIPPS_WEBHOOK_SECRET = 'A0+AeKBRG2KRGvnNwJpQlb6IJFk48CKXCIcrLoHncVJKDILsQSxS6NWCccwWm6r6FhGKhiHTBsG2wo/xU6FY/A==';

interface Money {
  currency: string;
  value: number;
}

export interface FakeVippsPayment {
  reference: string;
  pspReference: string;
  state: 'CREATED' | 'AUTHORIZED' | 'ABORTED' | 'EXPIRED' | 'TERMINATED';
  amount: Money;
  aggregate: { authorizedAmount: Money; capturedAmount: Money; cancelledAmount: Money; refundedAmount: Money };
  paymentMethod: { type: string };
  profile: Record<string, string>;
  redirectUrl: string;
  metadata?: Record<string, string>;
  returnUrl: string;
  token: string;
}

export interface FakeVippsWebhookDelivery {
  url: string;
  body: string;
  status: number;
}

export interface FakeVipps {
  readonly url: string;
  readonly requests: RecordedRequest[];
  readonly payments: Map<string, FakeVippsPayment>;
  readonly webhooks: FakeVippsWebhookDelivery[];
  /** Registered webhooks (`POST /webhooks/v1/webhooks`). */
  readonly registrations: { id: string; url: string; events: string[] }[];
  /** Access tokens handed out so far. */
  tokenCalls(): number;
  /** Makes every token handed out so far invalid (the next ePayment call answers 401). */
  revokeTokens(): void;
  /** Moves a payment as the user (or the clock) would, with its webhook. */
  act(reference: string, outcome: 'approve' | 'reject' | 'expire'): void;
  /** Answers the next `count` calls to `path` (method and path, e.g. `POST /epayment/v1/payments/x/capture`) with `response`. */
  failNext(line: string, response: FakeResponse, count?: number): void;
  close(): Promise<void>;
}

const REFERENCE = /^[a-zA-Z0-9-]{8,50}$/;
const CURRENCIES = ['NOK', 'DKK', 'EUR'];

function problem(status: number, title: string, detail?: string): FakeResponse {
  return {
    status,
    headers: { 'content-type': 'application/problem+json' },
    body: { type: `https://developer.vippsmobilepay.com/docs/APIs/epayment-api/errors#${status}`, title, ...(detail && { detail }), status, traceId: randomUUID() },
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function isMoney(value: unknown): value is Money {
  const money = value as Money | null;
  return typeof money === 'object' && money !== null && typeof money.currency === 'string' && Number.isInteger(money.value);
}

/** Why a create body is refused, or undefined when it is one the API takes. */
function invalidCreate(body: Record<string, unknown>): string | undefined {
  const amount = body['amount'];
  if (!isMoney(amount) || !CURRENCIES.includes(amount.currency) || amount.value < 0 || amount.value > 65_000_000) {
    return 'amount must be { currency: NOK|DKK|EUR, value: integer minor units 0..65000000 }';
  }
  const method = (body['paymentMethod'] as { type?: unknown } | undefined)?.type;
  if (method !== 'WALLET' && method !== 'CARD') return 'paymentMethod.type must be WALLET or CARD';
  if (typeof body['reference'] !== 'string' || !REFERENCE.test(body['reference'])) return 'reference must match ^[a-zA-Z0-9-]{8,50}$';
  if (body['userFlow'] !== 'WEB_REDIRECT') return 'this fake knows only userFlow WEB_REDIRECT';
  if (typeof body['returnUrl'] !== 'string' || !/^https?:\/\//.test(body['returnUrl'])) return 'returnUrl is required for WEB_REDIRECT';
  const description = body['paymentDescription'];
  if (description !== undefined && (typeof description !== 'string' || description.length < 3 || description.length > 100)) {
    return 'paymentDescription must be 3 to 100 characters';
  }
  const metadata = body['metadata'];
  if (metadata !== undefined && (typeof metadata !== 'object' || metadata === null || Object.keys(metadata).length > 5)) {
    return 'metadata takes at most 5 pairs';
  }
  const phone = (body['customer'] as { phoneNumber?: unknown } | undefined)?.phoneNumber;
  if (body['customer'] !== undefined && (typeof phone !== 'string' || !/^\d{10,15}$/.test(phone))) return 'customer.phoneNumber must be 10 to 15 digits';
  return undefined;
}

export async function startFakeVipps(options: { webhookSecret?: string; tokenLifetimeSeconds?: number } = {}): Promise<FakeVipps> {
  const webhookSecret = options.webhookSecret ?? VIPPS_WEBHOOK_SECRET;
  const payments = new Map<string, FakeVippsPayment>();
  const byToken = new Map<string, string>();
  const webhooks: FakeVippsWebhookDelivery[] = [];
  const registrations: { id: string; url: string; events: string[] }[] = [];
  const idempotent = new Map<string, { hash: string; response: FakeResponse }>();
  const tokens = new Set<string>();
  const failures: { line: string; response: FakeResponse; count: number }[] = [];
  const pending = new Set<Promise<void>>();
  let issued = 0;
  let origin = '';

  const money = (currency: string, value = 0): Money => ({ currency, value });

  function emit(payment: FakeVippsPayment, name: string, amount: Money, idempotencyKey: string | null): void {
    const event = `epayments.payment.${name.toLowerCase()}.v1`;
    const body = JSON.stringify({
      msn: VIPPS_MSN,
      reference: payment.reference,
      pspReference: String(Math.floor(Math.random() * 1e10)),
      name,
      amount,
      timestamp: new Date().toISOString(),
      idempotencyKey,
      success: true,
    });
    for (const registration of registrations.filter((entry) => entry.events.includes(event))) {
      const delivery = (async () => {
        const headers = await signVippsWebhook(webhookSecret, registration.url, body, new Date().toUTCString());
        const { host: _host, ...sent } = headers;
        const response = await fetch(registration.url, { method: 'POST', headers: { 'content-type': 'application/json', ...sent }, body });
        webhooks.push({ url: registration.url, body, status: response.status });
      })().catch(() => undefined);
      pending.add(delivery);
      void delivery.finally(() => pending.delete(delivery));
    }
  }

  function act(reference: string, outcome: 'approve' | 'reject' | 'expire'): void {
    const payment = payments.get(reference);
    if (!payment || payment.state !== 'CREATED') return;
    if (outcome === 'approve') {
      payment.state = 'AUTHORIZED';
      payment.aggregate.authorizedAmount = { ...payment.amount };
      emit(payment, 'AUTHORIZED', payment.amount, null);
    } else {
      payment.state = outcome === 'reject' ? 'ABORTED' : 'EXPIRED';
      emit(payment, payment.state, payment.amount, null);
    }
  }

  function view(payment: FakeVippsPayment) {
    const { returnUrl: _returnUrl, token: _token, ...rest } = payment;
    return rest;
  }

  /** An idempotent POST: the same key and body answer the first answer again; another body is a 409. */
  function once(key: string, body: string, make: () => FakeResponse): FakeResponse {
    const hash = createHash('sha256').update(body).digest('hex');
    const seen = idempotent.get(key);
    if (seen) return seen.hash === hash ? seen.response : problem(409, 'Conflict', 'Idempotency-Key reused with another body');
    const response = make();
    if ((response.status ?? 200) < 300) idempotent.set(key, { hash, response });
    return response;
  }

  function create(request: RecordedRequest, key: string): FakeResponse {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(request.body) as Record<string, unknown>;
    } catch {
      return problem(400, 'Bad Request', 'body is not JSON');
    }
    return once(`create:${key}`, request.body, () => {
      const invalid = invalidCreate(body);
      if (invalid) return problem(400, 'Bad Request', invalid);
      const reference = body['reference'] as string;
      if (payments.has(reference)) return problem(409, 'Conflict', `reference ${reference} is already used`);
      const amount = body['amount'] as Money;
      const token = randomBytes(12).toString('hex');
      const payment: FakeVippsPayment = {
        reference,
        pspReference: String(Math.floor(Math.random() * 1e10)),
        state: 'CREATED',
        amount: { ...amount },
        aggregate: {
          authorizedAmount: money(amount.currency),
          capturedAmount: money(amount.currency),
          cancelledAmount: money(amount.currency),
          refundedAmount: money(amount.currency),
        },
        paymentMethod: { type: (body['paymentMethod'] as { type: string }).type },
        profile: {},
        redirectUrl: `${origin}/landing?token=${token}`,
        ...(body['metadata'] !== undefined && { metadata: body['metadata'] as Record<string, string> }),
        returnUrl: body['returnUrl'] as string,
        token,
      };
      payments.set(reference, payment);
      byToken.set(token, reference);
      emit(payment, 'CREATED', payment.amount, key);
      return { status: 201, body: { redirectUrl: payment.redirectUrl, reference } };
    });
  }

  function capture(payment: FakeVippsPayment, request: RecordedRequest, key: string): FakeResponse {
    return once(`capture:${payment.reference}:${key}`, request.body, () => {
      const wanted = (JSON.parse(request.body || '{}') as { modificationAmount?: unknown }).modificationAmount;
      if (!isMoney(wanted) || wanted.currency !== payment.amount.currency || wanted.value <= 0) return problem(400, 'Bad Request', 'modificationAmount is required');
      if (payment.state !== 'AUTHORIZED') return problem(400, 'Bad Request', `cannot capture a ${payment.state} payment`);
      const left = payment.aggregate.authorizedAmount.value - payment.aggregate.capturedAmount.value;
      if (wanted.value > left) return problem(400, 'Bad Request', `only ${left} is left to capture`);
      payment.aggregate.capturedAmount = money(payment.amount.currency, payment.aggregate.capturedAmount.value + wanted.value);
      emit(payment, 'CAPTURED', wanted, key);
      const { amount, state, aggregate, pspReference, reference } = payment;
      return { status: 200, body: structuredClone({ amount, state, aggregate, pspReference, reference }) };
    });
  }

  function landing(url: URL, request: RecordedRequest): FakeResponse {
    const token = url.searchParams.get('token') ?? new URLSearchParams(request.body).get('token') ?? '';
    const payment = payments.get(byToken.get(token) ?? '');
    // The landing page refuses every frame (the docs: never show it in an iframe).
    const headers = { 'x-frame-options': 'DENY', 'content-security-policy': "frame-ancestors 'none'" };
    if (!payment) return { status: 404, headers: { ...headers, 'content-type': 'text/html' }, body: '<!doctype html><title>Not found</title><h1>No such payment</h1>' };
    if (request.method === 'POST') {
      const outcome = new URLSearchParams(request.body).get('outcome');
      if (outcome === 'approve' || outcome === 'reject' || outcome === 'expire') act(payment.reference, outcome);
      return { status: 303, headers: { ...headers, location: payment.returnUrl }, body: '' };
    }
    const amount = `${(payment.amount.value / 100).toFixed(2)} ${payment.amount.currency}`;
    const button = (outcome: string, label: string) =>
      `<form method="post" action="/landing"><input type="hidden" name="token" value="${escapeHtml(token)}"><input type="hidden" name="outcome" value="${outcome}"><button type="submit">${label}</button></form>`;
    const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Vipps MobilePay (test double)</title></head>
<body><main><h1>Pay ${escapeHtml(amount)} with Vipps MobilePay</h1><p>Payment ${escapeHtml(payment.reference)}: ${payment.state}</p>
${button('approve', 'Approve in the app')}${button('reject', 'Reject in the app')}${button('expire', 'Let it expire')}</main></body></html>`;
    return { status: 200, headers: { ...headers, 'content-type': 'text/html; charset=utf-8' }, body: html };
  }

  function answer(request: RecordedRequest): FakeResponse {
    const url = new URL(request.url, 'http://fake.vipps');
    const line = `${request.method} ${url.pathname}`;
    const failure = failures.find((entry) => entry.line === line && entry.count > 0);
    if (failure) {
      failure.count--;
      return failure.response;
    }
    if (url.pathname === '/favicon.ico') return { status: 204, body: '' };
    if (url.pathname === '/landing') return landing(url, request);
    if (request.headers['ocp-apim-subscription-key'] !== VIPPS_SUBSCRIPTION_KEY) return problem(401, 'Unauthorized', 'subscription key missing or wrong');
    if (line === 'POST /accesstoken/get') {
      if (request.headers['client_id'] !== VIPPS_CLIENT_ID || request.headers['client_secret'] !== VIPPS_CLIENT_SECRET) {
        return problem(401, 'Unauthorized', 'client_id or client_secret wrong');
      }
      const token = `fake-access-token-${++issued}-${randomBytes(6).toString('hex')}`;
      tokens.add(token);
      const lifetime = String(options.tokenLifetimeSeconds ?? 3600);
      const nowS = Math.floor(Date.now() / 1000);
      return {
        body: {
          token_type: 'Bearer',
          expires_in: lifetime,
          ext_expires_in: lifetime,
          expires_on: String(nowS + Number(lifetime)),
          not_before: String(nowS),
          resource: '00000002-0000-0000-c000-000000000000',
          access_token: token,
        },
      };
    }
    const bearer = /^Bearer (.+)$/.exec(String(request.headers.authorization ?? ''))?.[1];
    if (!bearer || !tokens.has(bearer)) return problem(401, 'Unauthorized', 'access token missing, expired or wrong');
    if (line === 'POST /webhooks/v1/webhooks') {
      const body = JSON.parse(request.body || '{}') as { url?: unknown; events?: unknown };
      if (typeof body.url !== 'string' || !Array.isArray(body.events) || body.events.length === 0) return problem(400, 'Bad Request', 'url and events are required');
      const id = randomUUID();
      registrations.push({ id, url: body.url, events: body.events as string[] });
      return { status: 201, body: { id, secret: webhookSecret } };
    }
    if (request.headers['merchant-serial-number'] !== VIPPS_MSN) return problem(400, 'Bad Request', 'Merchant-Serial-Number missing or wrong');
    const key = String(request.headers['idempotency-key'] ?? '');
    if (request.method === 'POST' && (!key || key.length > 50)) return problem(400, 'Bad Request', 'Idempotency-Key (at most 50 characters) is required');
    if (line === 'POST /epayment/v1/payments') return create(request, key);
    const match = /^\/epayment\/v1\/payments\/([^/]+)(\/capture)?$/.exec(url.pathname);
    const payment = match ? payments.get(decodeURIComponent(match[1]!)) : undefined;
    if (!match) return problem(404, 'Not Found', `no route ${line}`);
    if (!payment) return problem(404, 'Not Found', `no payment ${match[1]}`);
    if (request.method === 'GET' && !match[2]) return { body: view(payment) };
    if (request.method === 'POST' && match[2]) return capture(payment, request, key);
    return problem(404, 'Not Found', `no route ${line}`);
  }

  const server = await startFakeHttpServer(answer);
  origin = server.url;
  return {
    url: server.url,
    requests: server.requests,
    payments,
    webhooks,
    registrations,
    tokenCalls: () => issued,
    revokeTokens: () => tokens.clear(),
    act,
    failNext(line, response, count = 1) {
      failures.push({ line, response, count });
    },
    async close() {
      await Promise.allSettled([...pending]);
      await server.close();
    },
  };
}
