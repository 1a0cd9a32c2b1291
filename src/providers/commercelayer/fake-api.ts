import { randomBytes } from 'node:crypto';
import { startFakeHttpServer, type FakeResponse, type RecordedRequest } from '../../server/test-support/fake-http.js';

/**
 * A local fake of Commerce Layer's API for checkout.com payments, per
 * /work/shared/providers/commercelayer-checkout-com-payments.txt (JSON:API, Bearer token):
 * `GET /api/orders/:id`, `POST /api/checkout_com_payments`, `PATCH /api/checkout_com_payments/:id`
 * with `_authorize` or `_details`, `GET /api/checkout_com_payments/:id`. Which outcome an
 * authorisation has is the token's (FAKE_CHECKOUT_TOKENS). A 3-D Secure payment's `redirect_uri`
 * is a page on the fake's own origin whose links complete or fail it and go to the payment's
 * success or failure URL with `cko-session-id`, as checkout.com does.
 */

export const FAKE_COMMERCELAYER_ACCESS_TOKEN = 'fake-commercelayer-integration-token';
export const FAKE_CHECKOUT_PUBLIC_KEY = 'pk_sbox_fakecheckoutpublickey0001';

/** checkout.com-shaped tokens (`tok_` + 26 lowercase letters or digits), by outcome. */
export const FAKE_CHECKOUT_TOKENS = {
  authorised: `tok_${'authorised'.padEnd(26, '0')}`,
  threeDSecure: `tok_${'threedsecure'.padEnd(26, '0')}`,
  declined: `tok_${'declined'.padEnd(26, '0')}`,
} as const;

export interface FakeCommerceLayerOrder {
  /** Cents, taxes included. */
  total_amount_with_taxes_cents: number;
  currency_code: string;
}

interface FakePayment {
  id: string;
  token: string;
  orderId: string;
  sessionId: string;
  successUrl: string | null;
  failureUrl: string | null;
  reference: string | null;
  /** checkout.com's status once authorised; undefined before `_authorize`. */
  status?: 'Pending' | 'Authorized' | 'Declined';
  redirectUri: string | null;
}

export interface FakeCommerceLayer {
  readonly url: string;
  readonly requests: RecordedRequest[];
  readonly orders: Map<string, FakeCommerceLayerOrder>;
  /** The 3-D Secure page's links, for tests without a browser: the URL it goes on to. */
  finishThreeDSecure(paymentId: string, outcome: 'complete' | 'fail'): string;
  close(): Promise<void>;
}

const RESOURCE = 'checkout_com_payments';
const TOKEN_PATTERN = /^tok_[a-z0-9]{26}$/;

function errors(status: number, title: string, detail: string, code: string): FakeResponse {
  return { status, headers: { 'content-type': 'application/vnd.api+json' }, body: { errors: [{ title, detail, code, status: String(status) }] } };
}

const jsonApi = (status: number, body: unknown): FakeResponse => ({ status, headers: { 'content-type': 'application/vnd.api+json' }, body });

export async function startFakeCommerceLayer(orders: Record<string, FakeCommerceLayerOrder>): Promise<FakeCommerceLayer> {
  const payments = new Map<string, FakePayment>();
  const orderMap = new Map(Object.entries(orders));
  let origin = '';

  /** The document's response resource for a payment. */
  function resource(payment: FakePayment) {
    return {
      data: {
        id: payment.id,
        type: RESOURCE,
        links: { self: `${origin}/api/${RESOURCE}/${payment.id}` },
        attributes: {
          public_key: FAKE_CHECKOUT_PUBLIC_KEY,
          payment_type: 'token',
          token: payment.token,
          session_id: payment.status ? payment.sessionId : null,
          success_url: payment.successUrl,
          failure_url: payment.failureUrl,
          source_id: payment.status ? `src_${payment.id.toLowerCase()}` : null,
          customer_token: null,
          redirect_uri: payment.redirectUri,
          payment_response: payment.status ? { status: payment.status, approved: payment.status === 'Authorized' } : null,
          mismatched_amounts: false,
          payment_instrument: payment.status ? { issuer: 'cl bank', card_type: 'visa' } : null,
          created_at: '2026-11-22T12:00:00.000Z',
          updated_at: '2026-11-22T12:00:00.000Z',
          reference: payment.reference,
          reference_origin: null,
          metadata: {},
        },
        relationships: {
          order: { links: { self: `${origin}/api/${RESOURCE}/${payment.id}/relationships/order`, related: `${origin}/api/${RESOURCE}/${payment.id}/order` } },
        },
        meta: { mode: 'test' },
      },
    };
  }

  function authorise(payment: FakePayment): void {
    if (payment.token === FAKE_CHECKOUT_TOKENS.declined) payment.status = 'Declined';
    else if (payment.token === FAKE_CHECKOUT_TOKENS.threeDSecure) {
      payment.status = 'Pending';
      payment.redirectUri = `${origin}/3ds/${payment.id}`;
    } else payment.status = 'Authorized';
  }

  function finishThreeDSecure(paymentId: string, outcome: 'complete' | 'fail'): string {
    const payment = payments.get(paymentId);
    if (!payment || payment.status !== 'Pending') throw new Error(`fake Commerce Layer: payment ${paymentId} is not waiting on 3-D Secure`);
    payment.status = outcome === 'complete' ? 'Authorized' : 'Declined';
    const target = new URL((outcome === 'complete' ? payment.successUrl : payment.failureUrl) ?? `${origin}/done`);
    target.searchParams.set('cko-session-id', payment.sessionId);
    return target.href;
  }

  function threeDSecurePage(paymentId: string): FakeResponse {
    const payment = payments.get(paymentId);
    if (!payment) return { status: 404, body: 'no such payment' };
    const html = `<!doctype html><html lang="en"><meta charset="utf-8"><title>3-D Secure</title><h1>3-D Secure (fake)</h1><p>Payment ${payment.id}</p>
<p><a id="complete" href="/3ds/${payment.id}/complete">Complete authentication</a> <a id="fail" href="/3ds/${payment.id}/fail">Fail authentication</a></p></html>`;
    // Like an issuer's page: never inside a frame.
    return { headers: { 'content-type': 'text/html; charset=utf-8', 'x-frame-options': 'DENY', 'content-security-policy': "frame-ancestors 'none'" }, body: html };
  }

  function route(request: RecordedRequest): FakeResponse {
    const path = new URL(request.url, origin).pathname;
    const threeDs = /^\/3ds\/([A-Za-z0-9]+)(?:\/(complete|fail))?$/.exec(path);
    if (threeDs && request.method === 'GET') {
      if (!threeDs[2]) return threeDSecurePage(threeDs[1]!);
      try {
        return { status: 302, headers: { location: finishThreeDSecure(threeDs[1]!, threeDs[2] as 'complete' | 'fail') } };
      } catch (error) {
        return { status: 409, body: (error as Error).message };
      }
    }
    if (request.headers.authorization !== `Bearer ${FAKE_COMMERCELAYER_ACCESS_TOKEN}`) {
      return errors(401, 'Invalid token', 'The access token you provided is invalid.', 'INVALID_TOKEN');
    }
    const order = /^\/api\/orders\/([^/]+)$/.exec(path);
    if (order && request.method === 'GET') {
      const found = orderMap.get(decodeURIComponent(order[1]!));
      if (!found) return errors(404, 'Not found', 'The resource was not found.', 'RECORD_NOT_FOUND');
      return jsonApi(200, { data: { id: decodeURIComponent(order[1]!), type: 'orders', attributes: { status: 'pending', ...found }, meta: { mode: 'test' } } });
    }
    if (path === `/api/${RESOURCE}` && request.method === 'POST') return createPayment(request);
    const one = new RegExp(`^/api/${RESOURCE}/([A-Za-z0-9]+)$`).exec(path);
    const payment = one && payments.get(one[1]!);
    if (!payment) return errors(404, 'Not found', 'The resource was not found.', 'RECORD_NOT_FOUND');
    if (request.method === 'GET') return jsonApi(200, resource(payment));
    if (request.method !== 'PATCH') return errors(405, 'Method not allowed', request.method, 'METHOD_NOT_ALLOWED');
    const attributes = (JSON.parse(request.body) as { data?: { attributes?: Record<string, unknown> } }).data?.attributes ?? {};
    if (attributes['_authorize']) {
      if (payment.status) return errors(422, 'already authorized', 'The payment was authorized already', 'VALIDATION_ERROR');
      authorise(payment);
    } else if (attributes['_details'] && attributes['session_id'] !== payment.sessionId) {
      return errors(422, 'is invalid', 'session_id - is invalid', 'VALIDATION_ERROR');
    }
    return jsonApi(200, resource(payment));
  }

  function createPayment(request: RecordedRequest): FakeResponse {
    const body = JSON.parse(request.body) as {
      data?: { type?: string; attributes?: Record<string, unknown>; relationships?: { order?: { data?: { type?: string; id?: string } } } };
    };
    const attributes = body.data?.attributes ?? {};
    const orderId = body.data?.relationships?.order?.data?.id;
    if (body.data?.type !== RESOURCE || attributes['payment_type'] !== 'token') {
      return errors(422, 'is invalid', 'payment_type - is invalid', 'VALIDATION_ERROR');
    }
    if (typeof attributes['token'] !== 'string' || !TOKEN_PATTERN.test(attributes['token'])) {
      return errors(422, 'is invalid', 'token - is invalid', 'VALIDATION_ERROR');
    }
    if (!orderId || !orderMap.has(orderId)) return errors(422, 'can\'t be blank', 'order - can\'t be blank', 'VALIDATION_ERROR');
    const text = (name: string) => (typeof attributes[name] === 'string' ? (attributes[name] as string) : null);
    const payment: FakePayment = {
      id: randomBytes(5).toString('hex'),
      token: attributes['token'],
      orderId,
      sessionId: `sid_${randomBytes(13).toString('hex')}`,
      successUrl: text('success_url'),
      failureUrl: text('failure_url'),
      reference: text('reference'),
      redirectUri: null,
    };
    payments.set(payment.id, payment);
    return jsonApi(201, resource(payment));
  }

  const server = await startFakeHttpServer(route);
  origin = server.url;
  return {
    url: server.url,
    requests: server.requests,
    orders: orderMap,
    finishThreeDSecure,
    close: () => server.close(),
  };
}
