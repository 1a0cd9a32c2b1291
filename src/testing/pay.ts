/**
 * `payInSandbox(page, …)`: pays (or declines, cancels, …) a sandbox checkout the way a shopper
 * does, in whatever display mode the widget is in, through the method chooser, and for every
 * sandbox session kind: the hosted page, `card-token` (the PSP's card frame, or the Mollie
 * Components double of `sandbox-mollie`) and the Adyen Drop-in double of `sandbox-dropin`.
 * Playwright is taken by type only (`import type`), so the widget itself never needs it installed.
 */
import type { Frame, FrameLocator, Locator, Page } from '@playwright/test';
import { SANDBOX_BLIK_CODES, SANDBOX_TEST_CARDS } from '../providers/sandbox/psp/cards.js';

/** What `payInSandbox` does on the sandbox's page: the outcome the shopper brings about. */
export type SandboxOutcome = 'success' | 'decline' | '3ds-pass' | '3ds-fail' | 'cancel' | 'blik' | 'blik-decline';

/** Every `SandboxOutcome`, for loops in tests. */
export const SANDBOX_OUTCOMES: readonly SandboxOutcome[] = ['success', 'decline', '3ds-pass', '3ds-fail', 'cancel', 'blik', 'blik-decline'];

/** Options of `payInSandbox`. */
export interface PayInSandboxOptions {
  /** Default `success`. */
  outcome?: SandboxOutcome;
  /** The card number to type (spaces allowed); default the outcome's test card from `SANDBOX_TEST_CARDS`. */
  card?: string;
  /**
   * With a method chooser (`methods="choose"`): the method id to pick. Default `blik` for the BLIK
   * outcomes, else `card`; the chooser's own preselection when that id is not offered.
   */
  method?: string;
  /** The widget, when the page has more than one (default: the page's only `checkout-widget`, in any open shadow root). */
  widget?: Locator;
  /** How long to wait for each surface to show up, in ms. Default 15 000. */
  timeout?: number;
}

/**
 * Where the payment happened: the widget's iframe (embedded, overlay), a popup window, the page
 * after a redirect, the card fields on the shop page (`card-token`: the PSP's card frame or the
 * Mollie Components double), or the Adyen Drop-in double on the shop page (`sandbox-dropin`).
 */
export type SandboxSurfaceKind = 'iframe' | 'popup' | 'redirect' | 'card-fields' | 'dropin';

/** What `payInSandbox` did: where it paid, and the popup window when there was one. */
export interface PayInSandboxResult {
  surface: SandboxSurfaceKind;
  popup?: Page;
}

type Surface = Page | Frame | FrameLocator | Locator;

const HOSTED_PAGE = /\/pay\/sbx_/;
const CHALLENGE_PAGE = /\/v1\/3ds\/sbx_/;

function cardFor(outcome: SandboxOutcome): string {
  if (outcome === 'decline') return SANDBOX_TEST_CARDS.declined;
  if (outcome === '3ds-pass' || outcome === '3ds-fail') return SANDBOX_TEST_CARDS.threeDSecure;
  return SANDBOX_TEST_CARDS.success;
}

/**
 * Drives the sandbox checkout on `page` to `options.outcome` (default `success`). It finds the
 * widget, opens the payment (the trigger button when the mode has one), picks the method when the
 * widget shows its chooser, finds the sandbox's surface wherever it is (the widget's iframe, the
 * overlay, a popup window, the page itself after a redirect, a `card-token` session's card fields
 * with their 3-D Secure step, or the Drop-in with its own 3-D Secure step) and fills it in by field
 * names, so any page language works. It returns once the answer is submitted: wait for the
 * outcome the way your shop sees it (`checkout-accept`, the return URL, the order).
 *
 * BLIK (`blik`, `blik-decline`) and `cancel` are hosted-page choices: the card fields and the
 * Drop-in have neither, and the call throws saying so.
 */
export async function payInSandbox(page: Page, options: PayInSandboxOptions = {}): Promise<PayInSandboxResult> {
  const outcome = options.outcome ?? 'success';
  const timeout = options.timeout ?? 15_000;
  const widget = options.widget ?? page.locator('checkout-widget').first();
  const method = options.method ?? (outcome.startsWith('blik') ? 'blik' : 'card');
  const found = await openPayment(page, widget, method, timeout);
  if (found.surface === 'card-fields' || found.surface === 'dropin') {
    if (outcome === 'cancel' || outcome.startsWith('blik')) {
      throw new Error(`payInSandbox: "${outcome}" is a choice on the sandbox's hosted page; this session pays on your page (${found.surface === 'dropin' ? 'the Drop-in' : 'card fields'}), which has none`);
    }
    const card = options.card ?? cardFor(outcome);
    const answer = outcome === '3ds-pass' ? 'complete' : 'fail';
    if (found.surface === 'dropin') {
      const dropin = widget.locator('.sandbox-dropin');
      await fillCard(dropin, card);
      await dropin.getByRole('button', { name: 'Pay', exact: true }).click({ timeout });
      // 3-D Secure inside the Drop-in, as Adyen's native 3-D Secure 2 is.
      if (outcome === '3ds-pass' || outcome === '3ds-fail') {
        await dropin.getByRole('group').getByRole('button', { name: answer === 'complete' ? 'Complete' : 'Fail', exact: true }).click({ timeout });
      }
      return { surface: 'dropin' };
    }
    await fillCardFields(widget, found.frame, card, timeout);
    const popupOpened = page.waitForEvent('popup', { timeout }).catch(() => undefined);
    await widget.locator('button.checkout-card-pay').click({ timeout });
    if (outcome === '3ds-pass' || outcome === '3ds-fail') {
      const challenge = await findChallenge(page, widget, popupOpened, timeout);
      await challenge.surface.locator(`button[name=action][value=${answer}]`).click({ timeout });
      return { surface: 'card-fields', ...(challenge.popup && { popup: challenge.popup }) };
    }
    return { surface: 'card-fields' };
  }
  const surface = found.popup ?? found.frame ?? page;
  await answerHostedPage(surface, outcome, options.card, timeout);
  return { surface: found.surface, ...(found.popup && { popup: found.popup }) };
}

/** Opens the payment and finds where it is: polls for each surface rather than guessing the mode. */
async function openPayment(
  page: Page,
  widget: Locator,
  method: string,
  timeout: number,
): Promise<{ surface: SandboxSurfaceKind; frame?: FrameLocator; popup?: Page }> {
  await widget.waitFor({ state: 'attached', timeout });
  const mode = await widget.evaluate((element) => (element as HTMLElement & { mode?: string }).mode ?? element.getAttribute('mode') ?? 'embedded');
  let popup: Page | undefined;
  const onPopup = (opened: Page) => (popup = opened);
  page.on('popup', onPopup);
  try {
    const hostedFrame = widget.locator('iframe[src*="/pay/sbx_"]');
    const cardForm = widget.locator('.checkout-card');
    const chooser = widget.locator('form[part~="methods"]');
    // A popup-mode trigger opens a window first; a card-token or Drop-in session closes it again and
    // shows its fields on the page: the popup counts once it shows the hosted page, the fields at once.
    const present = async () => {
      if ((await cardForm.count()) > 0) return 'card-fields';
      if ((await widget.locator('.sandbox-dropin').count()) > 0) return 'dropin';
      if (popup?.isClosed()) popup = undefined;
      if (popup && HOSTED_PAGE.test(popup.url())) return 'popup';
      if (HOSTED_PAGE.test(page.url())) return 'redirect';
      if ((await hostedFrame.count()) > 0) return 'iframe';
      if ((await chooser.count()) > 0) return 'chooser';
      return undefined;
    };
    // Embedded shows its page (or chooser) by itself; the other modes open it from the trigger button.
    if (mode !== 'embedded' && !(await present())) await widget.getByRole('button').first().click({ timeout });
    const deadline = Date.now() + timeout;
    let chosen = false;
    for (;;) {
      const kind = await present().catch(() => undefined); // a redirect may swap the page under the check
      if (kind === 'chooser' && !chosen) {
        chosen = true;
        await choose(chooser, method, timeout);
      }
      if (kind === 'popup') {
        await popup!.waitForLoadState('domcontentloaded');
        return { surface: 'popup', popup: popup! };
      }
      if (kind === 'redirect') {
        await page.waitForLoadState('domcontentloaded');
        return { surface: 'redirect' };
      }
      if (kind === 'card-fields') return { surface: 'card-fields', ...(await cardFrameOf(cardForm, deadline)) };
      if (kind === 'dropin') return { surface: 'dropin' };
      if (kind === 'iframe') return { surface: 'iframe', frame: hostedFrame.first().contentFrame() };
      if (Date.now() > deadline) throw new Error(`payInSandbox: no sandbox payment surface (iframe, popup, redirect, card fields or Drop-in) appeared within ${timeout} ms (widget mode "${mode}")`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    page.off('popup', onPopup);
  }
}

/** The method chooser: the method by id (else its preselection), then Continue (which opens a popup-mode window). */
async function choose(chooser: Locator, method: string, timeout: number): Promise<void> {
  const radio = chooser.locator(`input[name="checkout-method"][value="${method.replace(/["\\]/g, '\\$&')}"]`);
  if ((await radio.count()) > 0) await radio.check({ timeout });
  await chooser.locator('[part~="continue"]').click({ timeout });
}

/** A card-token form's fields: the sandbox PSP's card frame (`sandbox-fields`), or the Mollie double's inputs on the page (`sandbox-mollie`). */
async function cardFrameOf(cardForm: Locator, deadline: number): Promise<{ frame?: FrameLocator }> {
  const frame = cardForm.locator('.card-frame iframe');
  const mollie = cardForm.locator('input[name=cardNumber]');
  for (;;) {
    if ((await frame.count()) > 0) return { frame: frame.first().contentFrame() };
    if ((await mollie.count()) > 0) return {};
    if (Date.now() > deadline) throw new Error('payInSandbox: the card-token session showed no card fields (neither the PSP card frame nor Mollie Components)');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Types the card into a card-token session's fields: the PSP's frame, or the Mollie double's four components. */
async function fillCardFields(widget: Locator, frame: FrameLocator | undefined, card: string, timeout: number): Promise<void> {
  if (frame) return fillCard(frame, card);
  const form = widget.locator('.checkout-card');
  await form.locator('input[name=cardNumber]').fill(card, { timeout });
  await form.locator('input[name=cardHolder]').fill('Test Shopper', { timeout });
  await form.locator('input[name=expiryDate]').fill('12/34', { timeout });
  await form.locator('input[name=verificationCode]').fill('123', { timeout });
}

/** The 3-D Secure step of a card-token payment: a popup, the page itself (redirect) or an iframe in the widget. */
async function findChallenge(page: Page, widget: Locator, popupOpened: Promise<Page | undefined>, timeout: number): Promise<{ surface: Surface; popup?: Page }> {
  const deadline = Date.now() + timeout;
  let popup: Page | undefined;
  void popupOpened.then((opened) => (popup = opened));
  const challengeFrame = widget.locator('iframe[src*="/v1/3ds/"]');
  for (;;) {
    if (popup && !popup.isClosed() && CHALLENGE_PAGE.test(popup.url())) {
      await popup.waitForLoadState('domcontentloaded');
      return { surface: popup, popup };
    }
    if (CHALLENGE_PAGE.test(page.url())) return { surface: page };
    if ((await challengeFrame.count().catch(() => 0)) > 0) return { surface: challengeFrame.first().contentFrame() };
    if (Date.now() > deadline) throw new Error(`payInSandbox: the 3-D Secure step did not appear within ${timeout} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function fillCard(surface: Surface, number: string): Promise<void> {
  await surface.locator('input[name=number]').fill(number);
  await surface.locator('input[name=expiry]').fill('12/34');
  await surface.locator('input[name=cvc]').fill('123');
}

/** The hosted page's form, by field names and form actions (the page is translated). */
async function answerHostedPage(surface: Surface, outcome: SandboxOutcome, card: string | undefined, timeout: number): Promise<void> {
  const options = { timeout };
  if (outcome === 'cancel') {
    await surface.locator('form.cancel button').first().click(options);
    return;
  }
  if (outcome === 'blik' || outcome === 'blik-decline') {
    await surface.locator('#tab-blik').click(options);
    await surface.locator('input[name=code]').fill(outcome === 'blik' ? SANDBOX_BLIK_CODES.success : SANDBOX_BLIK_CODES.declined, options);
    await surface.locator('#panel-blik button.pay').click(options);
    return;
  }
  await surface.locator('input[name=number]').waitFor({ timeout });
  await fillCard(surface, card ?? cardFor(outcome));
  await surface.locator('#panel-card button.pay').click(options);
  if (outcome === '3ds-pass' || outcome === '3ds-fail') {
    await surface.locator(`button[name=action][value=${outcome === '3ds-pass' ? 'complete' : 'fail'}]`).click(options);
  }
}
