// The page's word that a payment is under way, in the funnel's lazy chunk (it hears every note of
// the run): the pending view at once, a read at once, and a reload that shows it again at once.
import type { CheckoutSession } from '../../core/protocol.js';
import { storage } from './session-memory.js';

/** The part of a run this reads and sets: the hint the widget's `pending` reads, and the watcher's read-now. */
export interface HintedRun {
  hint?: unknown;
  poll?: (() => void) | undefined;
}

/**
 * Notes that say a payment is under way: a hosted page's `status` of `authenticating` (3-D Secure)
 * or `processing` (its form was sent), the page leaving for the provider's (`redirect`), and a card
 * token the backend refused with `409 payment_in_flight` (`in_flight`, the card-token renderer).
 */
const UNDER_WAY: readonly string[] = ['page:authenticating', 'page:processing', 'page:redirect', 'page:in_flight'];
/** Outcomes after which no hint of the session is kept. */
const OVER: readonly string[] = ['checkout-accept', 'checkout-cancel', 'checkout-expired'];

/** The `sessionStorage` key of a session's hint: its id only (no personal data), so a reload finds it. */
export const hintKey = (session: CheckoutSession): string => `checkout-widget:in-flight:${session.id}`;

/**
 * Acts on one note of the run on `host`: a word of the page (`page:<status>`) sets the hint or
 * clears it (any other word, a declined attempt's `payment_failed`), keeps it in `sessionStorage`
 * and reads the session at once; a session announced (`checkout-session`, a reload's resume) shows
 * a kept hint; an outcome drops it. The hint changes what the widget shows and when it reads,
 * never a status: statuses move only on the endpoint's reads.
 */
export function hear(host: Element, what: string, run: HintedRun, session: CheckoutSession | undefined, code?: string): void {
  if (!session) return;
  const key = hintKey(session);
  if (what === 'checkout-session') {
    if (storage((store) => store.getItem(key))) run.hint = 1;
  } else if (what.startsWith('page:') || code === 'payment_failed') {
    run.hint = UNDER_WAY.includes(what);
    storage((store) => (run.hint ? store.setItem(key, '1') : store.removeItem(key)));
    // A page that leaves for the provider's has no use for a read (the return reads).
    if (run.hint && what !== 'page:redirect') run.poll?.();
  } else if (OVER.includes(what)) {
    storage((store) => store.removeItem(key));
  } else return;
  (host as Element & { requestUpdate(): void }).requestUpdate();
}
