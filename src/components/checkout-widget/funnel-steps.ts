// The funnel (`checkout-step`) as a lazy chunk: the run notes what happened (an event it fired, a run
// begun or resumed, a word of the provider's page) and this turns it into steps. Notes arrive in
// order, a moment after the fact (the chunk loads at a run's first note), which a funnel can afford.
import { createCheckoutEvent, type CheckoutStep, type CheckoutStepEventDetail } from '../../core/events.js';
import type { DisplayMode } from '../../core/display.js';
import type { CheckoutSession } from '../../core/protocol.js';
import { hear, type HintedRun } from './in-flight.js';

/** The part of a run the funnel reads: its mode (after a popup's fallback) and the chosen method. */
export interface FunnelRun extends HintedRun {
  readonly mode: DisplayMode;
  readonly choice?: { readonly method: { readonly id: string; readonly provider: string } } | undefined;
}

/** What a step says: the mode, the provider's and method's ids. Never personal data or amounts. */
interface FunnelNote {
  mode: DisplayMode;
  provider?: string | undefined;
  method?: string | undefined;
}

/** What is noted: an event the run fired, `shown` / `returned`, or `page:<status>` / `page:redirect` (hosted renderer). */
const STEP_OF: Record<string, CheckoutStep> = {
  shown: 'shown',
  returned: 'returned',
  'checkout-ready': 'provider-loaded',
  'checkout-accept': 'paid',
  'checkout-error': 'failed',
  'checkout-cancel': 'abandoned',
  'checkout-expired': 'abandoned',
  'page:redirect': 'redirected-out',
  'page:authenticating': 'authentication-started',
};

const BUSY: readonly string[] = ['loading', 'ready', 'processing'];

/** Per widget: the last note (for `abandoned` on hiding), and whether the page left or 3-D Secure is under way. */
interface Track {
  last: FunnelNote;
  /** The page left for the provider's, or was hidden: reported once a run. */
  left?: boolean;
  authenticating?: boolean;
}
const tracks = new WeakMap<Element, Track>();
const hosts = new Set<WeakRef<Element>>();

function fire(host: Element, step: CheckoutStep, note: FunnelNote, code?: string): void {
  const detail = { step, mode: note.mode, provider: note.provider, method: note.method, code };
  // Through JSON, so a field a step does not have is left out rather than undefined.
  host.dispatchEvent(createCheckoutEvent('checkout-step', JSON.parse(JSON.stringify(detail)) as CheckoutStepEventDetail));
}

/** The page hidden (another tab, closed, left) while a checkout is open: `abandoned`, once a run. */
function onHidden(): void {
  if (!document.hidden) return;
  for (const ref of hosts) {
    const host = ref.deref();
    const track = host && tracks.get(host);
    if (!host?.isConnected || !track || track.left || !BUSY.includes(host.getAttribute('state') ?? '')) continue;
    track.left = true;
    fire(host, 'abandoned', track.last);
  }
}

/** The documents listened to: one, but for tests that make a new one each. */
const listening = new WeakSet<Document>();

/**
 * Turns one note of the run on `host` into its funnel step, if it is one: `what` happened in
 * `run`, whose session was `session` then; `code`: a `checkout-error`'s.
 */
export function note(host: Element, what: string, run: FunnelRun, session: CheckoutSession | undefined, code?: string): void {
  // The same notes tell the widget that a payment is under way (in-flight.ts).
  hear(host, what, run, session, code);
  const method = run.choice?.method;
  const state: FunnelNote = { mode: run.mode, provider: session?.provider ?? method?.provider, method: method?.id };
  if (!listening.has(document)) {
    listening.add(document);
    // Also fired when the page is closed or left (unlike `pagehide`, on every browser that matters).
    document.addEventListener('visibilitychange', onHidden);
  }
  let track = tracks.get(host);
  if (!track) {
    tracks.set(host, (track = { last: state }));
    hosts.add(new WeakRef(host));
    // The chooser fires it on the element; this chunk came with the run's `shown`, before any chooser.
    host.addEventListener('checkout-method', (event) => {
      const picked = (event as CustomEvent<{ method: string; provider: string }>).detail;
      fire(host, 'method-chosen', { ...track!.last, provider: picked.provider, method: picked.method });
    });
  }
  track.last = state;
  if (what === 'shown' || what === 'returned') track.left = track.authenticating = false;
  if (what === 'page:redirect') track.left = true;
  // 3-D Secure lasts from the page's "authenticating" to its next word (processing, accept, error, …).
  if (what.startsWith('page:') && what !== 'page:redirect') {
    const authenticating = what === 'page:authenticating';
    if (authenticating === Boolean(track.authenticating)) return;
    track.authenticating = authenticating;
    return fire(host, authenticating ? 'authentication-started' : 'authentication-finished', state);
  }
  const step = STEP_OF[what];
  if (!step) return;
  // A cancel or an expiry has settled the state: `cancelled` / `expired` is the code.
  fire(host, step, state, step === 'abandoned' ? (host.getAttribute('state') ?? undefined) : code);
}
