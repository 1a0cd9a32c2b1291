import { readFileSync } from 'node:fs';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { CARDS, recordCheckoutEvents, recordedEvents, waitForCheckoutEvent } from '../../../e2e/support/checkout.js';
import type { DisplayMode } from '../../core/display.js';

/**
 * The card-token flow (Commerce Layer + checkout.com) in the browser, against a test double of
 * checkout.com Frames served in place of its CDN script and an endpoint answered by `page.route`:
 * create → a card-token session; `/token` → by the card the double tokenized; the 3-D Secure page
 * and the return bridge are routed too (pages answered by `page.route` may not reach loopback).
 */

const FAKE_FRAMES_JS = readFileSync(new URL('./fake-frames.js', import.meta.url), 'utf8');
const FRAMES_URL = 'https://cdn.checkout.com/js/framesv2.min.js';
const PUBLIC_KEY = 'pk_sbox_e2ecardtokenkey';
const PAGE_PATH = '/card-token-e2e/page.html';
const THREE_DS_ORIGIN = 'https://3ds.psp.test';
const SESSIONS = '/api/checkout/sessions';
const UNTOKENIZABLE_CARD = '4000 0000 0000 0119';

interface CardTokenBed {
  sessionIds: string[];
  /** The token of every `/token` request, in order. */
  tokens: string[];
  framesRequests: string[];
  setFrames(mode: 'serve' | 'block'): void;
  /** The status every later GET of that session answers. */
  setStatus(sessionId: string, status: string): void;
  record(): Promise<{ inits: Array<{ publicKey: string; localization: string }>; submits: number; enableSubmitForm: number }>;
}

function pageHtml(mode: string): string {
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>Card-token checkout</title>
    <script type="module" src="/cdn/checkout-widget.js"></script>
  </head>
  <body>
    <main>
      <h1>Card-token checkout</h1>
      <checkout-widget mode="${mode}" endpoint="${SESSIONS}" payload='{"items":[{"sku":"mug","quantity":1}]}'></checkout-widget>
    </main>
  </body>
</html>`;
}

/** The card the double's token stands for (`tok_` + the number padded with zeros). */
function cardOf(token: string): string {
  return token.slice('tok_'.length, 'tok_'.length + 16);
}

async function setUpCardToken(page: Page): Promise<CardTokenBed> {
  const sessionIds: string[] = [];
  const statuses = new Map<string, string>();
  const tokens: string[] = [];
  const framesRequests: string[] = [];
  let framesMode: 'serve' | 'block' = 'serve';
  /** Where the shop page was served from: the return bridge is the backend's, on that origin. */
  let shopOrigin = '';

  await recordCheckoutEvents(page);
  const context = page.context();

  await context.route(FRAMES_URL, (route) => {
    framesRequests.push(route.request().url());
    if (framesMode === 'block') return route.abort('blockedbyclient');
    return route.fulfill({ status: 200, contentType: 'application/javascript', body: FAKE_FRAMES_JS });
  });

  const session = (id: string, extra: Record<string, unknown> = {}) => ({
    id,
    provider: 'commercelayer',
    kind: 'card-token',
    status: statuses.get(id) ?? 'open',
    token_provider: 'checkout.com',
    public_key: PUBLIC_KEY,
    amount: 49800,
    currency: 'DKK',
    expires_at: new Date(Date.now() + 3_600_000).toISOString(),
    livemode: false,
    ...extra,
  });

  await context.route(`**${SESSIONS}**`, async (route) => {
    const request = route.request();
    const path = new URL(request.url()).pathname;
    if (request.method() === 'POST' && path === SESSIONS) {
      const id = `ses_ct_${sessionIds.length + 1}`;
      sessionIds.push(id);
      return route.fulfill({ status: 201, json: session(id) });
    }
    const [id = '', action] = path.slice(SESSIONS.length + 1).split('/');
    if (!sessionIds.includes(id)) return route.fulfill({ status: 404, json: { error: { code: 'not_found', message: `No session ${id}` } } });
    if (request.method() === 'GET' && !action) return route.fulfill({ status: 200, json: session(id) });
    if (request.method() === 'POST' && action === 'token') {
      const { token } = request.postDataJSON() as { token: string };
      tokens.push(token);
      switch (cardOf(token)) {
        case CARDS.success.replaceAll(' ', ''):
          statuses.set(id, 'complete');
          return route.fulfill({ status: 200, json: session(id) });
        case CARDS.threeDSecure.replaceAll(' ', ''):
          return route.fulfill({ status: 200, json: session(id, { url: `${THREE_DS_ORIGIN}/challenge/${id}`, frameable: false }) });
        default:
          return route.fulfill({ status: 402, json: { error: { code: 'payment_failed', message: 'The card was declined.' } } });
      }
    }
    return route.fulfill({ status: 405, json: { error: { code: 'method_not_allowed', message: 'No' } } });
  });

  // The issuer's 3-D Secure page: refuses frames; "Complete" authorises and goes to the return bridge.
  await context.route(`${THREE_DS_ORIGIN}/**`, (route) => {
    const url = new URL(route.request().url());
    const [, step, id = ''] = url.pathname.split('/');
    if (step === 'challenge') {
      return route.fulfill({
        status: 200,
        contentType: 'text/html',
        headers: { 'X-Frame-Options': 'DENY' },
        body: `<!doctype html><title>3-D Secure</title><h1>Confirm the payment</h1><a href="/done/${id}">Complete</a>`,
      });
    }
    statuses.set(id, 'complete');
    return route.fulfill({ status: 302, headers: { Location: `${shopOrigin}/api/checkout/return/accept?checkout_session=${id}` } });
  });

  // The return bridge (docs/protocol.md, "Backend routes"): in a popup it posts the accept to its opener; at top level it redirects to the shop page.
  await context.route('**/api/checkout/return/accept**', (route) =>
    route.fulfill({
      status: 200,
      contentType: 'text/html',
      body: `<!doctype html><script>
        const id = new URL(location.href).searchParams.get('checkout_session');
        if (window.opener) {
          window.opener.postMessage({ type: 'checkout-widget', version: 1, event: 'accept', session: id, params: {} }, location.origin);
          window.close();
        } else {
          location.replace('${PAGE_PATH}?mode=redirect&checkout_session=' + encodeURIComponent(id) + '&checkout_result=accept');
        }
      </script>`,
    }),
  );

  await context.route(`**${PAGE_PATH}*`, (route) => {
    const url = new URL(route.request().url());
    shopOrigin = url.origin;
    return route.fulfill({ status: 200, contentType: 'text/html', body: pageHtml(url.searchParams.get('mode') ?? 'embedded') });
  });

  return {
    sessionIds,
    tokens,
    framesRequests,
    setFrames: (mode) => {
      framesMode = mode;
    },
    setStatus: (sessionId, status) => statuses.set(sessionId, status),
    record: () => page.evaluate(() => JSON.parse(JSON.stringify((window as unknown as { __fakeFrames: unknown }).__fakeFrames)) as never),
  };
}

function cardForm(page: Page) {
  const form = page.locator('checkout-widget .checkout-card');
  return {
    form,
    pay: form.getByRole('button', { name: /^Pay / }) as Locator,
  };
}

async function fillCard(page: Page, number: string): Promise<void> {
  const { form } = cardForm(page);
  await form.getByLabel('Card number').fill(number);
  await form.getByLabel('Expiry date').fill('12/34');
  await form.getByLabel('Security code (CVC)').fill('123');
}

/** Opens the page in a mode and brings up the card fields (a click on the trigger outside embedded mode). */
async function openCardForm(page: Page, mode: DisplayMode): Promise<void> {
  await page.goto(`${PAGE_PATH}?mode=${mode}`);
  if (mode !== 'embedded') await page.locator('checkout-widget').getByRole('button', { name: 'Pay', exact: true }).click();
  await waitForCheckoutEvent(page, 'checkout-ready');
}

test.describe('card-token checkout (checkout.com Frames)', () => {
  test('loads Frames once, mounts the fields in light DOM, and pays without 3-D Secure: accept after the confirming GET', async ({ page }) => {
    const bed = await setUpCardToken(page);
    await openCardForm(page, 'embedded');
    const { form, pay } = cardForm(page);

    // Light DOM, slotted into the widget: Frames cannot see into shadow roots.
    expect(await form.evaluate((element) => element.getRootNode() === document && element.closest('checkout-widget') !== null)).toBe(true);
    expect((await bed.record()).inits).toEqual([{ publicKey: PUBLIC_KEY, localization: 'EN-GB' }]);
    await expect(pay).toHaveAccessibleName(/^Pay .*498\.00/);
    await expect(pay).toBeDisabled();

    await fillCard(page, CARDS.success);
    await expect(pay).toBeEnabled();
    await expect(pay).toHaveAttribute('aria-busy', 'false');
    const gets: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'GET' && request.url().includes(`${SESSIONS}/`)) gets.push(request.url());
    });
    await pay.click();
    const accept = await waitForCheckoutEvent(page, 'checkout-accept');
    expect(accept.session.status).toBe('complete');
    expect(bed.tokens).toHaveLength(1);
    expect(gets.length).toBeGreaterThan(0);
    expect(bed.framesRequests).toEqual([FRAMES_URL]);
    await expect(page.locator('checkout-widget')).toHaveAttribute('state', 'complete');
    // The UI is gone once the run settled.
    await expect(form).toHaveCount(0);
  });

  test('the Frames double, like Frames, refuses a .card-frame inside a shadow root', async ({ page }) => {
    await setUpCardToken(page);
    await openCardForm(page, 'embedded');
    const message = await page.evaluate(() => {
      document.querySelector('checkout-widget .checkout-card')?.remove();
      const host = document.createElement('div');
      host.attachShadow({ mode: 'open' }).innerHTML = '<div class="card-frame"></div>';
      document.body.append(host);
      try {
        (window as unknown as { Frames: { init(config: unknown): void } }).Frames.init({ publicKey: 'pk_x' });
        return 'no error';
      } catch (error) {
        return (error as Error).message;
      }
    });
    expect(message).toMatch(/shadow root/);
  });

  test('3-D Secure in redirect mode: the page leaves for the 3DS page and comes back confirmed', async ({ page }) => {
    const bed = await setUpCardToken(page);
    await openCardForm(page, 'redirect');
    await fillCard(page, CARDS.threeDSecure);
    await cardForm(page).pay.click();
    await page.waitForURL(`${THREE_DS_ORIGIN}/challenge/${bed.sessionIds[0]}`);
    await page.getByRole('link', { name: 'Complete' }).click();
    const accept = await waitForCheckoutEvent(page, 'checkout-accept');
    expect(accept.session).toMatchObject({ id: bed.sessionIds[0], kind: 'card-token', status: 'complete' });
    // The return parameters are claimed from the URL.
    expect(page.url()).not.toContain('checkout_result');
  });

  test('3-D Secure in popup mode: the window opened in the Pay click shows the 3DS page', async ({ page }) => {
    const bed = await setUpCardToken(page);
    await openCardForm(page, 'popup');
    await fillCard(page, CARDS.threeDSecure);
    const popupOpened = page.waitForEvent('popup');
    await cardForm(page).pay.click();
    const popup = await popupOpened;
    await popup.waitForURL(`${THREE_DS_ORIGIN}/challenge/${bed.sessionIds[0]}`);
    // The hand-over announced the answered session, 3-D Secure url included.
    const sessions = (await recordedEvents(page)).filter((event) => event.type === 'checkout-session');
    expect(sessions.at(-1)?.detail).toMatchObject({ session: { url: `${THREE_DS_ORIGIN}/challenge/${bed.sessionIds[0]}`, frameable: false } });
    await popup.getByRole('link', { name: 'Complete' }).click();
    const accept = await waitForCheckoutEvent(page, 'checkout-accept');
    expect(accept.session.status).toBe('complete');
    await expect(page.locator('checkout-widget')).toHaveAttribute('state', 'complete');
  });

  test('a declined card keeps the form; another card then pays', async ({ page }) => {
    const bed = await setUpCardToken(page);
    await openCardForm(page, 'embedded');
    const { pay } = cardForm(page);
    await fillCard(page, CARDS.declined);
    await pay.click();
    const error = await waitForCheckoutEvent(page, 'checkout-error');
    expect(error).toMatchObject({ code: 'payment_failed', retryable: true, message: 'The card was declined.' });
    await expect(page.locator('checkout-widget')).toHaveAttribute('state', 'ready');
    expect((await bed.record()).enableSubmitForm).toBe(1);
    await expect(pay).toHaveAttribute('aria-busy', 'false');

    await fillCard(page, CARDS.success);
    await pay.click();
    await waitForCheckoutEvent(page, 'checkout-accept');
    expect(bed.tokens.map(cardOf)).toEqual([CARDS.declined, CARDS.success].map((card) => card.replaceAll(' ', '')));
  });

  test('a card Frames cannot tokenize is a payment_failed with the form kept, and no token is sent', async ({ page }) => {
    const bed = await setUpCardToken(page);
    await openCardForm(page, 'embedded');
    await fillCard(page, UNTOKENIZABLE_CARD);
    await cardForm(page).pay.click();
    const error = await waitForCheckoutEvent(page, 'checkout-error');
    expect(error).toMatchObject({ code: 'payment_failed', retryable: true });
    await expect(page.locator('checkout-widget')).toHaveAttribute('state', 'ready');
    await expect(cardForm(page).pay).toBeEnabled();
    expect(bed.tokens).toEqual([]);
    expect((await bed.record()).enableSubmitForm).toBe(1);
  });

  test('Frames blocked: provider_load_failed, and Try again loads it anew', async ({ page }) => {
    const bed = await setUpCardToken(page);
    bed.setFrames('block');
    await page.goto(`${PAGE_PATH}?mode=embedded`);
    const error = await waitForCheckoutEvent(page, 'checkout-error');
    expect(error).toMatchObject({ code: 'provider_load_failed', retryable: true });
    await expect(cardForm(page).form).toHaveCount(0);

    bed.setFrames('serve');
    await page.locator('checkout-widget').getByRole('button', { name: 'Try again' }).click();
    await expect(cardForm(page).pay).toBeVisible();
    expect(bed.framesRequests).toHaveLength(2);
  });

  test('a forged return (checkout_result=accept while the endpoint says open) is not an accept', async ({ page }) => {
    const bed = await setUpCardToken(page);
    await openCardForm(page, 'embedded');
    const id = bed.sessionIds[0]!;
    await page.goto(`${PAGE_PATH}?mode=redirect&checkout_session=${id}&checkout_result=accept`);
    const error = await waitForCheckoutEvent(page, 'checkout-error', { timeout: 20_000 });
    expect(error.code).toBe('verification_failed');
    expect((await recordedEvents(page)).map((event) => event.type)).not.toContain('checkout-accept');
  });
});
