/**
 * Stripe embedded checkout (`kind: 'stripe-embedded'`). Loaded lazily by the renderer registry,
 * so Stripe code stays out of the main bundle. `@stripe/stripe-js/pure` injects no script on
 * import: Stripe.js is fetched only when a session needs it.
 */
import { loadStripe } from '@stripe/stripe-js/pure';
import type {
  Stripe,
  StripeConstructorOptions,
  StripeEmbeddedCheckout,
  StripeEmbeddedCheckoutOptions,
} from '@stripe/stripe-js';
import { CheckoutError } from '../../core/errors.js';
import type { CheckoutSession } from '../../core/protocol.js';
import type { Renderer, RendererFactory, RendererHost } from '../../renderers/types.js';
import { takeEmbeddedCheckoutTurn, type ReleaseTurn } from './page-guard.js';

export type LoadStripe = (
  publishableKey: string,
  options?: StripeConstructorOptions,
) => Promise<Stripe | null>;

type CreateEmbeddedCheckout = (options: StripeEmbeddedCheckoutOptions) => Promise<StripeEmbeddedCheckout>;

/** Stripe.js before the "dahlia" release named the call `initEmbeddedCheckout`. */
interface AnyStripeJs {
  createEmbeddedCheckoutPage?: CreateEmbeddedCheckout;
  initEmbeddedCheckout?: CreateEmbeddedCheckout;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A host page may already load an older Stripe.js than ours, and on the new one the old name
 * throws, so each name is feature-detected rather than tried.
 */
function embeddedCheckoutCreator(stripe: Stripe): CreateEmbeddedCheckout {
  const stripeJs = stripe as unknown as AnyStripeJs;
  if (typeof stripeJs.createEmbeddedCheckoutPage === 'function') {
    return stripeJs.createEmbeddedCheckoutPage.bind(stripe);
  }
  if (typeof stripeJs.initEmbeddedCheckout === 'function') {
    return stripeJs.initEmbeddedCheckout.bind(stripe);
  }
  throw new CheckoutError(
    'provider_load_failed',
    'The loaded Stripe.js offers neither createEmbeddedCheckoutPage nor initEmbeddedCheckout.',
  );
}

/**
 * One Stripe Embedded Checkout for one session.
 *
 * Two widgets on one page: Stripe allows one Embedded Checkout object per page, so the second
 * widget's `mount` WAITS (the widget stays `loading`) until the first one is torn down (reset,
 * removed from the page, or finished and reset), then mounts. Nothing is thrown and nothing is
 * reported while it waits. See `page-guard.ts`.
 *
 * Teardown (`destroy()`, which the widget calls) waits for a creation call already in flight
 * and destroys what it returns, so a fast reset never leaves an instance behind. It is safe to
 * call twice: Stripe's own `destroy()` throws on a second call, so it is called at most once.
 *
 * The client secret only ever goes to `fetchClientSecret`; it is kept out of every error message.
 */
export class StripeEmbeddedRenderer implements Renderer {
  readonly #load: LoadStripe;
  /** Aborted by teardown: every step of a mount checks it after each wait. */
  readonly #stop = new AbortController();
  #mounted = false;
  #teardown: Promise<void> | undefined;
  /** The in-flight creation call; settles (never rejects) once Stripe answered. */
  #pendingCreation: Promise<void> | undefined;
  #checkout: StripeEmbeddedCheckout | undefined;
  #releaseTurn: ReleaseTurn | undefined;

  constructor(load: LoadStripe = loadStripe) {
    this.#load = load;
  }

  /** Resolves once the checkout is mounted or torn down; rejects with a `CheckoutError` when it cannot be shown. */
  async mount(session: CheckoutSession, host: RendererHost): Promise<void> {
    if (this.#mounted) throw new Error('A Stripe renderer mounts one session only; create a new renderer.');
    this.#mounted = true;
    if (this.#stop.signal.aborted) return;
    // Embedded checkout lives on the shop's page: every mode shows it inline, so the window a
    // popup-mode click opened (before the session's kind was known) is not needed.
    if (host.popup && !host.popup.closed) host.popup.close();

    try {
      await this.#create(session, host);
    } catch (error) {
      if (this.#stop.signal.aborted) return;
      // No cause: a provider's error may quote the client secret.
      const failure =
        error instanceof CheckoutError
          ? error
          : new CheckoutError('provider_load_failed', `Stripe embedded checkout failed: ${messageOf(error)}`, { retryable: true });
      const secret = session.client_secret;
      if (secret) failure.message = failure.message.split(secret).join('[client secret]');
      throw failure;
    }
  }

  destroy(): Promise<void> {
    this.#teardown ??= this.#tearDown();
    return this.#teardown;
  }

  async #tearDown(): Promise<void> {
    this.#stop.abort();
    // A creation call cannot be cancelled: wait for its instance so it can be destroyed.
    await this.#pendingCreation;
    this.#destroyInstance();
  }

  async #create(session: CheckoutSession, host: RendererHost): Promise<void> {
    const clientSecret = session.client_secret;
    if (!clientSecret) {
      throw new CheckoutError('invalid_session', 'The stripe-embedded session has no client_secret.');
    }
    const publishableKey = session.publishable_key ?? host.publishableKey;
    if (!publishableKey) {
      throw new CheckoutError(
        'invalid_session',
        'The stripe-embedded session has no publishable_key and the widget has no publishable-key.',
      );
    }

    let stripe: Stripe | null;
    try {
      // @stripe/stripe-js 10.x forgets a failed load, so the next mount (Try again) loads anew.
      stripe = await this.#load(
        publishableKey,
        session.stripe_account ? { stripeAccount: session.stripe_account } : undefined,
      );
    } catch (error) {
      throw new CheckoutError('provider_load_failed', `Stripe.js could not be loaded: ${messageOf(error)}`, { retryable: true });
    }
    if (!stripe) throw new CheckoutError('provider_load_failed', 'Stripe.js is not available here.', { retryable: true });
    if (this.#stop.signal.aborted) return;
    const createCheckout = embeddedCheckoutCreator(stripe);

    const release = await takeEmbeddedCheckoutTurn(this.#stop.signal);
    if (!release) return;
    if (this.#stop.signal.aborted) {
      release();
      return;
    }
    // The turn is ours until this renderer's instance is destroyed.
    this.#releaseTurn = release;
    try {
      const creation = createCheckout({
        fetchClientSecret: () => Promise.resolve(clientSecret),
        onComplete: () => {
          if (!this.#stop.signal.aborted) host.report({ type: 'accept', params: {} });
        },
      }).then((checkout) => {
        this.#checkout = checkout;
      });
      this.#pendingCreation = creation.catch(() => undefined);
      await creation;
      if (this.#stop.signal.aborted) return;
      // Stripe refuses shadow roots and detached nodes: a light-DOM child shown through the slot.
      if (!this.#checkout) throw new Error('Stripe.js returned no embedded checkout.');
      this.#checkout.mount(host.lightMount());
    } catch (error) {
      this.#destroyInstance();
      throw error;
    }
    host.report({ type: 'ready' });
  }

  #destroyInstance(): void {
    const checkout = this.#checkout;
    this.#checkout = undefined;
    try {
      checkout?.destroy();
    } catch {
      // Already destroyed by Stripe itself: nothing is left to free.
    } finally {
      this.#releaseTurn?.();
      this.#releaseTurn = undefined;
    }
  }
}

/** The session kind this renderer draws (the provider registry reads it). */
export const SESSION_KIND = 'stripe-embedded';

export const createRenderer: RendererFactory = () => new StripeEmbeddedRenderer();
export default createRenderer;
