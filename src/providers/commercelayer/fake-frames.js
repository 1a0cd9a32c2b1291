// A test double of checkout.com Frames (https://cdn.checkout.com/js/framesv2.min.js), served by
// the e2e specs through `page.route`. It behaves like Frames where the widget depends on it:
//  - `Frames.init({ publicKey, localization })` fills the `.card-frame` it finds in the document
//    and THROWS when there is none there (one inside a shadow root cannot be found, as with the
//    real script);
//  - it renders labelled card number, expiry and CVC inputs (in light DOM, so a test can fill
//    them) and fires `cardValidationChanged` as the card becomes valid or invalid;
//  - `submitCard()` resolves `{ token }` (`tok_` + the card number padded to 26 characters, so
//    the test's endpoint knows which card was used) or, for 4000 0000 0000 0119, rejects and
//    fires `cardTokenizationFailed`, as checkout.com does for a card it cannot tokenize.
// What the page asked of it is recorded in `window.__fakeFrames`.
(() => {
  const UNTOKENIZABLE = '4000000000000119';
  const Events = {
    READY: 'ready',
    CARD_VALIDATION_CHANGED: 'cardValidationChanged',
    CARD_TOKENIZED: 'cardTokenized',
    CARD_TOKENIZATION_FAILED: 'cardTokenizationFailed',
  };
  const record = { inits: [], submits: 0, tokens: [], enableSubmitForm: 0, scriptRuns: 1 };
  if (window.__fakeFrames) window.__fakeFrames.scriptRuns += 1;
  else window.__fakeFrames = record;

  let handlers = new Map();
  let inputs = null;
  let valid = false;

  function fire(name, event) {
    for (const handler of handlers.get(name) ?? []) handler(event);
  }

  function cardNumber() {
    return inputs ? inputs.number.value.replace(/\D/g, '') : '';
  }

  function isCardValid() {
    if (!inputs) return false;
    return cardNumber().length === 16 && /^\d{2}\s*\/\s*\d{2}$/.test(inputs.expiry.value) && /^\d{3,4}$/.test(inputs.cvv.value);
  }

  function validate() {
    const now = isCardValid();
    if (now === valid) return;
    valid = now;
    fire(Events.CARD_VALIDATION_CHANGED, { isValid: valid, isElementValid: {} });
  }

  function inShadowRoot() {
    const roots = [];
    const visit = (root) => {
      for (const element of root.querySelectorAll('*')) {
        if (element.shadowRoot) {
          if (element.shadowRoot.querySelector('.card-frame')) roots.push(element);
          visit(element.shadowRoot);
        }
      }
    };
    visit(document);
    return roots.length > 0;
  }

  function field(label, name, placeholder) {
    const wrapper = document.createElement('label');
    wrapper.textContent = label;
    const input = document.createElement('input');
    input.name = name;
    input.placeholder = placeholder;
    input.autocomplete = 'off';
    input.addEventListener('input', validate);
    wrapper.append(input);
    return { wrapper, input };
  }

  window.Frames = {
    Events,
    init(config) {
      const publicKey = typeof config === 'string' ? config : config && config.publicKey;
      record.inits.push({ publicKey, localization: config && config.localization });
      const target = document.querySelector('.card-frame');
      if (!target) {
        throw new Error(
          inShadowRoot()
            ? 'Frames: the .card-frame element is inside a shadow root, where Frames cannot find it'
            : 'Frames: no .card-frame element in the document',
        );
      }
      const number = field('Card number', 'cardnumber', '1234 1234 1234 1234');
      const expiry = field('Expiry date', 'exp-date', 'MM/YY');
      const cvv = field('Security code (CVC)', 'cvc', '123');
      target.replaceChildren(number.wrapper, expiry.wrapper, cvv.wrapper);
      inputs = { number: number.input, expiry: expiry.input, cvv: cvv.input };
      valid = false;
      // Like the real frames, ready once the card frame has loaded: after init returned.
      setTimeout(() => fire(Events.READY, {}), 0);
    },
    addEventHandler(name, handler) {
      handlers.set(name, [...(handlers.get(name) ?? []), handler]);
    },
    removeAllEventHandlers(name) {
      handlers.delete(name);
    },
    isCardValid,
    submitCard() {
      record.submits += 1;
      if (!isCardValid()) return Promise.reject(new Error('Frames: the card is not valid'));
      const number = cardNumber();
      return new Promise((resolve, reject) =>
        setTimeout(() => {
          if (number === UNTOKENIZABLE) {
            const failure = { errorCode: 'processing_error', message: 'The card could not be tokenized' };
            fire(Events.CARD_TOKENIZATION_FAILED, failure);
            reject(failure);
            return;
          }
          const token = `tok_${number.padEnd(26, '0')}`;
          record.tokens.push(token);
          const tokenized = { token, type: 'card', scheme: 'Visa', last4: number.slice(-4) };
          fire(Events.CARD_TOKENIZED, tokenized);
          resolve(tokenized);
        }, 50),
      );
    },
    enableSubmitForm() {
      record.enableSubmitForm += 1;
    },
  };
  // Every load starts with no handlers: a second `init` on a page keeps what was added since.
  handlers = new Map();
})();
