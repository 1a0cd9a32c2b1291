// A test double of Stripe.js (https://js.stripe.com/<train>/stripe.js), served by the e2e specs
// through `page.route`. It behaves like Stripe.js where the widget depends on it:
//  - `Stripe(pk, options)` records its arguments in `window.__fakeStripe.constructed`;
//  - one live Embedded Checkout per page, a second throws
//    `IntegrationError: You cannot have multiple Embedded Checkout objects.`;
//  - `mount(el)` refuses a target inside a shadow root or detached from the document;
//  - `destroy()` throws when called a second time;
//  - the mounted form has a "Pay" button that calls `onComplete`.
// Options, set as `window.__fakeStripeOptions` before it loads:
//  - `api: 'legacy'` offers only the old `initEmbeddedCheckout` name, as Stripe.js before the
//    "dahlia" release did;
//  - `holdCreation: true` keeps each creation pending until `__fakeStripe.finishCreation()`.
(() => {
  const options = window.__fakeStripeOptions || {};
  const legacy = options.api === 'legacy';

  const record = {
    constructed: [],
    /** Every client secret fetchClientSecret answered, in order. */
    clientSecrets: [],
    created: 0,
    destroyed: 0,
    /** Messages of every error this double threw at the integration. */
    integrationErrors: [],
    live: 0,
    /** Creations held open by `holdCreation`, oldest first. */
    heldCreations: [],
    finishCreation() {
      const finish = record.heldCreations.shift();
      if (!finish) throw new Error('No held creation to finish');
      finish();
    },
  };
  window.__fakeStripe = record;

  class IntegrationError extends Error {
    constructor(message) {
      super(message);
      this.name = 'IntegrationError';
    }
  }

  function fail(message) {
    record.integrationErrors.push(message);
    throw new IntegrationError(message);
  }

  let liveCheckout = null;

  function renderForm(target, onComplete) {
    const frame = document.createElement('div');
    frame.className = 'fake-stripe-embedded-checkout';
    frame.setAttribute('role', 'region');
    frame.setAttribute('aria-label', 'Stripe checkout (test double)');
    const heading = document.createElement('p');
    heading.textContent = 'Test double of Stripe embedded checkout';
    const pay = document.createElement('button');
    pay.type = 'button';
    pay.textContent = 'Pay';
    pay.addEventListener('click', () => {
      pay.disabled = true;
      if (typeof onComplete === 'function') onComplete();
    });
    frame.append(heading, pay);
    target.append(frame);
    return frame;
  }

  function createCheckout(checkoutOptions) {
    if (liveCheckout) fail('You cannot have multiple Embedded Checkout objects.');
    if (!checkoutOptions || (typeof checkoutOptions.fetchClientSecret !== 'function' && !checkoutOptions.clientSecret)) {
      fail('You must provide one of either `fetchClientSecret` or `clientSecret`.');
    }
    const instance = { destroyed: false, frame: null };
    liveCheckout = instance;
    record.created++;
    record.live++;

    const secretReady = (
      checkoutOptions.fetchClientSecret ? checkoutOptions.fetchClientSecret() : Promise.resolve(checkoutOptions.clientSecret)
    ).then((secret) => {
      record.clientSecrets.push(secret);
      return secret;
    });

    const checkout = {
      mount(location) {
        if (instance.destroyed) fail('This Embedded Checkout has been destroyed and cannot be mounted again.');
        const target = typeof location === 'string' ? document.querySelector(location) : location;
        if (!target) fail('The selector you specified does not match any element.');
        if (target.getRootNode() instanceof ShadowRoot) {
          fail('Elements cannot be mounted in a ShadowRoot. Please mount in the Light DOM.');
        }
        if (!target.isConnected) fail('The container element must be attached to the document before mount.');
        void secretReady.then(() => {
          if (!instance.destroyed && !instance.frame) instance.frame = renderForm(target, checkoutOptions.onComplete);
        });
      },
      unmount() {
        instance.frame?.remove();
        instance.frame = null;
      },
      destroy() {
        if (instance.destroyed) fail('This Embedded Checkout has already been destroyed.');
        instance.destroyed = true;
        instance.frame?.remove();
        instance.frame = null;
        liveCheckout = null;
        record.live--;
        record.destroyed++;
      },
    };
    // Stripe.js answers asynchronously.
    return new Promise((resolve) => {
      if (options.holdCreation) record.heldCreations.push(() => resolve(checkout));
      else setTimeout(() => resolve(checkout), 0);
    });
  }

  function Stripe(publishableKey, stripeOptions) {
    if (typeof publishableKey !== 'string' || !publishableKey.startsWith('pk_')) {
      fail('Invalid value for Stripe(): apiKey should be a publishable key.');
    }
    record.constructed.push({ publishableKey, options: stripeOptions ?? null });
    const stripe = { _registerWrapper() {} };
    if (legacy) stripe.initEmbeddedCheckout = createCheckout;
    else stripe.createEmbeddedCheckoutPage = createCheckout;
    return stripe;
  }
  // @stripe/stripe-js warns when the loaded train differs from the one it expects.
  Stripe.version = legacy ? 'basil' : 'endive';
  window.Stripe = Stripe;
})();
