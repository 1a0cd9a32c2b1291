// A test double of Adyen Web v6's UMD build (https://checkoutshopper-<env>.cdn.adyen.com/checkoutshopper/sdk/<v>/adyen.js),
// served by the e2e specs through `page.route`. Where the widget depends on it, it behaves as v6 does:
//  - `window.AdyenWeb = { AdyenCheckout, Dropin }`; `await AdyenCheckout({ environment, clientKey, session, onPaymentCompleted,
//    onPaymentFailed, onError })` records its configuration in `window.__fakeAdyen.configurations`;
//  - `new Dropin(checkout, options)` records `options` in `window.__fakeAdyen.dropinOptions`;
//  - `new Dropin(checkout).mount(element)` THROWS for a target inside a shadow root (the real one's CSS and 3-D Secure
//    frames assume the document) or detached from the document; mounting again unmounts first; `unmount()`;
//  - the form posts the card to `https://checkoutshopper-<env>.adyen.com/checkoutshopper/v1/sessions/<id>/payments?clientKey=…`
//    (the spec routes it to the fake API) and calls `onPaymentCompleted(result, component)` for `Authorised`,
//    `onPaymentFailed(result, component)` for `Refused`/`Error`/`Cancelled`, with `{ sessionData, sessionResult, resultCode }`;
//  - card 4212 3456 7891 0006 first shows a 3-D Secure challenge (password `password`);
//  - "Cancel" calls `onError({ name: 'CANCEL' })`; an API error calls `onError({ name: 'NETWORK_ERROR' })`.
(() => {
  const record = { configurations: [], dropinOptions: [], mounted: 0, unmounted: 0, mountErrors: [] };
  window.__fakeAdyen = record;
  const CHALLENGE_CARD = '4212345678910006';

  async function AdyenCheckout(configuration) {
    record.configurations.push({ environment: configuration.environment, clientKey: configuration.clientKey, session: configuration.session, locale: configuration.locale });
    if (!configuration.session || !configuration.session.id || !configuration.session.sessionData) throw new Error('AdyenCheckout: session id and sessionData are required');
    return { configuration };
  }

  class Dropin {
    constructor(checkout, options) {
      // What the widget handed over (the card's `styles`: the shop's theme), for the specs to read.
      record.dropinOptions.push(JSON.parse(JSON.stringify(options ?? null)));
      this.checkout = checkout;
      this.node = null;
    }

    mount(target) {
      const root = typeof target === 'string' ? document.querySelector(target) : target;
      const fail = (message) => {
        record.mountErrors.push(message);
        throw new Error(message);
      };
      if (!root) fail('Component could not mount. Root node was not found.');
      if (!root.isConnected) fail('Component could not mount. Root node is not in the document.');
      if (root.getRootNode() instanceof ShadowRoot) fail('Component could not mount. Adyen Web (test double) refuses shadow roots.');
      if (this.node) this.unmount();
      this.node = this.render();
      root.append(this.node);
      record.mounted += 1;
      return this;
    }

    unmount() {
      if (this.node) {
        this.node.remove();
        this.node = null;
        record.unmounted += 1;
      }
      return this;
    }

    render() {
      const config = this.checkout.configuration;
      const box = document.createElement('div');
      box.className = 'adyen-checkout__dropin';
      box.setAttribute('role', 'region');
      box.setAttribute('aria-label', 'Adyen Drop-in (test double)');
      box.innerHTML =
        '<label>Card number <input name="card" autocomplete="off"></label>' +
        '<div class="challenge" hidden><label>3-D Secure password <input name="password" type="password"></label></div>' +
        '<p class="adyen-checkout__error" role="alert"></p>' +
        '<button type="button" class="pay">Pay</button> <button type="button" class="cancel">Cancel</button>';
      const card = box.querySelector('input[name=card]');
      const challenge = box.querySelector('.challenge');
      const password = box.querySelector('input[name=password]');
      const alert = box.querySelector('[role=alert]');
      box.querySelector('.cancel').addEventListener('click', () => config.onError && config.onError({ name: 'CANCEL', message: 'Shopper cancelled' }, this));
      box.querySelector('.pay').addEventListener('click', async () => {
        const number = card.value.replace(/\s+/g, '');
        if (number === CHALLENGE_CARD && challenge.hidden) {
          challenge.hidden = false;
          alert.textContent = 'Enter the 3-D Secure password';
          return;
        }
        const host = `https://checkoutshopper-${config.environment}.adyen.com`;
        const url = `${host}/checkoutshopper/v1/sessions/${encodeURIComponent(config.session.id)}/payments?clientKey=${encodeURIComponent(config.clientKey)}`;
        let answer;
        try {
          const response = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ sessionData: config.session.sessionData, card: number, ...(challenge.hidden ? {} : { challengePassword: password.value }) }),
          });
          answer = await response.json();
          if (!response.ok) throw new Error(answer.message || `HTTP ${response.status}`);
        } catch (error) {
          if (config.onError) config.onError({ name: 'NETWORK_ERROR', message: error.message }, this);
          return;
        }
        const result = { sessionData: answer.sessionData, sessionResult: answer.sessionResult, resultCode: answer.resultCode };
        if (answer.resultCode === 'Authorised') {
          alert.textContent = 'Payment successful';
          if (config.onPaymentCompleted) config.onPaymentCompleted(result, this);
        } else {
          alert.textContent = `Payment ${answer.resultCode}`;
          challenge.hidden = true;
          if (config.onPaymentFailed) config.onPaymentFailed(result, this);
        }
      });
      return box;
    }
  }

  window.AdyenWeb = { AdyenCheckout, Dropin };
})();
