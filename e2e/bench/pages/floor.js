// The least a page can do for the same checkout: one create call (the same body and headers as
// the widget's), one iframe of the session's page. Ready = the iframe's load. Inlined into
// floor.html by the bench server (`/*inline:floor.js*/`), loaded as a module by floor-module.html.
window.benchReady = (async () => {
  const response = await fetch('/api/checkout/sessions', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() },
    body: JSON.stringify({ items: [{ sku: 'coffee-beans', quantity: 2 }, { sku: 'mug', quantity: 1 }], locale: 'en' }),
  });
  if (!response.ok) throw new Error(`create answered ${response.status}`);
  const session = await response.json();
  const frame = document.createElement('iframe');
  frame.title = 'Checkout';
  frame.allow = 'payment';
  const loaded = new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
  frame.src = session.url;
  document.body.append(frame);
  await loaded;
  return performance.now();
})();
