import { escapeHtml, jsonForScript } from '../../server/html.js';
import { PAGE_TEXTS, pageLanguage, translateMessage, withAmount, type PageTexts } from './page-strings.js';

/** One line of a sandbox session as the PSP stores it. */
export interface SandboxLine {
  name: string;
  quantity: number;
  /** Minor units. */
  unit_amount: number;
}

export type PayMethod = 'card' | 'blik';

export interface PayFieldError {
  field: 'number' | 'expiry' | 'cvc' | 'code';
  message: string;
}

export type PayView =
  | { kind: 'form'; method: PayMethod; fieldError?: PayFieldError; declined?: string; values?: { number?: string; expiry?: string } }
  | { kind: 'challenge' }
  | { kind: 'complete'; acceptUrl: string }
  | { kind: 'cancelled'; cancelUrl: string }
  | { kind: 'expired'; cancelUrl: string };

export interface PayPageInput {
  id: string;
  amount: number;
  currency: string;
  locale?: string;
  lines: SandboxLine[];
  /** The shop origin (of the accept URL): messages go only there. */
  shopOrigin: string;
  nonce: string;
  view: PayView;
  /** Milliseconds until the session expires: an open page reloads then to show it. */
  expiresInMs?: number;
  /** A recurring session: the card is saved for later charges (cards only; amount 0 saves without paying). */
  saveCard?: boolean;
}

/** Minor units as money text, honouring currencies without two decimals. */
export function formatMoney(amount: number, currency: string, locale?: string): string {
  let format: Intl.NumberFormat;
  try {
    format = new Intl.NumberFormat(locale || 'en', { style: 'currency', currency });
  } catch {
    format = new Intl.NumberFormat('en', { style: 'currency', currency });
  }
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(amount / 10 ** digits);
}

const STYLE = `
*{box-sizing:border-box}
html{background:#fff;color:#1b1b1f;font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif}
body{margin:0;padding:1.25rem}
main{max-width:28rem;margin:0 auto}
h1{font-size:1.35rem;margin:0 0 .25rem}
.brand{font-size:.8rem;letter-spacing:.08em;text-transform:uppercase;color:#5a5a66;margin:0 0 .75rem}
table{width:100%;border-collapse:collapse;margin:.75rem 0 1rem;font-size:.95rem}
th,td{padding:.3rem 0;text-align:left;border-bottom:1px solid #e3e3ea}
td.num,th.num{text-align:right}
caption{text-align:left}
.actions .pay{margin-top:0;width:auto}
tfoot th,tfoot td{font-weight:700;border-bottom:0}
[role=tablist]{display:flex;gap:.25rem;border-bottom:2px solid #d9d9e3;margin-bottom:1rem}
[role=tab]{padding:.5rem 1rem;color:#1b1b1f;text-decoration:none;border:2px solid transparent;border-bottom:0;border-radius:.4rem .4rem 0 0;margin-bottom:-2px}
[role=tab][aria-selected=true]{border-color:#d9d9e3;background:#fff;font-weight:700;border-bottom:2px solid #fff}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
input{width:100%;font:inherit;padding:.55rem .65rem;border:1px solid #76768a;border-radius:.35rem}
input[aria-invalid=true]{border-color:#b3261e;border-width:2px}
.row{display:flex;gap:.75rem}.row>div{flex:1}
.hint{font-size:.85rem;color:#55556a;margin:.25rem 0 0}
.field-error{color:#b3261e;font-size:.9rem;margin:.25rem 0 0}
.alert{border:2px solid #b3261e;background:#fdecea;color:#7a1410;border-radius:.4rem;padding:.6rem .8rem;margin:0 0 1rem}
button{font:inherit;cursor:pointer;border-radius:.4rem;padding:.65rem 1rem}
.pay{width:100%;margin-top:1.25rem;border:0;font-weight:700}
.secondary{background:#fff;color:#1b1b1f;border:1px solid #76768a}
.actions{display:flex;gap:.75rem;margin-top:1rem}
.cancel{margin-top:1rem;text-align:center}
.cancel button{background:none;border:0;color:#0b57d0;text-decoration:underline;padding:.25rem}
:focus-visible{outline:3px solid #1b1b1f;outline-offset:2px}
a{color:#0b57d0}
.pay{background:var(--accent,#0b57d0);color:var(--accent-text,#fff)}
[data-theme=dark]{color-scheme:dark;background:#16161d;color:#e6e6ee}
[data-theme=dark] .brand{color:#a9a9bb}
[data-theme=dark] th,[data-theme=dark] td{border-color:#3a3a48}
[data-theme=dark] [role=tablist]{border-color:#4a4a5c}
[data-theme=dark] [role=tab]{color:#e6e6ee}
[data-theme=dark] [role=tab][aria-selected=true]{border-color:#4a4a5c;background:#16161d;border-bottom-color:#16161d}
[data-theme=dark] input,[data-theme=dark] .secondary{background:#22222b;color:#e6e6ee;border-color:#8a8aa0}
[data-theme=dark] .hint{color:#b4b4c4}
[data-theme=dark] .field-error{color:#ffb4ab}
[data-theme=dark] input[aria-invalid=true]{border-color:#ffb4ab}
[data-theme=dark] .alert{background:#3b1412;color:#ffdad6;border-color:#ffb4ab}
[data-theme=dark] a,[data-theme=dark] .cancel button{color:#a8c7fa}
[data-theme=dark] :focus-visible{outline-color:#e6e6ee}
`;

function linesTable(input: PayPageInput, t: PageTexts): string {
  const money = (amount: number) => escapeHtml(formatMoney(amount, input.currency, input.locale));
  const rows = input.lines
    .map(
      (line) =>
        `<tr><td>${escapeHtml(line.name)}</td><td class="num">${line.quantity}</td><td class="num">${money(line.unit_amount * line.quantity)}</td></tr>`,
    )
    .join('');
  return `<table><caption class="brand">${t.order}</caption>
<thead><tr><th scope="col">${t.item}</th><th scope="col" class="num">${t.qty}</th><th scope="col" class="num">${t.amount}</th></tr></thead>
<tbody>${rows}</tbody>
<tfoot><tr><th scope="row" colspan="2">${t.total}</th><td class="num">${money(input.amount)}</td></tr></tfoot></table>`;
}

function input(options: {
  id: string;
  name: string;
  label: string;
  error?: PayFieldError;
  field: PayFieldError['field'];
  value?: string;
  attributes: string;
  hint?: string;
}): string {
  const hasError = options.error?.field === options.field;
  const described = [options.hint ? `${options.id}-hint` : '', hasError ? `${options.id}-error` : '']
    .filter(Boolean)
    .join(' ');
  return `<label for="${options.id}">${options.label}</label>
<input id="${options.id}" name="${options.name}" ${options.attributes}${options.value ? ` value="${escapeHtml(options.value)}"` : ''}${described ? ` aria-describedby="${described}"` : ''}${hasError ? ' aria-invalid="true" autofocus' : ''} required>
${options.hint ? `<p class="hint" id="${options.id}-hint">${options.hint}</p>` : ''}${hasError ? `<p class="field-error" id="${options.id}-error">${escapeHtml(options.error!.message)}</p>` : ''}`;
}

function formView(page: PayPageInput, view: Extract<PayView, { kind: 'form' }>, t: PageTexts): string {
  const base = `/pay/${encodeURIComponent(page.id)}`;
  const total = escapeHtml(formatMoney(page.amount, page.currency, page.locale));
  // A saved card must be chargeable later: recurring sessions take cards only, so no BLIK tab.
  const saveCard = Boolean(page.saveCard);
  const card = view.method === 'card' || saveCard;
  const error = view.fieldError && { ...view.fieldError, message: translateMessage(view.fieldError.message, t) };
  const tab = (method: PayMethod, label: string) => {
    const selected = view.method === method;
    return `<a role="tab" id="tab-${method}" href="${base}?method=${method}" aria-controls="panel-${method}" aria-selected="${selected}"${selected ? '' : ' tabindex="-1"'}>${label}</a>`;
  };
  const cardHint = saveCard ? t.cardHintSaved : t.cardHint;
  const cardButton = saveCard ? (page.amount === 0 ? t.saveCard : withAmount(t.payAndSave, total)) : withAmount(t.pay, total);
  const cardForm = `<form method="post" action="${base}/card" novalidate>
${input({ id: 'card-number', name: 'number', label: t.cardNumber, field: 'number', error, value: view.values?.number, attributes: 'inputmode="numeric" autocomplete="cc-number" maxlength="23"', hint: cardHint })}
<div class="row"><div>
${input({ id: 'card-expiry', name: 'expiry', label: t.expiry, field: 'expiry', error, value: view.values?.expiry, attributes: 'inputmode="numeric" autocomplete="cc-exp" maxlength="7"' })}
</div><div>
${input({ id: 'card-cvc', name: 'cvc', label: t.cvc, field: 'cvc', error, attributes: 'inputmode="numeric" autocomplete="cc-csc" maxlength="4"' })}
</div></div>
<button class="pay" type="submit">${cardButton}</button>
</form>`;
  const declined = view.declined ? `<div class="alert" role="alert" tabindex="-1" id="decline">${escapeHtml(translateMessage(view.declined, t))}</div>` : '';
  if (saveCard) {
    return `${declined}
<p>${page.amount === 0 ? t.saveNoteOnly : t.saveNoteAfter}</p>
${cardForm}
<form class="cancel" method="post" action="${base}/cancel"><button type="submit">${page.amount === 0 ? t.cancel : t.cancelPayment}</button></form>`;
  }
  return `${declined}
<div role="tablist" aria-label="${t.paymentMethod}">${tab('card', t.card)}${tab('blik', 'BLIK')}</div>
<section role="tabpanel" id="panel-card" aria-labelledby="tab-card"${card ? '' : ' hidden'}>
${cardForm}
</section>
<section role="tabpanel" id="panel-blik" aria-labelledby="tab-blik"${card ? ' hidden' : ''}>
<form method="post" action="${base}/blik" novalidate>
${input({ id: 'blik-code', name: 'code', label: t.blikCode, field: 'code', error, attributes: 'inputmode="numeric" autocomplete="one-time-code" maxlength="6" pattern="[0-9]{6}"', hint: t.blikHint })}
<button class="pay" type="submit">${withAmount(t.payBlik, total)}</button>
</form>
</section>
<form class="cancel" method="post" action="${base}/cancel"><button type="submit">${t.cancelPayment}</button></form>`;
}

function bodyFor(page: PayPageInput, t: PageTexts): { title: string; content: string } {
  const total = escapeHtml(formatMoney(page.amount, page.currency, page.locale));
  const base = `/pay/${encodeURIComponent(page.id)}`;
  const view = page.view;
  /** A recurring session without a payment: it only saves the card. */
  const saveOnly = Boolean(page.saveCard) && page.amount === 0;
  switch (view.kind) {
    case 'form': {
      const heading = saveOnly ? t.saveHeading : withAmount(t.pay, total);
      return {
        title: heading,
        content: `<h1>${heading}</h1>${page.lines.length > 0 ? linesTable(page, t) : ''}${formView(page, view, t)}`,
      };
    }
    case 'challenge':
      return {
        title: t.authenticate,
        content: `<h1>${t.authenticate}</h1>
<p>${saveOnly ? t.authenticateSave : withAmount(t.authenticatePay, total)}</p>
<form method="post" action="${base}/3ds">
<div class="actions">
<button class="pay" type="submit" name="action" value="complete">${t.completeAuth}</button>
<button class="secondary" type="submit" name="action" value="fail">${t.failAuth}</button>
</div></form>`,
      };
    case 'complete': {
      const heading = saveOnly ? t.cardSaved : t.paymentComplete;
      const done = saveOnly ? t.cardSavedText : withAmount(page.saveCard ? t.paidAndSaved : t.paid, total);
      return {
        title: heading,
        content: `<h1>${heading}</h1><p>${done}</p><p><a href="${escapeHtml(view.acceptUrl)}">${t.returnToShop}</a></p>`,
      };
    }
    case 'cancelled':
      return {
        title: t.paymentCancelled,
        content: `<h1>${t.paymentCancelled}</h1><p>${t.nothingCharged}</p><p><a href="${escapeHtml(view.cancelUrl)}">${t.returnToShop}</a></p>`,
      };
    case 'expired':
      return {
        title: t.paymentExpired,
        content: `<h1>${t.expiredHeading}</h1><p>${t.expiredText}</p><p><a href="${escapeHtml(view.cancelUrl)}">${t.returnToShop}</a></p>`,
      };
  }
}

/** What the page tells the widget as soon as it loads, if anything. */
function loadMessage(view: PayView): { event: string; status: string } | undefined {
  if (view.kind === 'form' && view.declined) return { event: 'error', status: 'declined' };
  if (view.kind === 'expired') return { event: 'status', status: 'expired' };
  if (view.kind === 'challenge') return { event: 'status', status: 'authenticating' };
  return undefined;
}

/**
 * The sandbox's hosted payment page. Self-contained (inline style and script allowed by nonce),
 * frameable, and it talks to the widget only through contract messages to the shop origin.
 */
export function renderPayPage(page: PayPageInput): string {
  // The session's locale picks the page's language, as it picks the widget's.
  const language = pageLanguage(page.locale);
  const t = PAGE_TEXTS[language];
  const { title, content } = bodyFor(page, t);
  const open = page.view.kind === 'form' || page.view.kind === 'challenge';
  const data = {
    session: page.id,
    shopOrigin: page.shopOrigin,
    onLoad: loadMessage(page.view) ?? null,
    open,
    reloadInMs: open && page.expiresInMs !== undefined ? Math.max(0, page.expiresInMs) + 500 : null,
  };
  return `<!doctype html>
<html lang="${language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Sandbox PSP</title>
<style nonce="${page.nonce}">${STYLE}</style>
</head>
<body>
<main>
<p class="brand">${t.brand}</p>
${content}
</main>
<script nonce="${page.nonce}">
(function () {
  // The shop's theme, as the widget filled it into the url (theme=light|dark, accent=#rrggbb); kept for
  // this window's later pages (a declined card, 3-D Secure), which are answers to form posts.
  try {
    var query = new URLSearchParams(location.search);
    if (query.has('theme')) sessionStorage.setItem('sandbox-theme', JSON.stringify({ theme: query.get('theme'), accent: query.get('accent') }));
    var theme = JSON.parse(sessionStorage.getItem('sandbox-theme') || '{}');
    var root = document.documentElement;
    if (theme.theme === 'dark') root.setAttribute('data-theme', 'dark');
    if (/^#[0-9a-f]{6}$/i.test(theme.accent || '')) {
      var rgb = [1, 3, 5].map(function (i) { return parseInt(theme.accent.slice(i, i + 2), 16); });
      root.style.setProperty('--accent', theme.accent);
      // Black or white text, whichever reads better on the accent.
      root.style.setProperty('--accent-text', rgb[0] * 0.299 + rgb[1] * 0.587 + rgb[2] * 0.114 > 150 ? '#000' : '#fff');
    }
  } catch (e) {}
})();
(function () {
  var data = ${jsonForScript(data)};
  var framed = window.parent !== window;
  var target = framed ? window.parent : (window.opener && window.opener !== window ? window.opener : null);
  function send(to, message) {
    if (!to) return;
    message.type = 'checkout-widget';
    message.version = 1;
    message.session = data.session;
    try { to.postMessage(message, data.shopOrigin); } catch (e) {}
  }
  if (data.onLoad) send(target, { event: data.onLoad.event, status: data.onLoad.status });
  if (framed) {
    var lastHeight = 0;
    var reportHeight = function () {
      // The document's own height, not the viewport's, so the frame can shrink as well as grow.
      var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
      if (height !== lastHeight) { lastHeight = height; send(window.parent, { event: 'resize', height: height }); }
    };
    if (window.ResizeObserver) new ResizeObserver(reportHeight).observe(document.documentElement);
    reportHeight();
  }
  // Relative to the server's clock, so a skewed device clock cannot make it early or late.
  if (data.reloadInMs !== null) setTimeout(function () { location.replace(location.pathname + location.search); }, data.reloadInMs);
  document.addEventListener('submit', function () { send(target, { event: 'status', status: 'processing' }); });
  // Escape asks the widget to close its overlay or popup (docs/protocol.md, "Messages"); an inline page's is ignored there.
  if (data.open) document.addEventListener('keydown', function (event) {
    if (event.key === 'Escape' && !event.defaultPrevented) send(target, { event: 'close' });
  });
  var alert = document.getElementById('decline');
  if (alert && !document.querySelector('[autofocus]')) alert.focus();
  var tabs = Array.prototype.slice.call(document.querySelectorAll('[role=tab]'));
  function select(tab, focus) {
    tabs.forEach(function (other) {
      var selected = other === tab;
      other.setAttribute('aria-selected', String(selected));
      if (selected) other.removeAttribute('tabindex'); else other.setAttribute('tabindex', '-1');
      document.getElementById(other.getAttribute('aria-controls')).hidden = !selected;
    });
    if (focus) tab.focus();
  }
  tabs.forEach(function (tab, index) {
    tab.addEventListener('click', function (event) { event.preventDefault(); select(tab, false); });
    tab.addEventListener('keydown', function (event) {
      var next = event.key === 'ArrowRight' ? index + 1 : event.key === 'ArrowLeft' ? index - 1 : event.key === 'Home' ? 0 : event.key === 'End' ? tabs.length - 1 : -2;
      if (next === -2) return;
      event.preventDefault();
      select(tabs[(next + tabs.length) % tabs.length], true);
    });
  });
})();
</script>
</body>
</html>
`;
}
