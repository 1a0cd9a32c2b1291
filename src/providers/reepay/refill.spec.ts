import { expect, test, type Page } from '@playwright/test';
import { startDemo, type DemoServer } from '../../../demo/server.js';
import type { Order } from '../../server/index.js';
import { acceptParams, CHECKOUT_JS_URL, FAKE_CHECKOUT_JS } from './test-bed.js';
import { CARDS, payWithCard, recordCheckoutEvents, waitForCheckoutEvent, widget } from '../../../e2e/support/checkout.js';
import { printOnePerEndpoint, requestLine, startDemoWith } from '../../../e2e/support/demo.js';
import { REEPAY_PRIVATE_KEY, REEPAY_REFILL_PLAN, startFakeReepay, type FakeReepay } from './fake-api.js';

/**
 * The demo's auto-refill page (Reepay on-demand billing) against a local fake of Reepay's
 * Checkout API and API, with checkout.js replaced by its test double: a recurring checkout saves
 * the card, the demo makes an agreement from it, and "Refill now" charges it at once.
 */

const SAVED_CARD = acceptParams('any').payment_method!;

test.describe('with Reepay configured', () => {
  let reepay: FakeReepay;
  let demo: DemoServer;

  test.beforeAll(async () => {
    reepay = await startFakeReepay();
    demo = await startDemoWith({
      REEPAY_PRIVATE_KEY,
      REEPAY_CHECKOUT_API_URL: reepay.url,
      REEPAY_API_URL: reepay.url,
    });
  });

  test.afterAll(async () => {
    await demo?.close();
    await reepay?.close();
  });

  test('signs up with a recurring checkout, makes the agreement from the saved card and refills: settled, then declined', async ({ page }) => {
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await recordCheckoutEvents(page);
    await page.route(CHECKOUT_JS_URL, (route) =>
      route.fulfill({ status: 200, contentType: 'application/javascript', body: FAKE_CHECKOUT_JS }),
    );
    const body = (request: { body: string }) => JSON.parse(request.body) as Record<string, unknown>;

    await page.goto(`${demo.shopUrl}/refill.html`);
    await expect(page.getByRole('heading', { name: 'Reepay is not configured' })).toBeHidden();
    const customer = (await page.locator('#refill-customer').textContent()) ?? '';
    expect(customer).toMatch(/^cust-[0-9a-f]{12}$/);

    const { session } = await waitForCheckoutEvent(page, 'checkout-session');
    expect(session).toMatchObject({ provider: 'reepay', kind: 'reepay', status: 'open', amount: 24900, currency: 'DKK' });
    await waitForCheckoutEvent(page, 'checkout-ready');

    // The checkout session: a charge for the first bag that also saves the card (recurring).
    const create = reepay.requests.find((request) => requestLine(request) === 'POST /v1/session/charge' && request.body.includes(customer));
    expect(create?.headers.authorization).toBe(`Basic ${Buffer.from(`${REEPAY_PRIVATE_KEY}:`).toString('base64')}`);
    const createBody = body(create!);
    expect(createBody).toMatchObject({
      recurring: true,
      order: {
        currency: 'DKK',
        customer: { handle: customer, email: 'shopper@example.com', first_name: 'Demo', last_name: 'Shopper' },
        order_lines: [{ amount: 24900, quantity: 1, ordertext: 'Coffee beans, 1 kg', vat: 0.25, amount_incl_vat: true }],
      },
    });
    const orderHandle = (createBody['order'] as { handle: string }).handle;
    expect(orderHandle).toMatch(/^ord_[0-9a-f]+$/);
    expect(String(createBody['accept_url'])).toBe(`${demo.shopUrl}/api/checkout/return/accept?checkout_ref=${orderHandle}`);

    // The shopper pays on Reepay: the order's invoice is settled and the card saved to the customer.
    reepay.completeSession(session.id, { paymentMethod: SAVED_CARD });
    await widget(page).getByRole('region', { name: 'Reepay checkout (test double)' }).getByRole('button', { name: 'Pay' }).click();

    const accepted = await waitForCheckoutEvent(page, 'checkout-accept');
    expect(accepted.session).toMatchObject({ id: session.id, status: 'complete' });
    expect(accepted.params['payment_method']).toBe(SAVED_CARD);
    expect(reepay.requests.map(requestLine)).toContain(`GET /v1/invoice/${orderHandle}`);
    // The ledger keeps the saved card as Reepay's API lists it for the customer, not as the browser says.
    await expect
      .poll(async () => {
        const { orders } = (await (await fetch(`${demo.shopUrl}/api/demo/orders`)).json()) as { orders: Order[] };
        return orders.find((order) => order.sessionId === session.id);
      })
      .toMatchObject({ status: 'paid', paymentMethod: SAVED_CARD });
    expect(reepay.requests.map(requestLine)).toContain(`GET /v1/customer/${customer}/payment_method`);

    // The agreement: a subscription on the manual plan, paid from the saved card.
    await expect(page.locator('#agreement-text')).toHaveText(/^Auto refill is on \(agreement /);
    const agreementCall = reepay.requests.find((request) => requestLine(request) === 'POST /v1/subscription' && request.body.includes(customer));
    const agreement = body(agreementCall!);
    expect(agreement).toEqual({ handle: expect.stringMatching(new RegExp(`^${customer}-refill-[0-9a-f]{12}$`)), plan: REEPAY_REFILL_PLAN, customer, source: SAVED_CARD });
    await expect(page.locator('#agreement-text')).toHaveText(`Auto refill is on (agreement ${String(agreement['handle'])}).`);

    // Refill now: an instant invoice on the agreement, priced by the server's catalog.
    const refillButton = page.getByRole('button', { name: 'Refill now' });
    await refillButton.click();
    const charges = page.getByRole('list', { name: 'Refill charges' }).getByRole('listitem');
    await expect(charges).toHaveCount(1);
    await expect(charges.nth(0)).toHaveText(/^Refill settled: 249,00\s?kr\. \(invoice refill-[0-9a-f]{12}\)$/);
    const chargePath = `POST /v1/subscription/${encodeURIComponent(String(agreement['handle']))}/invoice`;
    const chargeCalls = () => reepay.requests.filter((request) => requestLine(request) === chargePath);
    expect(chargeCalls()).toHaveLength(1);
    const charge = body(chargeCalls()[0]!);
    expect(charge).toEqual({
      handle: expect.stringMatching(/^refill-[0-9a-f]{12}$/),
      instant: true,
      plan_manual: false,
      order_lines: [{ ordertext: 'Coffee beans, 1 kg', amount: 24900, quantity: 1, vat: 0.25, amount_incl_vat: true }],
    });
    expect(reepay.invoices.get(String(charge['handle']))?.['state']).toBe('settled');

    // A declined refill says so, with the acquirer's reason, and charges a new invoice handle.
    reepay.declineNextCharge('Insufficient funds');
    await expect(refillButton).toBeEnabled();
    await refillButton.click();
    await expect(charges).toHaveCount(2);
    await expect(charges.nth(1)).toHaveText(/^Refill failed: Insufficient funds \(invoice refill-[0-9a-f]{12}\)$/);
    await expect(page.getByRole('heading', { name: 'Refill failed' })).toBeVisible();
    expect(chargeCalls()).toHaveLength(2);
    expect(body(chargeCalls()[1]!)['handle']).not.toBe(charge['handle']);
    expect(pageErrors).toEqual([]);

    // For the issue note: one recorded request per Reepay endpoint.
    printOnePerEndpoint('reepay', reepay.requests, /(?<=\/(?:invoice|subscription)\/)[^/]+/);
  });

  test('the refill routes refuse an unconfirmed session, a card or customer named by the page, and an agreement this shop did not make', async () => {
    const post = (path: string, payload: unknown) =>
      fetch(`${demo.shopUrl}/api/demo/refill/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(payload),
      });
    const created = await fetch(`${demo.shopUrl}/api/checkout/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ provider: 'reepay', recurring: true, items: [{ sku: 'coffee-beans', quantity: 1 }], customer: { handle: 'cust-unpaid' } }),
    });
    const session = (await created.json()) as { id: string };
    const before = reepay.requests.length;

    // Not paid yet: no agreement, and Reepay is not asked for one.
    const unpaid = await post('agreements', { session: session.id });
    expect(unpaid.status).toBe(409);
    expect(await unpaid.json()).toMatchObject({ error: { code: 'session_not_complete' } });
    expect(reepay.requests.slice(before).map(requestLine)).not.toContain('POST /v1/subscription');

    // The page cannot name the card or the customer: they come from the order ledger.
    const named = await post('agreements', { session: session.id, customer: 'cust-victim', payment_method: 'ca_ffff0000' });
    expect(named.status).toBe(400);

    // Paid: the agreement uses the card Reepay saved for the order's customer.
    reepay.completeSession(session.id, { paymentMethod: 'ca_0000aaaa' });
    const paid = await post('agreements', { session: session.id });
    expect(paid.status).toBe(201);
    const agreementCall = reepay.requests.slice(before).find((request) => requestLine(request) === 'POST /v1/subscription');
    expect(JSON.parse(agreementCall!.body)).toMatchObject({ customer: 'cust-unpaid', source: 'ca_0000aaaa' });

    const unknown = await post('charges', { agreement: 'someone-elses-agreement' });
    expect(unknown.status).toBe(404);
    const notJson = await fetch(`${demo.shopUrl}/api/demo/refill/charges`, { method: 'POST', body: 'agreement=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(notJson.status).toBe(415);
  });
});

test.describe('without Reepay: the sandbox saves the card, offline', () => {
  let demo: DemoServer;
  const fulfilled: Order[] = [];

  test.beforeAll(async () => {
    demo = await startDemo({ port: 0, sandboxPort: 0, host: '127.0.0.1', env: {}, onFulfilled: (order) => fulfilled.push(order) });
  });
  test.afterAll(async () => {
    await demo?.close();
  });

  async function signUp(page: Page, card: string) {
    await recordCheckoutEvents(page);
    await page.goto(`${demo.shopUrl}/refill.html`);
    await expect(page.getByRole('heading', { name: 'Reepay is not configured' })).toBeHidden();
    const { session } = await waitForCheckoutEvent(page, 'checkout-session');
    expect(session).toMatchObject({ provider: 'sandbox', status: 'open', amount: 24900, currency: 'DKK' });
    await waitForCheckoutEvent(page, 'checkout-ready');
    await payWithCard(widget(page).locator('iframe').contentFrame(), card);
    await waitForCheckoutEvent(page, 'checkout-accept');
    await expect(page.getByRole('heading', { name: 'Auto refill is on' })).toBeVisible();
    return session;
  }

  async function ledger() {
    return ((await (await fetch(`${demo.shopUrl}/api/demo/orders`)).json()) as { orders: Order[] }).orders;
  }

  test('signs up with a sandbox checkout that saves the card, then every refill is a paid, fulfilled order', async ({ page }) => {
    const session = await signUp(page, CARDS.success);
    const refill = page.getByRole('button', { name: 'Refill now' });
    await refill.click();
    await expect(page.locator('#refill-charges li[data-state="settled"]')).toHaveCount(1);
    await refill.click();
    await expect(page.locator('#refill-charges li[data-state="settled"]')).toHaveCount(2);

    const orders = await ledger();
    const signUpOrder = orders.find((order) => order.sessionId === session.id)!;
    expect(signUpOrder).toMatchObject({ status: 'paid', paymentMethod: expect.stringMatching(/^pm_/) });
    const refills = orders.filter((order) => order.chargeId);
    expect(refills).toHaveLength(2);
    for (const order of refills) {
      expect(order).toMatchObject({ status: 'paid', amount: 24900, paymentMethod: signUpOrder.paymentMethod, lines: [{ sku: 'coffee-beans', quantity: 1 }] });
    }
    await expect.poll(() => fulfilled.map((order) => order.reference).sort()).toEqual([signUpOrder, ...refills].map((order) => order.reference).sort());
  });

  test('a saved card that declines later: the refill fails and its order is failed, not fulfilled', async ({ page }) => {
    await signUp(page, CARDS.declinesLater);
    await page.getByRole('button', { name: 'Refill now' }).click();
    await expect(page.locator('#refill-charges li[data-state="failed"]')).toHaveCount(1);
    await expect(page.getByRole('heading', { name: 'Refill failed' })).toBeVisible();
    const failed = (await ledger()).filter((order) => order.status === 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.chargeId).toEqual(expect.any(String));
    expect(fulfilled.map((order) => order.reference)).not.toContain(failed[0]!.reference);
  });

  test('the refill routes refuse a session that saved no card and an agreement the ledger does not have', async () => {
    const post = (path: string, body: unknown) =>
      fetch(`${demo.shopUrl}/api/demo/refill/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const created = await fetch(`${demo.shopUrl}/api/checkout/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ items: [{ sku: 'mug', quantity: 1 }] }),
    });
    const open = (await created.json()) as { id: string };
    expect((await post('agreements', { session: open.id })).status).toBe(409);
    expect((await post('agreements', { session: 'sbx_000000000000000000000000' })).status).toBe(409);
    expect((await post('charges', { agreement: 'ord_made_up' })).status).toBe(404);
  });
});
