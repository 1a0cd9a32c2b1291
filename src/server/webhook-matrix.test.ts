/**
 * The webhook matrix (security issue): for every provider with `verifyWebhook`, the real adapter
 * mounted in `createCheckoutHandler` on a SQLite store, fed deliveries that are genuine, forged,
 * stale, ahead of time, tampered with, oversized or replayed (in the same process, on another
 * instance on the same store, and after a restart on the reopened database file).
 *
 * Each provider's signature is made by its test signer in the adapter toolkit (checked there
 * against node:crypto; Stripe's by the SDK's `generateTestHeaderString`), never by the adapter under test. The adapters
 * run on a fixed clock (NOW), so the ±301 s cases sit exactly one second outside the default
 * 300 s tolerance whatever the machine's clock says.
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Catalog } from './catalog.js';
import { createCheckoutHandler, type CheckoutHandler, type WebhookContext } from './handler.js';
import { ADYEN_API_KEY, ADYEN_CARDS, ADYEN_CLIENT_KEY, ADYEN_HMAC_KEY, ADYEN_MERCHANT, startFakeAdyen, type FakeAdyen } from '../providers/adyen/fake-api.js';
import { createAdyenProvider } from '../providers/adyen/server.js';
import { signAdyenItem, type AdyenNotificationItem } from '../providers/adyen/webhook.js';
import { createConvergeGateProvider } from '../providers/convergegate/server.js';
import { providerRecordsOn } from './store/provider-records.js';
import { createReepayProvider } from '../providers/reepay/server.js';
import { createSandboxProvider } from '../providers/sandbox/server.js';
import {
  FAKE_PUBLISHABLE_KEY,
  FAKE_SECRET_KEY,
  FAKE_WEBHOOK_SECRET,
  startFakeStripe,
  type FakeStripe,
} from '../providers/stripe/fake-api.js';
import { createStripeProvider } from '../providers/stripe/server.js';
import { MOLLIE_TEST_KEY, startFakeMollie, type FakeMollie } from '../providers/mollie/fake-api.js';
import { createMollieProvider } from '../providers/mollie/server.js';
import { WEBHOOK_HINT_WINDOW_MS } from './routes/webhooks.js';
import type { PaymentProvider, VerifiedWebhook } from './provider-api/types.js';
import { createSqliteStore } from './store/sqlite.js';
import type { CheckoutStore } from './store/types.js';
import { startFakeHttpServer, type FakeHttpServer } from './test-support/fake-http.js';
import { signConvergeGateHeaders, signSandboxPayload } from './adapter-kit/webhook-signatures.js';
import { changeOneByte, flipLastHexDigit, padJsonTo, reepayWebhookBody, stripeSignatureHeader } from './test-support/webhook-signers.js';
import { TEST_HOSTS } from './test-support/test-hosts.js';
import { createVippsMobilePayProvider } from '../providers/vipps-mobilepay/server.js';
import { signVippsWebhook } from '../providers/vipps-mobilepay/webhook.js';

const NOW = Date.parse('2026-05-01T12:00:00Z');
const NOW_S = NOW / 1000;
const BASE = 'https://api.example/api/checkout';
const MIB = 1024 * 1024;
const catalog: Catalog = { currency: 'DKK', products: { mug: { name: 'Mug', unitAmount: 10_000, vatRate: 0.25 } } };

// ---------------------------------------------------------------------------------------------
// Per provider: how to build it against a local fake of its API, and how to sign for it.
// ---------------------------------------------------------------------------------------------

/** One POST to the webhook endpoint. */
interface Delivery {
  body: string;
  headers: Record<string, string>;
}

interface DeliverOptions {
  /** Seconds from NOW the delivery is signed at. Default -5 (just sent). */
  offsetSeconds?: number;
  /** Default: the secret the provider is configured with. */
  secret?: string;
  /** Pad the body (JSON whitespace) to exactly this many bytes before signing. */
  padTo?: number;
}

interface Variant {
  name: string;
  make: (id: string) => Promise<Delivery>;
}

interface ProviderKit {
  name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** A new adapter instance (a new process builds its own). */
  provider(): PaymentProvider;
  /** A genuine delivery of event `id`, signed as the provider signs. */
  deliver(id: string, options?: DeliverOptions): Promise<Delivery>;
  /** A secret of the right shape that is not the configured one. */
  wrongSecret: string;
  /** Well formed, right header(s), but a signature that is not the payload's. */
  badSignature(id: string): Promise<Delivery>;
  /** Signature header(s) (for Reepay: the body's signature fields) left out. */
  missing: Variant[];
  malformed: Variant[];
  /** One byte of the body changed after signing. */
  tampered: Variant[];
  /** The event id the adapter derives for a delivery of `id`, where it is not `id` itself (Vipps MobilePay's events carry none). */
  eventId?(id: string): string;
  /** What the handler re-read from the provider's API for the event, as `onWebhook` got it. */
  expectReRead(context: WebhookContext): void;
}

function withHeader(delivery: Delivery, name: string, value: string | undefined): Delivery {
  const headers = Object.fromEntries(Object.entries(delivery.headers).filter(([key]) => key.toLowerCase() !== name.toLowerCase()));
  return { body: delivery.body, headers: value === undefined ? headers : { ...headers, [name]: value } };
}

/** `body` with one byte changed at the first character of `marker`'s first occurrence. */
function tamperAt(body: string, marker: string): string {
  const index = body.indexOf(marker);
  if (index < 0) throw new Error(`"${marker}" is not in the body`);
  const tampered = changeOneByte(body, index);
  expect(tampered.length).toBe(body.length);
  return tampered;
}

// --- sandbox ---------------------------------------------------------------------------------

const SANDBOX_SECRET = 'sbx_whsec_matrix_secret_0001';
const SANDBOX_SESSION = 'sbx_matrix_session_1';
let sandboxApi: FakeHttpServer;

function sandboxEvent(id: string): string {
  return JSON.stringify({ id, type: 'session.completed', session: SANDBOX_SESSION });
}

async function sandboxDeliver(id: string, options: DeliverOptions = {}): Promise<Delivery> {
  let body = sandboxEvent(id);
  if (options.padTo) body = padJsonTo(body, options.padTo);
  const header = await signSandboxPayload(options.secret ?? SANDBOX_SECRET, body, NOW_S + (options.offsetSeconds ?? -5));
  return { body, headers: { 'content-type': 'application/json', 'Sandbox-Signature': header } };
}

const sandboxKit: ProviderKit = {
  name: 'sandbox',
  async start() {
    sandboxApi = await startFakeHttpServer((request) => {
      const match = /^\/v1\/sessions\/([^/?]+)$/.exec(request.url);
      if (request.method === 'GET' && match?.[1] === SANDBOX_SESSION) {
        return {
          body: {
            id: SANDBOX_SESSION,
            url: `${sandboxApi.url}/pay/${SANDBOX_SESSION}`,
            status: 'complete',
            amount: 10_000,
            currency: 'DKK',
            expires_at: new Date(NOW + 30 * 60_000).toISOString(),
          },
        };
      }
      return { status: 404, body: { error: { message: 'not found' } } };
    });
  },
  stop: () => sandboxApi.close(),
  provider: () =>
    createSandboxProvider({ apiUrl: sandboxApi.url, secretKey: 'sbx_sk_matrix_0001', webhookSecret: SANDBOX_SECRET, now: () => NOW }),
  deliver: sandboxDeliver,
  wrongSecret: 'sbx_whsec_someone_else_0001',
  async badSignature(id) {
    const genuine = await sandboxDeliver(id);
    const header = genuine.headers['Sandbox-Signature']!;
    return withHeader(genuine, 'Sandbox-Signature', flipLastHexDigit(header));
  },
  missing: [{ name: 'no Sandbox-Signature', make: async (id) => withHeader(await sandboxDeliver(id), 'Sandbox-Signature', undefined) }],
  malformed: [
    {
      name: 'Sandbox-Signature t= not a number',
      async make(id) {
        const genuine = await sandboxDeliver(id);
        return withHeader(genuine, 'Sandbox-Signature', genuine.headers['Sandbox-Signature']!.replace(/^t=\d+/, 't=soon'));
      },
    },
    {
      name: 'Sandbox-Signature without v1=',
      make: async (id) => withHeader(await sandboxDeliver(id), 'Sandbox-Signature', `t=${NOW_S - 5}`),
    },
    {
      name: 'Sandbox-Signature v1= not hex',
      make: async (id) => withHeader(await sandboxDeliver(id), 'Sandbox-Signature', `t=${NOW_S - 5},v1=${'z'.repeat(64)}`),
    },
  ],
  tampered: [
    {
      name: 'one byte of the type changed',
      async make(id) {
        const genuine = await sandboxDeliver(id);
        return { ...genuine, body: tamperAt(genuine.body, 'completed') };
      },
    },
  ],
  expectReRead(context) {
    expect(context.session).toMatchObject({ id: SANDBOX_SESSION, provider: 'sandbox', status: 'complete' });
  },
};

// --- stripe ----------------------------------------------------------------------------------

const STRIPE_SESSION = 'cs_test_MatrixSession0001';
let fakeStripe: FakeStripe;

function stripeEvent(id: string): string {
  return JSON.stringify({
    id,
    object: 'event',
    api_version: Stripe.API_VERSION,
    created: NOW_S - 5,
    data: { object: { id: STRIPE_SESSION, object: 'checkout.session', status: 'complete', payment_status: 'paid' } },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: 'checkout.session.completed',
  });
}

async function stripeDeliver(id: string, options: DeliverOptions = {}): Promise<Delivery> {
  let body = stripeEvent(id);
  if (options.padTo) body = padJsonTo(body, options.padTo);
  const header = stripeSignatureHeader(body, options.secret ?? FAKE_WEBHOOK_SECRET, NOW_S + (options.offsetSeconds ?? -5));
  return { body, headers: { 'content-type': 'application/json', 'Stripe-Signature': header } };
}

const stripeKit: ProviderKit = {
  name: 'stripe',
  async start() {
    fakeStripe = await startFakeStripe({ now: () => NOW });
    fakeStripe.sessions.set(STRIPE_SESSION, {
      id: STRIPE_SESSION,
      object: 'checkout.session',
      amount_subtotal: 10_000,
      amount_total: 10_000,
      cancel_url: `${BASE}/return/cancel`,
      success_url: `${BASE}/return/accept`,
      client_reference_id: 'ord_matrix',
      client_secret: null,
      created: NOW_S - 60,
      currency: 'dkk',
      expires_at: NOW_S + 30 * 60,
      livemode: false,
      metadata: {},
      mode: 'payment',
      payment_intent: null,
      payment_status: 'paid',
      status: 'complete',
      ui_mode: 'hosted_page',
      url: null,
    });
  },
  stop: () => fakeStripe.close(),
  provider: () =>
    createStripeProvider({
      secretKey: FAKE_SECRET_KEY,
      publishableKey: FAKE_PUBLISHABLE_KEY,
      webhookSecret: FAKE_WEBHOOK_SECRET,
      stripe: fakeStripe.stripe,
      now: () => NOW,
    }),
  deliver: stripeDeliver,
  wrongSecret: 'whsec_someone_else_entirely',
  async badSignature(id) {
    const genuine = await stripeDeliver(id);
    return withHeader(genuine, 'Stripe-Signature', flipLastHexDigit(genuine.headers['Stripe-Signature']!));
  },
  missing: [{ name: 'no Stripe-Signature', make: async (id) => withHeader(await stripeDeliver(id), 'Stripe-Signature', undefined) }],
  malformed: [
    {
      name: 'Stripe-Signature without t=',
      async make(id) {
        const genuine = await stripeDeliver(id);
        const v1 = genuine.headers['Stripe-Signature']!.split(',').filter((item) => !item.startsWith('t='));
        return withHeader(genuine, 'Stripe-Signature', v1.join(','));
      },
    },
    {
      name: 'Stripe-Signature without v1=',
      make: async (id) => withHeader(await stripeDeliver(id), 'Stripe-Signature', `t=${NOW_S - 5}`),
    },
    {
      name: 'Stripe-Signature with a second, older t=',
      async make(id) {
        const genuine = await stripeDeliver(id);
        return withHeader(genuine, 'Stripe-Signature', `${genuine.headers['Stripe-Signature']!},t=${NOW_S - 3600}`);
      },
    },
    { name: 'Stripe-Signature not key=value', make: async (id) => withHeader(await stripeDeliver(id), 'Stripe-Signature', 'garbage') },
  ],
  tampered: [
    {
      name: 'one byte of payment_status changed',
      async make(id) {
        const genuine = await stripeDeliver(id);
        return { ...genuine, body: tamperAt(genuine.body, 'paid"') };
      },
    },
  ],
  expectReRead(context) {
    expect(context.session).toMatchObject({ id: STRIPE_SESSION, provider: 'stripe', status: 'complete', amount: 10_000 });
  },
};

// --- reepay ----------------------------------------------------------------------------------

const REEPAY_SECRET = 'webhook-secret-matrix-1';
const REEPAY_INVOICE = 'ord_matrix_invoice_1';
let reepayApi: FakeHttpServer;

function reepayFields(id: string, offsetSeconds = -5) {
  return {
    id,
    event_id: `ev_${id}`,
    event_type: 'invoice_settled',
    timestamp: new Date(NOW + offsetSeconds * 1000).toISOString(),
    invoice: REEPAY_INVOICE,
    customer: 'customer-matrix-1',
  };
}

async function reepayDeliver(id: string, options: DeliverOptions = {}): Promise<Delivery> {
  let body = await reepayWebhookBody(reepayFields(id, options.offsetSeconds), options.secret ?? REEPAY_SECRET);
  if (options.padTo) body = padJsonTo(body, options.padTo);
  // Reepay signs in the body: no signature header exists.
  return { body, headers: { 'content-type': 'application/json' } };
}

/** A Reepay body built field by field (to leave fields out or sign malformed ones). */
function reepayRaw(fields: Record<string, unknown>): Delivery {
  return { body: JSON.stringify(fields), headers: { 'content-type': 'application/json' } };
}

function withoutKey(record: Record<string, unknown>, key: string): Record<string, unknown> {
  const { [key]: _dropped, ...rest } = record;
  return rest;
}

const reepayKit: ProviderKit = {
  name: 'reepay',
  async start() {
    reepayApi = await startFakeHttpServer((request) => {
      if (request.method === 'GET' && request.url === `/v1/invoice/${REEPAY_INVOICE}`) {
        return { body: { handle: REEPAY_INVOICE, state: 'settled', amount: 10_000, currency: 'DKK' } };
      }
      return { status: 404, body: { error: 'Not found' } };
    });
  },
  stop: () => reepayApi.close(),
  provider: () =>
    createReepayProvider({
      privateKey: 'priv_matrix0123456789',
      webhookSecret: REEPAY_SECRET,
      checkoutApiUrl: reepayApi.url,
      apiUrl: reepayApi.url,
      now: () => NOW,
    }),
  deliver: reepayDeliver,
  wrongSecret: 'webhook-secret-someone-else',
  async badSignature(id) {
    const body = JSON.parse((await reepayDeliver(id)).body) as Record<string, string>;
    return reepayRaw({ ...body, signature: flipLastHexDigit(body['signature']!) });
  },
  missing: [
    {
      name: 'no signature field',
      make: async (id) => reepayRaw(withoutKey(JSON.parse((await reepayDeliver(id)).body) as Record<string, unknown>, 'signature')),
    },
    {
      name: 'no timestamp field',
      make: async (id) => reepayRaw(withoutKey(JSON.parse((await reepayDeliver(id)).body) as Record<string, unknown>, 'timestamp')),
    },
  ],
  malformed: [
    {
      name: 'signature not hex',
      make: async (id) => reepayRaw({ ...(JSON.parse((await reepayDeliver(id)).body) as object), signature: 'z'.repeat(64) }),
    },
    {
      name: 'signature a number, not a string',
      make: async (id) => reepayRaw({ ...(JSON.parse((await reepayDeliver(id)).body) as object), signature: 1234 }),
    },
    {
      name: 'timestamp not a time (correctly signed)',
      make: async (id) => reepayRaw(JSON.parse(await reepayWebhookBody({ ...reepayFields(id), timestamp: 'yesterday' }, REEPAY_SECRET)) as Record<string, unknown>),
    },
    { name: 'body not JSON', make: async () => ({ body: 'id=wh_1&signature=abc', headers: { 'content-type': 'application/json' } }) },
  ],
  tampered: [
    {
      // Only `timestamp + id` is signed (see `tamperedUnsigned` below for the rest of the body).
      name: 'one byte of the signed id changed',
      async make(id) {
        const genuine = await reepayDeliver(id);
        return { ...genuine, body: tamperAt(genuine.body, id) };
      },
    },
    {
      name: 'one byte of the signed timestamp changed (still a valid time)',
      async make(id) {
        const genuine = await reepayDeliver(id);
        // 12:00 → 12:01 is within the tolerance: only the signature refuses it.
        const stamp = reepayFields(id).timestamp;
        const later = stamp.replace('T11:59:', 'T11:58:');
        expect(later).not.toBe(stamp);
        return { ...genuine, body: genuine.body.replace(stamp, later) };
      },
    },
  ],
  expectReRead(context) {
    // No checkout here made the invoice: the handler reads it back as a charge.
    expect(context.charge).toMatchObject({ id: REEPAY_INVOICE, status: 'succeeded', amount: 10_000, currency: 'DKK' });
  },
};

// --- convergegate ----------------------------------------------------------------------------

const CONVERGEGATE_KEY = 'sk_test_MatrixConvergeGate0001';
const CONVERGEGATE_SESSION = 'AW-MatrixSession0001';
let convergeGateApi: FakeHttpServer;

function convergeGateEvent(id: string): string {
  return JSON.stringify({ event_id: id, type: 'checkout.session.completed', data: { object: { id: CONVERGEGATE_SESSION, status: 'complete' } } });
}

async function convergeGateDeliver(id: string, options: DeliverOptions = {}): Promise<Delivery> {
  let body = convergeGateEvent(id);
  if (options.padTo) body = padJsonTo(body, options.padTo);
  const timestamp = String(NOW_S + (options.offsetSeconds ?? -5));
  return { body, headers: { 'content-type': 'application/json', ...(await signConvergeGateHeaders(options.secret ?? CONVERGEGATE_KEY, body, timestamp)) } };
}

const convergeGateKit: ProviderKit = {
  name: 'convergegate',
  async start() {
    convergeGateApi = await startFakeHttpServer((request) => {
      if (request.method === 'GET' && request.url === `/v1/checkout/sessions/${CONVERGEGATE_SESSION}`) {
        return {
          body: {
            id: CONVERGEGATE_SESSION,
            url: `${convergeGateApi.url}/pay/${CONVERGEGATE_SESSION}`,
            status: 'complete',
            amount_total: 10_000,
            currency: 'pln',
            expire_at: NOW_S + 1800,
            livemode: false,
          },
        };
      }
      return { status: 404, body: { error: 'not found' } };
    });
  },
  stop: () => convergeGateApi.close(),
  provider: () => createConvergeGateProvider({ apiUrl: convergeGateApi.url, secretKey: CONVERGEGATE_KEY, now: () => NOW }),
  deliver: convergeGateDeliver,
  wrongSecret: 'sk_test_SomeoneElse0000000001',
  async badSignature(id) {
    const genuine = await convergeGateDeliver(id);
    return withHeader(genuine, 'Sec-Signature', flipLastHexDigit(genuine.headers['Sec-Signature']!));
  },
  missing: [
    { name: 'no Sec-Signature', make: async (id) => withHeader(await convergeGateDeliver(id), 'Sec-Signature', undefined) },
    { name: 'no Sec-Timestamp', make: async (id) => withHeader(await convergeGateDeliver(id), 'Sec-Timestamp', undefined) },
    {
      name: 'neither Sec-Signature nor Sec-Timestamp',
      make: async (id) => withHeader(withHeader(await convergeGateDeliver(id), 'Sec-Timestamp', undefined), 'Sec-Signature', undefined),
    },
  ],
  malformed: [
    {
      name: 'Sec-Signature not hex',
      make: async (id) => withHeader(await convergeGateDeliver(id), 'Sec-Signature', 'z'.repeat(64)),
    },
    {
      name: 'Sec-Timestamp not a number (correctly signed)',
      async make(id) {
        const body = convergeGateEvent(id);
        return { body, headers: { 'content-type': 'application/json', ...(await signConvergeGateHeaders(CONVERGEGATE_KEY, body, `${NOW_S - 5}abc`)) } };
      },
    },
    {
      name: 'signed with the plain secret key instead of its SHA-256',
      async make(id) {
        const body = convergeGateEvent(id);
        const timestamp = String(NOW_S - 5);
        // The document's key is SHA256(secret); a signer using the secret itself must not pass.
        const signature = createHmac('sha256', CONVERGEGATE_KEY).update(timestamp + body).digest('hex');
        return { body, headers: { 'Sec-Timestamp': timestamp, 'Sec-Signature': signature } };
      },
    },
  ],
  tampered: [
    {
      name: 'one byte of the session status changed',
      async make(id) {
        const genuine = await convergeGateDeliver(id);
        return { ...genuine, body: tamperAt(genuine.body, 'complete"') };
      },
    },
  ],
  expectReRead(context) {
    expect(context.session).toMatchObject({ id: CONVERGEGATE_SESSION, provider: 'convergegate', status: 'complete', amount: 10_000 });
  },
};

// --- vipps-mobilepay -------------------------------------------------------------------------

const VIPPS_SECRET = 'vipps-matrix-secret-as-registered-0001';
const VIPPS_REFERENCE = 'ord-5Fmatrix0001';
const VIPPS_URL = `${BASE}/webhooks/vipps-mobilepay`;
let vippsApi: FakeHttpServer;

/** An ePayment event; the kit's `id` is its pspReference (the event id is reference:name:pspReference:timestamp). */
function vippsEvent(id: string): string {
  return JSON.stringify({
    msn: '123456',
    reference: VIPPS_REFERENCE,
    pspReference: id,
    name: 'CAPTURED',
    amount: { currency: 'DKK', value: 10_000 },
    timestamp: new Date(NOW - 10_000).toISOString(),
    idempotencyKey: null,
    success: true,
  });
}

const vippsEventId = (id: string) => `${VIPPS_REFERENCE}:CAPTURED:${id}:${new Date(NOW - 10_000).toISOString()}`;

async function vippsDeliver(id: string, options: DeliverOptions = {}): Promise<Delivery> {
  let body = vippsEvent(id);
  if (options.padTo) body = padJsonTo(body, options.padTo);
  const date = new Date(NOW + (options.offsetSeconds ?? -5) * 1000).toUTCString();
  return { body, headers: { 'content-type': 'application/json', ...(await signVippsWebhook(options.secret ?? VIPPS_SECRET, VIPPS_URL, body, date)) } };
}

const vippsKit: ProviderKit = {
  name: 'vipps-mobilepay',
  eventId: vippsEventId,
  async start() {
    vippsApi = await startFakeHttpServer((request) => {
      if (request.method === 'POST' && request.url === '/accesstoken/get') return { body: { access_token: 'matrix-token', expires_in: '3600' } };
      if (request.method === 'GET' && request.url === `/epayment/v1/payments/${VIPPS_REFERENCE}`) {
        const money = (value: number) => ({ currency: 'DKK', value });
        return {
          body: {
            reference: VIPPS_REFERENCE,
            pspReference: '1234567891',
            state: 'AUTHORIZED',
            amount: money(10_000),
            aggregate: { authorizedAmount: money(10_000), capturedAmount: money(10_000), cancelledAmount: money(0), refundedAmount: money(0) },
            paymentMethod: { type: 'WALLET' },
            profile: {},
          },
        };
      }
      return { status: 404, body: { type: 'x', title: 'Not Found', status: 404, traceId: 't' } };
    });
  },
  stop: () => vippsApi.close(),
  provider: () =>
    createVippsMobilePayProvider({
      clientId: 'matrix-client',
      clientSecret: 'matrix-client-secret',
      subscriptionKey: 'matrix-subscription-key',
      merchantSerialNumber: '123456',
      webhookSecret: VIPPS_SECRET,
      apiUrl: vippsApi.url,
      now: () => NOW,
    }),
  deliver: vippsDeliver,
  wrongSecret: 'vipps-matrix-secret-someone-else-01',
  async badSignature(id) {
    const genuine = await vippsDeliver(id);
    const authorization = genuine.headers['authorization']!;
    // Another valid base64 MAC: the first character of the signature changed.
    const at = authorization.indexOf('Signature=') + 'Signature='.length;
    const swapped = `${authorization.slice(0, at)}${authorization[at] === 'A' ? 'B' : 'A'}${authorization.slice(at + 1)}`;
    return withHeader(genuine, 'authorization', swapped);
  },
  missing: [
    { name: 'no Authorization', make: async (id) => withHeader(await vippsDeliver(id), 'authorization', undefined) },
    { name: 'no x-ms-date', make: async (id) => withHeader(await vippsDeliver(id), 'x-ms-date', undefined) },
    { name: 'no x-ms-content-sha256', make: async (id) => withHeader(await vippsDeliver(id), 'x-ms-content-sha256', undefined) },
  ],
  malformed: [
    {
      name: 'Authorization without the HMAC-SHA256 SignedHeaders prefix',
      async make(id) {
        const genuine = await vippsDeliver(id);
        return withHeader(genuine, 'authorization', genuine.headers['authorization']!.replace(/^.*Signature=/, ''));
      },
    },
    {
      name: 'x-ms-date not RFC 1123 (correctly signed)',
      async make(id) {
        const body = vippsEvent(id);
        return { body, headers: await signVippsWebhook(VIPPS_SECRET, VIPPS_URL, body, new Date(NOW - 5000).toISOString()) };
      },
    },
    {
      name: 'signed with the base64-decoded secret',
      async make(id) {
        const body = vippsEvent(id);
        const genuine = await vippsDeliver(id);
        const date = genuine.headers['x-ms-date']!;
        const hash = genuine.headers['x-ms-content-sha256']!;
        // The docs: the key is the secret's UTF-8 text, not its base64 decoding.
        const mac = createHmac('sha256', Buffer.from(VIPPS_SECRET, 'base64')).update(`POST\n/api/checkout/webhooks/vipps-mobilepay\n${date};api.example;${hash}`).digest('base64');
        return withHeader({ body, headers: genuine.headers }, 'authorization', `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${mac}`);
      },
    },
  ],
  tampered: [
    {
      name: 'one byte of the event name changed',
      async make(id) {
        const genuine = await vippsDeliver(id);
        return { ...genuine, body: tamperAt(genuine.body, 'CAPTURED') };
      },
    },
  ],
  expectReRead(context) {
    expect(context.session).toMatchObject({ id: VIPPS_REFERENCE, provider: 'vipps-mobilepay', status: 'complete', amount: 10_000, currency: 'DKK' });
  },
};

const KITS: ProviderKit[] = [sandboxKit, stripeKit, reepayKit, convergeGateKit, vippsKit];

// ---------------------------------------------------------------------------------------------
// Handlers and stores, closed after each test.
// ---------------------------------------------------------------------------------------------

const openHandlers = new Set<CheckoutHandler>();
const openStores = new Set<CheckoutStore>();
const folders: string[] = [];

function tempDatabase(): string {
  const folder = mkdtempSync(path.join(tmpdir(), 'webhook-matrix-'));
  folders.push(folder);
  return path.join(folder, 'checkout.db');
}

function openStore(file: string): CheckoutStore {
  const store = createSqliteStore({ path: file });
  openStores.add(store);
  return store;
}

async function closeStore(store: CheckoutStore): Promise<void> {
  openStores.delete(store);
  await store.close();
}

async function closeHandler(handler: CheckoutHandler): Promise<void> {
  openHandlers.delete(handler);
  await handler.close();
}

type Hook = ReturnType<typeof vi.fn<(event: VerifiedWebhook, provider: string, context: WebhookContext) => void>>;

interface Mounted {
  handler: CheckoutHandler;
  onWebhook: Hook;
  logger: { error: ReturnType<typeof vi.fn>; warn: ReturnType<typeof vi.fn> };
}

function mount(kit: ProviderKit, store: CheckoutStore): Mounted {
  const onWebhook: Hook = vi.fn();
  const logger = { error: vi.fn(), warn: vi.fn() };
  const handler = createCheckoutHandler({
    providers: [kit.provider()],
    catalog,
    store,
    onWebhook,
    logger,
    allowedHosts: TEST_HOSTS,
    hookRetry: { firstDelayMs: 20, maxDelayMs: 50 },
    hookLeaseMs: 500,
  });
  openHandlers.add(handler);
  return { handler, onWebhook, logger };
}

async function post(handler: CheckoutHandler, kit: ProviderKit, pending: Delivery | Promise<Delivery>): Promise<{ status: number; body: unknown }> {
  const delivery = await pending;
  const response = await handler(
    new Request(`${BASE}/webhooks/${kit.name}`, { method: 'POST', headers: delivery.headers, body: delivery.body }),
  );
  return { status: response.status, body: await response.json() };
}

/** Lets the handler's runner finish what it started, and poll once or twice more for anything left. */
async function settle(...handlers: CheckoutHandler[]): Promise<void> {
  for (const handler of handlers) await handler.whenIdle();
  await new Promise((resolve) => setTimeout(resolve, 120));
  for (const handler of handlers) await handler.whenIdle();
}

let eventCounter = 0;
const nextEventId = () => `evt_matrix_${Date.now().toString(36)}_${++eventCounter}`;

const RECEIVED = { received: true };
const eventIdOf = (kit: ProviderKit, id: string) => kit.eventId?.(id) ?? id;
const DUPLICATE = { received: true, duplicate: true };

beforeAll(async () => {
  for (const kit of KITS) await kit.start();
});

afterAll(async () => {
  for (const kit of KITS) await kit.stop();
});

afterEach(async () => {
  for (const handler of [...openHandlers]) await closeHandler(handler);
  for (const store of [...openStores]) await closeStore(store);
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// The matrix.
// ---------------------------------------------------------------------------------------------

interface Refusal extends Variant {
  /**
   * Why it must be refused, where a refusal for another reason would make the row pass for
   * nothing (a tampered body refused as "not JSON", a stale one as a bad signature).
   */
  reason?: RegExp;
  /** Set only for a finding that is being fixed: the row then runs as `it.fails`. */
  knownFailing?: string;
}

const SIGNATURE_MISMATCH = /signature does not match|signature did not verify/i;
const OUTSIDE_TOLERANCE = /timestamp is (outside|\d+ s away)/i;

function refusals(kit: ProviderKit): Refusal[] {
  return [
    { name: 'bad signature', make: async (id) => kit.badSignature(id), reason: SIGNATURE_MISMATCH },
    { name: 'wrong secret', make: async (id) => kit.deliver(id, { secret: kit.wrongSecret }), reason: SIGNATURE_MISMATCH },
    ...kit.missing.map((variant) => ({ ...variant, name: `missing signature: ${variant.name}` })),
    ...kit.malformed.map((variant) => ({ ...variant, name: `malformed: ${variant.name}` })),
    ...kit.tampered.map((variant) => ({ ...variant, name: `tampered body: ${variant.name}`, reason: SIGNATURE_MISMATCH })),
    // Signed exactly like the accepted ±299 s deliveries: only the timestamp can refuse these.
    { name: 'stale timestamp (-301 s)', make: async (id) => kit.deliver(id, { offsetSeconds: -301 }), reason: OUTSIDE_TOLERANCE },
    { name: 'future timestamp (+301 s)', make: async (id) => kit.deliver(id, { offsetSeconds: 301 }), reason: OUTSIDE_TOLERANCE },
  ];
}

describe.each(KITS.map((kit) => [kit.name, kit] as const))('webhook matrix: %s', (_, kit) => {
  it('a valid event → 200 { received: true }, onWebhook once, with what the handler re-read from the provider', async () => {
    const store = openStore(tempDatabase());
    const { handler, onWebhook, logger } = mount(kit, store);
    const id = nextEventId();

    expect(await post(handler, kit, kit.deliver(id))).toEqual({ status: 200, body: RECEIVED });
    await settle(handler);

    expect(onWebhook).toHaveBeenCalledTimes(1);
    const [event, provider, context] = onWebhook.mock.calls[0]!;
    expect(provider).toBe(kit.name);
    expect(event.eventId).toBe(eventIdOf(kit, id));
    kit.expectReRead(context);
    expect(logger.error).not.toHaveBeenCalled();
    expect(await store.getJob(`webhook:${kit.name}:${eventIdOf(kit, id)}`)).toMatchObject({ status: 'done' });
    expect(await store.getJob(`on_webhook:${kit.name}:${eventIdOf(kit, id)}`)).toMatchObject({ status: 'done', attempts: 1 });
  });

  it('timestamps just inside the tolerance (-299 s, +299 s) are accepted', async () => {
    const store = openStore(tempDatabase());
    const { handler, onWebhook } = mount(kit, store);
    expect(await post(handler, kit, kit.deliver(nextEventId(), { offsetSeconds: -299 }))).toEqual({ status: 200, body: RECEIVED });
    expect(await post(handler, kit, kit.deliver(nextEventId(), { offsetSeconds: 299 }))).toEqual({ status: 200, body: RECEIVED });
    await settle(handler);
    expect(onWebhook).toHaveBeenCalledTimes(2);
  });

  for (const refusal of refusals(kit)) {
    const test = refusal.knownFailing ? it.fails : it;
    test(`${refusal.name} → 400 invalid_signature, nothing stored, onWebhook not called; the genuine event still goes through`, async () => {
      const store = openStore(tempDatabase());
      const { handler, onWebhook, logger } = mount(kit, store);
      const id = nextEventId();

      const refused = await post(handler, kit, refusal.make(id));
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ error: { code: 'invalid_signature' } });
      if (refusal.reason) expect((refused.body as { error: { message: string } }).error.message).toMatch(refusal.reason);
      expect(logger.warn.mock.calls.map(([line]) => JSON.parse(line as string))).toContainEqual(
        expect.objectContaining({ level: 'warn', event: 'webhook.refused', provider: kit.name, msg: expect.stringContaining(`refused a webhook for "${kit.name}"`) }),
      );
      await settle(handler);
      expect(onWebhook).not.toHaveBeenCalled();
      expect(await store.getJob(`webhook:${kit.name}:${eventIdOf(kit, id)}`)).toBeUndefined();

      // The refused delivery did not use up the event id: the provider's genuine one is not a "duplicate".
      expect(await post(handler, kit, kit.deliver(id))).toEqual({ status: 200, body: RECEIVED });
      await settle(handler);
      expect(onWebhook).toHaveBeenCalledTimes(1);
      expect(onWebhook.mock.calls[0]![0].eventId).toBe(eventIdOf(kit, id));
    });
  }

  it('replay to the same handler → 200 duplicate, onWebhook not called again (the exact bytes, and a re-signed retry)', async () => {
    const store = openStore(tempDatabase());
    const { handler, onWebhook } = mount(kit, store);
    const id = nextEventId();
    const delivery = kit.deliver(id);

    expect(await post(handler, kit, delivery)).toEqual({ status: 200, body: RECEIVED });
    await settle(handler);
    expect(onWebhook).toHaveBeenCalledTimes(1);

    expect(await post(handler, kit, delivery)).toEqual({ status: 200, body: DUPLICATE });
    // Providers resend a failed delivery signed anew: the same event.
    expect(await post(handler, kit, kit.deliver(id, { offsetSeconds: 30 }))).toEqual({ status: 200, body: DUPLICATE });
    await settle(handler);
    expect(onWebhook).toHaveBeenCalledTimes(1);
  });

  it('replay to another instance on the same store → 200 duplicate, neither instance calls onWebhook again', async () => {
    const store = openStore(tempDatabase());
    const one = mount(kit, store);
    const two = mount(kit, store);
    const id = nextEventId();
    const delivery = kit.deliver(id);

    expect(await post(one.handler, kit, delivery)).toEqual({ status: 200, body: RECEIVED });
    await settle(one.handler, two.handler);
    expect(one.onWebhook.mock.calls.length + two.onWebhook.mock.calls.length).toBe(1);

    expect(await post(two.handler, kit, delivery)).toEqual({ status: 200, body: DUPLICATE });
    await settle(one.handler, two.handler);
    expect(one.onWebhook.mock.calls.length + two.onWebhook.mock.calls.length).toBe(1);
  });

  it('replay after a restart (a new handler on the reopened SQLite file) → 200 duplicate, onWebhook not called again', async () => {
    const file = tempDatabase();
    const first = openStore(file);
    const before = mount(kit, first);
    const id = nextEventId();
    const delivery = kit.deliver(id);

    expect(await post(before.handler, kit, delivery)).toEqual({ status: 200, body: RECEIVED });
    await settle(before.handler);
    expect(before.onWebhook).toHaveBeenCalledTimes(1);
    await closeHandler(before.handler);
    await closeStore(first);

    const reopened = openStore(file);
    const after = mount(kit, reopened);
    expect(await post(after.handler, kit, delivery)).toEqual({ status: 200, body: DUPLICATE });
    await settle(after.handler);
    expect(after.onWebhook).not.toHaveBeenCalled();
    expect(await reopened.getJob(`on_webhook:${kit.name}:${eventIdOf(kit, id)}`)).toMatchObject({ status: 'done', attempts: 1 });
  });

  it('a signed body of more than 1 MiB → 413, onWebhook not called; exactly 1 MiB is still read', async () => {
    const store = openStore(tempDatabase());
    const { handler, onWebhook } = mount(kit, store);

    // Counted as it streams in (no Content-Length) …
    const oversized = await post(handler, kit, kit.deliver(nextEventId(), { padTo: MIB + 1 }));
    expect(oversized.status).toBe(413);
    expect(oversized.body).toMatchObject({ error: { code: 'invalid_request' } });
    // … and refused on a declared Content-Length.
    const declared = await kit.deliver(nextEventId(), { padTo: MIB + 1 });
    const withLength = { ...declared, headers: { ...declared.headers, 'content-length': String(MIB + 1) } };
    expect((await post(handler, kit, withLength)).status).toBe(413);
    await settle(handler);
    expect(onWebhook).not.toHaveBeenCalled();

    expect(await post(handler, kit, kit.deliver(nextEventId(), { padTo: MIB }))).toEqual({ status: 200, body: RECEIVED });
    await settle(handler);
    expect(onWebhook).toHaveBeenCalledTimes(1);
  });
});

// Pins a limit of Reepay's scheme, not a wish: the adapter documents that only `timestamp + id`
// are signed and takes no state from the rest. If the adapter ever refuses (or drops) unsigned
// fields, change this row to a refusal.
describe('webhook matrix: reepay, what its scheme does not sign', () => {
  it('one byte changed in an unsigned field (event_type) is NOT refused (Reepay signs only timestamp + id): the copy takes the event id, onWebhook sees the changed type, and the state still comes from the API', async () => {
    const store = openStore(tempDatabase());
    const { handler, onWebhook } = mount(reepayKit, store);
    const id = nextEventId();
    const genuine = await reepayDeliver(id);
    const tampered = { ...genuine, body: tamperAt(genuine.body, 'invoice_settled') };

    expect(await post(handler, reepayKit, tampered)).toEqual({ status: 200, body: RECEIVED });
    await settle(handler);
    expect(onWebhook).toHaveBeenCalledTimes(1);
    const [event, , context] = onWebhook.mock.calls[0]!;
    expect(event.type).toBe('xnvoice_settled');
    reepayKit.expectReRead(context);
    // The genuine delivery, arriving second, is a duplicate: the changed copy used up its id.
    expect(await post(handler, reepayKit, genuine)).toEqual({ status: 200, body: DUPLICATE });
  });
});

describe('webhook matrix: a signed event naming what the provider does not know', () => {
  it('a charge unknown to the provider (404) still reaches onWebhook once, like an unknown session, and is not retried forever', async () => {
    const store = openStore(tempDatabase());
    const { handler, onWebhook } = mount(reepayKit, store);
    const id = nextEventId();
    const body = await reepayWebhookBody({ ...reepayFields(id), invoice: 'inv_unknown_to_reepay' }, REEPAY_SECRET);
    expect(await post(handler, reepayKit, { body, headers: { 'content-type': 'application/json' } })).toEqual({ status: 200, body: RECEIVED });
    await settle(handler);
    expect(onWebhook).toHaveBeenCalledTimes(1);
  });
});


// --- Adyen: no timestamp is signed (replays are caught by the event id alone), answered `[accepted]` ---

describe('webhook matrix: adyen', () => {
  let adyen: FakeAdyen;
  beforeAll(async () => {
    adyen = await startFakeAdyen();
  });
  afterAll(async () => {
    await adyen.close();
  });

  /** An adapter instance on the shop's store (its session records shared like the handler's). */
  function mountAdyen(store: CheckoutStore): Mounted {
    const onWebhook: Hook = vi.fn();
    const logger = { error: vi.fn(), warn: vi.fn() };
    const provider = createAdyenProvider({
      apiKey: ADYEN_API_KEY,
      merchantAccount: ADYEN_MERCHANT,
      clientKey: ADYEN_CLIENT_KEY,
      hmacKey: ADYEN_HMAC_KEY,
      apiUrl: adyen.url,
      store: providerRecordsOn(store, 'adyen'),
    });
    const handler = createCheckoutHandler({ providers: [provider], catalog, store, onWebhook, logger, allowedHosts: TEST_HOSTS, hookRetry: { firstDelayMs: 20, maxDelayMs: 50 }, hookLeaseMs: 500 });
    openHandlers.add(handler);
    return { handler, onWebhook, logger };
  }

  /** A session made through the handler, paid at the fake, its sessionResult handed over by a read as the renderer does. */
  async function paidSession(handler: CheckoutHandler): Promise<{ id: string; reference: string; result: string }> {
    const created = await handler(
      new Request(`${BASE}/sessions`, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'https://api.example' }, body: JSON.stringify({ items: [{ sku: 'mug', quantity: 1 }] }) }),
    );
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const result = String((await adyen.pay(id, ADYEN_CARDS.visa)).body['sessionResult']);
    const read = await handler(new Request(`${BASE}/sessions/${id}?provider_result=${encodeURIComponent(result)}`));
    expect(((await read.json()) as { status: string }).status).toBe('complete');
    return { id, reference: adyen.sessions.get(id)!.reference, result };
  }

  async function delivery(reference: string, pspReference: string, mutate?: (item: AdyenNotificationItem) => void): Promise<string> {
    const item = await signAdyenItem(ADYEN_HMAC_KEY, {
      eventCode: 'AUTHORISATION',
      success: 'true',
      pspReference,
      originalReference: '',
      merchantAccountCode: ADYEN_MERCHANT,
      merchantReference: reference,
      amount: { value: 10_000, currency: 'DKK' },
    });
    mutate?.(item);
    return JSON.stringify({ live: 'false', notificationItems: [{ NotificationRequestItem: item }] });
  }

  async function postAdyen(handler: CheckoutHandler, body: string): Promise<{ status: number; type: string | null; text: string }> {
    const response = await handler(new Request(`${BASE}/webhooks/adyen`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }));
    return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
  }

  const ACCEPTED = { status: 200, type: 'text/plain', text: '[accepted]' };

  it('a valid item → 200 [accepted], onWebhook once, with the session re-read from Adyen with the kept sessionResult', async () => {
    const store = openStore(tempDatabase());
    const { handler, onWebhook } = mountAdyen(store);
    const { id, reference, result } = await paidSession(handler);
    const reads = adyen.requests.length;
    expect(await postAdyen(handler, await delivery(reference, 'PSP0001'))).toEqual(ACCEPTED);
    await settle(handler);
    expect(onWebhook).toHaveBeenCalledTimes(1);
    const [event, , context] = onWebhook.mock.calls[0]!;
    expect(event).toMatchObject({ eventId: 'PSP0001:AUTHORISATION:true', sessionId: id });
    expect(context.session).toMatchObject({ id, status: 'complete' });
    expect(adyen.requests.slice(reads).map((request) => request.url)).toContain(`/v71/sessions/${id}?sessionResult=${encodeURIComponent(result)}`);
  });

  for (const [name, mutate, reason] of [
    ['bad signature', (item: AdyenNotificationItem) => void (item.additionalData!.hmacSignature = `${item.additionalData!.hmacSignature!.startsWith('A') ? 'B' : 'A'}${item.additionalData!.hmacSignature!.slice(1)}`), /does not match/],
    ['missing signature', (item: AdyenNotificationItem) => void delete item.additionalData!.hmacSignature, /no additionalData\.hmacSignature/],
    ['tampered signed field (success)', (item: AdyenNotificationItem) => void (item.success = 'false'), /does not match/],
  ] as const) {
    it(`${name} → 400 invalid_signature, nothing stored, onWebhook not called`, async () => {
      const store = openStore(tempDatabase());
      const { handler, onWebhook } = mountAdyen(store);
      const { reference } = await paidSession(handler);
      const refused = await postAdyen(handler, await delivery(reference, 'PSP0002', mutate));
      expect(refused.status).toBe(400);
      expect(JSON.parse(refused.text)).toMatchObject({ error: { code: 'invalid_signature', message: expect.stringMatching(reason) } });
      await settle(handler);
      expect(onWebhook).not.toHaveBeenCalled();
      expect(await store.getJob('webhook:adyen:PSP0002:AUTHORISATION:true')).toBeUndefined();
    });
  }

  it('replay to another instance on the same store → 200 [accepted], neither instance calls onWebhook again', async () => {
    const store = openStore(tempDatabase());
    const one = mountAdyen(store);
    const two = mountAdyen(store);
    const { reference } = await paidSession(one.handler);
    const body = await delivery(reference, 'PSP0003');
    expect(await postAdyen(one.handler, body)).toEqual(ACCEPTED);
    await settle(one.handler, two.handler);
    expect(await postAdyen(two.handler, body)).toEqual(ACCEPTED);
    await settle(one.handler, two.handler);
    expect(one.onWebhook.mock.calls.length + two.onWebhook.mock.calls.length).toBe(1);
  });
});
// --- mollie: an unsigned hint scheme -----------------------------------------------------------
// Mollie's classic webhook (`id=tr_…`) is not signed: there is nothing to forge, tamper or make
// stale, so its rows are what a hint scheme must hold instead. A hint is stored only when it names
// one of our sessions, once per id per window, and the order moves only on what the handler re-read.

describe('webhook matrix: mollie (unsigned hints, re-read with our own key)', () => {
 let mollie: FakeMollie;
 beforeAll(async () => {
   mollie = await startFakeMollie({ sendWebhook: async () => new Response('', { status: 200 }) });
 });
 afterAll(() => mollie.close());

 const reads = () => mollie.requests.filter((request) => request.method === 'GET' && request.url.startsWith('/v2/payments/')).map((request) => request.url);

 function mountMollie(store: CheckoutStore, clock: { now: number }) {
   const onWebhook: Hook = vi.fn();
   const handler = createCheckoutHandler({
     providers: [createMollieProvider({ apiKey: MOLLIE_TEST_KEY, apiUrl: mollie.url })],
     catalog,
     store,
     onWebhook,
     logger: { error: vi.fn(), warn: vi.fn() },
     allowedHosts: TEST_HOSTS,
     hookRetry: { firstDelayMs: 20, maxDelayMs: 50 },
     hookLeaseMs: 500,
     now: () => clock.now,
   });
   openHandlers.add(handler);
   return { handler, onWebhook };
 }

 async function molliePayment(handler: CheckoutHandler): Promise<string> {
   const response = await handler(
     new Request(`${BASE}/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ items: [{ sku: 'mug', quantity: 1 }] }) }),
   );
   expect(response.status).toBe(201);
   return ((await response.json()) as { id: string }).id;
 }

 const hint = (handler: CheckoutHandler, body: string, query = '') =>
   handler(new Request(`${BASE}/webhooks/mollie${query}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body }));
 /** A clock at the start of a window, so a test's hints all fall in one. */
 const windowStart = () => ({ now: NOW - (NOW % WEBHOOK_HINT_WINDOW_MS) });

 it('a genuine id of our payment → 200, one read when the window closes, the order moved on what Mollie said', async () => {
   const store = openStore(tempDatabase());
   const clock = windowStart();
   const { handler, onWebhook } = mountMollie(store, clock);
   const id = await molliePayment(handler);
   mollie.payments.get(id)!.status = 'paid';
   const before = reads().length;

   expect(await (await hint(handler, `id=${id}`)).json()).toEqual(RECEIVED);
   await settle(handler);
   expect(reads().length).toBe(before);
   clock.now += WEBHOOK_HINT_WINDOW_MS;
   await settle(handler);
   expect(reads().slice(before)).toEqual([`/v2/payments/${id}`]);
   expect(onWebhook).toHaveBeenCalledTimes(1);
   expect(onWebhook.mock.calls[0]![2].session).toMatchObject({ id, provider: 'mollie', status: 'complete', amount: 10_000 });
   const [order] = await handler.orders.list({});
   expect(order).toMatchObject({ sessionId: id, status: 'paid' });
 });

 it.each([
   ['a payment id that is not ours', 'id=tr_SomeoneElses1', ''],
   ['a payment of ours under a forged charge reference', 'id=tr_SomeoneElses2', '?reference=ord_forged'],
   ['a forged card-token session', 'id=tr_SomeoneElses3', '?session=mollie_ord_forged'],
 ])('a forged hint (%s) → 200, nothing stored, nothing read, no order moved', async (_, body, query) => {
   const store = openStore(tempDatabase());
   const enqueue = vi.spyOn(store, 'enqueueJob');
   const clock = windowStart();
   const { handler, onWebhook } = mountMollie(store, clock);
   const before = reads().length;
   for (let i = 0; i < 10; i++) {
     const response = await hint(handler, body, query);
     expect(response.status).toBe(200);
     expect(await response.json()).toEqual(RECEIVED);
   }
   clock.now += WEBHOOK_HINT_WINDOW_MS;
   await settle(handler);
   expect(enqueue).not.toHaveBeenCalled();
   expect(reads().length).toBe(before);
   expect(onWebhook).not.toHaveBeenCalled();
 });

 it.each([
   ['JSON instead of a form', '{"id":"tr_abc"}'],
   ['a status claimed in the body', 'id=tr_abc&status=paid'],
   ['no id', 'foo=bar'],
 ])('a body that is not a classic webhook (%s) → 400 invalid_signature, nothing stored', async (_, body) => {
   const store = openStore(tempDatabase());
   const enqueue = vi.spyOn(store, 'enqueueJob');
   const { handler } = mountMollie(store, windowStart());
   const response = await hint(handler, body);
   expect(response.status).toBe(400);
   expect(await response.json()).toMatchObject({ error: { code: 'invalid_signature' } });
   expect(enqueue).not.toHaveBeenCalled();
 });

 it('replay on another instance on the same store within the window → duplicate, no second job, one read', async () => {
   const store = openStore(tempDatabase());
   const clock = windowStart();
   const one = mountMollie(store, clock);
   const two = mountMollie(store, clock);
   const id = await molliePayment(one.handler);
   mollie.payments.get(id)!.status = 'paid';
   const before = reads().length;

   expect(await (await hint(one.handler, `id=${id}`)).json()).toEqual(RECEIVED);
   expect(await (await hint(two.handler, `id=${id}`)).json()).toEqual(DUPLICATE);
   clock.now += WEBHOOK_HINT_WINDOW_MS;
   await settle(one.handler, two.handler);
   expect(reads().slice(before)).toEqual([`/v2/payments/${id}`]);
   expect(one.onWebhook.mock.calls.length + two.onWebhook.mock.calls.length).toBe(1);
 });
});
