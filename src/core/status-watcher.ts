import { isAbortError } from './errors.js';
import { isFinalStatus, type CheckoutSession } from './protocol.js';

/** The part of `document` the watcher needs; a stand-in in tests. */
export type VisibilitySource = Pick<Document, 'visibilityState' | 'addEventListener' | 'removeEventListener'>;

export interface StatusWatcherOptions {
  session: CheckoutSession;
  /** Reads the session fresh from the endpoint; without it only the expiry timer runs. */
  read: ((signal: AbortSignal) => Promise<CheckoutSession>) | undefined;
  /** A read whose status differs from the last one seen. */
  onChange: (session: CheckoutSession) => void;
  /** `expires_at` has passed (by the page's clock). */
  onExpire: () => void;
  /** Stops everything: timers, the visibility listener, an in-flight read. */
  signal: AbortSignal;
  /** A failed read; polling goes on. */
  onReadError?: (error: unknown) => void;
  document?: VisibilitySource;
  now?: () => number;
  initialDelayMs?: number;
  maxVisibleDelayMs?: number;
  hiddenDelayMs?: number;
}

/** setTimeout clamps longer delays to 1 ms, so far expiries wait in steps. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Re-reads an open session while it stays open, so outcomes the backend saw (webhooks, another
 * tab) reach the page even when no message arrives. Backs off from ~2 s to at most 10 s while
 * the page is visible, polls at most once a minute while hidden, and re-polls at once on return.
 * Returns a function that reads at once (a hint that a payment is under way: poll sooner); while
 * the page is hidden it keeps the hidden cadence instead.
 */
export function watchSessionStatus(options: StatusWatcherOptions): () => void {
  const {
    read,
    onChange,
    onExpire,
    signal,
    onReadError,
    document: visibility = globalThis.document as VisibilitySource | undefined,
    now = Date.now,
    initialDelayMs = 2_000,
    maxVisibleDelayMs = 10_000,
    hiddenDelayMs = 60_000,
  } = options;
  if (signal.aborted || isFinalStatus(options.session.status)) return () => {};

  let lastStatus = options.session.status;
  let lastFailures = options.session.failed_attempts ?? 0;
  // Unset at first: a session already in flight is reported once more, which changes nothing.
  let lastPayment: string | undefined;
  let delay = initialDelayMs;
  let pollTimer: ReturnType<typeof setTimeout> | undefined;
  let expiryTimer: ReturnType<typeof setTimeout> | undefined;
  let reading = false;
  let stopped = false;

  const isHidden = () => visibility?.visibilityState === 'hidden';

  const stop = () => {
    stopped = true;
    clearTimeout(pollTimer);
    clearTimeout(expiryTimer);
    visibility?.removeEventListener('visibilitychange', onVisibilityChange);
    signal.removeEventListener('abort', stop);
  };

  const schedule = () => {
    clearTimeout(pollTimer);
    if (stopped || !read) return;
    pollTimer = setTimeout(poll, isHidden() ? hiddenDelayMs : delay);
  };

  async function poll(): Promise<void> {
    if (stopped || reading || !read) return;
    reading = true;
    try {
      const fresh = await read(signal);
      if (stopped) return;
      // A new declined attempt is news too, though the session stays open, and so is a payment
      // that starts or stops being under way.
      const failures = fresh.failed_attempts ?? 0;
      if (fresh.status !== lastStatus || failures > lastFailures || fresh.payment !== lastPayment) {
        lastStatus = fresh.status;
        lastPayment = fresh.payment;
        lastFailures = Math.max(lastFailures, failures);
        onChange(fresh);
      }
      if (isFinalStatus(fresh.status)) return stop();
    } catch (error) {
      if (stopped || isAbortError(error)) return;
      onReadError?.(error);
    } finally {
      reading = false;
    }
    if (!isHidden()) delay = Math.min(delay * 2, maxVisibleDelayMs);
    schedule();
  }

  function onVisibilityChange(): void {
    if (isHidden()) {
      // Stretch the pending wait to the hidden cadence.
      if (!reading) schedule();
      return;
    }
    clearTimeout(pollTimer);
    void poll();
  }

  const expiresAt = options.session.expires_at ? Date.parse(options.session.expires_at) : Number.NaN;
  // Always through a timer, so onExpire never runs inside the caller's own call.
  const armExpiry = (): void => {
    const remaining = expiresAt - now();
    expiryTimer = setTimeout(() => {
      if (expiresAt - now() > 0) return armExpiry();
      stop();
      onExpire();
    }, Math.min(Math.max(remaining, 0), MAX_TIMER_MS));
  };

  signal.addEventListener('abort', stop, { once: true });
  visibility?.addEventListener('visibilitychange', onVisibilityChange);
  schedule();
  if (!Number.isNaN(expiresAt)) armExpiry();
  return onVisibilityChange;
}
