import { randomBytes } from 'node:crypto';
import { startFakeHttpServer, type FakeResponse, type RecordedRequest } from '../../server/test-support/fake-http.js';

/**
 * A local fake of Mollie's Payments API v2 as /work/shared/providers/mollie.md describes it:
 * `POST /v2/payments` (JSON, `Bearer` key, `Idempotency-Key` replayed for an hour),
 * `GET /v2/payments/:id`, `POST /v2/customers`, `GET /v2/customers/:id/mandates`, HAL answers,
 * 422 error bodies `{ status, title, detail, field }`. Its checkout page is on its own origin and
 * works like Mollie's test mode: the shopper picks the outcome (paid, failed, canceled, expired).
 * An outcome sends the classic webhook (form `id=tr_…`, unsigned) and redirects the shopper
 * (`cancelUrl` for canceled, else `redirectUrl`). Card tokens come from the Mollie.js double
 * (`fake-mollie-js.js`): the card's outcome is in the token, as nothing else links the two fakes.
 */

export const MOLLIE_TEST_KEY = 'test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM';
export const MOLLIE_PROFILE_ID = 'pfl_QkEhN94Ba';

/**
 * The Mollie.js double's cards (the facts name no test card numbers: these are the fake's own).
 * The token it makes starts `tkn_P` (paid at once), `tkn_D` (declined) or `tkn_S` (3-D Secure).
 */
export const MOLLIE_TEST_CARDS = { success: '4543474002249996', declined: '4000000000000002', threeDSecure: '4000000000003220' } as const;

export type MolliePaymentStatus = 'open' | 'pending' | 'authorized' | 'paid' | 'canceled' | 'expired' | 'failed';

export interface FakeMolliePayment {
  resource: 'payment';
  id: string;
  mode: 'test';
  createdAt: string;
  amount: { value: string; currency: string };
  description: string;
  method: string | null;
  metadata: unknown;
  status: MolliePaymentStatus;
  isCancelable: boolean;
  expiresAt: string;
  profileId: string;
  sequenceType: 'oneoff' | 'first' | 'recurring';
  redirectUrl: string | null;
  cancelUrl: string | null;
  webhookUrl: string | null;
  locale: string | null;
  customerId?: string;
  mandateId?: string;
  cardToken?: string;
  details: { failureReason?: string } | null;
  _links: Record<string, { href: string; type: string }>;
}

export interface WebhookDelivery {
  url: string;
  body: string;
  status: number;
}

export interface FakeMollie {
  readonly url: string;
  readonly requests: RecordedRequest[];
  readonly payments: Map<string, FakeMolliePayment>;
  readonly customers: Map<string, { id: string; name?: string; email?: string; mandates: { id: string; status: string; method: string }[] }>;
  readonly webhooks: WebhookDelivery[];
  /** Status a new `sequenceType: recurring` payment gets (default `paid`; `pending` to settle it later). */
  recurringStatus: MolliePaymentStatus;
  /** Moves a payment on as Mollie would, and sends its webhook (awaited). */
  settle(id: string, status: MolliePaymentStatus): Promise<void>;
  close(): Promise<void>;
}

/** ISO 4217 exponents the fake checks amounts against (Mollie rejects a wrong number of decimals). */
const DECIMALS: Record<string, number> = { JPY: 0, ISK: 0, KWD: 3 };

const newId = (prefix: string) => `${prefix}_${randomBytes(8).toString('base64url').replace(/[-_]/g, 'x').slice(0, 10)}`;

function problem(status: number, detail: string, field?: string): FakeResponse {
  const title = status === 422 ? 'Unprocessable Entity' : status === 401 ? 'Unauthorized Request' : status === 404 ? 'Not Found' : 'Error';
  return { status, headers: { 'content-type': 'application/hal+json' }, body: { status, title, detail, ...(field && { field }) } };
}

const hal = (body: unknown, status = 200): FakeResponse => ({ status, headers: { 'content-type': 'application/hal+json' }, body });

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

export interface FakeMollieOptions {
  apiKey?: string;
  /** How webhooks are sent; default `fetch` (unit tests hand them to a handler directly). */
  sendWebhook?: (url: string, init: RequestInit) => Promise<Response>;
}

export async function startFakeMollie(options: FakeMollieOptions = {}): Promise<FakeMollie> {
  const apiKey = options.apiKey ?? MOLLIE_TEST_KEY;
  const payments = new Map<string, FakeMolliePayment>();
  const customers: FakeMollie['customers'] = new Map();
  const idempotent = new Map<string, { at: number; body: string; answer: FakeResponse }>();
  const webhooks: WebhookDelivery[] = [];
  const pending = new Set<Promise<void>>();
  let origin = '';

  async function sendWebhook(payment: FakeMolliePayment): Promise<void> {
    if (!payment.webhookUrl) return;
    const body = `id=${payment.id}`;
    const send = options.sendWebhook ?? fetch;
    const response = await send(payment.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    webhooks.push({ url: payment.webhookUrl, body, status: response.status });
  }

  function setStatus(payment: FakeMolliePayment, status: MolliePaymentStatus): Promise<void> {
    payment.status = status;
    payment.isCancelable = false;
    delete payment._links['checkout'];
    if (status === 'paid' && payment.sequenceType === 'first' && payment.customerId) {
      const mandate = { id: newId('mdt'), status: 'valid', method: payment.method === 'creditcard' ? 'creditcard' : 'directdebit' };
      customers.get(payment.customerId)?.mandates.push(mandate);
      payment.mandateId = mandate.id;
    }
    if (status === 'failed') payment.details = { failureReason: 'card_declined' };
    const delivery = sendWebhook(payment).catch(() => undefined);
    pending.add(delivery);
    void delivery.finally(() => pending.delete(delivery));
    return delivery;
  }

  function createPayment(body: Record<string, unknown>): FakeResponse {
    const amount = body['amount'] as { value?: unknown; currency?: unknown } | undefined;
    if (typeof amount?.currency !== 'string' || !/^[A-Z]{3}$/.test(amount.currency)) return problem(422, 'The amount currency is invalid', 'amount.currency');
    const decimals = DECIMALS[amount.currency] ?? 2;
    const pattern = decimals === 0 ? /^\d+$/ : new RegExp(`^\\d+\\.\\d{${decimals}}$`);
    if (typeof amount.value !== 'string' || !pattern.test(amount.value)) {
      return problem(422, `The amount contains an invalid value: a string with ${decimals} decimals is required`, 'amount.value');
    }
    if (typeof body['description'] !== 'string' || body['description'] === '') return problem(422, 'The description is invalid', 'description');
    const sequenceType = (body['sequenceType'] ?? 'oneoff') as FakeMolliePayment['sequenceType'];
    if (!['oneoff', 'first', 'recurring'].includes(sequenceType)) return problem(422, 'The sequence type is invalid', 'sequenceType');
    if (sequenceType !== 'recurring' && typeof body['redirectUrl'] !== 'string') return problem(422, 'The redirect URL is required', 'redirectUrl');
    const customerId = body['customerId'] as string | undefined;
    const customer = customerId === undefined ? undefined : customers.get(customerId);
    if (customerId !== undefined && !customer) return problem(422, 'The customer id is invalid', 'customerId');
    if (sequenceType !== 'oneoff' && !customer) return problem(422, 'A customer is required for this sequence type', 'customerId');
    const cardToken = body['cardToken'] as string | undefined;
    if (cardToken !== undefined) {
      if (sequenceType === 'recurring') return problem(422, 'A card token cannot be used for recurring payments', 'cardToken');
      if (body['method'] !== 'creditcard') return problem(422, 'A card token needs method creditcard', 'method');
      if (!/^tkn_[PDS][A-Za-z0-9]+test$/.test(cardToken)) return problem(422, 'The card token is invalid', 'cardToken');
    }
    let status: MolliePaymentStatus = 'open';
    let mandateId: string | undefined;
    if (sequenceType === 'recurring') {
      const wanted = body['mandateId'] as string | undefined;
      const mandate = customer!.mandates.find((candidate) => candidate.status === 'valid' && (wanted === undefined || candidate.id === wanted));
      if (!mandate) return problem(422, 'The customer has no valid mandate', 'mandateId');
      mandateId = mandate.id;
      status = api.recurringStatus;
    }
    if (cardToken?.startsWith('tkn_P')) status = 'paid';
    if (cardToken?.startsWith('tkn_D')) status = 'failed';
    const id = newId('tr');
    const created = new Date();
    const payment: FakeMolliePayment = {
      resource: 'payment',
      id,
      mode: 'test',
      createdAt: created.toISOString(),
      amount: { value: amount.value, currency: amount.currency },
      description: body['description'],
      method: (body['method'] as string | undefined) ?? null,
      metadata: body['metadata'] ?? null,
      status,
      isCancelable: status === 'open',
      expiresAt: new Date(created.getTime() + 15 * 60_000).toISOString(),
      profileId: MOLLIE_PROFILE_ID,
      sequenceType,
      redirectUrl: (body['redirectUrl'] as string | undefined) ?? null,
      cancelUrl: (body['cancelUrl'] as string | undefined) ?? null,
      webhookUrl: (body['webhookUrl'] as string | undefined) ?? null,
      locale: (body['locale'] as string | undefined) ?? null,
      ...(customerId && { customerId }),
      ...(mandateId && { mandateId }),
      ...(cardToken && { cardToken }),
      details: status === 'failed' ? { failureReason: 'card_declined' } : null,
      _links: {
        self: { href: `${origin}/v2/payments/${id}`, type: 'application/hal+json' },
        ...(status === 'open' && {
          checkout: {
            href: cardToken ? `${origin}/checkout/credit-card/3ds/${id}` : `${origin}/checkout/select-method/${id}`,
            type: 'text/html',
          },
        }),
      },
    };
    payments.set(id, payment);
    // Decided at once (a frictionless card, a recurring charge): its webhook follows, and a paid first payment makes the mandate.
    if (status !== 'open') void setStatus(payment, status);
    return hal(payment, 201);
  }

  function checkoutPage(payment: FakeMolliePayment, threeDs: boolean): FakeResponse {
    const amount = `${payment.amount.value} ${payment.amount.currency}`;
    const choices = threeDs ? ['paid', 'failed'] : ['paid', 'failed', 'canceled', 'expired'];
    const labels: Record<string, string> = threeDs
      ? { paid: 'Complete authentication', failed: 'Fail authentication' }
      : { paid: 'Paid', failed: 'Failed', canceled: 'Canceled', expired: 'Expired' };
    const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Mollie ${threeDs ? '3-D Secure' : 'test mode'} (test double)</title></head>
<body><main><h1>${threeDs ? '3-D Secure' : 'Test payment'}: ${escapeHtml(amount)}</h1>
${payment.status === 'open' ? '' : `<p role="alert">This payment is ${escapeHtml(payment.status)}.</p>`}
<form method="post">${choices.map((status) => `<button name="status" value="${status}">${labels[status]}</button>`).join('')}</form></main></body></html>`;
    // Framing is undocumented (the adapter never frames it); this double refuses, the safe reading.
    return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8', 'x-frame-options': 'DENY' }, body: html };
  }

  async function choose(payment: FakeMolliePayment, request: RecordedRequest): Promise<FakeResponse> {
    if (payment.status !== 'open') return checkoutPage(payment, false);
    const status = new URLSearchParams(request.body).get('status') as MolliePaymentStatus | null;
    if (!status || !['paid', 'failed', 'canceled', 'expired'].includes(status)) return checkoutPage(payment, false);
    await setStatus(payment, status);
    const target = status === 'canceled' ? (payment.cancelUrl ?? payment.redirectUrl) : payment.redirectUrl;
    return { status: 303, headers: { location: target ?? '/' }, body: '' };
  }

  async function answer(request: RecordedRequest): Promise<FakeResponse> {
    const url = new URL(request.url, 'http://fake.mollie');
    if (url.pathname === '/favicon.ico') return { status: 204, body: '' };
    const page = /^\/checkout\/(select-method|credit-card\/3ds)\/([^/]+)$/.exec(url.pathname);
    if (page?.[2]) {
      const payment = payments.get(page[2]);
      if (!payment) return { status: 404, headers: { 'content-type': 'text/html' }, body: '<!doctype html><title>Not found</title><h1>No such payment</h1>' };
      return request.method === 'POST' ? choose(payment, request) : checkoutPage(payment, page[1] !== 'select-method');
    }
    if (request.headers.authorization !== `Bearer ${apiKey}`) return problem(401, 'Missing authentication, or failed to authenticate');
    if (request.method === 'POST') {
      if (!String(request.headers['content-type'] ?? '').startsWith('application/json')) return problem(415, 'Send JSON');
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(request.body) as Record<string, unknown>;
      } catch {
        return problem(400, 'The body is not valid JSON');
      }
      // A repeat with the same key within the hour gets the first answer (Mollie's idempotency).
      const key = request.headers['idempotency-key'];
      const cacheKey = typeof key === 'string' ? `${url.pathname} ${key}` : undefined;
      const earlier = cacheKey ? idempotent.get(cacheKey) : undefined;
      if (earlier && Date.now() - earlier.at < 3_600_000) return earlier.answer;
      let result: FakeResponse;
      if (url.pathname === '/v2/payments') result = createPayment(body);
      else if (url.pathname === '/v2/customers') {
        const customer = { id: newId('cst'), ...(typeof body['name'] === 'string' && { name: body['name'] }), ...(typeof body['email'] === 'string' && { email: body['email'] }), mandates: [] };
        customers.set(customer.id, customer);
        result = hal({ resource: 'customer', id: customer.id, mode: 'test', name: customer.name ?? null, email: customer.email ?? null, metadata: body['metadata'] ?? null }, 201);
      } else result = problem(404, `No such endpoint: POST ${url.pathname}`);
      if (cacheKey && (result.status ?? 200) < 300) idempotent.set(cacheKey, { at: Date.now(), body: request.body, answer: result });
      return result;
    }
    const read = /^\/v2\/payments\/([^/]+)$/.exec(url.pathname);
    if (request.method === 'GET' && read?.[1]) {
      const payment = payments.get(read[1]);
      if (!payment) return problem(404, 'No payment exists with token ' + read[1] + '.');
      if (payment.status === 'open' && Date.parse(payment.expiresAt) < Date.now()) await setStatus(payment, 'expired');
      return hal(payment);
    }
    const mandates = /^\/v2\/customers\/([^/]+)\/mandates$/.exec(url.pathname);
    if (request.method === 'GET' && mandates?.[1]) {
      const customer = customers.get(mandates[1]);
      if (!customer) return problem(404, 'No customer exists with token ' + mandates[1] + '.');
      return hal({ count: customer.mandates.length, _embedded: { mandates: customer.mandates.map((mandate) => ({ resource: 'mandate', ...mandate })) } });
    }
    return problem(404, `No such endpoint: ${request.method} ${url.pathname}`);
  }

  const server = await startFakeHttpServer(answer);
  origin = server.url;
  const api: FakeMollie = {
    url: server.url,
    requests: server.requests,
    payments,
    customers,
    webhooks,
    recurringStatus: 'paid',
    async settle(id, status) {
      const payment = payments.get(id);
      if (!payment) throw new Error(`fake mollie: no payment ${id}`);
      await setStatus(payment, status);
    },
    async close() {
      await Promise.allSettled([...pending]);
      await server.close();
    },
  };
  return api;
}
