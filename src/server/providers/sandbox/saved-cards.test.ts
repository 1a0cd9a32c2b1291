import { afterEach, describe, expect, it } from 'vitest';
import { serveNode } from '../../node.js';
import { ProviderError, ProviderInputError, type CreateSessionInput } from '../types.js';
import { createSandboxProvider } from './index.js';
import { createSandboxPsp, SANDBOX_TEST_CARDS, type SandboxPspOptions } from './psp.js';

const SECRET_KEY = 'sbx_sk_test_0123456789abcdef';
const WEBHOOK_SECRET = 'sbx_whsec_test_0123456789abcdef';
const SHOP = 'http://shop.test:5173';
const CARD = { expiry: '12/34', cvc: '123' };
const auth = { authorization: `Basic ${Buffer.from(`${SECRET_KEY}:`).toString('base64')}` };

const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function startPsp(options: Partial<SandboxPspOptions> = {}) {
  const clock = { now: Date.UTC(2026, 10, 22, 12, 0, 0) };
  const psp = createSandboxPsp({
    secretKey: SECRET_KEY,
    webhookSecret: WEBHOOK_SECRET,
    now: () => clock.now,
    webhookRetryDelayMs: 1,
    logger: { warn: () => {} },
    ...options,
  });
  const server = await serveNode(psp.fetch);
  servers.push(server);
  const provider = createSandboxProvider({ apiUrl: server.url, secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET, now: () => clock.now });
  /** Pays a session's page with a card number. */
  const payByCard = (sessionId: string, number: string) =>
    fetch(`${server.url}/pay/${sessionId}/card`, { method: 'POST', body: new URLSearchParams({ number, ...CARD }), redirect: 'manual' });
  /** The PSP's own JSON for a session. */
  const rawSession = async (sessionId: string) =>
    (await (await fetch(`${server.url}/v1/sessions/${sessionId}`, { headers: auth })).json()) as Record<string, unknown>;
  return { psp, server, provider, clock, payByCard, rawSession };
}

function input(overrides: Partial<CreateSessionInput> = {}): CreateSessionInput {
  return {
    reference: 'ord_1',
    lines: [{ sku: 'coffee-beans', name: 'Coffee beans, 1 kg', quantity: 1, unitAmount: 24900, vatRate: 0.25 }],
    amount: 24900,
    currency: 'DKK',
    acceptUrl: `${SHOP}/api/checkout/return/accept?checkout_session={SESSION_ID}`,
    cancelUrl: `${SHOP}/api/checkout/return/cancel?checkout_session={SESSION_ID}`,
    webhookUrl: `${SHOP}/api/checkout/webhooks/sandbox`,
    ...overrides,
  };
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
