import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { expect, test, type Locator, type Page, type Route } from '@playwright/test';
import { axeFor } from '../../../e2e/support/axe.js';

/**
 * WCAG 2.2 AA of `<checkout-widget>` in every state: axe (every rule, every impact) finds
 * nothing, there is one live region, every control is at least 24 × 24 px, and focus lands on
 * the message or the trigger after an outcome. The endpoint and the hosted page are `page.route`
 * fakes whose answers each test picks. Needs `vite build` (and `--mode iife`) first.
 */

const SHOP = 'http://shop.test';
const PSP = 'http://psp.test';
const CDN_DIR = fileURLToPath(new URL('../../../dist/cdn/', import.meta.url));
const ENDPOINT = '/api/checkout/sessions';

/** What `POST {endpoint}/methods` answers for a widget with `methods="choose"`. */
const METHODS = [
  { id: 'card', provider: 'sandbox', label: 'Card', kind: 'hosted' },
  { id: 'mobilepay', provider: 'sandbox', label: 'MobilePay', kind: 'hosted' },
];

type Status = 'open' | 'complete' | 'cancelled' | 'expired' | 'failed';
/** How the fake endpoint answers: a session with this status, an HTTP error, a dropped connection, a hold. */
type Answer = Status | number | 'abort' | 'hold';

interface Fake {
  create: Answer;
  read: Answer;
  /** A CDN file (name prefix) that fails to load. */
  missing?: string;
  /** Answer in Reepay's native shape (`{ id, url }`), which only the validators chunk reads. */
  native?: boolean;
}

function session(id: string, answer: Answer) {
  const status = typeof answer === 'string' && answer !== 'abort' && answer !== 'hold' ? answer : 'open';
  return {
    id,
    provider: 'sandbox',
    kind: 'hosted',
    status,
    url: `${PSP}/pay/${id}`,
    amount: 12_500,
    currency: 'DKK',
    expires_at: new Date(Date.now() + 3_600_000).toISOString(),
  };
}

async function answer(route: Route, with_: Answer, id: string): Promise<void> {
  if (with_ === 'hold') return; // never answered: the widget waits
  if (with_ === 'abort') return route.abort('connectionrefused');
  if (typeof with_ === 'number') return route.fulfill({ status: with_, json: { error: { code: 'x', message: `failure ${with_}` } } });
  return route.fulfill({ status: 201, json: session(id, with_) });
}

/** An accessible hosted page: its "Pay now" posts accept, "Cancel" posts cancel. */
const hostedPage = (id: string) => `<!doctype html><html lang="en"><title>Pay</title><h1>Pay DKK 125.00</h1>
<button id="pay">Pay now</button> <button id="cancel">Cancel</button><script>
  const post = (event) => parent.postMessage({ type: 'checkout-widget', version: 1, session: ${JSON.stringify(id)}, event, params: {} }, '*');
  document.getElementById('pay').onclick = () => post('accept');
  document.getElementById('cancel').onclick = () => post('cancel');
</script></html>`;

async function setUp(page: Page, widget: string, fake: Fake, options: { dir?: string } = {}): Promise<Fake> {
  const html = `<!doctype html><html lang="en" dir="${options.dir ?? 'ltr'}"><head><title>Shop</title>
    <script type="module" src="/cdn/checkout-widget.js"></script></head>
    <body><main><h1>Checkout</h1>${widget}</main><script>
      window.__codes = [];
      document.addEventListener('checkout-error', (event) => window.__codes.push(event.detail.code));
    </script></body></html>`;
  await page.context().route(`${SHOP}/**`, async (route) => {
    const request = route.request();
    const url = new URL(request.url());
    if (url.pathname.startsWith('/cdn/')) {
      const name = url.pathname.slice(5);
      const body = fake.missing && name.startsWith(fake.missing) ? null : await readFile(CDN_DIR + name).catch(() => null);
      return body ? route.fulfill({ body, contentType: 'text/javascript' }) : route.fulfill({ status: 404 });
    }
    if (url.pathname === ENDPOINT && fake.native) {
      const id = 'cs_0123456789abcdef0123456789abcdef';
      return route.fulfill({ status: 201, json: { id, url: `https://checkout.reepay.com/#/${id}` } });
    }
    if (url.pathname === `${ENDPOINT}/methods`) return route.fulfill({ status: 200, json: { methods: METHODS } });
    if (url.pathname === ENDPOINT) return answer(route, fake.create, 'ses_1');
    if (url.pathname.startsWith(`${ENDPOINT}/`)) return answer(route, fake.read, 'ses_1');
    return route.fulfill({ contentType: 'text/html', body: html });
  });
  await page.context().route(`${PSP}/**`, (route) => route.fulfill({ contentType: 'text/html', body: hostedPage('ses_1') }));
  await page.goto(`${SHOP}/shop.html`);
  return fake;
}

const widget = (page: Page) => page.locator('checkout-widget');
const errorCodes = (page: Page) => page.evaluate(() => (window as unknown as { __codes: string[] }).__codes);
const frame = (page: Page) => widget(page).locator('iframe').contentFrame();

/** Every axe rule, every impact (best practices too), the hosted frame included (when there is one). */
async function expectNoViolations(page: Page): Promise<void> {
  const { violations } = await axeFor(page).analyze();
  expect(violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((node) => node.target.join(' ')) }))).toEqual([]);
}

/** One live region in the widget, always there; no alert inside it or beside it. */
async function expectOneLiveRegion(page: Page): Promise<void> {
  await expect(widget(page).locator('[role=status], [role=alert], [aria-live]')).toHaveCount(1);
  await expect(widget(page).locator('[role=status]')).toHaveCount(1);
}

/** WCAG 2.2 target size (2.5.8): every control on screen is at least 24 × 24 CSS px. */
async function expectTargetSizes(buttons: Locator): Promise<void> {
  for (const button of await buttons.all()) {
    if (!(await button.isVisible())) continue;
    const box = (await button.boundingBox())!;
    expect(box.width, await button.innerText()).toBeGreaterThanOrEqual(24);
    expect(box.height, await button.innerText()).toBeGreaterThanOrEqual(24);
  }
}

async function expectAccessible(page: Page, state: string): Promise<void> {
  await expect(widget(page)).toHaveAttribute('state', state, { timeout: 15_000 });
  // The loading text fades in: contrast is measured once it is there.
  if (state === 'loading') await expect(widget(page).locator('[part=loading]')).toHaveCSS('opacity', '1');
  await expectOneLiveRegion(page);
  await expectTargetSizes(widget(page).getByRole('button'));
  await expectNoViolations(page);
}

const embedded = `<checkout-widget endpoint="${ENDPOINT}"></checkout-widget>`;
/** `methods="choose"`: the fake endpoint offers two hosted methods. */
const chooser = `<checkout-widget endpoint="${ENDPOINT}" methods="choose"></checkout-widget>`;
const overlay = `<checkout-widget endpoint="${ENDPOINT}" mode="overlay"></checkout-widget>`;

test.describe('<checkout-widget> accessibility', () => {
  test('idle (overlay trigger)', async ({ page }) => {
    await setUp(page, overlay, { create: 'open', read: 'open' });
    await expect(widget(page).getByRole('button', { name: 'Pay' })).toBeVisible();
    await expectAccessible(page, 'idle');
  });

  test('loading (embedded): the one live region says so', async ({ page }) => {
    await setUp(page, embedded, { create: 'hold', read: 'open' });
    await expect(widget(page).getByRole('status')).toHaveText('Loading checkout…');
    await expectAccessible(page, 'loading');
  });

  test('ready (embedded)', async ({ page }) => {
    await setUp(page, embedded, { create: 'open', read: 'open' });
    await expect(frame(page).getByRole('button', { name: 'Pay now' })).toBeVisible();
    await expectAccessible(page, 'ready');
    await expect(widget(page).getByRole('status')).toHaveText('');
  });

  test('overlay open: the close button has focus and a name', async ({ page }) => {
    await setUp(page, overlay, { create: 'open', read: 'open' });
    await widget(page).getByRole('button', { name: 'Pay' }).press('Enter');
    const dialog = widget(page).getByRole('dialog', { name: 'Checkout' });
    await expect(dialog.locator('iframe').contentFrame().getByRole('button', { name: 'Pay now' })).toBeVisible();
    await expect(dialog.getByRole('button', { name: 'Close checkout' })).toBeFocused();
    await expectAccessible(page, 'ready');
  });

  test('processing (an accept being confirmed)', async ({ page }) => {
    const fake = await setUp(page, embedded, { create: 'open', read: 'open' });
    await expect(widget(page)).toHaveAttribute('state', 'ready');
    fake.read = 'hold';
    await frame(page).getByRole('button', { name: 'Pay now' }).click();
    await expect(widget(page).getByRole('status')).toHaveText('Confirming your payment…');
    await expectAccessible(page, 'processing');
  });

  test('complete (embedded): focus leaves the removed frame for the message, which the region does not announce again', async ({ page }) => {
    const fake = await setUp(page, embedded, { create: 'open', read: 'open' });
    await expect(widget(page)).toHaveAttribute('state', 'ready');
    fake.read = 'complete';
    await frame(page).getByRole('button', { name: 'Pay now' }).focus();
    await page.keyboard.press('Enter');
    await expectAccessible(page, 'complete');
    await expect(widget(page).locator('[part=message]')).toBeFocused();
    // Read once, by focus: the live region is quiet for it.
    await expect(widget(page).getByRole('status')).toHaveAttribute('aria-live', 'off');
  });

  test('complete (overlay): focus goes to the message, not <body>', async ({ page }) => {
    const fake = await setUp(page, overlay, { create: 'open', read: 'open' });
    await widget(page).getByRole('button', { name: 'Pay' }).press('Enter');
    await expect(widget(page)).toHaveAttribute('state', 'ready');
    fake.read = 'complete';
    // Focus, then the keyboard: the Enter removes the frame, and a locator's press() would wait on
    // the gone frame until the test's timeout (as in the embedded test above).
    await frame(page).getByRole('button', { name: 'Pay now' }).focus();
    await page.keyboard.press('Enter');
    await expectAccessible(page, 'complete');
    await expect(widget(page).getByRole('dialog')).toHaveCount(0);
    await expect(widget(page).locator('[part=message]')).toBeFocused();
  });

  test('cancelled (embedded): focus on the message, "Start again" next', async ({ page }) => {
    await setUp(page, embedded, { create: 'open', read: 'open' });
    await frame(page).getByRole('button', { name: 'Cancel' }).press('Enter');
    await expectAccessible(page, 'cancelled');
    await expect(widget(page).locator('[part=message]')).toBeFocused();
    await page.keyboard.press('Tab');
    await expect(widget(page).getByRole('button', { name: 'Start again' })).toBeFocused();
  });

  test('cancelled (overlay): focus back on the trigger, the message announced', async ({ page }) => {
    await setUp(page, overlay, { create: 'open', read: 'open' });
    await widget(page).getByRole('button', { name: 'Pay' }).press('Enter');
    await frame(page).getByRole('button', { name: 'Cancel' }).focus();
    await page.keyboard.press('Enter');
    await expectAccessible(page, 'cancelled');
    await expect(widget(page).getByRole('button', { name: 'Pay' })).toBeFocused();
    await expect(widget(page).getByRole('status')).not.toHaveAttribute('aria-live', 'off');
  });

  test('expired (overlay, found by the status watch): focus on the trigger', async ({ page }) => {
    const fake = await setUp(page, overlay, { create: 'open', read: 'open' });
    await widget(page).getByRole('button', { name: 'Pay' }).press('Enter');
    await expect(widget(page)).toHaveAttribute('state', 'ready');
    await frame(page).getByRole('button', { name: 'Pay now' }).focus();
    fake.read = 'expired';
    await expectAccessible(page, 'expired');
    await expect(widget(page).getByRole('button', { name: 'Pay' })).toBeFocused();
  });

  test('expired (a session that is already expired)', async ({ page }) => {
    await setUp(page, embedded, { create: 'expired', read: 'expired' });
    await expectAccessible(page, 'expired');
    // Focus was on <body> from the page load, and the widget had nothing else: the message has it.
    await expect(widget(page).locator('[part=message]')).toBeFocused();
  });

  const errors: { code: string; fake: Fake; mode?: string }[] = [
    { code: 'endpoint_unreachable', fake: { create: 'abort', read: 'open' } },
    { code: 'endpoint_error', fake: { create: 400, read: 'open' } },
    { code: 'invalid_session', fake: { create: 'open', read: 'open' }, mode: 'payload="{oops"' },
    { code: 'provider_load_failed', fake: { create: 'open', read: 'open', native: true, missing: 'checkout-session-schema-' } },
    { code: 'payment_failed', fake: { create: 'failed', read: 'failed' } },
  ];
  for (const { code, fake, mode } of errors) {
    test(`error ${code}: in the live region, focused`, async ({ page }) => {
      await setUp(page, `<checkout-widget endpoint="${ENDPOINT}" ${mode ?? ''}></checkout-widget>`, fake);
      await expectAccessible(page, 'error');
      const error = widget(page).locator('[part=error]');
      await expect(widget(page).getByRole('status').locator('[part=error]')).toHaveCount(1);
      await expect(error).toBeFocused();
      expect(await errorCodes(page)).toEqual([code]);
    });
  }

  test('error popup_blocked (popup-fallback="none"): the trigger keeps focus, the error is announced', async ({ page }) => {
    await setUp(page, `<checkout-widget endpoint="${ENDPOINT}" mode="popup" popup-fallback="none"></checkout-widget>`, { create: 'open', read: 'open' });
    await page.evaluate(() => {
      window.open = () => null;
    });
    await widget(page).getByRole('button', { name: 'Pay' }).press('Enter');
    await expectAccessible(page, 'error');
    await expect(widget(page).locator('[part=error]')).toContainText('blocked');
    await expect(widget(page).getByRole('button', { name: 'Pay' })).toBeFocused();
  });

  test('error verification_failed (an accept the endpoint never confirms)', async ({ page }) => {
    // The widget gives up after its confirm reads, 6 s of waits apart: a fake clock runs them (as in
    // checkout-widget.spec), in steps that let each read answer before the next wait is due.
    await page.clock.install();
    await setUp(page, embedded, { create: 'open', read: 'open' });
    await frame(page).getByRole('button', { name: 'Pay now' }).click();
    await expect(widget(page)).toHaveAttribute('state', 'processing');
    await expect
      .poll(async () => {
        await page.clock.runFor(500);
        return widget(page).getAttribute('state');
      }, { intervals: [50], timeout: 30_000 })
      .toBe('error');
    await expectAccessible(page, 'error');
    await expect(widget(page).locator('[part=error]')).toContainText('could not be confirmed');
    expect(await errorCodes(page)).toEqual(['verification_failed']);
  });

  test('RTL: the overlay close button sits at the inline end (the left)', async ({ page }) => {
    await setUp(page, overlay, { create: 'open', read: 'open' }, { dir: 'rtl' });
    await widget(page).getByRole('button', { name: 'Pay' }).press('Enter');
    const dialog = widget(page).getByRole('dialog');
    await expect(widget(page)).toHaveAttribute('state', 'ready');
    const box = (await dialog.boundingBox())!;
    const close = (await dialog.getByRole('button', { name: 'Close checkout' }).boundingBox())!;
    expect(close.x - box.x).toBeLessThan(4);
    expect(close.x + close.width).toBeLessThan(box.x + box.width / 2);
  });

  test('forced colors: buttons keep a border, focus rings use Highlight; reduced motion: no fade', async ({ page }) => {
    await page.emulateMedia({ forcedColors: 'active', reducedMotion: 'reduce' });
    await setUp(page, embedded, { create: 'hold', read: 'open' });
    await expect(widget(page).locator('[part=loading]')).toHaveCSS('animation-name', 'none');
    await page.evaluate(() => document.querySelector('checkout-widget')!.setAttribute('mode', 'overlay'));
    const trigger = widget(page).getByRole('button', { name: 'Pay' });
    await expect(trigger).toHaveCSS('border-top-style', 'solid');
    await expect(trigger).toHaveCSS('border-top-width', '1px');
    await page.keyboard.press('Tab');
    await expect(trigger).toBeFocused();
    await expectRing(trigger, await systemColor(page, 'Highlight'));
  });

  test('forced colors: the error box, its retry button, the chooser’s Continue and the dialog’s close ring stay visible in system colours', async ({ page }) => {
    await page.emulateMedia({ forcedColors: 'active' });
    // An unreachable endpoint: the error box with its "Try again".
    await setUp(page, embedded, { create: 'abort', read: 'open' });
    const canvasText = await systemColor(page, 'CanvasText');
    const highlight = await systemColor(page, 'Highlight');
    const error = widget(page).locator('[part=error]');
    await expect(error).toBeVisible();
    await expectSystemBorder(error, canvasText);
    await expectSystemBorder(widget(page).getByRole('button', { name: 'Try again' }), canvasText);

    // The chooser's Continue: its own style says `border: 0` on an accent background (dropped in forced colours); the widget's forced-colours border must win.
    await setUp(page, chooser, { create: 'open', read: 'open' });
    const continueButton = widget(page).getByRole('button', { name: 'Continue' });
    await expectSystemBorder(continueButton, canvasText);
    await widget(page).getByRole('radio', { name: 'Card' }).focus();
    await page.keyboard.press('Tab');
    await expect(continueButton).toBeFocused();
    await expectRing(continueButton, highlight);

    // The overlay's close button has no border of its own (a "×" glyph): its focus ring must show.
    await setUp(page, overlay, { create: 'open', read: 'open' });
    await widget(page).getByRole('button', { name: 'Pay' }).press('Enter');
    const close = widget(page).getByRole('button', { name: 'Close checkout' });
    await expect(close).toBeFocused();
    await expectRing(close, highlight);
  });
});

/** A system colour as the browser computes it (forced colours map to the platform's palette). */
function systemColor(page: Page, name: string): Promise<string> {
  return page.evaluate((color) => {
    const probe = document.createElement('div');
    probe.style.color = color;
    document.body.append(probe);
    const value = getComputedStyle(probe).color;
    probe.remove();
    return value;
  }, name);
}

async function expectSystemBorder(element: Locator, color: string): Promise<void> {
  await expect(element).toHaveCSS('border-top-style', 'solid');
  await expect(element).toHaveCSS('border-top-width', '1px');
  await expect(element).toHaveCSS('border-top-color', color);
}

async function expectRing(element: Locator, color: string): Promise<void> {
  await expect(element).not.toHaveCSS('outline-style', 'none');
  await expect(element).toHaveCSS('outline-width', '2px');
  await expect(element).toHaveCSS('outline-color', color);
}

/**
 * Beyond axe: the accessibility tree of each state in two languages (aria snapshots), the live
 * region's text, reflow at 320 px (what 400 % zoom of a 1280 px screen is; 200 % of a 640 px one),
 * and reduced motion with no animation or transition running.
 */
test.describe('<checkout-widget> beyond axe', () => {
  const TEXTS = {
    en: { pay: 'Pay', loading: 'Loading checkout…', retry: 'Try again', restart: 'Start again', cancelled: 'Checkout cancelled.', complete: 'Payment complete.', error: 'The checkout could not be started. Try again in a moment.', close: 'Close checkout', checkout: 'Checkout' },
    da: { pay: 'Betal', loading: 'Indlæser betaling…', retry: 'Prøv igen', restart: 'Start forfra', cancelled: 'Betalingen blev annulleret.', complete: 'Betalingen er gennemført.', error: 'Betalingen kunne ikke startes. Prøv igen om lidt.', close: 'Luk betaling', checkout: 'Betaling' },
  } as const;

  for (const language of ['en', 'da'] as const) {
    const t = TEXTS[language];
    const tag = (attributes: string) => `<checkout-widget endpoint="${ENDPOINT}" locale="${language}" ${attributes}></checkout-widget>`;

    test(`${language}: idle (overlay trigger), then the open dialog, then cancelled`, async ({ page }) => {
      await setUp(page, tag('mode="overlay"'), { create: 'open', read: 'open' });
      await expect(widget(page).getByRole('button', { name: t.pay })).toBeVisible();
      await expect(widget(page)).toMatchAriaSnapshot(`
        - button "${t.pay}"
        - status
      `);
      await widget(page).getByRole('button', { name: t.pay }).click();
      await expect(widget(page)).toHaveAttribute('state', 'ready');
      await expect(widget(page)).toMatchAriaSnapshot(`
        - dialog "${t.checkout}":
          - button "${t.close}"
          - iframe
      `);
      await widget(page).getByRole('button', { name: t.close }).click();
      await expect(widget(page)).toHaveAttribute('state', 'cancelled');
      await expect(widget(page)).toMatchAriaSnapshot(`
        - button "${t.pay}"
        - status: ${t.cancelled}
      `);
      // Focus is back on the trigger after the overlay closed.
      await expect(widget(page).getByRole('button', { name: t.pay })).toBeFocused();
    });

    test(`${language}: loading, then an error with "${t.retry}" in the live region`, async ({ page }) => {
      const fake = await setUp(page, tag(''), { create: 'hold', read: 'open' });
      await expect(widget(page).locator('[role=status]')).toHaveText(t.loading);
      await expect(widget(page)).toMatchAriaSnapshot(`
        - status: ${t.loading}
      `);
      fake.create = 400;
      await page.evaluate(() => document.querySelector('checkout-widget')!.reset());
      await page.evaluate(() => void document.querySelector('checkout-widget')!.start());
      await expect(widget(page)).toHaveAttribute('state', 'error');
      await expect(widget(page).locator('[role=status]')).toContainText(t.error);
      await expect(widget(page)).toMatchAriaSnapshot(`
        - status:
          - text: ${t.error}
      `);
    });

    test(`${language}: complete (embedded), the message in the live region`, async ({ page }) => {
      await setUp(page, tag(''), { create: 'open', read: 'complete' });
      await expect(widget(page)).toHaveAttribute('state', 'ready');
      await frame(page).getByRole('button', { name: 'Pay now' }).click();
      await expect(widget(page)).toHaveAttribute('state', 'complete');
      await expect(widget(page)).toMatchAriaSnapshot(`
        - status: ${t.complete}
      `);
    });
  }

  /**
   * Reflow: 200 % zoom is emulated as what the page sees at 200 % of a 1280 px screen, a 640 CSS px
   * viewport with deviceScaleFactor 2 (the pixels a zoomed page renders with); 320 px is 400 %.
   */
  for (const zoom of [
    { name: '200 % zoom (640 CSS px, deviceScaleFactor 2)', width: 640, height: 400, deviceScaleFactor: 2 },
    { name: '320 px wide (400 % zoom)', width: 320, height: 640, deviceScaleFactor: 1 },
  ]) {
    test.describe(zoom.name, () => {
      test.use({ viewport: { width: zoom.width, height: zoom.height }, deviceScaleFactor: zoom.deviceScaleFactor });

      /** No sideways scrolling on the page, and each visible element of the widget inside the width, none cut by its box. */
      async function expectReflows(page: Page, parts: Locator, label: string): Promise<void> {
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        expect(overflow, label).toBeLessThanOrEqual(0);
        let seen = 0;
        for (const part of await parts.all()) {
          if (!(await part.isVisible())) continue;
          seen += 1;
          const box = (await part.boundingBox())!;
          expect(box.x, label).toBeGreaterThanOrEqual(0);
          expect(box.x + box.width, label).toBeLessThanOrEqual(zoom.width);
          // Its content is not cut off sideways (text wraps instead).
          expect(await part.evaluate((element) => element.scrollWidth - element.clientWidth), label).toBeLessThanOrEqual(0);
        }
        expect(seen, label).toBeGreaterThan(0);
      }

      test('the trigger, and the error with its button, in every mode', async ({ page }) => {
        await setUp(page, overlay, { create: 400, read: 'open' });
        await expectReflows(page, widget(page).locator('[part=trigger]'), 'trigger');
        for (const mode of ['embedded', 'overlay'] as const) {
          await setUp(page, `<checkout-widget endpoint="${ENDPOINT}" mode="${mode}"></checkout-widget>`, { create: 400, read: 'open' });
          if (mode === 'overlay') await widget(page).getByRole('button', { name: 'Pay' }).click();
          await expect(widget(page)).toHaveAttribute('state', 'error');
          await expectReflows(page, widget(page).locator('[part=error], button'), mode);
        }
      });

      test('the method chooser: every method and Continue', async ({ page }) => {
        await setUp(page, chooser, { create: 'open', read: 'open' });
        await expect(widget(page).getByRole('radio')).toHaveCount(2);
        await expectReflows(page, widget(page).locator('[part~=methods], [part~=method], [part~=continue]'), 'chooser');
      });

      test('the open overlay: the dialog fits the width, its close button in view', async ({ page }) => {
        await setUp(page, overlay, { create: 'open', read: 'open' });
        await widget(page).getByRole('button', { name: 'Pay' }).click();
        await expect(widget(page)).toHaveAttribute('state', 'ready');
        await expectReflows(page, widget(page).getByRole('dialog'), 'dialog');
        const close = (await widget(page).getByRole('button', { name: 'Close checkout' }).boundingBox())!;
        expect(close.x).toBeGreaterThanOrEqual(0);
        expect(close.x + close.width).toBeLessThanOrEqual(zoom.width);
        expect(close.y).toBeGreaterThanOrEqual(0);
      });
    });
  }

  test('reduced motion: no animation or transition runs in the widget, in any state shown', async ({ page }) => {
    await page.emulateMedia({ reducedMotion: 'reduce' });
    await setUp(page, embedded, { create: 'hold', read: 'open' });
    await expect(widget(page)).toHaveAttribute('state', 'loading');
    const running = () =>
      widget(page).evaluate((element) => element.shadowRoot!.getAnimations().map((animation) => animation.constructor.name));
    expect(await running()).toEqual([]);
    // Without the preference the loading text fades in: the check above can fail.
    await page.emulateMedia({ reducedMotion: 'no-preference' });
    await page.evaluate(() => {
      const element = document.querySelector('checkout-widget')!;
      element.reset();
      void element.start();
    });
    await expect.poll(running).not.toEqual([]);
  });
});
