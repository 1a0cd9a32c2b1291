/** Signed webhooks to the shop, fire and forget, retried with backoff until taken or given up on. */
import { signSandboxPayload } from '../../../server/adapter-kit/webhook-signatures.js';
import { SANDBOX_SIGNATURE_HEADER } from '../protocol.js';
import { newId } from './model.js';

const MAX_WEBHOOK_RETRY_DELAY_MS = 10 * 60_000;

/** What a webhook is about: `{ session }` or `{ charge }` in its body. */
export type WebhookSubject = { session: string } | { charge: string };

/**
 * How one webhook goes out (the test helpers' `webhook` option): `copies` deliveries of the same
 * event (0 drops it, 2 duplicates it: the same event id twice), each after `delayMs`.
 */
export interface WebhookPlan {
  copies: number;
  delayMs: number;
}

/** A webhook as a real PSP sends it: once, at once. */
export const DELIVER_ONCE: WebhookPlan = { copies: 1, delayMs: 0 };

export interface WebhookSenderOptions {
  /** Signs the bodies (`Sandbox-Signature`). */
  secret: string;
  send: typeof fetch;
  now: () => number;
  /** Wait before the first retry; each later one doubles, at most 10 minutes. */
  retryDelayMs: number;
  /** Deliveries of one webhook before giving up on it. */
  attempts: number;
  logger: Pick<Console, 'warn'>;
}

export interface WebhookSender {
  /** Sends `{ id, type, session | charge }` to `target` as `plan` says (default once, at once), if there is a target; returns at once. */
  deliver(about: WebhookSubject, target: string | undefined, type: string, plan?: WebhookPlan): void;
  /** Resolves when the deliveries started so far have finished, retries included. */
  whenIdle(): Promise<void>;
  /** Cuts deliveries in flight and drops retries still waiting. */
  close(): Promise<void>;
}

/** A webhook the shop did not take, with the wait its `Retry-After` asked for. */
class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number | undefined,
  ) {
    super(message);
  }
}

/** `Retry-After` in seconds or as an HTTP date, in milliseconds from now. */
function retryAfterMs(value: string | null): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** The wait before delivery `attempts + 1`: the doubled backoff, or longer if the shop asked for it. */
function retryWait(retryDelayMs: number, attempts: number, error: unknown): number {
  const backoff = Math.min(MAX_WEBHOOK_RETRY_DELAY_MS, retryDelayMs * 2 ** (attempts - 1));
  const asked = error instanceof DeliveryError ? Math.min(MAX_WEBHOOK_RETRY_DELAY_MS, error.retryAfterMs ?? 0) : 0;
  return Math.max(backoff, asked);
}

export function createWebhookSender(options: WebhookSenderOptions): WebhookSender {
  const pending = new Set<Promise<void>>();
  /** Aborted by `close()`: webhook retries still waiting are dropped. */
  const closing = new AbortController();
  const sleepUnlessClosed = (ms: number) =>
    new Promise<void>((resolve) => {
      const onClose = () => (clearTimeout(timer), resolve());
      // the listener goes with its wait: a soak's thousands of retries must not pile up on one signal
      const timer = setTimeout(() => (closing.signal.removeEventListener('abort', onClose), resolve()), ms);
      closing.signal.addEventListener('abort', onClose, { once: true });
    });

  /** One delivery: throws unless the shop answered 2xx. */
  async function post(target: string, body: string): Promise<void> {
    const response = await options.send(target, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [SANDBOX_SIGNATURE_HEADER]: await signSandboxPayload(options.secret, body, Math.floor(options.now() / 1000)),
      },
      body,
      signal: AbortSignal.any([AbortSignal.timeout(10_000), closing.signal]),
    });
    await response.body?.cancel();
    if (!response.ok) throw new DeliveryError(`answered ${response.status}`, retryAfterMs(response.headers.get('retry-after')));
  }

  async function deliverWithRetries(target: string, body: string, what: string): Promise<void> {
    for (let attempts = 1; ; attempts++) {
      try {
        return await post(target, body);
      } catch (error) {
        if (closing.signal.aborted) return;
        if (attempts >= options.attempts) {
          options.logger.warn(`sandbox: webhook ${what} to ${target} failed ${attempts} times, giving up (last: ${String(error)})`);
          return;
        }
        await sleepUnlessClosed(retryWait(options.retryDelayMs, attempts, error));
      }
    }
  }

  return {
    deliver(about, target, type, plan = DELIVER_ONCE) {
      if (!target) return;
      const body = JSON.stringify({ id: newId('evt_'), type, ...about });
      const subject = 'session' in about ? about.session : about.charge;
      for (let copy = 0; copy < plan.copies; copy++) {
        // Fire and forget, retried with backoff, like a PSP that does not hold up the shopper.
        const delivery = (async () => {
          if (plan.delayMs > 0) await sleepUnlessClosed(plan.delayMs);
          if (!closing.signal.aborted) await deliverWithRetries(target, body, `${type} for ${subject}`);
        })().finally(() => pending.delete(delivery));
        pending.add(delivery);
      }
    },
    async whenIdle() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    async close() {
      closing.abort();
      await this.whenIdle();
    },
  };
}
