/**
 * The sandbox PSP's stand-ins for two browser SDKs, so the widget's renderers for them run
 * offline: a Mollie.js v1 double (`GET /v1/mollie.js`, Mollie Components for a card-token
 * session with `token_provider: "mollie"`) and an Adyen Web v6 double (`GET /v1/adyen-web.js`,
 * `window.AdyenWeb` with `AdyenCheckout` and `Dropin` for a `kind: "adyen"` session).
 *
 * The widget never loads these itself: its Mollie driver and Adyen renderer fetch only the real
 * SDKs from Mollie's and Adyen's CDNs, and use a `window.Mollie` / `window.AdyenWeb` the page
 * already has (a shop that self-hosts or preloads the SDK). The demo page preloads these doubles
 * when a sandbox SDK mode is chosen. Unlike the real SDKs, whose card fields are iframes on the
 * provider's origin, their fields are plain inputs on the shop's page (test cards only): they show
 * the renderer's path (light-DOM mount, token or session result, the backend's read), not the
 * providers' card isolation. Plain strings, no Node, no eval, no inline handlers.
 */
import { jsonForScript } from '../../server/html.js';

/** Builds a labelled input in plain DOM calls (no innerHTML), shared by both doubles. */
const FIELD_HELPER = `function field(labelText, name, autocomplete) {
    var label = document.createElement('label');
    label.style.display = 'block';
    label.style.margin = '0 0 8px';
    var input = document.createElement('input');
    input.name = name;
    input.setAttribute('autocomplete', autocomplete);
    input.style.display = 'block';
    input.style.width = '100%';
    input.style.boxSizing = 'border-box';
    input.style.font = 'inherit';
    input.style.padding = '6px 8px';
    label.append(labelText, input);
    return { label: label, input: input };
  }
  function checkTarget(target, sdk) {
    var element = typeof target === 'string' ? document.querySelector(target) : target;
    if (!element) throw new Error(sdk + ': mount target not found');
    if (!element.isConnected) throw new Error(sdk + ': mount target is not in the document');
    // Like the real SDKs as the renderers assume them: light DOM only.
    if (element.getRootNode() instanceof ShadowRoot) throw new Error(sdk + ': cannot mount in a ShadowRoot');
    return element;
  }
  function errorMessage(body, fallback) {
    return (body && body.error && body.error.message) || fallback;
  }`;

/**
 * Mollie.js v1 as the Mollie card-fields driver uses it: `Mollie(profileId, { locale, testmode })`,
 * `createComponent('cardNumber' | 'cardHolder' | 'expiryDate' | 'verificationCode')`, `mount`,
 * `unmount`, `addEventListener('change')` and `createToken()` → `{ token }` or `{ error }`. The
 * token comes from the PSP's `POST /v1/tokens` (Bearer: the profile id), a `tok_sbx_…` that its
 * `POST /v1/sessions/:id/pay` accepts.
 */
export function mollieScript(pspOrigin: string): string {
  return `/* Sandbox Mollie.js: a Mollie.js v1 double for the sandbox PSP (plain inputs, sandbox tokens). */
(function () {
  'use strict';
  var PSP = ${jsonForScript(pspOrigin)};
  var LABELS = { cardNumber: 'Card number', cardHolder: 'Card holder', expiryDate: 'Expiry date (MM/YY)', verificationCode: 'Security code' };
  var AUTOCOMPLETE = { cardNumber: 'cc-number', cardHolder: 'cc-name', expiryDate: 'cc-exp', verificationCode: 'cc-csc' };
  var CHECKS = {
    cardNumber: function (value) { return /^\\d{12,19}$/.test(value.replace(/[\\s-]/g, '')) ? null : 'Enter a valid card number.'; },
    cardHolder: function (value) { return value.trim() ? null : 'Enter the card holder.'; },
    expiryDate: function (value) { return /^(0?[1-9]|1[0-2])\\s*\\/\\s*(\\d{2}|\\d{4})$/.test(value.trim()) ? null : 'Enter the expiry date as MM/YY.'; },
    verificationCode: function (value) { return /^\\d{3,4}$/.test(value.trim()) ? null : 'Enter the 3 or 4 digit security code.'; }
  };
  ${FIELD_HELPER}

  function Mollie(profileId, options) {
    if (!/^pfl_\\w+$/.test(String(profileId))) throw new Error('Mollie: invalid profile id');
    var settings = options || {};
    var inputs = {};
    return {
      createComponent: function (type) {
        if (!LABELS[type]) throw new Error('Mollie: unknown component type ' + type);
        var listeners = [];
        var made = null;
        return {
          mount: function (target) {
            var element = checkTarget(target, 'Mollie');
            if (made) made.label.remove();
            made = field(LABELS[type], type, AUTOCOMPLETE[type]);
            made.input.addEventListener('input', function () {
              var event = { error: CHECKS[type](made.input.value), touched: true, dirty: true };
              listeners.slice().forEach(function (listener) { listener(event); });
            });
            element.append(made.label);
            inputs[type] = made.input;
          },
          unmount: function () {
            if (made) made.label.remove();
            made = null;
            delete inputs[type];
          },
          addEventListener: function (name, listener) {
            if (name === 'change' && typeof listener === 'function') listeners.push(listener);
          }
        };
      },
      createToken: function () {
        var value = function (type) { return inputs[type] ? inputs[type].value : ''; };
        if (!settings.testmode) return Promise.resolve({ error: { message: 'The sandbox makes tokens in test mode only' } });
        return fetch(PSP + '/v1/tokens', {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer ' + profileId },
          body: JSON.stringify({ number: value('cardNumber'), expiry: value('expiryDate'), cvc: value('verificationCode') })
        }).then(function (response) {
          return response.json().then(function (body) {
            return response.ok && body && typeof body.token === 'string' ? { token: body.token } : { error: { message: errorMessage(body, 'The card could not be tokenized') } };
          });
        }, function () {
          return { error: { message: 'The card could not be sent' } };
        });
      }
    };
  }
  window.Mollie = Mollie;
})();
`;
}

/**
 * Adyen Web v6 (sessions flow) as the Adyen renderer uses it: `window.AdyenWeb.AdyenCheckout({
 * environment, clientKey, session: { id, sessionData }, onPaymentCompleted, onPaymentFailed,
 * onError })` and `new Dropin(checkout).mount(element)` / `unmount()`. Its card form posts to the
 * PSP's `POST /v1/dropin/sessions/:id/payments?clientKey=…`; a 3-D Secure card is challenged
 * inside the Drop-in (Complete / Fail), as Adyen's native 3-D Secure 2 is. The callbacks get
 * `{ resultCode, sessionResult, sessionData }`.
 */
export function adyenWebScript(pspOrigin: string): string {
  return `/* Sandbox Adyen Web: an Adyen Web v6 Drop-in double for the sandbox PSP (plain inputs). */
(function () {
  'use strict';
  var PSP = ${jsonForScript(pspOrigin)};
  ${FIELD_HELPER}
  function button(text, handler) {
    var element = document.createElement('button');
    element.type = 'button';
    element.textContent = text;
    element.style.marginRight = '8px';
    element.addEventListener('click', handler);
    return element;
  }

  function AdyenCheckout(configuration) {
    var session = configuration && configuration.session;
    if (!session || !session.id || !session.sessionData) return Promise.reject(new Error('AdyenCheckout: session id and sessionData are required'));
    if (!/^test_/.test(String(configuration.clientKey))) return Promise.reject(new Error('AdyenCheckout: the sandbox takes its test client key'));
    return Promise.resolve({ configuration: configuration });
  }

  function Dropin(checkout) {
    this.checkout = checkout;
    this.node = null;
  }
  Dropin.prototype.mount = function (target) {
    var element = checkTarget(target, 'Dropin');
    this.unmount();
    this.node = this.render();
    element.append(this.node);
    return this;
  };
  Dropin.prototype.unmount = function () {
    if (this.node) this.node.remove();
    this.node = null;
    return this;
  };
  Dropin.prototype.render = function () {
    var self = this;
    var config = this.checkout.configuration;
    var box = document.createElement('div');
    box.className = 'sandbox-dropin';
    box.setAttribute('role', 'region');
    box.setAttribute('aria-label', 'Sandbox Drop-in');
    var number = field('Card number', 'number', 'cc-number');
    var expiry = field('Expiry date (MM/YY)', 'expiry', 'cc-exp');
    var cvc = field('Security code', 'cvc', 'cc-csc');
    var alert = document.createElement('p');
    alert.setAttribute('role', 'alert');
    var pay = button('Pay', function () { send(); });
    var challenge = document.createElement('div');
    challenge.setAttribute('role', 'group');
    challenge.setAttribute('aria-label', '3-D Secure');
    challenge.hidden = true;
    challenge.append('Sandbox bank: approve this payment? ', button('Complete', function () { send('complete'); }), button('Fail', function () { send('fail'); }));
    box.append(number.label, expiry.label, cvc.label, alert, pay, challenge);

    function send(answer) {
      pay.disabled = true;
      alert.textContent = '';
      var url = PSP + '/v1/dropin/sessions/' + encodeURIComponent(config.session.id) + '/payments?clientKey=' + encodeURIComponent(config.clientKey);
      var body = { sessionData: config.session.sessionData, number: number.input.value, expiry: expiry.input.value, cvc: cvc.input.value };
      if (answer) body.challenge = answer;
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
        .then(function (response) {
          return response.json().then(function (answer) { return { ok: response.ok, body: answer }; });
        })
        .then(function (reply) {
          pay.disabled = false;
          var data = reply.body || {};
          if (!reply.ok) {
            // A card the form refuses stays in the Drop-in, as Adyen's field validation does.
            alert.textContent = errorMessage(data, 'The payment could not be made');
            if (data.error && data.error.code === 'session_closed' && config.onError) config.onError({ name: 'NETWORK_ERROR', message: alert.textContent }, self);
            return;
          }
          challenge.hidden = data.resultCode !== 'ChallengeShopper';
          pay.hidden = !challenge.hidden;
          if (data.resultCode === 'ChallengeShopper') return;
          var result = { resultCode: data.resultCode, sessionResult: data.sessionResult, sessionData: data.sessionData };
          alert.textContent = data.resultCode === 'Authorised' ? 'Payment successful' : 'Payment ' + data.resultCode;
          if (data.resultCode === 'Authorised') { if (config.onPaymentCompleted) config.onPaymentCompleted(result, self); }
          else if (config.onPaymentFailed) config.onPaymentFailed(result, self);
        }, function (error) {
          pay.disabled = false;
          if (config.onError) config.onError({ name: 'NETWORK_ERROR', message: error.message }, self);
        });
    }
    return box;
  };

  window.AdyenWeb = { AdyenCheckout: AdyenCheckout, Dropin: Dropin };
})();
`;
}
