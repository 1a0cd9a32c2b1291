import { expect, test, type Page } from '@playwright/test';
import { recordCheckoutEvents, recordedEvents, SESSIONS_PATH, waitForCheckoutEvent } from '../../../e2e/support/checkout.js';
import { STRINGS } from './strings.js';

/**
 * The widget's own texts in the shopper's language, against the demo server's /cdn build: the
 * page and the session endpoints are faked with `page.route`, so each widget meets the answer
 * it needs (a create that never answers, a 400, an open session). Needs `npm run build` first.
 */

const PSP = 'http://psp.test';
const PAGE = '/locales-test.html';

function openSession(id: string) {
  return {
    id,
    provider: 'sandbox',
    kind: 'hosted',
    status: 'open',
    url: `${PSP}/pay/${id}`,
    amount: 49_800,
    currency: 'DKK',
    expires_at: new Date(Date.now() + 3_600_000).toISOString(),
  };
}

/** A shop page with `widgets`; `/hang` never answers, `/fail` answers 400, `/ok` an open session. */
async function shopPage(page: Page, widgets: string): Promise<void> {
  await recordCheckoutEvents(page);
  await page.route(`**${PAGE}`, (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><script type="module" src="/cdn/checkout-widget.js"></script></head><body>${widgets}</body></html>`,
    }),
  );
  await page.route('**/fake/hang', () => undefined);
  await page.route('**/fake/fail', (route) => route.fulfill({ status: 400, json: { error: { code: 'invalid_request', message: 'items.0.sku: unknown sku' } } }));
  await page.route('**/fake/ok', (route) => route.fulfill({ status: 201, json: openSession('ses_1') }));
  await page.route('**/fake/ok/*', (route) => route.fulfill({ json: openSession('ses_1') }));
  await page.route(`${PSP}/**`, (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>Pay</title><h1>Hosted page</h1>' }));
}

const widget = (page: Page, id: string) => page.locator(`checkout-widget#${id}`);

const LOCALES = [
  ['da-DK', 'da'],
  ['sv-SE', 'sv'],
  ['nb-NO', 'nb'],
  ['fi-FI', 'fi'],
  ['de-DE', 'de'],
  ['pl-PL', 'pl'],
] as const;

for (const [locale, code] of LOCALES) {
  test(`locale="${locale}": trigger, loading, error and retry texts in ${code}`, async ({ page }) => {
    await shopPage(
      page,
      `<checkout-widget id="loading" endpoint="/fake/hang" locale="${locale}"></checkout-widget>
       <checkout-widget id="overlay" endpoint="/fake/ok" mode="overlay" locale="${locale}"></checkout-widget>
       <checkout-widget id="popup" endpoint="/fake/ok" mode="popup" popup-fallback="none" locale="${locale}"></checkout-widget>
       <checkout-widget id="failing" endpoint="/fake/fail" locale="${locale}"></checkout-widget>`,
    );
    // A browser that refuses the window, with no fallback: popup_blocked, retryable.
    await page.addInitScript(() => {
      window.open = () => null;
    });
    await page.goto(PAGE);

    await expect(widget(page, 'overlay').locator('[part="trigger"]')).toHaveText(STRINGS.pay[code]);
    await expect(widget(page, 'loading').locator('[part="loading"]')).toHaveText(STRINGS.loading[code]);

    await widget(page, 'popup').locator('[part="trigger"]').click();
    const popupAlert = widget(page, 'popup').locator('[part="error"]');
    await expect(popupAlert).toContainText(STRINGS.popup_blocked[code]);
    await expect(popupAlert.getByRole('button', { name: STRINGS.retry[code] })).toBeVisible();

    // The shopper reads their language; the shop gets the endpoint's own message in the event.
    await expect(widget(page, 'failing').locator('[part="error"]')).toHaveText(STRINGS.endpoint_error[code]);
    const error = await waitForCheckoutEvent(page, 'checkout-error', { where: (detail) => detail.code === 'endpoint_error' });
    expect(error.message).toBe('items.0.sku: unknown sku');
  });
}

test('the create call carries the locale; the overlay dialog and its close button are named in Danish', async ({ page }) => {
  await shopPage(page, `<checkout-widget id="overlay" endpoint="/fake/ok" mode="overlay" locale="da-DK"></checkout-widget>`);
  const create = page.waitForRequest((request) => request.url().endsWith('/fake/ok') && request.method() === 'POST');
  await page.goto(PAGE);
  const trigger = widget(page, 'overlay').getByRole('button', { name: 'Betal' });
  await trigger.click();
  expect((await create).postDataJSON()).toMatchObject({ locale: 'da-DK' });
  await expect(widget(page, 'overlay').getByRole('dialog', { name: 'Betaling' })).toBeVisible();
  await widget(page, 'overlay').getByRole('button', { name: 'Luk betaling' }).click();
  await expect(widget(page, 'overlay').locator('[part="message"]')).toContainText(STRINGS.cancelled.da);
  await expect(widget(page, 'overlay').getByRole('button', { name: 'Betal' })).toBeFocused();
});

test('a locale chunk that never arrives does not delay checkout-ready: the widget is ready, in English', async ({ page }) => {
  await shopPage(
    page,
    `<checkout-widget id="embedded" endpoint="/fake/ok" locale="da-DK"></checkout-widget>
     <checkout-widget id="overlay" endpoint="/fake/ok" mode="overlay" locale="da-DK"></checkout-widget>`,
  );
  let requested = false;
  await page.route('**/cdn/checkout-locale-da-*.js', () => {
    requested = true;
    // Never answered.
  });
  await page.goto(PAGE);
  await waitForCheckoutEvent(page, 'checkout-ready');
  await expect(widget(page, 'embedded')).toHaveAttribute('state', 'ready');
  expect(requested).toBe(true);
  await expect(widget(page, 'overlay').locator('[part="trigger"]')).toHaveText('Pay');
});

test('strings overrides win over the locale, key by key', async ({ page }) => {
  await shopPage(
    page,
    `<checkout-widget id="plain" endpoint="/fake/ok" mode="overlay" locale="da-DK"></checkout-widget>
     <checkout-widget id="custom" endpoint="/fake/fail" locale="da-DK"></checkout-widget>
     <checkout-widget id="button" endpoint="/fake/ok" mode="overlay" locale="da-DK"></checkout-widget>`,
  );
  await page.addInitScript(() => {
    // Before the element upgrades, as a framework sets properties.
    customElements.whenDefined('checkout-widget').then(() => {
      const custom = document.getElementById('custom') as HTMLElement & { strings: object };
      custom.strings = { endpoint_error: 'Butikken holder pause.' };
      (document.getElementById('button') as HTMLElement & { strings: object }).strings = { pay: 'Køb nu' };
    });
  });
  await page.goto(PAGE);
  // Danish has arrived (the plain widget says so) and the overrides still stand.
  await expect(widget(page, 'plain').locator('[part="trigger"]')).toHaveText('Betal');
  await expect(widget(page, 'button').locator('[part="trigger"]')).toHaveText('Køb nu');
  await expect(widget(page, 'custom').locator('[part="error"]')).toHaveText('Butikken holder pause.');
  const error = (await recordedEvents(page)).find((event) => event.type === 'checkout-error');
  expect(error?.detail).toMatchObject({ code: 'endpoint_error', message: 'items.0.sku: unknown sku' });
});

test('the sandbox payment page of a da-DK session is Danish: lang, labels, money', async ({ page, request }) => {
  const response = await request.post(SESSIONS_PATH, { data: { items: [{ sku: 'coffee-beans', quantity: 2 }], locale: 'da-DK' } });
  expect(response.status()).toBe(201);
  const session = (await response.json()) as { url: string };
  await page.goto(session.url);
  await expect(page.locator('html')).toHaveAttribute('lang', 'da');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(/^Betal 498,00\skr\.$/);
  await expect(page.getByLabel('Kortnummer')).toBeVisible();
  await expect(page.getByRole('tab', { name: 'Kort' })).toBeVisible();
  await expect(page.getByRole('button', { name: /^Betal 498,00\skr\.$/ })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Annuller betaling' })).toBeVisible();
});
