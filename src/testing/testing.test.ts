/**
 * The test kit's server side: the sandbox test helpers on a real PSP (webhooks to a real local
 * receiver: delivered, dropped, duplicated, delayed), and each provider's signed test webhook
 * checked by that provider's own verifier and, for the HMAC-over-timestamp scheme, by node:crypto
 * and stripe-node's `generateTestHeaderString`.
 */
import { createHmac } from 'node:crypto';
import Stripe from 'stripe';
import { afterEach, describe, expect, it } from 'vitest';
import { PROVIDER_FOLDERS } from '../provider-registry/servers.generated.js';
import { adyenHmacKeyBytes, verifyAdyenItem, type AdyenNotificationItem } from '../providers/adyen/webhook.js';
import { createSandboxProvider } from '../providers/sandbox/server.js';
import { startSandbox, type RunningSandbox } from '../providers/sandbox/start.js';
import { verifyVippsWebhook, webhookTarget } from '../providers/vipps-mobilepay/webhook.js';
import { verifyConvergeGateSignature, verifyReepaySignature } from '../server/adapter-kit/webhook-signatures.js';
import { serveNode } from '../server/node-http.js';
import { sandboxTestHelpers, sendTestWebhook, signedTestWebhook, TEST_WEBHOOK_PROVIDERS } from './index.js';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A sandbox PSP and a local webhook receiver that records each delivery's body and time. */
async function sandboxWithReceiver() {
  const received: { body: string; at: number }[] = [];
  const receiver = await serveNode(
    async (request: Request) => {
      received.push({ body: await request.text(), at: Date.now() });
      return new Response('ok');
    },
    { port: 0, hostname: '127.0.0.1' },
  );
  cleanups.push(() => receiver.close());
  const sandbox: RunningSandbox = await startSandbox({ logger: { warn: () => {} } });
  cleanups.push(() => sandbox.close());
  const helpers = sandboxTestHelpers(sandbox.env);
  const createSession = async () => {
    const answer = await fetch(`${sandbox.url}/v1/sessions`, {
      method: 'POST',
      headers: { authorization: `Basic ${btoa(`${sandbox.env.SANDBOX_SECRET_KEY}:`)}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        amount: 500, currency: 'DKK', lines: [{ name: 'Mug', quantity: 1, unit_amount: 500 }], reference: `ord_${Math.random().toString(36).slice(2)}`,
        accept_url: 'http://shop.test/ok', cancel_url: 'http://shop.test/no', notification_url: `${receiver.url}/hook`,
      }),
    });
    expect(answer.status).toBe(201);
    return ((await answer.json()) as { id: string }).id;
  };
  return { sandbox, helpers, received, createSession };
}

describe('sandboxTestHelpers', () => {
  it('completes a session from code and delivers its webhook once, twice (same event id), late, or not at all', async () => {
    const { sandbox, helpers, received, createSession } = await sandboxWithReceiver();
    const provider = createSandboxProvider({ apiUrl: sandbox.url, secretKey: sandbox.env.SANDBOX_SECRET_KEY, webhookSecret: sandbox.env.SANDBOX_WEBHOOK_SECRET });

    const once = await createSession();
    expect(await helpers.complete(once)).toMatchObject({ id: once, status: 'complete', payment_method: 'card' });
    await expect.poll(() => received.length).toBe(1);
    expect(JSON.parse(received[0]!.body)).toMatchObject({ type: 'session.completed', session: once });

    const dropped = await createSession();
    expect((await helpers.complete(dropped, { webhook: 'drop', method: 'blik' })).payment_method).toBe('blik');
    const duplicated = await createSession();
    await helpers.complete(duplicated, { webhook: 'duplicate' });
    await expect.poll(() => received.length).toBe(3);
    const copies = received.slice(1).map((delivery) => JSON.parse(delivery.body) as { id: string; session: string });
    expect(copies.map((copy) => copy.session)).toEqual([duplicated, duplicated]);
    expect(copies[0]!.id).toBe(copies[1]!.id);

    const late = await createSession();
    const asked = Date.now();
    await helpers.cancel(late, { webhookDelayMs: 600 });
    await expect.poll(() => received.length).toBe(4);
    expect(received[3]!.at - asked).toBeGreaterThanOrEqual(550);
    expect(JSON.parse(received[3]!.body)).toMatchObject({ type: 'session.cancelled', session: late });
    expect(received.map((delivery) => JSON.parse(delivery.body).session)).not.toContain(dropped);
    // What the adapter reads back is the PSP's status, as a handler's job would.
    expect((await provider.getSession(dropped)).status).toBe('complete');
  }, 30_000);

  it('declines (the session stays open), expires, refuses a closed session (409) and a wrong key (401)', async () => {
    const { sandbox, helpers, createSession } = await sandboxWithReceiver();
    const id = await createSession();
    expect(await helpers.decline(id)).toMatchObject({ status: 'open', failed_attempts: 1 });
    expect(await helpers.expire(id)).toMatchObject({ status: 'expired' });
    expect((await helpers.read(id)).status).toBe('expired');
    await expect(helpers.complete(id)).rejects.toThrow(/409 The session is expired/);
    await expect(sandboxTestHelpers({ apiUrl: sandbox.url, secretKey: 'sbx_sk_wrong' }).complete(await createSession())).rejects.toThrow(/401/);
    await expect(helpers.complete('sbx_000000000000000000000000')).rejects.toThrow(/404/);
  }, 30_000);
});

describe('signedTestWebhook', () => {
  const at = 1_800_000_000_000;
  const seconds = at / 1000;

  it('signs for every provider folder of the registry that takes webhooks, and says which do not', async () => {
    expect(TEST_WEBHOOK_PROVIDERS).toEqual(PROVIDER_FOLDERS.filter((name) => !['bokamera', 'commercelayer'].includes(name)));
    await expect(signedTestWebhook('bokamera', {}, 's')).rejects.toThrow('bokamera takes no webhooks');
    await expect(signedTestWebhook('acme', {}, 's')).rejects.toThrow('unknown provider "acme"');
  });

  it('sandbox and stripe: t=…,v1=HMAC as node:crypto and stripe-node compute it; the sandbox adapter accepts it', async () => {
    const payload = { id: 'evt_1', type: 'session.completed', session: 'sbx_0123456789abcdef01234567' };
    const sandbox = await signedTestWebhook('sandbox', payload, 'whsec_x', { timestamp: at });
    const expected = createHmac('sha256', 'whsec_x').update(`${seconds}.${sandbox.body}`).digest('hex');
    expect(sandbox.headers['Sandbox-Signature']).toBe(`t=${seconds},v1=${expected}`);
    const adapter = createSandboxProvider({ apiUrl: 'http://psp.test', secretKey: 'k', webhookSecret: 'whsec_x', now: () => at });
    expect(await adapter.verifyWebhook!(sandbox.body, new Headers(sandbox.headers))).toMatchObject({ eventId: 'evt_1', sessionId: payload.session });
    await expect(adapter.verifyWebhook!(sandbox.body.replace('evt_1', 'evt_2'), new Headers(sandbox.headers))).rejects.toThrow('does not match');

    const stripe = await signedTestWebhook('stripe', { id: 'evt_s', object: 'event', type: 'checkout.session.completed' }, 'whsec_s', { timestamp: at });
    expect(stripe.headers['Stripe-Signature']).toBe(new Stripe('sk_test_x').webhooks.generateTestHeaderString({ payload: stripe.body, secret: 'whsec_s', timestamp: seconds }));
  });

  it('convergegate, reepay, adyen, vipps-mobilepay: each verified by its own verifier; mollie: the unsigned id hint', async () => {
    const converge = await signedTestWebhook('convergegate', { id: 'e1' }, 'sk_cg', { timestamp: at });
    expect(await verifyConvergeGateSignature('sk_cg', converge.headers['Sec-Timestamp']!, converge.body, converge.headers['Sec-Signature']!)).toBe(true);

    const reepay = JSON.parse((await signedTestWebhook('reepay', { event_type: 'invoice_settled', invoice: 'ord_1' }, 'whs_r', { timestamp: at })).body);
    expect(await verifyReepaySignature('whs_r', reepay.timestamp, reepay.id, reepay.signature)).toBe(true);
    expect(reepay.timestamp).toBe(new Date(at).toISOString());

    const key = '44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056';
    const item: AdyenNotificationItem = { pspReference: 'PSP1', merchantReference: 'ord_1', amount: { value: 100, currency: 'EUR' }, eventCode: 'AUTHORISATION', success: 'true' };
    const adyen = JSON.parse((await signedTestWebhook('adyen', item, key)).body) as { notificationItems: { NotificationRequestItem: AdyenNotificationItem }[] };
    expect(await verifyAdyenItem(adyenHmacKeyBytes(key), adyen.notificationItems[0]!.NotificationRequestItem)).toBe(true);

    const url = 'https://shop.example/api/checkout/webhooks/vipps-mobilepay?x=1';
    const vipps = await signedTestWebhook('vipps-mobilepay', { reference: 'ord_1', name: 'AUTHORIZED' }, 'vsecret', { timestamp: at, url });
    await expect(verifyVippsWebhook({ secret: 'vsecret', ...webhookTarget(url), nowMs: at, toleranceSeconds: 300 }, vipps.body, new Headers(vipps.headers))).resolves.toBeUndefined();
    await expect(signedTestWebhook('vipps-mobilepay', {}, 'vsecret')).rejects.toThrow('pass options.url');

    expect(await signedTestWebhook('mollie', { id: 'tr_1' }, '')).toEqual({ body: 'id=tr_1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  });

  it('sendTestWebhook posts the signed webhook as many times as asked', async () => {
    const bodies: string[] = [];
    const answers = await sendTestWebhook('http://shop.test/api/checkout/webhooks/sandbox', 'sandbox', { id: 'evt_9', type: 'session.completed' }, 'whsec_x', {
      copies: 2,
      fetch: async (_url, init) => {
        bodies.push(String(init?.body));
        return new Response('{}');
      },
    });
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    expect(new Set(bodies).size).toBe(1);
  });
});
