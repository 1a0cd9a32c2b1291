/**
 * Stripe allows ONE Embedded Checkout object per page; a second throws
 * `IntegrationError: You cannot have multiple Embedded Checkout objects.`
 * So creation is serialised page-wide: a renderer takes the turn before it creates its
 * instance and gives it back only after that instance is destroyed.
 *
 * The queue lives on `globalThis` under a `Symbol.for` key, not in module scope, so two copies
 * of this bundle on one page (the CDN build next to an npm build) share it. Its shape must stay
 * `{ tail: Promise<void> }` for that reason.
 */

const QUEUE_KEY = Symbol.for('checkout-widget.stripe-embedded-checkout.queue');

interface PageQueue {
  tail: Promise<void>;
}

function pageQueue(): PageQueue {
  const holder = globalThis as unknown as Record<symbol, PageQueue | undefined>;
  let queue = holder[QUEUE_KEY];
  if (!queue) {
    queue = { tail: Promise.resolve() };
    holder[QUEUE_KEY] = queue;
  }
  return queue;
}

/** Gives the turn back. Safe to call more than once. */
export type ReleaseTurn = () => void;

/**
 * Waits until every earlier holder has released, then resolves with this holder's release.
 * Resolves `undefined` when `signal` aborts first; the place in the queue is then given up
 * at once, so later waiters are not held up by a holder that went away.
 */
export function takeEmbeddedCheckoutTurn(signal: AbortSignal): Promise<ReleaseTurn | undefined> {
  const queue = pageQueue();
  let release!: ReleaseTurn;
  const released = new Promise<void>((resolve) => {
    release = () => resolve();
  });
  const previous = queue.tail;
  queue.tail = previous.then(() => released);

  if (signal.aborted) {
    release();
    return Promise.resolve(undefined);
  }
  return new Promise((resolve) => {
    const onAbort = (): void => {
      release();
      resolve(undefined);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    void previous.then(() => {
      signal.removeEventListener('abort', onAbort);
      if (signal.aborted) {
        release();
        resolve(undefined);
      } else {
        resolve(release);
      }
    });
  });
}
