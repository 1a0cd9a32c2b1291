// The auto-refill page: a recurring Reepay checkout saves the card (the first bag is paid with
// it), the server turns it into an on-demand billing agreement, and "Refill now" charges it.
import { formatMoney, productBySku } from '/shop.js';

/** Keep in step with REFILL_SKU in demo/server.ts, which prices each refill. */
const REFILL_SKU = 'coffee-beans';

const result = document.getElementById('refill-result');
const refillButton = document.getElementById('refill-now');
const charges = document.getElementById('refill-charges');

function showResult(kind, heading, text) {
  result.dataset.kind = kind;
  document.getElementById('refill-result-heading').textContent = heading;
  document.getElementById('refill-result-text').textContent = text;
  result.hidden = false;
}

/** POSTs JSON to a demo route; the answer's error message becomes the thrown error. */
async function post(path, body, headers = {}) {
  const response = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data?.error?.message ?? `The shop answered ${response.status}`);
  return data;
}

/** `reepay` (on-demand billing), `sandbox` (its saved cards, offline) or null: what the server refills with. */
async function refillProvider() {
  try {
    const response = await fetch('/api/demo/providers', { headers: { accept: 'application/json' } });
    const body = response.ok ? await response.json() : {};
    return body.refill === true && ['reepay', 'sandbox'].includes(body.refillProvider) ? body.refillProvider : null;
  } catch {
    return null;
  }
}

/** A customer handle for this sign-up (getRandomValues works on plain-http LAN hosts too, unlike randomUUID). */
function newCustomerHandle() {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return `cust-${Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')}`;
}

function addCharge(text, kind) {
  const item = document.createElement('li');
  item.dataset.state = kind;
  item.textContent = text;
  charges.append(item);
}

async function refillNow(agreement) {
  refillButton.disabled = true;
  try {
    // One key per click: a retried request never charges twice.
    const { invoice } = await post('/api/demo/refill/charges', { agreement }, { 'idempotency-key': crypto.randomUUID?.() ?? `${Date.now()}-${Math.random()}` });
    const amount = typeof invoice.amount === 'number' && invoice.currency ? formatMoney(invoice.amount) : 'a bag';
    if (invoice.state === 'settled') {
      addCharge(`Refill settled: ${amount} (invoice ${invoice.handle})`, 'settled');
      showResult('accept', 'Refill paid', `${amount} was charged to your saved card.`);
    } else if (invoice.state === 'failed') {
      const reason = invoice.reason ? `: ${invoice.reason}` : '';
      addCharge(`Refill failed${reason} (invoice ${invoice.handle})`, 'failed');
      showResult('error', 'Refill failed', `Your saved card was not charged${reason}.`);
    } else {
      addCharge(`Refill ${invoice.state}: ${amount} (invoice ${invoice.handle})`, invoice.state);
    }
  } catch (error) {
    showResult('error', 'Refill failed', error.message);
  } finally {
    refillButton.disabled = false;
  }
}

async function startAgreement(session) {
  // The server takes the customer and the saved card from its order ledger, not from this page.
  showResult('pending', 'Setting up auto refill…', 'Your card is saved; one moment while we set up the agreement.');
  try {
    const { agreement } = await post('/api/demo/refill/agreements', { session: session.id });
    document.getElementById('agreement-text').textContent = `Auto refill is on (agreement ${agreement.handle}).`;
    refillButton.hidden = false;
    refillButton.addEventListener('click', () => refillNow(agreement.handle));
    showResult('accept', 'Auto refill is on', 'Your first bag is paid and your card is saved for refills.');
  } catch (error) {
    showResult('error', 'Auto refill could not start', error.message);
  }
}

async function main() {
  const provider = await refillProvider();
  if (!provider) {
    document.getElementById('not-configured').hidden = false;
    return;
  }
  document.getElementById('refill-layout').hidden = false;
  const customer = newCustomerHandle();
  document.getElementById('refill-customer').textContent = customer;

  const product = productBySku(REFILL_SKU);
  const widget = document.createElement('checkout-widget');
  widget.setAttribute('endpoint', '/api/checkout/sessions');
  widget.setAttribute('mode', 'embedded');
  widget.setAttribute(
    'payload',
    JSON.stringify({
      provider,
      // Saves the card for merchant-initiated charges while paying the first bag.
      recurring: true,
      items: [{ sku: REFILL_SKU, quantity: 1 }],
      customer: { handle: customer, email: 'shopper@example.com', first_name: 'Demo', last_name: 'Shopper' },
    }),
  );
  widget.addEventListener('checkout-accept', (event) => {
    void startAgreement(event.detail.session);
  });
  widget.addEventListener('checkout-error', (event) => {
    showResult('error', 'Sign-up failed', event.detail.message);
  });
  document.getElementById('refill-widget-slot').append(widget);
  document.getElementById('signup-heading').textContent = `1. Sign up: ${product.name}, ${formatMoney(product.unitAmount)}`;
}

void main();
