import { CheckoutError } from '../../core/errors.js';
import { isPlainObject } from '../../core/message-filter.js';
import { createSession, newIdempotencyKey, readSession } from '../../core/session-client.js';
import { DISPLAY_MODES, type CheckoutSession } from '../../core/session.js';
import { forget, memorySlot, recall, remember } from './session-memory.js';

/** Query parameters the return bridge adds when it sends a redirected shopper back. */
export const RETURN_SESSION_PARAM = 'checkout_session';
export const RETURN_RESULT_PARAM = 'checkout_result';

export interface SessionContext {
  publishableKey: string | undefined;
}

/** The create call's body: the payload, with the widget's locale unless the payload names its own. */
export function createBody(payload: Record<string, unknown>, locale: string): Record<string, unknown> {
  return locale && payload['locale'] === undefined ? { ...payload, locale } : payload;
}

/**
 * The session remembered for this endpoint and body while the endpoint still reports it `open`
 * (a reload or second mount); otherwise a create, with the remembered key when that create's
 * answer never arrived (the backend's idempotency answers the same session).
 */
export async function createOrResume(
  slot: string,
  endpoint: string,
  body: Record<string, unknown>,
  signal: AbortSignal,
  context: SessionContext,
): Promise<CheckoutSession> {
  let kept = recall(slot);
  if (kept?.id) {
    try {
      const session = await readSession(endpoint, kept.id, { signal, retries: 2, ...context });
      if (session.status === 'open') return session;
    } catch (error) {
      // Gone (404, any 4xx) or unreadable starts afresh; an outage stays this start's error.
      if (!(error instanceof CheckoutError) || error.retryable) throw error;
    }
    // Paid, expired, cancelled or failed: never shown again, and a new payment needs a new key.
    kept = undefined;
  }
  const retried = Boolean(kept);
  const key = kept?.key ?? newIdempotencyKey();
  remember(slot, { key });
  let session: CheckoutSession;
  try {
    session = await createSession(endpoint, body, { signal, idempotencyKey: key, ...context });
  } catch (error) {
    // A refused body or answer would be refused again under the same key.
    if (error instanceof CheckoutError && !error.retryable) forget(slot);
    throw error;
  }
  if (session.status === 'open') {
    remember(slot, { key, id: session.id });
    return session;
  }
  forget(slot);
  // A remembered key answered a session that is over: that was an earlier payment, not this one.
  return retried ? createOrResume(slot, endpoint, body, signal, context) : session;
}

/** A create (or resume) begun for an element before its class was defined. */
interface EarlyStart {
  endpoint: string;
  slot: string;
  publishableKey: string | undefined;
  abort: AbortController;
  promise: Promise<CheckoutSession>;
}

const earlyStarts = new Map<Element, EarlyStart>();

/** Properties a page may set on the element before it is defined; any of them makes the element decide. */
const PRESET_PROPERTIES = ['endpoint', 'payload', 'mode', 'locale', 'sessionId', 'publishableKey', 'session'];

/**
 * Begins the session of every `<tag endpoint>` already in the page that will start by itself
 * (embedded mode, no `session-id`, no property set on the bare tag, not returning from a
 * redirect), from its attributes alone, as the element would: same body, same session memory,
 * same idempotency key. Called when the CDN module starts evaluating, so the create call leaves
 * while the rest of the module (Lit, the element) is still being evaluated; the element takes the
 * call over in its first update (`takeEarlyStart`). A page that changes the widget between the
 * two (in a `customElements.whenDefined` callback) gets the element's own call instead, and the
 * early one is aborted (README, "Embedding"). Returns how many began.
 */
export function startEarly(tag: string): number {
  if (typeof document === 'undefined' || customElements.get(tag)) return 0;
  const returning = new URLSearchParams(location.search).has(RETURN_SESSION_PARAM);
  for (const element of returning ? [] : document.querySelectorAll(`${tag}[endpoint]`)) {
    const endpoint = element.getAttribute('endpoint');
    const mode = element.getAttribute('mode');
    const starts = !mode || mode === 'embedded' || !(DISPLAY_MODES as readonly string[]).includes(mode);
    if (!endpoint || !starts || element.hasAttribute('session-id') || PRESET_PROPERTIES.some((name) => Object.hasOwn(element, name))) continue;
    let payload: unknown = {};
    try {
      const text = element.getAttribute('payload');
      if (text !== null) payload = JSON.parse(text);
    } catch {
      continue; // the element reports the bad attribute itself
    }
    if (!isPlainObject(payload)) continue;
    const locale = element.getAttribute('locale') ?? (document.documentElement.lang || navigator.language || '');
    const body = createBody(payload, locale);
    const slot = memorySlot(endpoint, body);
    const publishableKey = element.getAttribute('publishable-key') ?? undefined;
    const abort = new AbortController();
    const promise = createOrResume(slot, endpoint, body, abort.signal, { publishableKey });
    // Until taken, nobody else listens: a failure is the element's to report once it takes the call.
    promise.catch(() => undefined);
    earlyStarts.set(element, { endpoint, slot, publishableKey, abort, promise });
  }
  return earlyStarts.size;
}

/**
 * The early start of `element` if it was made for this endpoint, body and key; the caller's
 * `signal` aborts it from now on. A start made for anything else is aborted and left out.
 */
export function takeEarlyStart(
  element: Element,
  endpoint: string,
  slot: string,
  context: SessionContext,
  signal: AbortSignal,
): Promise<CheckoutSession> | undefined {
  const early = earlyStarts.get(element);
  if (!early) return undefined;
  earlyStarts.delete(element);
  if (early.endpoint !== endpoint || early.slot !== slot || early.publishableKey !== context.publishableKey) {
    early.abort.abort();
    return undefined;
  }
  if (signal.aborted) early.abort.abort();
  else signal.addEventListener('abort', () => early.abort.abort(), { once: true });
  return early.promise;
}

/**
 * Aborts the early starts no element took (once every element had its first update). Their
 * idempotency key stays in the session memory: a later start for the same endpoint and cart (a
 * click in `overlay` mode, a reload) sends it again and the backend answers the session the early
 * call made; one for another cart leaves that session unused until it expires.
 */
export function dropEarlyStarts(): void {
  for (const early of earlyStarts.values()) early.abort.abort();
  earlyStarts.clear();
}
