// A test double of Reepay's https://checkout.reepay.com/checkout.js, served by the e2e specs
// through `page.route`. It follows Reepay's documented browser API:
//  - `window.Reepay` with `EmbeddedCheckout(sessionId, { html_element })`, `ModalCheckout(sessionId)`
//    and `WindowCheckout(sessionId)`, `Reepay.Event` (Accept, Error, Cancel, Close, Open, Init),
//    `rp.addEventHandler(event, fn)` and `rp.destroy()`;
//  - `html_element` is an element id that it looks up in the document, as checkout.js does (so a
//    container inside a shadow root is not found);
//  - the embedded form and the modal have Pay, Decline and Cancel buttons; Pay fires Accept with
//    `{ id, invoice, customer, payment_method }`, Decline fires Error, Cancel fires Cancel; the
//    modal's Close button removes it and fires Close;
//  - `WindowCheckout` navigates the page to the hosted page `https://checkout.reepay.com/#/<id>`;
//  - a second `destroy()` throws, so a renderer that does not guard it is caught.
// Everything it did is recorded in `window.__fakeReepay`.
(() => {
  const record = { constructed: [], destroyed: 0, live: 0, integrationErrors: [], fired: [] };
  window.__fakeReepay = record;

  const Event = { Accept: 'Accept', Error: 'Error', Cancel: 'Cancel', Close: 'Close', Open: 'Open', Init: 'Init' };
  /** What the double's Accept carries (a real one: the session, invoice and customer handles). */
  const ACCEPT_DATA = { invoice: 'inv-e2e-1', customer: 'cust-e2e-1', payment_method: 'ca_e2e0001' };

  function fail(message) {
    record.integrationErrors.push(message);
    throw new Error(`Reepay checkout: ${message}`);
  }

  function checkSessionId(sessionId) {
    if (typeof sessionId !== 'string' || !/^(cs|pa)_[a-f0-9]{32}$/.test(sessionId)) fail(`invalid session id ${String(sessionId)}`);
  }

  /** Shared by the embedded and modal checkouts: handlers, firing, destroy. */
  function createInstance(kind, sessionId, options) {
    checkSessionId(sessionId);
    record.constructed.push({ kind, sessionId, options: options ?? null });
    record.live++;
    const handlers = new Map();
    const instance = {
      destroyed: false,
      element: null,
      addEventHandler(event, handler) {
        if (!Object.values(Event).includes(event)) fail(`unknown event ${String(event)}`);
        if (typeof handler !== 'function') fail('handler must be a function');
        handlers.set(event, [...(handlers.get(event) ?? []), handler]);
      },
      destroy() {
        if (instance.destroyed) fail('this checkout has already been destroyed');
        instance.destroyed = true;
        instance.element?.remove();
        instance.element = null;
        record.live--;
        record.destroyed++;
      },
    };
    instance.fire = (event, data) => {
      if (instance.destroyed) return;
      record.fired.push({ event, data: data ?? null });
      for (const handler of handlers.get(event) ?? []) handler(data);
    };
    // checkout.js talks to its iframe by messages: events always arrive after the constructor returns.
    instance.later = (event, data) => setTimeout(() => instance.fire(event, data), 0);
    return instance;
  }

  function button(label, onClick, extra = {}) {
    const element = document.createElement('button');
    element.type = 'button';
    element.textContent = label;
    for (const [name, value] of Object.entries(extra)) element.setAttribute(name, value);
    element.addEventListener('click', onClick);
    return element;
  }

  function paymentForm(instance, sessionId) {
    const form = document.createElement('div');
    form.className = 'fake-reepay-checkout';
    form.setAttribute('role', 'region');
    form.setAttribute('aria-label', 'Reepay checkout (test double)');
    const heading = document.createElement('p');
    heading.textContent = `Test double of Reepay checkout for ${sessionId}`;
    const pay = button('Pay', () => {
      pay.disabled = true;
      instance.fire(Event.Accept, { id: sessionId, ...ACCEPT_DATA });
    });
    const decline = button('Decline', () => instance.fire(Event.Error, { id: sessionId, error: 'Card declined (test double)' }));
    const cancel = button('Cancel', () => instance.fire(Event.Cancel, { id: sessionId }));
    form.append(heading, pay, decline, cancel);
    return form;
  }

  function EmbeddedCheckout(sessionId, options) {
    const elementId = options?.html_element;
    if (typeof elementId !== 'string' || !elementId) fail('html_element must be the id of an element');
    const target = document.getElementById(elementId);
    if (!target) fail(`no element with id "${elementId}" in the document`);
    const instance = createInstance('EmbeddedCheckout', sessionId, options);
    instance.element = paymentForm(instance, sessionId);
    target.append(instance.element);
    instance.later(Event.Init, { id: sessionId });
    return instance;
  }

  function ModalCheckout(sessionId) {
    const instance = createInstance('ModalCheckout', sessionId, null);
    const modal = document.createElement('div');
    modal.className = 'fake-reepay-modal';
    modal.setAttribute('role', 'dialog');
    modal.setAttribute('aria-modal', 'true');
    modal.setAttribute('aria-label', 'Reepay checkout (test double)');
    modal.style.cssText = 'position:fixed;inset:10%;background:#fff;border:1px solid #000;z-index:2147483647;padding:1rem';
    const close = button(
      '×',
      () => {
        instance.element?.remove();
        instance.element = null;
        instance.fire(Event.Close, { id: sessionId });
      },
      { 'aria-label': 'Close' },
    );
    modal.append(close, paymentForm(instance, sessionId));
    document.body.append(modal);
    instance.element = modal;
    instance.later(Event.Open, { id: sessionId });
    return instance;
  }

  function WindowCheckout(sessionId) {
    const instance = createInstance('WindowCheckout', sessionId, null);
    window.location.href = `https://checkout.reepay.com/#/${sessionId}`;
    return instance;
  }

  window.Reepay = { EmbeddedCheckout, ModalCheckout, WindowCheckout, Event };
})();
