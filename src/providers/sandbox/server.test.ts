import { afterEach, describe, expect, it } from 'vitest';
import type { CheckoutSession } from '../../core/protocol.js';
import { createCheckoutHandler } from '../../server/handler.js';
import { serveNode, type NodeServerHandle } from '../../server/node.js';
import { startFakeHttpServer } from '../../server/test-support/fake-http.js';
import { ProviderError, type CreateSessionInput, type VerifiedWebhook } from '../../server/provider-api/types.js';
import { createSandboxProvider } from './server.js';
import { sandboxInput, startTestPsp, TEST_SECRET_KEY as SECRET_KEY, TEST_SHOP as SHOP, TEST_WEBHOOK_SECRET as WEBHOOK_SECRET } from './fake-psp.js';
import { SANDBOX_SIGNATURE_HEADER, signSandboxPayload } from './psp.js';
import { verifiedEvent } from '../../server/test-support/webhook-properties.js';

const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** A PSP on its own loopback port with a clock the test moves. */
async function startPsp(options: { ttlSeconds?: number; fetch?: typeof fetch; webhookRetryDelayMs?: number; webhookAttempts?: number } = {}) {
  const started = await startTestPsp(options);
  servers.push(started.server);
  return started;
}

const input = (overrides: Partial<CreateSessionInput> = {}) =>
  sandboxInput(
    [
      { sku: 'coffee-beans', name: 'Coffee beans, 1 kg', quantity: 2, unitAmount: 24900, vatRate: 0.25 },
      { sku: 'mug', name: 'Stoneware <mug>', quantity: 1, unitAmount: 12900, vatRate: 0.25 },
    ],
    overrides,
  );

function form(fields: Record<string, string>): RequestInit {
  return { method: 'POST', body: new URLSearchParams(fields), redirect: 'manual' };
}

const CARD = { expiry: '12/34', cvc: '123' };

describe('sandbox PSP and provider over loopback HTTP', () => {
  it('creates and reads a session as a contract session', async () => {
    const { provider, server } = await startPsp();
    const session = await provider.createSession(input());
    expect(session).toMatchObject({
      provider: 'sandbox',
      kind: 'hosted',
      status: 'open',
      frameable: true,
      amount: 62700,
      currency: 'DKK',
      livemode: false,
      expires_at: '2026-11-22T12:30:00.000Z',
    });
    expect(session.id).toMatch(/^sbx_[a-f0-9]{24}$/);
    expect(session.url).toBe(`${server.url}/pay/${session.id}?theme=`);
    expect(await provider.getSession(session.id)).toEqual(session);
  });

  it('refuses API calls without the secret key as Basic user', async () => {
    const { server } = await startPsp();
    const body = JSON.stringify({ amount: 1 });
    const none = await fetch(`${server.url}/v1/sessions`, { method: 'POST', body });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('Basic');
    const wrong = await fetch(`${server.url}/v1/sessions`, {
      method: 'POST',
      body,
      headers: { authorization: `Basic ${Buffer.from('sbx_sk_wrong:').toString('base64')}` },
    });
    expect(wrong.status).toBe(401);

    const wrongKey = createSandboxProvider({ apiUrl: server.url, secretKey: 'sbx_sk_wrong', webhookSecret: 'x' });
    const failure = await wrongKey.createSession(input()).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ProviderError);
    expect((failure as ProviderError).providerStatus).toBe(401);
    expect((failure as ProviderError).message).not.toContain('sbx_sk_wrong');
  });

  it('reports an unknown session as a 404 ProviderError', async () => {
    const { provider } = await startPsp();
    const failure = await provider.getSession('sbx_000000000000000000000000').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ProviderError);
    expect((failure as ProviderError).providerStatus).toBe(404);
  });

  it('turns an unreachable or slow PSP into a ProviderError', async () => {
    const slow = await startFakeHttpServer(() => ({ body: {}, delayMs: 2000 }));
    servers.push(slow);
    const provider = createSandboxProvider({ apiUrl: slow.url, secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET, timeoutMs: 50 });
    // The shared messages of http.ts `requestJson`.
    const slowFailure = await provider.getSession('sbx_x').catch((error: unknown) => error);
    expect(slowFailure).toBeInstanceOf(ProviderError);
    expect((slowFailure as ProviderError).message).toMatch(/^sandbox: read session failed: no answer within 50 ms$/);

    const closed = await serveNode(() => new Response());
    await closed.close();
    const gone = createSandboxProvider({ apiUrl: closed.url, secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET });
    const goneFailure = await gone.getSession('sbx_x').catch((error: unknown) => error);
    expect(goneFailure).toBeInstanceOf(ProviderError);
    expect((goneFailure as ProviderError).message).toMatch(/^sandbox: read session failed: network error/);
  });

  it('expires a session after its ttl', async () => {
    const { provider, server, clock } = await startPsp({ ttlSeconds: 60 });
    const session = await provider.createSession(input());
    expect(session.expires_at).toBe('2026-11-22T12:01:00.000Z');
    clock.now += 20_000;
    // The open page reloads itself when the session expires (40 s left, plus a margin).
    expect(await (await fetch(`${server.url}/pay/${session.id}`)).text()).toContain('"reloadInMs":40500');
    clock.now += 39_000;
    expect((await provider.getSession(session.id)).status).toBe('open');
    clock.now += 1000;
    expect((await provider.getSession(session.id)).status).toBe('expired');
    const page = await fetch(`${server.url}/pay/${session.id}`);
    expect(await page.text()).toContain('This payment has expired');
    const late = await fetch(`${server.url}/pay/${session.id}/card`, form({ number: '4242424242424242', ...CARD }));
    expect(late.headers.get('sandbox-outcome')).toBe('closed');
    expect((await provider.getSession(session.id)).status).toBe('expired');
  });

  it('serves an accessible, frameable hosted page', async () => {
    const { provider, server } = await startPsp();
    const session = await provider.createSession(input({ locale: 'da-DK' }));
    const response = await fetch(`${server.url}/pay/${session.id}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-frame-options')).toBeNull();
    expect(response.headers.get('content-security-policy')).not.toContain('frame-ancestors');
    const html = await response.text();
    // A da-DK session's page is Danish, money and all.
    expect(html).toContain('<html lang="da">');
    expect(html).toMatch(/<h1>Betal 627,00\skr\.<\/h1>/);
    expect(html).toContain('Stoneware &#60;mug&#62;');
    for (const label of ['Kortnummer', 'Udløbsdato (MM/ÅÅ)', 'Kontrolcifre (CVC)', 'BLIK-kode']) {
      expect(html).toMatch(new RegExp(`<label for="[a-z-]+">${label.replace(/[()]/g, '\\$&')}</label>`));
    }
    expect(html).toContain('role="tab"');
    expect(html).not.toMatch(/<(script|link|img)[^>]+src=/);
    // Messages go to the shop origin of the accept URL, never to any origin.
    expect(html).toContain(`"shopOrigin":"${SHOP}"`);
    expect(html).not.toContain("'*'");
  });

  it('completes a card payment: session complete, signed webhook, redirect to the accept URL', async () => {
    const webhooks: { body: string; signature: string | null }[] = [];
    const receiver = await serveNode(async (request) => {
      webhooks.push({ body: await request.text(), signature: request.headers.get(SANDBOX_SIGNATURE_HEADER) });
      return new Response('ok');
    });
    servers.push(receiver);
    const { provider, server, psp } = await startPsp();
    const session = await provider.createSession(input({ webhookUrl: `${receiver.url}/hook` }));

    const paid = await fetch(`${server.url}/pay/${session.id}/card`, form({ number: '4242 4242 4242 4242', ...CARD }));
    expect(paid.status).toBe(303);
    expect(paid.headers.get('location')).toBe(
      `${SHOP}/api/checkout/return/accept?checkout_session=${session.id}&payment_method=card`,
    );
    expect((await provider.getSession(session.id)).status).toBe('complete');

    await psp.whenIdle();
    expect(webhooks).toHaveLength(1);
    const delivered = webhooks[0]!;
    expect(JSON.parse(delivered.body)).toMatchObject({ type: 'session.completed', session: session.id });
    const verified = await verifiedEvent(provider, delivered.body, new Headers({ [SANDBOX_SIGNATURE_HEADER]: delivered.signature ?? '' }));
    expect(verified).toMatchObject({ type: 'session.completed', sessionId: session.id });
    expect(verified.eventId).toMatch(/^evt_/);
  });

  it('retries a failed webhook delivery with backoff until the shop takes it (a 2 s database outage loses nothing)', async () => {
    const arrivals: number[] = [];
    // Down for its first four deliveries (a 503 with Retry-After, as the handler answers a store outage), then up.
    const receiver = await serveNode(() => {
      arrivals.push(Date.now());
      return arrivals.length <= 4 ? new Response('', { status: 503, headers: { 'retry-after': '0' } }) : new Response('ok');
    });
    servers.push(receiver);
    const { provider, server, psp } = await startPsp({ webhookRetryDelayMs: 20, webhookAttempts: 12 });
    const session = await provider.createSession(input({ webhookUrl: receiver.url }));
    await fetch(`${server.url}/pay/${session.id}/card`, form({ number: '4242424242424242', ...CARD }));
    await psp.whenIdle();
    expect(arrivals).toHaveLength(5);
    const waits = arrivals.slice(1).map((at, index) => at - arrivals[index]!);
    // 20, 40, 80, 160 ms: each wait about twice the one before.
    waits.forEach((wait, index) => expect(wait).toBeGreaterThanOrEqual(20 * 2 ** index - 5));
  });

  it('waits at least what Retry-After asks, and gives up after webhookAttempts deliveries', async () => {
    const arrivals: number[] = [];
    const receiver = await serveNode(() => {
      arrivals.push(Date.now());
      return new Response('', { status: 503, headers: { 'retry-after': '1' } });
    });
    servers.push(receiver);
    const { provider, server, psp } = await startPsp({ webhookRetryDelayMs: 1, webhookAttempts: 2 });
    const session = await provider.createSession(input({ webhookUrl: receiver.url }));
    await fetch(`${server.url}/pay/${session.id}/card`, form({ number: '4242424242424242', ...CARD }));
    await psp.whenIdle();
    expect(arrivals).toHaveLength(2);
    expect(arrivals[1]! - arrivals[0]!).toBeGreaterThanOrEqual(990);
  });

  it('reports the payment in flight while 3-D Secure runs on the hosted page, and not before or after', async () => {
    for (const [action, status, payment] of [['complete', 'complete', undefined], ['fail', 'open', undefined]] as const) {
      const { provider, server } = await startPsp();
      const session = await provider.createSession(input());
      expect((await provider.getSession(session.id)).payment).toBeUndefined();
      await fetch(`${server.url}/pay/${session.id}/card`, form({ number: '4000 0000 0000 3220', ...CARD }));
      expect(await provider.getSession(session.id)).toMatchObject({ status: 'open', payment: 'in_flight' });
      await fetch(`${server.url}/pay/${session.id}/3ds`, { method: 'POST', body: new URLSearchParams({ action }), redirect: 'manual' });
      const after = await provider.getSession(session.id);
      expect(after.status).toBe(status);
      expect(after.payment).toBe(payment);
    }
  });

  it('shows a decline and lets the shopper try again', async () => {
    const { provider, server } = await startPsp();
    const session = await provider.createSession(input());
    const declined = await fetch(`${server.url}/pay/${session.id}/card`, form({ number: '4000 0000 0000 0002', ...CARD }));
    expect(declined.status).toBe(200);
    expect(declined.headers.get('sandbox-outcome')).toBe('declined');
    const html = await declined.text();
    expect(html).toMatch(/role="alert"[^>]*>Your card was declined/);
    expect(html).toContain('"onLoad":{"event":"error","status":"declined"}');
    expect(html).toContain('name="number"');
    expect((await provider.getSession(session.id)).status).toBe('open');
    const retry = await fetch(`${server.url}/pay/${session.id}/card`, form({ number: '4242424242424242', ...CARD }));
    expect(retry.status).toBe(303);
  });

  it.each([
    [{ number: '4242 4242 4242 4241', ...CARD }, 'Enter a valid card number.'],
    [{ number: '4242424242424242', expiry: '13/30', cvc: '123' }, 'Enter an expiry date in the future'],
    [{ number: '4242424242424242', expiry: '01/20', cvc: '123' }, 'Enter an expiry date in the future'],
    [{ number: '4242424242424242', expiry: '12/34', cvc: '12' }, 'Enter the 3 or 4 digit security code.'],
    [{ number: '5555555555554444', ...CARD }, 'accepts only its test cards'],
  ])('refuses card input %j with a field error', async (fields, message) => {
    const { provider, server } = await startPsp();
    const session = await provider.createSession(input());
    const response = await fetch(`${server.url}/pay/${session.id}/card`, form(fields));
    expect(response.headers.get('sandbox-outcome')).toBe('invalid');
    const html = await response.text();
    expect(html).toContain(message);
    expect(html).toContain('aria-invalid="true"');
  });

  it('runs the 3-D Secure step: complete pays, fail declines', async () => {
    const { provider, server } = await startPsp();
    const session = await provider.createSession(input());
    const challenge = await fetch(`${server.url}/pay/${session.id}/card`, form({ number: '4000000000003220', ...CARD }));
    const html = await challenge.text();
    expect(html).toContain('>Complete authentication</button>');
    expect(html).toContain('>Fail authentication</button>');
    // A reload shows the challenge again rather than the card form.
    expect(await (await fetch(`${server.url}/pay/${session.id}`)).text()).toContain('Complete authentication');

    const failed = await fetch(`${server.url}/pay/${session.id}/3ds`, form({ action: 'fail' }));
    expect(failed.headers.get('sandbox-outcome')).toBe('declined');
    expect(await failed.text()).toContain('Authentication failed');
    expect((await provider.getSession(session.id)).status).toBe('open');

    await fetch(`${server.url}/pay/${session.id}/card`, form({ number: '4000000000003220', ...CARD }));
    const done = await fetch(`${server.url}/pay/${session.id}/3ds`, form({ action: 'complete' }));
    expect(done.status).toBe(303);
    expect((await provider.getSession(session.id)).status).toBe('complete');
  });

  it('takes BLIK: 777123 pays, 777000 declines, others are invalid', async () => {
    const { provider, server } = await startPsp();
    const session = await provider.createSession(input());
    const blik = (code: string) => fetch(`${server.url}/pay/${session.id}/blik`, form({ code }));
    const invalid = await blik('123456');
    expect(invalid.headers.get('sandbox-outcome')).toBe('invalid');
    expect(await invalid.text()).toContain('This BLIK code is not valid');
    expect((await blik('12345')).headers.get('sandbox-outcome')).toBe('invalid');
    const declined = await blik('777000');
    expect(declined.headers.get('sandbox-outcome')).toBe('declined');
    expect(await declined.text()).toContain('The BLIK payment was declined');
    const paid = await blik('777123');
    expect(paid.status).toBe(303);
    expect(paid.headers.get('location')).toContain('payment_method=blik');
    expect((await provider.getSession(session.id)).status).toBe('complete');
  });

  it('cancels and sends the page to the cancel URL', async () => {
    const { provider, server } = await startPsp();
    const session = await provider.createSession(input());
    const cancelled = await fetch(`${server.url}/pay/${session.id}/cancel`, { method: 'POST', redirect: 'manual' });
    expect(cancelled.status).toBe(303);
    expect(cancelled.headers.get('location')).toBe(`${SHOP}/api/checkout/return/cancel?checkout_session=${session.id}`);
    expect((await provider.getSession(session.id)).status).toBe('cancelled');
  });

  it('answers a repeated create with the same Idempotency-Key with the same session', async () => {
    const { provider } = await startPsp();
    const first = await provider.createSession(input({ idempotencyKey: 'k' }));
    const again = await provider.createSession(input({ idempotencyKey: 'k' }));
    expect(again.id).toBe(first.id);
  });

  it('refuses stale and forged webhooks', async () => {
    const { provider, clock } = await startPsp();
    const body = JSON.stringify({ id: 'evt_1', type: 'session.completed', session: 'sbx_1' });
    const at = async (seconds: number, secret = WEBHOOK_SECRET) =>
      new Headers({ [SANDBOX_SIGNATURE_HEADER]: await signSandboxPayload(secret, body, seconds) });
    const nowSeconds = Math.floor(clock.now / 1000);
    await expect(verifiedEvent(provider, body, await at(nowSeconds - 300))).resolves.toMatchObject({ eventId: 'evt_1' });
    await expect(verifiedEvent(provider, body, await at(nowSeconds - 301))).rejects.toThrow(/tolerance/);
    await expect(verifiedEvent(provider, body, await at(nowSeconds, 'forged'))).rejects.toThrow(/does not match/);
  });
});

describe('the whole sandbox flow through the checkout handler', () => {
  it('creates through the handler, pays at the PSP, returns through the bridge and receives the webhook', async () => {
    const { provider: sandbox, server: pspServer, psp } = await startPsp();
    const received: VerifiedWebhook[] = [];
    let shop: NodeServerHandle | undefined;
    const handler = createCheckoutHandler({
      providers: [sandbox],
      catalog: { currency: 'DKK', products: { mug: { name: 'Mug', unitAmount: 12900, vatRate: 0.25 } } },
      allowedOrigins: [SHOP],
      onWebhook: (event, _provider, context) => {
        if (context.session?.status === 'complete') received.push(event);
      },
    });
    shop = await serveNode(handler);
    servers.push(shop);

    const created = await fetch(`${shop.url}/api/checkout/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: SHOP, referer: `${SHOP}/checkout.html`, 'idempotency-key': 'e2e' },
      body: JSON.stringify({ items: [{ sku: 'mug', quantity: 3 }] }),
    });
    expect(created.status).toBe(201);
    const session = (await created.json()) as CheckoutSession;
    expect(session.amount).toBe(3 * 12900);
    expect(session.url?.startsWith(pspServer.url)).toBe(true);

    const paid = await fetch(`${pspServer.url}/pay/${session.id}/card`, form({ number: '4242424242424242', ...CARD }));
    const bridgeUrl = paid.headers.get('location')!;
    expect(bridgeUrl.startsWith(`${shop.url}/api/checkout/return/accept?checkout_session=${session.id}`)).toBe(true);
    const bridge = await (await fetch(bridgeUrl)).text();
    expect(bridge).toContain(`"session":"${session.id}"`);
    expect(bridge).toContain(`"targetOrigin":"${SHOP}"`);

    const read = (await (await fetch(`${shop.url}/api/checkout/sessions/${session.id}`)).json()) as CheckoutSession;
    expect(read.status).toBe('complete');

    await psp.whenIdle();
    await handler.whenIdle();
    expect(received.map((event) => event.sessionId)).toEqual([session.id]);
  });
});

describe('saved cards through the checkout handler', () => {
  it('saves a card in a recurring checkout, then handler.charge charges it (and a declinesLater card fails)', async () => {
    const { provider: sandbox, server: pspServer, psp } = await startPsp();
    const events: VerifiedWebhook[] = [];
    let handler: ReturnType<typeof createCheckoutHandler> | undefined;
    const shop = await serveNode((request) => handler!(request));
    servers.push(shop);
    handler = createCheckoutHandler({
      providers: [sandbox],
      catalog: { currency: 'DKK', products: { beans: { name: 'Coffee beans', unitAmount: 24900, vatRate: 0.25 } } },
      allowedOrigins: [SHOP],
      publicUrl: shop.url,
      onWebhook: (event) => {
        events.push(event);
      },
      logger: { error: () => {}, warn: () => {} },
    });
    const checkout = handler;

    /** A recurring checkout paid with `card`: the order it paid. */
    async function saveCard(card: string, handle: string) {
      const created = await fetch(`${shop.url}/api/checkout/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: SHOP, referer: `${SHOP}/refill.html`, 'idempotency-key': handle },
        body: JSON.stringify({ items: [{ sku: 'beans', quantity: 1 }], recurring: true, customer: { handle } }),
      });
      expect(created.status).toBe(201);
      const session = (await created.json()) as CheckoutSession;
      expect((await fetch(`${pspServer.url}/pay/${session.id}/card`, form({ number: card, ...CARD }))).status).toBe(303);
      await fetch(`${shop.url}/api/checkout/sessions/${session.id}`);
      const order = (await checkout.orders.list()).find((candidate) => candidate.sessionId === session.id);
      expect(order).toMatchObject({ status: 'paid', paymentMethod: expect.stringMatching(/^pm_/) });
      return order!;
    }

    const saved = await saveCard('4242424242424242', 'cust-ok');
    const charge = () =>
      checkout.charge({ paymentMethod: saved.paymentMethod!, items: [{ sku: 'beans', quantity: 2 }], customer: { handle: 'cust-ok' }, idempotencyKey: 'refill-1' });
    const refill = await charge();
    expect(refill).toMatchObject({ status: 'paid', amount: 2 * 24900, chargeId: expect.stringMatching(/^ch_/) });
    expect((await charge()).reference).toBe(refill.reference);

    const declining = await saveCard('4000000000000341', 'cust-later');
    const failed = await checkout.charge({
      paymentMethod: declining.paymentMethod!,
      items: [{ sku: 'beans', quantity: 1 }],
      customer: { handle: 'cust-later' },
      idempotencyKey: 'refill-2',
    });
    expect(failed).toMatchObject({ status: 'failed', chargeId: expect.stringMatching(/^ch_/) });

    await psp.whenIdle();
    await checkout.whenIdle();
    const chargeEvents = events.filter((event) => event.chargeId);
    expect(chargeEvents.map((event) => [event.type, event.chargeId])).toEqual([
      ['charge.succeeded', refill.chargeId],
      ['charge.failed', failed.chargeId],
    ]);
    await checkout.close();
  });

  it('counts declined attempts on the open session, so a status read tells of a decline no message did', async () => {
    const { provider, server } = await startPsp();
    const session = await provider.createSession(input());
    expect((await provider.getSession(session.id)).failed_attempts).toBe(0);
    const declined = await fetch(`${server.url}/pay/${session.id}/card`, form({ number: '4000000000000002', ...CARD }));
    expect(declined.headers.get('sandbox-outcome')).toBe('declined');
    await fetch(`${server.url}/pay/${session.id}/blik`, form({ code: '777000' }));
    // An invalid entry is not a decline.
    await fetch(`${server.url}/pay/${session.id}/card`, form({ number: '1234', ...CARD }));
    expect(await provider.getSession(session.id)).toMatchObject({ status: 'open', failed_attempts: 2 });
  });
});
