// The floor page's code (floor.html) as an external module script: what any checkout loaded
// with a script tag pays before its first request, and nothing else.
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
window.benchResolve(performance.now());
