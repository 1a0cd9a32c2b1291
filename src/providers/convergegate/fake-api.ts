import { randomBytes } from 'node:crypto';
import { signConvergeGateHeaders } from '../../server/adapter-kit/webhook-signatures.js';
import {
  startFakeHttpServer,
  type FakeResponse,
  type RecordedRequest,
} from '../../server/test-support/fake-http.js';

/**
 * A local fake of ConvergeGate's BLIK checkout sessions, per
 * /work/shared/providers/convergegate-checkout-sessions.txt: `POST /v1/checkout/sessions`
 * (HTTP Basic with `sk_…`, form fields), `GET /v1/checkout/sessions/:id`, and the
 * hosted page `GET /pay/:id` on the fake's own origin. "Pay with BLIK" on that page completes
 * the session, sends the signed webhook to `notification_url`, and goes to `success_url`.
 */

export const CONVERGEGATE_SECRET_KEY = 'sk_test_e2eConvergeGateKey0001';
/** BLIK codes are six digits; this one is refused, as a bank would. */
export const CONVERGEGATE_DECLINED_BLIK = '000000';

export interface FakeConvergeGateSession {
  id: string;
  amount_total: number;
  amount_sub_total: number;
  currency: string;
  cancel_url: string;
  customer_firstname: string;
  customer_lastname: string;
  customer_email: string;
  customer_ip: string;
  customer_country: string;
  expire_at: number;
  created_at: number;
  success_url: string;
  payment_method: string[];
  locale: string;
  url: string;
  fees: null;
  metadata: Record<string, string> | null;
  status: string;
  livemode: boolean;
  notification_url: string;
}

export interface WebhookDelivery {
  url: string;
  body: string;
  status: number;
}

export interface FakeConvergeGate {
  readonly url: string;
  readonly requests: RecordedRequest[];
  readonly sessions: Map<string, FakeConvergeGateSession>;
  /** Webhooks the fake sent, with the status the receiver answered. */
  readonly webhooks: WebhookDelivery[];
  close(): Promise<void>;
}

const REQUIRED_FIELDS = ['amount', 'currency', 'customer_email', 'customer_firstname', 'customer_lastname', 'success_url'] as const;

function sessionId(): string {
  // Like the document's `AW-kLcRRC5P8U68CYe0kVA`: two letters, a dash, 19 base64url characters.
  return `AW-${randomBytes(15).toString('base64url').slice(0, 19)}`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function error(status: number, message: string): FakeResponse {
  return { status, body: { error: { message } } };
}

/** The form fields (`curl -d`, as the document's example), with `metadata[k]=v` and a repeated `payment_method`. */
function readFields(request: RecordedRequest): { fields: Map<string, string>; methods: string[]; metadata: Record<string, string> } {
  const fields = new Map<string, string>();
  const methods: string[] = [];
  const metadata: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(request.body)) {
    const meta = /^metadata\[(.+)\]$/.exec(key);
    if (meta?.[1]) metadata[meta[1]] = value;
    else if (key === 'payment_method') methods.push(value);
    else fields.set(key, value);
  }
  return { fields, methods, metadata };
}

export async function startFakeConvergeGate(options: { secretKey?: string } = {}): Promise<FakeConvergeGate> {
  const secretKey = options.secretKey ?? CONVERGEGATE_SECRET_KEY;
  const sessions = new Map<string, FakeConvergeGateSession>();
  const webhooks: WebhookDelivery[] = [];
  const pending = new Set<Promise<void>>();
  let origin = '';

  async function sendWebhook(session: FakeConvergeGateSession): Promise<void> {
    if (!session.notification_url) return;
    const body = JSON.stringify({
      event_id: `evt_${randomBytes(8).toString('hex')}`,
      type: 'checkout.session.completed',
      data: { object: { id: session.id, status: session.status } },
    });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const response = await fetch(session.notification_url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await signConvergeGateHeaders(secretKey, body, timestamp)) },
      body,
    });
    webhooks.push({ url: session.notification_url, body, status: response.status });
  }

  function createSession(request: RecordedRequest): FakeResponse {
    if (!String(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      return error(415, 'Send the fields form-encoded (application/x-www-form-urlencoded)');
    }
    const { fields, methods, metadata } = readFields(request);
    const missing = REQUIRED_FIELDS.filter((name) => !fields.get(name));
    if (missing.length > 0) return error(400, `Missing required field(s): ${missing.join(', ')}`);
    const amount = Number(fields.get('amount'));
    if (!Number.isInteger(amount) || amount <= 0) return error(400, 'amount must be a positive integer in minor units');
    if (methods.some((method) => method !== 'blik')) return error(400, `Unsupported payment_method: ${methods.join(', ')}`);
    const created = Math.floor(Date.now() / 1000);
    const id = sessionId();
    const session: FakeConvergeGateSession = {
      id,
      amount_total: amount,
      amount_sub_total: amount,
      currency: fields.get('currency')!,
      cancel_url: fields.get('cancel_url') ?? '',
      customer_firstname: fields.get('customer_firstname')!,
      customer_lastname: fields.get('customer_lastname')!,
      customer_email: fields.get('customer_email')!,
      customer_ip: fields.get('customer_ip') ?? '',
      customer_country: fields.get('customer_country') ?? '',
      expire_at: Number(fields.get('expires_at') ?? created + 24 * 3600),
      created_at: created,
      success_url: fields.get('success_url')!,
      payment_method: methods.length ? methods : ['blik'],
      locale: fields.get('locale') ?? '',
      url: `${origin}/pay/${id}`,
      fees: null,
      metadata: Object.keys(metadata).length ? metadata : null,
      status: 'open',
      livemode: false,
      notification_url: fields.get('notification_url') ?? '',
    };
    sessions.set(id, session);
    return { status: 200, body: session };
  }

  function payPage(session: FakeConvergeGateSession, message = ''): FakeResponse {
    const amount = `${(session.amount_total / 100).toFixed(2)} ${session.currency.toUpperCase()}`;
    const cancel = session.cancel_url ? `<p><a href="${escapeHtml(session.cancel_url)}">Cancel and return to the shop</a></p>` : '';
    const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>ConvergeGate BLIK (test double)</title></head>
<body><main><h1>Pay ${escapeHtml(amount)} with BLIK</h1>${message ? `<p role="alert">${escapeHtml(message)}</p>` : ''}
<form method="post" action="/pay/${encodeURIComponent(session.id)}">
<label>BLIK code <input name="blik_code" inputmode="numeric" pattern="[0-9]{6}" required></label>
<button type="submit">Pay with BLIK</button></form>${cancel}</main></body></html>`;
    // A payment page that refuses frames, as the adapter assumes by default.
    return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8', 'x-frame-options': 'DENY' }, body: html };
  }

  function pay(session: FakeConvergeGateSession, request: RecordedRequest): FakeResponse {
    if (session.status !== 'open') return payPage(session, `This checkout is ${session.status}.`);
    const code = new URLSearchParams(request.body).get('blik_code') ?? '';
    if (!/^\d{6}$/.test(code)) return payPage(session, 'Enter the six-digit BLIK code from your banking app.');
    if (code === CONVERGEGATE_DECLINED_BLIK) return payPage(session, 'The bank declined this BLIK code.');
    session.status = 'complete';
    const delivery = sendWebhook(session).catch(() => undefined);
    pending.add(delivery);
    void delivery.finally(() => pending.delete(delivery));
    return { status: 303, headers: { location: session.success_url }, body: '' };
  }

  function answer(request: RecordedRequest): FakeResponse {
    const url = new URL(request.url, 'http://fake.convergegate');
    // The browser asks for it on the payment page: no noise in the page's console.
    if (url.pathname === '/favicon.ico') return { status: 204, body: '' };
    const page = /^\/pay\/([^/]+)$/.exec(url.pathname);
    if (page?.[1]) {
      const session = sessions.get(decodeURIComponent(page[1]));
      if (!session) return { status: 404, headers: { 'content-type': 'text/html' }, body: '<!doctype html><title>Not found</title><h1>No such checkout</h1>' };
      if (request.method === 'GET') return payPage(session);
      if (request.method === 'POST') return pay(session, request);
    }
    const expected = `Basic ${Buffer.from(`${secretKey}:`).toString('base64')}`;
    if (request.headers.authorization !== expected) return error(401, 'Invalid API key');
    if (request.method === 'POST' && url.pathname === '/v1/checkout/sessions') return createSession(request);
    const read = /^\/v1\/checkout\/sessions\/([^/]+)$/.exec(url.pathname);
    if (request.method === 'GET' && read?.[1]) {
      const session = sessions.get(decodeURIComponent(read[1]));
      return session ? { status: 200, body: session } : error(404, `No such checkout session: ${read[1]}`);
    }
    return error(404, `Unrecognized request URL (${request.method}: ${url.pathname})`);
  }

  const server = await startFakeHttpServer(answer);
  origin = server.url;
  return {
    url: server.url,
    requests: server.requests,
    sessions,
    webhooks,
    async close() {
      await Promise.allSettled([...pending]);
      await server.close();
    },
  };
}
