import { randomBytes } from 'node:crypto';
import {
  startFakeHttpServer,
  type FakeResponse,
  type RecordedRequest,
} from '../../server/test-support/fake-http.js';

/**
 * A local fake of the Reepay (Frisbii) APIs the demo uses, per
 * /work/shared/providers/reepay-checkout-sessions.txt and reepay-on-demand-billing.txt. One
 * server answers for both hosts (point REEPAY_CHECKOUT_API_URL and REEPAY_API_URL at it):
 *
 * - Checkout API: `POST /v1/session/charge`, `POST /v1/session/recurring` → `{ id, url }`
 * - API: `GET /v1/invoice/:handle`, `GET /v1/customer/:handle/payment_method` (the customer's saved
 *   payment methods as `{ cards: [...], mps_subscriptions: [] }`, each card `{ id: 'ca_…', state,
 *   customer, created, … }`: the shape of Reepay's "Get payment methods", which the shared provider
 *   documents do not describe), `POST /v1/subscription` (an agreement on a manual plan with a
 *   saved `ca_…` source), `POST /v1/subscription/:handle/invoice` (`instant: true` answers
 *   settled or failed at once)
 *
 * HTTP Basic with the private key as user name. Errors in Reepay's shape
 * (`{ code, error, message, path, http_status, … }`). The shopper's part, paying on Reepay's
 * page, is `completeSession` (the checkout.js double only fires the browser events).
 */

export const REEPAY_PRIVATE_KEY = 'priv_e2e0a1b2c3d4e5f60718293a4b5c6d7e';
/** The plan with a manual billing cycle the fake account has. */
export const REEPAY_REFILL_PLAN = 'refill';
const ACCOUNT_CURRENCY = 'DKK';

type Json = Record<string, unknown>;

interface CheckoutSessionRecord {
  id: string;
  type: 'charge' | 'recurring';
  body: Json;
  customer: string;
  /** Charge sessions: the invoice (order) handle they pay. */
  invoiceHandle?: string;
  recurring: boolean;
  completed: boolean;
}

export interface FakeReepay {
  readonly url: string;
  readonly requests: RecordedRequest[];
  readonly sessions: Map<string, CheckoutSessionRecord>;
  readonly invoices: Map<string, Json>;
  readonly subscriptions: Map<string, Json>;
  /** Saved payment methods per customer handle: card id → the card as the API lists it. */
  readonly paymentMethods: Map<string, Map<string, Json>>;
  /**
   * The shopper pays (charge) or saves a card (recurring) on Reepay's page: the order's invoice
   * is settled and, for a recurring session, `paymentMethod` is saved to the customer.
   */
  completeSession(sessionId: string, result: { paymentMethod: string }): void;
  /** The next instant charge is declined by the acquirer. */
  declineNextCharge(reason?: string): void;
  close(): Promise<void>;
}

function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

function reepayError(status: number, code: number, error: string, path: string, message?: string): FakeResponse {
  const reasons: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found', 409: 'Conflict' };
  return {
    status,
    body: {
      code,
      error,
      ...(message && { message }),
      path,
      timestamp: new Date().toISOString(),
      http_status: status,
      http_reason: reasons[status] ?? 'Error',
      request_id: hex(16),
    },
  };
}

function asObject(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

/** Order lines' total in minor units (amounts per unit, as Reepay takes them). */
function linesTotal(lines: unknown[]): number {
  return lines.reduce<number>((sum, line) => {
    const entry = asObject(line) ?? {};
    return sum + Number(entry['amount'] ?? 0) * Number(entry['quantity'] ?? 1);
  }, 0);
}

function validLines(lines: unknown): lines is Json[] {
  return (
    Array.isArray(lines) &&
    lines.every((line) => {
      const entry = asObject(line);
      return entry && text(entry['ordertext']) && Number.isInteger(entry['amount']) && Number.isInteger(entry['quantity']);
    })
  );
}

export async function startFakeReepay(options: { privateKey?: string } = {}): Promise<FakeReepay> {
  const privateKey = options.privateKey ?? REEPAY_PRIVATE_KEY;
  const sessions = new Map<string, CheckoutSessionRecord>();
  const invoices = new Map<string, Json>();
  const subscriptions = new Map<string, Json>();
  const paymentMethods = new Map<string, Map<string, Json>>();
  const customers = new Set<string>();
  const declines: string[] = [];

  function newSession(type: CheckoutSessionRecord['type'], body: Json, customer: string, invoiceHandle?: string): FakeResponse {
    const id = `cs_${hex(16)}`;
    sessions.set(id, {
      id,
      type,
      body,
      customer,
      recurring: type === 'recurring' || body['recurring'] === true,
      completed: false,
      ...(invoiceHandle && { invoiceHandle }),
    });
    return { status: 200, body: { id, url: `https://checkout.reepay.com/#/${id}` } };
  }

  function chargeSession(body: Json, path: string): FakeResponse {
    if (text(body['invoice'])) return reepayError(400, 1, 'Invoice sessions are not part of this fake', path);
    const order = asObject(body['order']);
    const handle = text(order?.['handle']);
    if (!order || !handle) return reepayError(400, 1, 'Missing parameter', path, 'order.handle is required');
    const lines = order['order_lines'];
    if (order['amount'] === undefined && lines === undefined) {
      return reepayError(400, 1, 'Missing parameter', path, 'Either order.amount or order.order_lines must be provided');
    }
    if (lines !== undefined && !validLines(lines)) return reepayError(400, 2, 'Invalid parameter', path, 'order.order_lines');
    const customer = text(asObject(order['customer'])?.['handle']) ?? text(order['customer_handle']);
    if (!customer) return reepayError(400, 1, 'Missing parameter', path, 'order.customer or order.customer_handle is required');
    if (!text(body['accept_url'])) return reepayError(400, 1, 'Missing parameter', path, 'accept_url is required');
    if (invoices.has(handle)) return reepayError(400, 79, 'Invoice already settled', path);
    return newSession('charge', body, customer, handle);
  }

  function recurringSession(body: Json, path: string): FakeResponse {
    const customer = text(asObject(body['create_customer'])?.['handle']) ?? text(body['customer']);
    if (!customer) return reepayError(400, 1, 'Missing parameter', path, 'create_customer or customer is required');
    if (!text(body['accept_url'])) return reepayError(400, 1, 'Missing parameter', path, 'accept_url is required');
    return newSession('recurring', body, customer);
  }

  function createSubscription(body: Json, path: string): FakeResponse {
    const handle = text(body['handle']);
    const plan = text(body['plan']);
    const customer = text(body['customer']);
    const source = text(body['source']);
    if (!handle || !plan || !customer || !source) {
      return reepayError(400, 1, 'Missing parameter', path, 'handle, plan, customer and source are required');
    }
    if (plan !== REEPAY_REFILL_PLAN) return reepayError(404, 6, 'Plan not found', path);
    if (!customers.has(customer)) return reepayError(404, 5, 'Customer not found', path);
    if (!paymentMethods.get(customer)?.has(source)) {
      return reepayError(400, 40, 'Payment method not found', path, `${source} is not a payment method of customer ${customer}`);
    }
    if (subscriptions.has(handle)) return reepayError(400, 17, 'Subscription handle already exists', path);
    const subscription: Json = {
      handle,
      customer,
      plan,
      state: 'active',
      test: true,
      amount: 0,
      quantity: 1,
      renewing: true,
      created: new Date().toISOString(),
      activated: new Date().toISOString(),
      is_cancelled: false,
      in_trial: false,
      payment_method_added: true,
    };
    subscriptions.set(handle, subscription);
    return { status: 200, body: subscription };
  }

  function createSubscriptionInvoice(subscriptionHandle: string, body: Json, path: string): FakeResponse {
    const subscription = subscriptions.get(subscriptionHandle);
    if (!subscription) return reepayError(404, 7, 'Subscription not found', path);
    const handle = text(body['handle']);
    if (!handle) return reepayError(400, 1, 'Missing parameter', path, 'handle is required');
    if (invoices.has(handle)) return reepayError(400, 47, 'Duplicate handle', path);
    const lines = body['order_lines'] ?? [];
    if (!validLines(lines)) return reepayError(400, 2, 'Invalid parameter', path, 'order_lines');
    if (body['plan_manual'] !== true && lines.length === 0) {
      return reepayError(400, 1, 'Missing parameter', path, 'plan_manual or order_lines must be given');
    }
    const amount = linesTotal(lines);
    const instant = body['instant'] === true;
    const decline = instant ? declines.shift() : undefined;
    const state = !instant ? 'pending' : decline ? 'failed' : 'settled';
    const invoice: Json = {
      id: hex(16),
      handle,
      customer: subscription['customer'],
      subscription: subscriptionHandle,
      plan: subscription['plan'],
      state,
      type: 's',
      amount,
      currency: ACCOUNT_CURRENCY,
      created: new Date().toISOString(),
      order_lines: lines.map((line) => ({ id: hex(8), ...line, origin: 'ondemand' })),
      transactions:
        state === 'pending'
          ? []
          : [
              {
                id: hex(16),
                state: decline ? 'failed' : 'settled',
                type: 'settle',
                amount,
                payment_type: 'card',
                card_transaction: decline
                  ? { error: 'declined_by_acquirer', error_state: 'hard_declined', acquirer_message: decline }
                  : { card_type: 'visa', masked_card: '411111XXXXXX1111' },
              },
            ],
    };
    invoices.set(handle, invoice);
    return { status: 200, body: invoice };
  }

  function answer(request: RecordedRequest): FakeResponse {
    const url = new URL(request.url, 'http://fake.reepay');
    const path = url.pathname;
    if (request.headers.authorization !== `Basic ${Buffer.from(`${privateKey}:`).toString('base64')}`) {
      return reepayError(401, 401, 'Unauthorized', path, 'Invalid or missing private key');
    }
    let body: Json = {};
    if (request.method === 'POST') {
      try {
        body = asObject(JSON.parse(request.body || '{}')) ?? {};
      } catch {
        return reepayError(400, 1, 'Invalid JSON', path);
      }
    }
    if (request.method === 'POST' && path === '/v1/session/charge') return chargeSession(body, path);
    if (request.method === 'POST' && path === '/v1/session/recurring') return recurringSession(body, path);
    if (request.method === 'POST' && path === '/v1/subscription') return createSubscription(body, path);
    const invoiceOf = /^\/v1\/subscription\/([^/]+)\/invoice$/.exec(path);
    if (request.method === 'POST' && invoiceOf?.[1]) return createSubscriptionInvoice(decodeURIComponent(invoiceOf[1]), body, path);
    const invoice = /^\/v1\/invoice\/([^/]+)$/.exec(path);
    if (request.method === 'GET' && invoice?.[1]) {
      const found = invoices.get(decodeURIComponent(invoice[1]));
      return found ? { status: 200, body: found } : reepayError(404, 4, 'Invoice not found', path);
    }
    const methodsOf = /^\/v1\/customer\/([^/]+)\/payment_method$/.exec(path);
    if (request.method === 'GET' && methodsOf?.[1]) {
      const customer = decodeURIComponent(methodsOf[1]);
      if (!customers.has(customer)) return reepayError(404, 5, 'Customer not found', path);
      return { status: 200, body: { cards: [...(paymentMethods.get(customer)?.values() ?? [])], mps_subscriptions: [] } };
    }
    return reepayError(404, 0, 'Not found', path);
  }

  const server = await startFakeHttpServer(answer);
  return {
    url: server.url,
    requests: server.requests,
    sessions,
    invoices,
    subscriptions,
    paymentMethods,
    completeSession(sessionId, result) {
      const session = sessions.get(sessionId);
      if (!session) throw new Error(`The fake Reepay has no session ${sessionId}`);
      if (session.completed) throw new Error(`Session ${sessionId} is already complete`);
      session.completed = true;
      customers.add(session.customer);
      if (session.recurring) {
        if (!/^ca_[a-z0-9]+$/i.test(result.paymentMethod)) throw new Error('A saved payment method looks like ca_…');
        const saved = paymentMethods.get(session.customer) ?? new Map<string, Json>();
        saved.set(result.paymentMethod, {
          id: result.paymentMethod,
          state: 'active',
          customer: session.customer,
          created: new Date().toISOString(),
          fingerprint: hex(16),
          gw_ref: hex(16),
          card_type: 'visa',
          exp_date: '12-30',
          masked_card: '411111XXXXXX1111',
        });
        paymentMethods.set(session.customer, saved);
      }
      if (session.type === 'charge' && session.invoiceHandle) {
        const order = asObject(session.body['order']) ?? {};
        const lines = Array.isArray(order['order_lines']) ? order['order_lines'] : [];
        invoices.set(session.invoiceHandle, {
          id: hex(16),
          handle: session.invoiceHandle,
          customer: session.customer,
          state: 'settled',
          type: 'so',
          amount: order['amount'] ?? linesTotal(lines),
          currency: text(order['currency']) ?? ACCOUNT_CURRENCY,
          created: new Date().toISOString(),
        });
      }
    },
    declineNextCharge(reason = 'Insufficient funds') {
      declines.push(reason);
    },
    close: () => server.close(),
  };
}
