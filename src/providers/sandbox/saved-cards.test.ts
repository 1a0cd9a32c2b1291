import { afterEach, describe, expect, it } from 'vitest';
import { serveNode } from '../../server/node.js';
import { ProviderError, ProviderInputError, type ChargeInput, type CreateSessionInput } from '../../server/provider-api/types.js';
import { sandboxInput, startTestPsp, TEST_SECRET_KEY as SECRET_KEY, TEST_SHOP as SHOP } from './fake-psp.js';
import { SANDBOX_SIGNATURE_HEADER, SANDBOX_TEST_CARDS, type SandboxPspOptions } from './psp.js';
import { verifiedEvent } from '../../server/test-support/webhook-properties.js';
const CARD = { expiry: '12/34', cvc: '123' };
const auth = { authorization: `Basic ${Buffer.from(`${SECRET_KEY}:`).toString('base64')}` };

const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function startPsp(options: Partial<SandboxPspOptions> = {}) {
  const { psp, server, provider, clock } = await startTestPsp(options);
  servers.push(server);
  /** Pays a session's page with a card number. */
  const payByCard = (sessionId: string, number: string) =>
    fetch(`${server.url}/pay/${sessionId}/card`, { method: 'POST', body: new URLSearchParams({ number, ...CARD }), redirect: 'manual' });
  /** The PSP's own JSON for a session. */
  const rawSession = async (sessionId: string) =>
    (await (await fetch(`${server.url}/v1/sessions/${sessionId}`, { headers: auth })).json()) as Record<string, unknown>;
  return { psp, server, provider, clock, payByCard, rawSession };
}

const input = (overrides: Partial<CreateSessionInput> = {}) =>
  sandboxInput([{ sku: 'coffee-beans', name: 'Coffee beans, 1 kg', quantity: 1, unitAmount: 24900, vatRate: 0.25 }], overrides);

/** A shop endpoint that records the webhooks it receives. */
async function startReceiver() {
  const received: { body: string; signature: string }[] = [];
  const server = await serveNode(async (request) => {
    received.push({ body: await request.text(), signature: request.headers.get(SANDBOX_SIGNATURE_HEADER) ?? '' });
    return new Response('ok');
  });
  servers.push(server);
  return { url: `${server.url}/api/checkout/webhooks/sandbox`, received };
}

const recurring = (overrides: Partial<CreateSessionInput> = {}) =>
  input({ recurring: true, customer: { handle: 'cust-1', email: 'a@example.com' }, ...overrides });

describe('sandbox recurring sessions: saving a card', () => {
  it('saves the card a recurring session is paid with, bound to the customer', async () => {
    const { provider, payByCard, rawSession } = await startPsp();
    const session = await provider.createSession(recurring());
    expect(await rawSession(session.id)).toMatchObject({ recurring: true, customer: 'cust-1', payment_method_id: null });
    expect(await provider.savedPaymentMethod!(session.id)).toBeUndefined();

    expect((await payByCard(session.id, '4242 4242 4242 4242')).status).toBe(303);
    const raw = await rawSession(session.id);
    expect(raw).toMatchObject({ status: 'complete', customer: 'cust-1', payment_method: 'card' });
    expect(raw['payment_method_id']).toMatch(/^pm_[a-f0-9]{24}$/);
    expect(await provider.savedPaymentMethod!(session.id)).toBe(raw['payment_method_id']);
    // The contract session stays as it was: the saved card is read by the server, never shown to the browser.
    expect(JSON.stringify(await provider.getSession(session.id))).not.toContain('pm_');
  });

  it('saves nothing for a session that is not recurring', async () => {
    const { provider, payByCard, rawSession } = await startPsp();
    const session = await provider.createSession(input({ customer: { handle: 'cust-1' } }));
    await payByCard(session.id, SANDBOX_TEST_CARDS.success);
    expect(await rawSession(session.id)).toMatchObject({ status: 'complete', recurring: false, payment_method_id: null });
    expect(await provider.savedPaymentMethod!(session.id)).toBeUndefined();
  });

  it('saves a card without a payment when the amount is 0', async () => {
    const { provider, server, payByCard } = await startPsp();
    const session = await provider.createSession(recurring({ amount: 0, lines: [] }));
    expect(session.amount).toBe(0);
    const html = await (await fetch(`${server.url}/pay/${session.id}`)).text();
    expect(html).toContain('<h1>Save your card</h1>');
    expect(html).toContain('>Save card</button>');
    expect(html).toContain('4000 0000 0000 0341');
    // Cards only: BLIK cannot be charged again later.
    expect(html).not.toContain('BLIK');
    expect(html).not.toContain('<table');

    const saved = await payByCard(session.id, SANDBOX_TEST_CARDS.success);
    expect(saved.status).toBe(303);
    expect(await (await fetch(`${server.url}/pay/${session.id}`)).text()).toContain('Your card was saved for later payments.');
    expect(await provider.savedPaymentMethod!(session.id)).toMatch(/^pm_/);
  });

  it('saves the card after a 3-D Secure challenge, not after a failed one', async () => {
    const { provider, server, payByCard } = await startPsp();
    const session = await provider.createSession(recurring());
    await payByCard(session.id, SANDBOX_TEST_CARDS.threeDSecure);
    const threeDs = (action: string) =>
      fetch(`${server.url}/pay/${session.id}/3ds`, { method: 'POST', body: new URLSearchParams({ action }), redirect: 'manual' });
    await threeDs('fail');
    expect(await provider.savedPaymentMethod!(session.id)).toBeUndefined();
    await payByCard(session.id, SANDBOX_TEST_CARDS.threeDSecure);
    expect((await threeDs('complete')).status).toBe(303);
    expect(await provider.savedPaymentMethod!(session.id)).toMatch(/^pm_/);
  });

  it('takes no BLIK in a recurring session', async () => {
    const { provider, server } = await startPsp();
    const session = await provider.createSession(recurring());
    const html = await (await fetch(`${server.url}/pay/${session.id}?method=blik`)).text();
    expect(html).toMatch(/>Pay DKK\s249\.00 and save card<\/button>/);
    expect(html).not.toContain('name="code"');
    const blik = await fetch(`${server.url}/pay/${session.id}/blik`, { method: 'POST', body: new URLSearchParams({ code: '777123' }), redirect: 'manual' });
    expect(blik.headers.get('sandbox-outcome')).toBe('invalid');
    expect(await blik.text()).toContain('BLIK cannot be saved for later payments');
    expect((await provider.getSession(session.id)).status).toBe('open');
  });

  it('refuses a recurring session without a customer handle before calling the PSP', async () => {
    const { provider, server } = await startPsp();
    const failure = await provider.createSession(input({ recurring: true, customer: { email: 'a@example.com' } })).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ProviderInputError);
    expect((failure as ProviderInputError).providerStatus).toBeUndefined();

    // The PSP refuses it too, and an amount of 0 outside a recurring session.
    const create = (body: Record<string, unknown>) =>
      fetch(`${server.url}/v1/sessions`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({
          amount: 100,
          currency: 'DKK',
          lines: [{ name: 'Beans', quantity: 1, unit_amount: 100 }],
          reference: 'r',
          accept_url: `${SHOP}/accept`,
          cancel_url: `${SHOP}/cancel`,
          ...body,
        }),
      });
    const noCustomer = await create({ recurring: true });
    expect(noCustomer.status).toBe(400);
    expect(await noCustomer.text()).toContain('customer');
    expect((await create({ amount: 0, lines: [] })).status).toBe(400);
    expect((await create({ lines: [] })).status).toBe(400);
    expect((await create({ amount: 0, lines: [], recurring: true, customer: 'c' })).status).toBe(201);

    const zero = await provider.createSession(input({ amount: 0, lines: [] })).catch((error: unknown) => error);
    expect(zero).toBeInstanceOf(ProviderError);
    expect((zero as ProviderError).providerStatus).toBe(400);
  });
});

describe('sandbox charges of a saved card', () => {
  /** A PSP with a card saved for customer cust-1 (paid with `card`), and a webhook receiver. */
  async function withSavedCard(card: string = SANDBOX_TEST_CARDS.success) {
    const started = await startPsp();
    const receiver = await startReceiver();
    const session = await started.provider.createSession(recurring({ amount: 0, lines: [], webhookUrl: receiver.url }));
    expect((await started.payByCard(session.id, card)).status).toBe(303);
    const paymentMethod = (await started.provider.savedPaymentMethod!(session.id))!;
    expect(paymentMethod).toMatch(/^pm_/);
    await started.psp.whenIdle();
    receiver.received.length = 0;
    const charge = (overrides: Partial<ChargeInput> = {}) =>
      started.provider.charge!({
        reference: 'refill-1',
        paymentMethod,
        customer: { handle: 'cust-1' },
        lines: [{ sku: 'coffee-beans', name: 'Coffee beans, 1 kg', quantity: 1, unitAmount: 24900, vatRate: 0.25 }],
        amount: 24900,
        currency: 'DKK',
        webhookUrl: receiver.url,
        ...overrides,
      });
    /** Posts to the PSP's charge API directly. */
    const postCharge = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
      fetch(`${started.server.url}/v1/charges`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ payment_method: paymentMethod, amount: 24900, currency: 'DKK', reference: 'refill-raw', ...body }),
      });
    return { ...started, receiver, paymentMethod, charge, postCharge };
  }

  it('charges a saved card: succeeded, readable, with a signed charge.succeeded webhook', async () => {
    const { provider, psp, server, receiver, paymentMethod, charge } = await withSavedCard();
    const result = await charge();
    expect(result).toEqual({
      id: expect.stringMatching(/^ch_[a-f0-9]{24}$/),
      reference: 'refill-1',
      status: 'succeeded',
      amount: 24900,
      currency: 'DKK',
    });
    expect(await provider.getCharge!(result.id)).toEqual(result);
    const raw = await (await fetch(`${server.url}/v1/charges/${result.id}`, { headers: auth })).json();
    expect(raw).toEqual({
      id: result.id,
      object: 'charge',
      status: 'succeeded',
      amount: 24900,
      currency: 'DKK',
      reference: 'refill-1',
      payment_method: paymentMethod,
    });

    await psp.whenIdle();
    expect(receiver.received).toHaveLength(1);
    const delivered = receiver.received[0]!;
    expect(JSON.parse(delivered.body)).toEqual({ id: expect.stringMatching(/^evt_/), type: 'charge.succeeded', charge: result.id });
    const verified = await verifiedEvent(provider, delivered.body, new Headers({ [SANDBOX_SIGNATURE_HEADER]: delivered.signature }));
    expect(verified).toMatchObject({ type: 'charge.succeeded', chargeId: result.id });
    expect(verified.sessionId).toBeUndefined();
    // A tampered body does not verify.
    await expect(
      verifiedEvent(provider, delivered.body.replace(result.id, 'ch_000000000000000000000000'), new Headers({ [SANDBOX_SIGNATURE_HEADER]: delivered.signature })),
    ).rejects.toThrow(/does not match/);
  });

  it('saves a declinesLater card fine, then declines every charge of it (charge.failed)', async () => {
    const { provider, psp, receiver, charge } = await withSavedCard(SANDBOX_TEST_CARDS.declinesLater);
    const first = await charge();
    expect(first).toMatchObject({ status: 'failed', failureReason: 'Your card was declined.', amount: 24900 });
    expect(await provider.getCharge!(first.id)).toEqual(first);
    const second = await charge({ reference: 'refill-2' });
    expect(second.status).toBe('failed');
    expect(second.id).not.toBe(first.id);

    await psp.whenIdle();
    const events = await Promise.all(
      receiver.received.map((delivery) =>
        verifiedEvent(provider, delivery.body, new Headers({ [SANDBOX_SIGNATURE_HEADER]: delivery.signature })),
      ),
    );
    expect(events.map((event) => [event.type, event.chargeId])).toEqual([
      ['charge.failed', first.id],
      ['charge.failed', second.id],
    ]);
  });

  it('charges once per Idempotency-Key: same body, same charge; another body, 409', async () => {
    const { psp, receiver, postCharge } = await withSavedCard();
    const first = await postCharge({ notification_url: receiver.url }, { 'idempotency-key': 'k-1' });
    expect(first.status).toBe(201);
    const again = await postCharge({ notification_url: receiver.url }, { 'idempotency-key': 'k-1' });
    expect(again.status).toBe(201);
    const firstBody = (await first.json()) as { id: string };
    expect(await again.json()).toEqual(firstBody);
    const conflict = await postCharge({ notification_url: receiver.url, amount: 100 }, { 'idempotency-key': 'k-1' });
    expect(conflict.status).toBe(409);
    // Without a key every post is a new charge.
    const other = (await (await postCharge({ notification_url: receiver.url })).json()) as { id: string };
    expect(other.id).not.toBe(firstBody.id);
    await psp.whenIdle();
    expect(receiver.received.map((delivery) => JSON.parse(delivery.body).charge)).toEqual([firstBody.id, other.id]);
  });

  it('charges a reference once through the adapter, even without an idempotency key', async () => {
    const { psp, receiver, charge } = await withSavedCard();
    const first = await charge({ reference: 'order-77' });
    const again = await charge({ reference: 'order-77' });
    expect(again.id).toBe(first.id);
    await psp.whenIdle();
    expect(receiver.received).toHaveLength(1);
    // The same reference for a different charge is refused, not charged.
    const changed = await charge({ reference: 'order-77', amount: 100 }).catch((error: unknown) => error);
    expect(changed).toBeInstanceOf(ProviderError);
    expect((changed as ProviderError).providerStatus).toBe(409);
    // An explicit idempotency key wins over the reference.
    expect((await charge({ reference: 'order-77', idempotencyKey: 'retry-of-77-b' })).id).not.toBe(first.id);
  });

  it('answers an unknown payment method, another customer\'s card or an unknown charge with 404 (a ProviderError)', async () => {
    const { provider, charge, postCharge } = await withSavedCard();
    for (const paymentMethod of ['pm_000000000000000000000000', 'not-a-pm']) {
      const failure = await charge({ paymentMethod, reference: `r-${paymentMethod}` }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(ProviderError);
      expect((failure as ProviderError).providerStatus).toBe(404);
      expect((failure as ProviderError).message).toContain('No payment method');
    }
    const otherCustomer = await charge({ customer: { handle: 'cust-2' }, reference: 'r-other' }).catch((error: unknown) => error);
    expect((otherCustomer as ProviderError).providerStatus).toBe(404);
    expect((await postCharge({ customer: 'cust-1' })).status).toBe(201);

    const unknownCharge = await provider.getCharge!('ch_000000000000000000000000').catch((error: unknown) => error);
    expect(unknownCharge).toBeInstanceOf(ProviderError);
    expect((unknownCharge as ProviderError).providerStatus).toBe(404);
  });

  it('refuses charges without the secret key or with a bad body', async () => {
    const { server, postCharge } = await withSavedCard();
    const anonymous = await fetch(`${server.url}/v1/charges`, { method: 'POST', body: '{}' });
    expect(anonymous.status).toBe(401);
    expect((await fetch(`${server.url}/v1/charges/ch_000000000000000000000000`)).status).toBe(401);
    expect((await postCharge({ amount: 0 })).status).toBe(400);
    expect((await postCharge({ currency: 'dkk' })).status).toBe(400);
    expect((await postCharge({ reference: '' })).status).toBe(400);
  });
});
