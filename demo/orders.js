// The back office view of the ledger (GET /api/demo/orders), refreshed while the page is open.
const body = document.querySelector('#orders tbody');
const statusLine = document.getElementById('orders-status');
const breakerLine = document.getElementById('provider-breakers');
const REFRESH_MS = 2000;

const time = new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'medium' });
const when = (iso) => (iso ? time.format(new Date(iso)) : '');
const money = (minor, currency) =>
  new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(minor / 100);

function cell(text, attributes = {}) {
  const td = document.createElement('td');
  td.textContent = text;
  for (const [name, value] of Object.entries(attributes)) td.setAttribute(name, value);
  return td;
}

function render(orders) {
  const rows = orders.map((order) => {
    const row = document.createElement('tr');
    row.dataset.reference = order.reference;
    row.dataset.status = order.status;
    row.append(
      cell(order.reference, { 'data-field': 'reference' }),
      cell(order.lines.map((line) => `${line.quantity} × ${line.name}`).join(', '), { 'data-field': 'lines' }),
      cell(money(order.amount, order.currency), { 'data-field': 'amount' }),
      cell(order.provider + (order.attempts?.length ? ` (after ${order.attempts.map((attempt) => `${attempt.provider}: ${attempt.outcome}`).join(', ')})` : ''), { 'data-field': 'provider' }),
      cell(order.status, { 'data-field': 'status', class: `order-status order-status-${order.status}` }),
      cell(when(order.paidAt), { 'data-field': 'paid-at' }),
      cell(when(order.fulfilledAt), { 'data-field': 'fulfilled-at' }),
    );
    return row;
  });
  body.replaceChildren(...rows);
  statusLine.textContent = orders.length === 0 ? 'No orders yet: buy something in the shop.' : `${orders.length} orders`;
}

/** One line per provider: its circuit breaker's state, failures counted, and until when it is skipped. */
function renderBreakers(providers) {
  const items = Object.entries(providers).map(([name, health]) => {
    const item = document.createElement('li');
    item.dataset.provider = name;
    item.dataset.state = health.state;
    const until =
      health.retryAfterSeconds === 0
        ? ', cool-down over: the next checkout probes it'
        : health.openedUntil
          ? `, skipped until ${when(health.openedUntil)}`
          : '';
    item.textContent = `${name}: ${health.state} (${health.failures} recent failures${until})`;
    return item;
  });
  breakerLine.replaceChildren(...items);
}

const jobsBody = document.querySelector('#jobs tbody');
const jobsStatus = document.getElementById('jobs-status');

async function retry(job, button) {
  button.disabled = true;
  const response = await fetch(`/api/demo/jobs/${encodeURIComponent(job.id)}/retry`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: '{}',
  }).catch(() => undefined);
  jobsStatus.textContent = response?.ok ? `${job.id}: retrying now.` : `${job.id} could not be retried (${response ? response.status : 'no answer'}).`;
  await refresh();
}

function renderJobs(jobs) {
  const rows = jobs.map((job) => {
    const row = document.createElement('tr');
    row.dataset.job = job.id;
    row.dataset.status = job.status;
    const action = document.createElement('td');
    if (job.status === 'dead') {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = 'Retry';
      button.setAttribute('aria-label', `Retry ${job.id}`);
      button.addEventListener('click', () => void retry(job, button));
      action.append(button);
    }
    row.append(
      cell(job.id, { 'data-field': 'id' }),
      cell(job.status === 'dead' ? 'dead' : 'failing, retrying', { 'data-field': 'status' }),
      cell(String(job.attempts), { 'data-field': 'attempts' }),
      cell(job.lastError ?? '', { 'data-field': 'last-error' }),
      cell(when(job.deadAt ? new Date(job.deadAt).toISOString() : new Date(job.createdAt).toISOString()), { 'data-field': 'since' }),
      action,
    );
    return row;
  });
  jobsBody.replaceChildren(...rows);
  if (jobs.length === 0) jobsStatus.textContent = 'No stuck hooks.';
}

async function refresh() {
  try {
    const response = await fetch('/api/demo/orders', { headers: { accept: 'application/json' } });
    if (!response.ok) throw new Error(`the shop answered ${response.status}`);
    const answer = await response.json();
    render(answer.orders);
    renderBreakers(answer.providers ?? {});
  } catch (error) {
    statusLine.textContent = `Could not load the orders: ${error.message}`;
  }
  try {
    const response = await fetch('/api/demo/jobs', { headers: { accept: 'application/json' } });
    if (!response.ok) throw new Error(`the shop answered ${response.status}`);
    renderJobs((await response.json()).jobs);
  } catch (error) {
    jobsStatus.textContent = `Could not load the stuck hooks: ${error.message}`;
  }
}

await refresh();
setInterval(() => {
  if (document.visibilityState === 'visible') void refresh();
}, REFRESH_MS);
