/**
 * The sandbox PSP's stand-in for checkout.com Frames (card-token sessions): the script a shop
 * page loads (`GET /v1/frames.js`), the card frame it puts on the page (`GET /v1/frames/card`)
 * and the 3-D Secure page (`GET /v1/3ds/:id`). Plain strings, no Node: the PSP serves them.
 */
import { escapeHtml, jsonForScript } from '../../server/html.js';

/** `type` of every message between the script and the card frame. */
const MESSAGE_TYPE = 'sandbox-frames';

/**
 * The Frames subset the card-token renderer uses: `Frames.init`, `Events`, `addEventHandler`,
 * `removeAllEventHandlers`, `isCardValid`, `submitCard`, `enableSubmitForm`. It fills the one
 * `.card-frame` in the document (light DOM only, like the real one: a placeholder in a shadow
 * root is not found, and init throws) with an iframe from the PSP. Messages are checked by
 * origin and source both ways. No eval, no inline handlers: it runs under a strict CSP.
 */
export function framesScript(pspOrigin: string): string {
  return `/* Sandbox Frames: a checkout.com Frames double for the sandbox PSP. */
(function () {
  'use strict';
  var PSP = ${jsonForScript(pspOrigin)};
  var TYPE = ${jsonForScript(MESSAGE_TYPE)};
  var Events = { READY: 'ready', CARD_VALIDATION_CHANGED: 'cardValidationChanged', CARD_TOKENIZED: 'cardTokenized', CARD_TOKENIZATION_FAILED: 'cardTokenizationFailed' };
  var handlers = {};
  var frame = null;
  var valid = false;
  var waiting = null;

  function fire(name, event) {
    (handlers[name] || []).slice().forEach(function (handler) {
      try { handler(event); } catch (error) { setTimeout(function () { throw error; }); }
    });
  }
  function post(message) {
    if (frame && frame.contentWindow) frame.contentWindow.postMessage(Object.assign({ type: TYPE }, message), PSP);
  }
  function settle(error, event) {
    var pending = waiting;
    waiting = null;
    if (!pending) return;
    if (error) pending.reject(error); else pending.resolve(event);
  }
  function onMessage(event) {
    if (event.origin !== PSP || !frame || event.source !== frame.contentWindow) return;
    var data = event.data;
    if (!data || data.type !== TYPE) return;
    if (data.event === 'ready') fire(Events.READY, {});
    else if (data.event === 'validation') {
      valid = data.valid === true;
      fire(Events.CARD_VALIDATION_CHANGED, { isValid: valid, isElementValid: { cardNumber: valid, expiryDate: valid, cvv: valid } });
    } else if (data.event === 'tokenized' && typeof data.token === 'string') {
      var tokenized = { type: 'card', token: data.token, last4: data.last4 };
      fire(Events.CARD_TOKENIZED, tokenized);
      settle(null, tokenized);
    } else if (data.event === 'failed') {
      var failure = { errorCode: data.code || 'tokenization_failed', message: data.message || 'The card could not be tokenized' };
      fire(Events.CARD_TOKENIZATION_FAILED, failure);
      settle(Object.assign(new Error(failure.message), failure));
    }
  }

  var Frames = {
    Events: Events,
    init: function (config) {
      if (typeof config === 'string') config = { publicKey: config };
      if (!config || typeof config.publicKey !== 'string' || !/^pk_/.test(config.publicKey)) {
        throw new Error('Frames: init needs a publicKey (pk_...)');
      }
      // document.querySelector does not look into shadow roots: a placeholder there is not found, as with the real Frames.
      var placeholder = document.querySelector('.card-frame');
      if (!placeholder) throw new Error('Frames: no element with class "card-frame" in the document');
      if (frame && frame.parentNode) frame.parentNode.removeChild(frame);
      valid = false;
      settle(new Error('Frames: initialised again'));
      var src = new URL('/v1/frames/card', PSP);
      src.searchParams.set('key', config.publicKey);
      src.searchParams.set('origin', location.origin);
      if (typeof config.localization === 'string') src.searchParams.set('locale', config.localization);
      frame = document.createElement('iframe');
      frame.src = src.href;
      frame.title = 'Card details';
      frame.setAttribute('allow', 'payment');
      frame.setAttribute('scrolling', 'no');
      frame.style.border = '0';
      frame.style.width = '100%';
      frame.style.height = '172px';
      frame.style.display = 'block';
      while (placeholder.firstChild) placeholder.removeChild(placeholder.firstChild);
      placeholder.appendChild(frame);
      ['ready', 'cardValidationChanged', 'cardTokenized', 'cardTokenizationFailed'].forEach(function (name) {
        if (typeof config[name] === 'function') Frames.addEventHandler(name, config[name]);
      });
      return Frames;
    },
    addEventHandler: function (name, handler) {
      if (typeof handler !== 'function') return;
      (handlers[name] = handlers[name] || []).push(handler);
    },
    removeAllEventHandlers: function (name) {
      delete handlers[name];
    },
    isCardValid: function () {
      return valid;
    },
    submitCard: function () {
      if (!frame) return Promise.reject(new Error('Frames: call init first'));
      if (waiting) return Promise.reject(new Error('Frames: a card is being submitted'));
      return new Promise(function (resolve, reject) {
        waiting = { resolve: resolve, reject: reject };
        post({ action: 'submit' });
      });
    },
    enableSubmitForm: function () {
      post({ action: 'enable' });
    }
  };
  window.addEventListener('message', onMessage);
  window.Frames = Frames;
})();
`;
}

/** The card frame: number, expiry and CVC; the card goes to the PSP's own `/v1/tokens`, never to the shop page. */
export function cardFramePage(input: { publicKey: string; parentOrigin: string; nonce: string }): string {
  const { nonce } = input;
  const data = { type: MESSAGE_TYPE, publicKey: input.publicKey, parentOrigin: input.parentOrigin };
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Card details</title>
<style nonce="${nonce}">
body{margin:0;font:15px/1.4 system-ui,sans-serif;color:#1a1a1a;background:transparent}
label{display:block;font-size:13px;margin:0 0 2px}
input{box-sizing:border-box;width:100%;font:inherit;padding:8px 10px;border:1px solid #8a8a8a;border-radius:6px;margin:0 0 10px}
input:focus{outline:2px solid #0b57d0;outline-offset:1px}
input[aria-invalid=true]{border-color:#b3261e}
.row{display:flex;gap:10px}.row>div{flex:1}
</style>
</head>
<body>
<form id="card" novalidate>
<label for="number">Card number</label>
<input id="number" name="number" autocomplete="cc-number" inputmode="numeric" placeholder="4242 4242 4242 4242">
<div class="row">
<div><label for="expiry">Expiry (MM/YY)</label><input id="expiry" name="expiry" autocomplete="cc-exp" inputmode="numeric" placeholder="12/34"></div>
<div><label for="cvc">Security code</label><input id="cvc" name="cvc" autocomplete="cc-csc" inputmode="numeric" placeholder="123"></div>
</div>
</form>
<script nonce="${nonce}">
(function () {
  'use strict';
  var data = ${jsonForScript(data)};
  var fields = ['number', 'expiry', 'cvc'].map(function (id) { return document.getElementById(id); });
  var valid = false;
  var busy = false;
  function tell(message) { window.parent.postMessage(Object.assign({ type: data.type }, message), data.parentOrigin); }
  function luhn(digits) {
    var sum = 0;
    for (var i = 0; i < digits.length; i++) {
      var digit = Number(digits[digits.length - 1 - i]);
      if (i % 2 === 1) { digit *= 2; if (digit > 9) digit -= 9; }
      sum += digit;
    }
    return sum % 10 === 0;
  }
  function card() {
    return { number: fields[0].value.replace(/[\\s-]/g, ''), expiry: fields[1].value.trim(), cvc: fields[2].value.trim() };
  }
  function check() {
    var c = card();
    var ok = [/^\\d{12,19}$/.test(c.number) && luhn(c.number), /^(0?[1-9]|1[0-2])\\s*\\/\\s*(\\d{2}|\\d{4})$/.test(c.expiry), /^\\d{3,4}$/.test(c.cvc)];
    fields.forEach(function (field, i) { field.setAttribute('aria-invalid', String(field.value !== '' && !ok[i])); });
    var now = ok[0] && ok[1] && ok[2];
    if (now !== valid) { valid = now; tell({ event: 'validation', valid: valid }); }
  }
  function enable(on) { fields.forEach(function (field) { field.disabled = !on; }); }
  function submit() {
    if (busy) return;
    if (!valid) { tell({ event: 'failed', code: 'card_invalid', message: 'The card details are not complete' }); return; }
    busy = true;
    enable(false);
    fetch('/v1/tokens', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer ' + data.publicKey },
      body: JSON.stringify(card())
    }).then(function (response) {
      return response.json().then(function (body) {
        if (response.ok && body && typeof body.token === 'string') tell({ event: 'tokenized', token: body.token, last4: body.card && body.card.last4 });
        else tell({ event: 'failed', code: (body && body.error && body.error.code) || 'tokenization_failed', message: (body && body.error && body.error.message) || 'The card could not be tokenized' });
      });
    }).catch(function () {
      tell({ event: 'failed', code: 'network_error', message: 'The card could not be sent' });
    }).then(function () { busy = false; });
  }
  fields.forEach(function (field) { field.addEventListener('input', check); });
  document.getElementById('card').addEventListener('submit', function (event) { event.preventDefault(); });
  window.addEventListener('message', function (event) {
    if (event.origin !== data.parentOrigin || event.source !== window.parent) return;
    var message = event.data;
    if (!message || message.type !== data.type) return;
    // Like Frames: after a submit the form stays locked until the page enables it again.
    if (message.action === 'submit') submit();
    else if (message.action === 'enable' && !busy) enable(true);
  });
  tell({ event: 'ready' });
})();
</script>
</body>
</html>
`;
}

/** The 3-D Secure page of a card-token payment: shown at top level or in a popup, never framed. */
export function threeDSecurePage(input: { sessionId: string; amount: string; nonce: string }): string {
  const { nonce } = input;
  const id = escapeHtml(input.sessionId);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>3-D Secure (sandbox)</title>
<style nonce="${nonce}">body{font:16px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:28rem;padding:0 1rem;color:#1a1a1a}button{font:inherit;padding:8px 16px;margin-right:8px}</style>
</head>
<body>
<main>
<h1>Confirm your payment</h1>
<p>Sandbox bank: approve the payment of ${escapeHtml(input.amount)}?</p>
<form method="post" action="/v1/3ds/${id}">
<button type="submit" name="action" value="complete">Complete</button>
<button type="submit" name="action" value="fail">Fail</button>
</form>
</main>
</body>
</html>
`;
}
