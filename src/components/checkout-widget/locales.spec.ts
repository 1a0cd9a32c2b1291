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
  await page.route((url) => url.pathname === PAGE, (route) =>
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
  ['fr-FR', 'fr'],
  ['es-ES', 'es'],
  ['it-IT', 'it'],
  ['nl-NL', 'nl'],
  ['pt-PT', 'pt'],
  ['cs-CZ', 'cs'],
  ['et-EE', 'et'],
  ['lv-LV', 'lv'],
  ['lt-LT', 'lt'],
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

/** The language of every locale chunk the page requests, in order (`checkout-locale-fr-….js` → `fr`). */
function recordLocaleChunks(page: Page): string[] {
  const chunks: string[] = [];
  page.on('request', (request) => {
    const match = /\/cdn\/checkout-locale-([a-z]+)-[\w-]+\.js$/.exec(new URL(request.url()).pathname);
    if (match) chunks.push(match[1]!);
  });
  return chunks;
}

// The contract's fallback chains (CONTRACT §2): a region reads its language, Norwegian reads Bokmål.
const CHAINS = [
  ['fr-CH', 'fr'],
  ['pt-BR', 'pt'],
  ['nn', 'nb'],
] as const;

for (const [locale, code] of CHAINS) {
  test(`locale="${locale}" reads ${code}: its texts, and exactly one locale chunk (${code})`, async ({ page }) => {
    const chunks = recordLocaleChunks(page);
    await shopPage(
      page,
      `<checkout-widget id="overlay" endpoint="/fake/ok" mode="overlay" locale="${locale}"></checkout-widget>
       <checkout-widget id="failing" endpoint="/fake/fail" locale="${locale}"></checkout-widget>`,
    );
    await page.goto(PAGE);
    await expect(widget(page, 'overlay').locator('[part="trigger"]')).toHaveText(STRINGS.pay[code]);
    await expect(widget(page, 'failing').locator('[part="error"]')).toHaveText(STRINGS.endpoint_error[code]);
    await page.waitForLoadState('networkidle');
    expect(chunks).toEqual([code]);
  });
}

test('widgets in fr-CH, fr-BE and fr share the one fr chunk; ja-JP reads English and fetches no language', async ({ page }) => {
  const chunks = recordLocaleChunks(page);
  await shopPage(
    page,
    `<checkout-widget id="ch" endpoint="/fake/ok" mode="overlay" locale="fr-CH"></checkout-widget>
     <checkout-widget id="be" endpoint="/fake/ok" mode="overlay" locale="fr-BE"></checkout-widget>
     <checkout-widget id="fr" endpoint="/fake/ok" mode="overlay" locale="fr"></checkout-widget>
     <checkout-widget id="ja" endpoint="/fake/fail" locale="ja-JP"></checkout-widget>`,
  );
  await page.goto(PAGE);
  for (const id of ['ch', 'be', 'fr']) await expect(widget(page, id).locator('[part="trigger"]')).toHaveText('Payer');
  await expect(widget(page, 'ja').locator('[part="error"]')).toHaveText(STRINGS.endpoint_error.en);
  await page.waitForLoadState('networkidle');
  expect(chunks).toEqual(['fr']);
});

/*
 * No hard-coded text: every key of the table set (through `strings`) to a pseudo text that has no
 * letter, then every state the widget can show is visited and everything a shopper sees or hears
 * (visible text, accessible names, titles) must be pseudo text. An English word left in a
 * template, or a text a new state forgot to take from the table, fails here.
 */
const PSEUDO: Record<string, string> = Object.fromEntries(Object.keys(STRINGS).map((key, index) => [key, `⟦${String(index + 1).padStart(2, '0')}⟧`]));

/** What the widget shows and names (shadow root and light DOM, visible only), with every pseudo text taken out. */
async function nonPseudoText(page: Page, id: string): Promise<{ shown: string[]; left: string }> {
  const shown = await widget(page, id).evaluate((host) => {
    const texts: string[] = [];
    const visit = (root: Node) => {
      const walker = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
      for (let node: Node | null = walker.currentNode; node; node = walker.nextNode()) {
        if (node instanceof Text) {
          const parent = node.parentElement;
          if (parent && parent.checkVisibility() && node.data.trim()) texts.push(node.data.trim());
        } else if (node instanceof Element) {
          for (const name of ['aria-label', 'aria-description', 'title', 'placeholder', 'alt']) {
            const value = node.getAttribute(name);
            if (value) texts.push(value);
          }
          if (node.shadowRoot) visit(node.shadowRoot);
        }
      }
    };
    visit(host.shadowRoot!);
    for (const child of host.children) visit(child);
    return texts;
  });
  const left = shown.map((text) => Object.values(PSEUDO).reduce((rest, pseudo) => rest.split(pseudo).join(''), text)).join(' ');
  return { shown, left };
}

async function expectOnlyPseudo(page: Page, id: string, ...keys: (keyof typeof STRINGS)[]): Promise<void> {
  // The state's own texts are there (so the check below has something to look at)…
  for (const key of keys) await expect.poll(async () => (await nonPseudoText(page, id)).shown.join(' ')).toContain(PSEUDO[key]);
  // …and nothing else a shopper reads has a letter in it.
  const { shown, left } = await nonPseudoText(page, id);
  expect(left, `shown: ${JSON.stringify(shown)}`).not.toMatch(/\p{L}/u);
}

/**
 * A page whose widgets get the pseudo texts before they first render (as a framework sets
 * properties); `routes` come after the shop page's, so they win.
 */
async function pseudoPage(page: Page, widgets: string, { query = '', routes = async () => {} }: { query?: string; routes?: () => Promise<unknown> } = {}): Promise<void> {
  await shopPage(page, widgets);
  await routes();
  await page.addInitScript((pseudo) => {
    customElements.whenDefined('checkout-widget').then(() => {
      for (const element of document.querySelectorAll('checkout-widget')) (element as HTMLElement & { strings: object }).strings = pseudo;
    });
  }, PSEUDO);
  await page.goto(`${PAGE}${query}`);
}

test('pseudo-locale: no English in any state (trigger, loading, dialog, cancelled, errors with retry, expired with restart)', async ({ page }) => {
  await page.addInitScript(() => {
    window.open = () => null;
  });
  await pseudoPage(
    page,
    `<checkout-widget id="overlay" endpoint="/fake/ok" mode="overlay" locale="en"></checkout-widget>
     <checkout-widget id="loading" endpoint="/fake/hang" locale="en"></checkout-widget>
     <checkout-widget id="popup" endpoint="/fake/ok" mode="popup" popup-fallback="none" locale="en"></checkout-widget>
     <checkout-widget id="failing" endpoint="/fake/fail" locale="en"></checkout-widget>
     <checkout-widget id="expired" endpoint="/fake/expired" locale="en"></checkout-widget>`,
    { routes: () => page.route('**/fake/expired', (route) => route.fulfill({ status: 201, json: { ...openSession('ses_2'), status: 'expired' } })) },
  );
  await expectOnlyPseudo(page, 'overlay', 'pay');
  await expectOnlyPseudo(page, 'loading', 'loading');
  await expectOnlyPseudo(page, 'failing', 'endpoint_error');
  await expectOnlyPseudo(page, 'expired', 'expired', 'restart');

  await widget(page, 'popup').locator('[part="trigger"]').click();
  await expectOnlyPseudo(page, 'popup', 'pay', 'popup_blocked', 'retry');

  await widget(page, 'overlay').locator('[part="trigger"]').click();
  await expect(widget(page, 'overlay').getByRole('dialog', { name: PSEUDO['checkout'] })).toBeVisible();
  await expectOnlyPseudo(page, 'overlay', 'pay', 'checkout', 'close');
  await widget(page, 'overlay').getByRole('button', { name: PSEUDO['close'] }).click();
  await expectOnlyPseudo(page, 'overlay', 'pay', 'cancelled');
});

test('pseudo-locale: no English while a redirect return is confirmed, nor once it is paid', async ({ page }) => {
  // The first read finds the session open (so the widget confirms: processing); the next ones
  // wait until the test has looked at that state, then say complete.
  let paid!: () => void;
  const released = new Promise<void>((resolve) => (paid = resolve));
  let reads = 0;
  await pseudoPage(page, `<checkout-widget id="back" endpoint="/fake/paid" mode="redirect" locale="en"></checkout-widget>`, {
    query: '?checkout_session=ses_3&checkout_result=accept',
    routes: () =>
      page.route('**/fake/paid/ses_3', async (route) => {
        if (reads++ > 0) await released;
        await route.fulfill({ json: { ...openSession('ses_3'), status: reads > 1 ? 'complete' : 'open' } });
      }),
  });
  await expectOnlyPseudo(page, 'back', 'processing');
  paid();
  await expectOnlyPseudo(page, 'back', 'complete');
});

test('pseudo-locale: no English in the method chooser, nor when a method cannot load', async ({ page }) => {
  const methods = [
    { id: 'card', provider: 'stripe', label: '⟪1⟫', kind: 'stripe-embedded' },
    { id: 'mobilepay', provider: 'sandbox', label: '⟪2⟫', kind: 'hosted' },
  ];
  await pseudoPage(page, `<checkout-widget id="chooser" endpoint="/fake/card" methods="choose" locale="en"></checkout-widget>`, {
    routes: async () => {
      await page.route('**/fake/card/methods', (route) => route.fulfill({ json: { methods } }));
      await page.route('**/fake/card', (route) =>
        route.fulfill({ status: 201, json: { ...openSession('ses_4'), provider: 'stripe', kind: 'stripe-embedded', client_secret: 'cs_test_4_secret_x', publishable_key: 'pk_test_4' } }),
      );
      await page.route('https://js.stripe.com/**', (route) => route.abort());
    },
  });
  await expectOnlyPseudo(page, 'chooser', 'methods', 'continue');
  await widget(page, 'chooser').getByRole('radio', { name: '⟪1⟫' }).check();
  await widget(page, 'chooser').locator('[part~="continue"]').click();
  await expectOnlyPseudo(page, 'chooser', 'methods', 'continue', 'unavailable', 'provider_load_failed', 'choose_another');
});

test('the sandbox payment page of an fr-CH session is French (the chain: fr-CH → fr)', async ({ page, request }) => {
  const response = await request.post(SESSIONS_PATH, { data: { items: [{ sku: 'coffee-beans', quantity: 2 }], locale: 'fr-CH' } });
  expect(response.status()).toBe(201);
  const session = (await response.json()) as { url: string };
  await page.goto(session.url);
  await expect(page.locator('html')).toHaveAttribute('lang', 'fr');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(/^Payer 498[.,’\s]00/);
  await expect(page.getByLabel('Numéro de carte')).toBeVisible();
  await expect(page.getByRole('tab', { name: 'Carte' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Annuler le paiement' })).toBeVisible();
});
