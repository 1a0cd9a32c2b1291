// A test double of Mollie.js v1 (https://js.mollie.com/v1/mollie.js), served by `page.route` in the
// e2e specs: `Mollie(profileId, { locale, testmode })`, `createComponent(type)`, `component.mount`
// (element or selector; like Stripe.js, it THROWS inside a shadow root, as the real one may),
// `addEventListener('change')`, `unmount`, and `createToken()` → `{ token }` or `{ error }`.
// Its fields are plain inputs (the real ones are Mollie-hosted iframes). The token carries the
// card's outcome for the fake API (`fake-api.ts`): tkn_P… paid, tkn_D… declined, tkn_S… 3-D Secure.
(() => {
  const CARDS = { '4543474002249996': 'P', '4000000000000002': 'D', '4000000000003220': 'S' };
  const LABELS = { cardNumber: 'Card number', cardHolder: 'Card holder', expiryDate: 'Expiry date', verificationCode: 'CVC' };
  const CHECKS = {
    cardNumber: (value) => (/^\d{12,19}$/.test(value.replace(/\s/g, '')) ? null : 'Invalid card number'),
    cardHolder: (value) => (value.trim() ? null : 'Enter the card holder'),
    expiryDate: (value) => (/^\d{2}\s?\/\s?\d{2}$/.test(value) ? null : 'Invalid expiry date'),
    verificationCode: (value) => (/^\d{3,4}$/.test(value) ? null : 'Invalid CVC'),
  };
  const calls = (window.__mollieCalls = []);

  window.Mollie = function Mollie(profileId, options = {}) {
    if (!/^pfl_\w+$/.test(String(profileId))) throw new Error('Mollie: invalid profile id');
    calls.push({ profileId, options });
    const inputs = {};
    return {
      createComponent(type) {
        if (!LABELS[type]) throw new Error(`Mollie: unknown component type ${type}`);
        const listeners = [];
        let input;
        return {
          mount(target) {
            const element = typeof target === 'string' ? document.querySelector(target) : target;
            if (!element) throw new Error('Mollie: mount target not found');
            if (element.getRootNode() instanceof ShadowRoot) throw new Error('Mollie: components cannot be mounted in a ShadowRoot');
            if (!element.isConnected) throw new Error('Mollie: mount target is not in the document');
            input = document.createElement('input');
            input.setAttribute('aria-label', LABELS[type]);
            input.addEventListener('input', () => {
              const event = { error: CHECKS[type](input.value), touched: true, dirty: true };
              for (const listener of listeners) listener(event);
            });
            element.append(input);
            inputs[type] = input;
            calls.push({ mount: type });
          },
          unmount() {
            input?.remove();
            delete inputs[type];
          },
          addEventListener(name, listener) {
            if (name === 'change') listeners.push(listener);
          },
        };
      },
      async createToken() {
        const number = (inputs.cardNumber?.value ?? '').replace(/\s/g, '');
        const outcome = CARDS[number];
        if (!outcome) return { error: { message: 'Invalid card number' } };
        calls.push({ createToken: number });
        const random = Math.random().toString(36).slice(2, 12).replace(/[^a-z0-9]/g, 'x');
        return { token: `tkn_${outcome}${random}${options.testmode ? 'test' : ''}` };
      },
    };
  };
})();
