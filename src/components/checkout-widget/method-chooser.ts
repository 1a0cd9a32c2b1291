// The method chooser (`methods="choose"`): its own lazy chunk, fetched only by a widget that has
// the attribute, so a start without it carries none of these bytes (README, "Methods").
import { css, html, nothing, type TemplateResult } from 'lit';
import { CheckoutError } from '../../core/errors.js';
import { createCheckoutEvent } from '../../core/events.js';
import { isPlainObject } from '../../core/message-filter.js';
import { openPopup } from '../../core/popup.js';
import type { CheckoutMethod } from '../../core/protocol.js';
import type { DisplayMode } from '../../core/display.js';
import { postMethods } from '../../core/session-client.js';
import { memorySlot, recall, storage } from './session-memory.js';
import type { CheckoutStrings } from './strings.js';

/** What an earlier run of this start knew: the methods answer, and the methods whose browser SDK did not load. */
export interface MethodOffer {
  methods?: CheckoutMethod[] | undefined;
  unavailable: string[];
}

/** The chooser's result: the create body with `{ provider, method }`, and what a failover needs. */
export interface MethodChoice extends MethodOffer {
  method: CheckoutMethod;
  body: Record<string, unknown>;
  /**
   * Popup mode, once the shopper pressed Continue: the window opened inside that click (null: the
   * browser refused it). Left out when no chooser was shown.
   */
  popup?: Window | null;
  /**
   * After this method's browser SDK did not load: what the next run offers (this method marked
   * unavailable), or undefined when no other method is left. Here, not in the core: only a run
   * with a chooser fails over.
   */
  next(): MethodOffer | undefined;
}

export interface ChooserHost {
  /** The `<checkout-widget>`: it fires `checkout-method`, its shadow root holds the chooser. */
  element: HTMLElement;
  endpoint: string;
  /** The create body without `provider` and `method`: the payload with the locale. */
  body: Record<string, unknown>;
  mode: DisplayMode;
  signal: AbortSignal;
  offer?: MethodOffer | undefined;
  /** The methods call the widget sent as this run began (session-client.ts, postMethods), while this chunk loaded. */
  listed?: Promise<unknown> | undefined;
  /** Puts the chooser on screen (a view of the widget's texts), or takes it off with `undefined`. */
  show(view: ((t: CheckoutStrings) => unknown) | undefined): Promise<unknown>;
}

const styles = css`
  [part~='methods'] fieldset {
    display: grid;
    gap: 0.5em;
    margin: 0 0 0.75em;
    padding: 0;
    border: 0;
  }
  [part~='methods-legend'] {
    padding: 0;
    margin-block-end: 0.5em;
    font-weight: 600;
  }
  [part~='method'] {
    display: flex;
    align-items: center;
    gap: 0.6em;
    padding: 0.6em 0.8em;
    border: 1px solid var(--checkout-method-border, #c4c8d0);
    border-radius: var(--checkout-radius, 8px);
    cursor: pointer;
  }
  [part~='method']:has(:checked) {
    border-color: var(--checkout-accent, #1a56db);
  }
  [part~='method']:has(:disabled) {
    cursor: not-allowed;
    opacity: 0.7;
  }
  [part~='method-unavailable'] {
    margin-inline-start: auto;
    font-size: 0.875em;
  }
  [part~='continue'] {
    padding: 0.6em 1.4em;
    border: 0;
    border-radius: var(--checkout-radius, 8px);
    background: var(--checkout-accent, #1a56db);
    color: var(--checkout-accent-contrast, #fff);
  }
`;

/** A part name's token for a method id: ids are free text, part names are not. */
const token = (id: string) => id.replace(/[^\w-]/g, '_');

/** The choice of the shopper for this endpoint and cart, remembered beside its open session (see session-memory.ts). */
const choiceSlot = (endpoint: string, body: Record<string, unknown>) => `${memorySlot(endpoint, body)}:method`;

function withMethod(body: Record<string, unknown>, method: Pick<CheckoutMethod, 'id' | 'provider'>): Record<string, unknown> {
  return { ...body, provider: method.provider, method: method.id };
}

/** The methods answer, its well-formed entries only; none at all is an `invalid_session`. */
async function parseMethods(json: unknown): Promise<CheckoutMethod[]> {
  const list = isPlainObject(json) && Array.isArray(json['methods']) ? (json['methods'] as unknown[]) : [];
  const methods = list.filter(
    (entry): entry is CheckoutMethod =>
      isPlainObject(entry) && ['id', 'provider', 'label', 'kind'].every((key) => typeof entry[key] === 'string' && entry[key]),
  );
  if (!methods.length) throw new CheckoutError('invalid_session', 'The checkout endpoint offered no payment methods');
  return methods;
}

let adopted: WeakSet<ShadowRoot> | undefined;

/** The chooser's styles join the widget's (constructable sheets: no inline style for a strict CSP to refuse). */
function adoptStyles(element: HTMLElement): void {
  const root = element.shadowRoot;
  adopted ??= new WeakSet();
  if (!root || adopted.has(root) || !styles.styleSheet) return;
  adopted.add(root);
  root.adoptedStyleSheets = [...root.adoptedStyleSheets, styles.styleSheet];
}

/**
 * The method to create the session with: the one a reload finds remembered with its open session;
 * the only one offered; or the shopper's pick in the chooser (a radio group and a Continue button).
 * With `offer.unavailable` (a method whose SDK did not load) the chooser always shows, that
 * method marked unavailable and the next one preselected; with nothing left it rejects with
 * `provider_load_failed`.
 */
export async function chooseMethod(host: ChooserHost): Promise<MethodChoice> {
  const { endpoint, body, signal, offer, listed } = host;
  const unavailable = offer?.unavailable ?? [];
  const slot = choiceSlot(endpoint, body);
  if (!unavailable.length) {
    const kept = readChoice(slot);
    // Its session is still remembered: the create resumes it (or starts afresh with this method).
    if (kept && recall(memorySlot(endpoint, withMethod(body, kept)))?.id) {
      const method = offer?.methods?.find((entry) => entry.id === kept.id && entry.provider === kept.provider) ?? { ...kept, label: kept.id, kind: '' };
      return choiceOf(method, offer?.methods, unavailable, body);
    }
  }
  // The widget's call when it sent one (not for a failover, nor with a pick remembered), else ours now.
  const methods = offer?.methods ?? (await parseMethods(await (listed ?? postMethods(endpoint, body, signal))));
  const open = methods.filter((method) => !unavailable.includes(method.id));
  if (!open.length) throw new CheckoutError('provider_load_failed', 'No other payment method could be loaded', { retryable: true });
  let method = open[0]!;
  let popup: Window | null | undefined;
  if (open.length > 1 || unavailable.length) {
    const picked = await pick(host, methods, unavailable, readChoice(slot));
    method = picked.method;
    popup = picked.popup;
    host.element.dispatchEvent(createCheckoutEvent('checkout-method', { method: method.id, provider: method.provider }));
  }
  storage((store) => store.setItem(slot, JSON.stringify({ id: method.id, provider: method.provider })));
  const choice = choiceOf(method, methods, unavailable, body);
  if (popup !== undefined) choice.popup = popup;
  return choice;
}

function choiceOf(method: CheckoutMethod, methods: CheckoutMethod[] | undefined, unavailable: string[], body: Record<string, unknown>): MethodChoice {
  return {
    method,
    methods,
    unavailable,
    body: withMethod(body, method),
    next: () => {
      const offer = { methods, unavailable: [...unavailable, method.id] };
      return methods?.every((entry) => offer.unavailable.includes(entry.id)) ? undefined : offer;
    },
  };
}

function readChoice(slot: string): { id: string; provider: string } | undefined {
  try {
    const entry: unknown = JSON.parse(storage((store) => store.getItem(slot)) ?? 'null');
    return isPlainObject(entry) && typeof entry['id'] === 'string' && typeof entry['provider'] === 'string'
      ? { id: entry['id'], provider: entry['provider'] }
      : undefined;
  } catch {
    return undefined;
  }
}

/** Shows the chooser until the shopper presses Continue (or the run ends: an AbortError). */
function pick(
  host: ChooserHost,
  methods: CheckoutMethod[],
  unavailable: string[],
  kept: { id: string; provider: string } | undefined,
): Promise<{ method: CheckoutMethod; popup?: Window | null }> {
  const { element, signal, mode } = host;
  const usable = (method: CheckoutMethod | undefined) => method && !unavailable.includes(method.id);
  // After a failed SDK the first usable method after it; else the remembered pick or the first one.
  const failed = methods.findIndex((method) => method.id === unavailable.at(-1));
  let selected =
    (failed < 0 ? methods.find((method) => method.id === kept?.id) : undefined) ?? [...methods.slice(failed + 1), ...methods].find(usable)!;
  adoptStyles(element);
  return new Promise((resolve, reject) => {
    let texts: CheckoutStrings | undefined;
    const done = () => {
      signal.removeEventListener('abort', onAbort);
      void host.show(undefined);
    };
    const onAbort = () => {
      done();
      reject(signal.reason instanceof Error && signal.reason.name === 'AbortError' ? signal.reason : new DOMException('The chooser was closed', 'AbortError'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const onSubmit = (event: Event) => {
      event.preventDefault();
      // Inside the click: a popup must be opened now, or blockers refuse it.
      const popup = mode === 'popup' && texts ? openPopup(texts) : undefined;
      done();
      resolve(popup === undefined ? { method: selected } : { method: selected, popup });
    };
    const view = (t: CheckoutStrings): TemplateResult => {
      texts = t;
      return html`<form part="methods" @submit=${onSubmit}>
        <fieldset aria-describedby=${unavailable.length ? 'checkout-methods-notice' : nothing}>
          <legend part="methods-legend">${t.methods}</legend>
          ${unavailable.length ? html`<p part="methods-notice" id="checkout-methods-notice">${t.provider_load_failed} ${t.choose_another}</p>` : nothing}
          ${methods.map((method) => {
            const off = unavailable.includes(method.id);
            const id = token(method.id);
            return html`<label part="method method-${id}"
              ><input
                type="radio"
                name="checkout-method"
                .value=${method.id}
                .checked=${method === selected}
                ?disabled=${off}
                aria-describedby=${off ? `checkout-method-${id}-off` : nothing}
                @change=${() => {
                  selected = method;
                  void host.show(view);
                }}
              /><slot name="method-${id}-logo"></slot><span part="method-label">${method.label}</span>${off
                ? html`<span part="method-unavailable" id="checkout-method-${id}-off">${t.unavailable}</span>`
                : nothing}</label
            >`;
          })}
        </fieldset>
        <button part="continue" type="submit">${t.continue}</button>
      </form>`;
    };
    void host.show(view).then(() => {
      // After a click on the trigger or a failed SDK, the shopper is taken to the choice; an
      // embedded widget that started by itself leaves the page's focus alone.
      if (mode !== 'embedded' || unavailable.length) element.shadowRoot?.querySelector<HTMLInputElement>('input:checked')?.focus();
    });
  });
}
