// How a run that creates from the payload gets its session: a stored open one, or a create.
import { CheckoutError } from '../../core/errors.js';
import { createSession, newIdempotencyKey, readSession, type SessionParser } from '../../core/session-client.js';
import type { CheckoutSession } from '../../core/protocol.js';
import { forget, recall, remember } from './session-memory.js';

/** How the run's answers become sessions: its publishable key and parser (the provider registry's). */
export interface SessionContext {
  publishableKey: string | undefined;
  parse: SessionParser;
}

/** The create call's body: the payload, with the widget's locale unless the payload names its own. */
export function createBody(payload: Record<string, unknown>, locale: string): Record<string, unknown> {
  return locale && payload['locale'] === undefined ? { ...payload, locale } : payload;
}

/**
 * A create call the page's inline starter (starter.ts) sent for an element before it was defined:
 * its session memory slot (of the call's endpoint and body), its `Idempotency-Key` and its response.
 */
export type StartedCall = [slot: string, key: string, response: Promise<Response>];

/** The starter's call for `element`, taken once: only when it was made for this endpoint and body (`slot`). */
export function takeStartedCall(element: object, slot: string): StartedCall | undefined {
  const holder = element as { _cs?: StartedCall };
  const started = holder._cs;
  delete holder._cs;
  return started?.[0] === slot ? started : undefined;
}

/** A `fetch` whose first call answers with the starter's response (an abort still cuts it short). */
function adopting(response: Promise<Response>): typeof fetch {
  let first = true;
  return (input, init) => {
    if (!first) return fetch(input, init);
    first = false;
    const signal = init!.signal!;
    return new Promise((resolve, reject) => {
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      response.then(resolve, reject);
    });
  };
}

/**
 * The session remembered for this endpoint and body while the endpoint still reports it `open`
 * (a reload or second mount); otherwise a create, with the remembered key when that create's
 * answer never arrived (the backend's idempotency answers the same session). `started`: the
 * starter already sent the create; its answer is this call's first attempt.
 */
export async function createOrResume(
  slot: string,
  endpoint: string,
  body: Record<string, unknown>,
  signal: AbortSignal,
  context: SessionContext,
  started?: StartedCall,
): Promise<CheckoutSession> {
  let kept = started ? undefined : recall(slot);
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
  const key = started?.[1] ?? kept?.key ?? newIdempotencyKey();
  remember(slot, { key });
  let session: CheckoutSession;
  try {
    session = await createSession(endpoint, body, { signal, idempotencyKey: key, ...context, ...(started && { fetch: adopting(started[2]) }) });
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
