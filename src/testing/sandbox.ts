/**
 * Server-side test helpers for the sandbox PSP: move a session on from code through the PSP's
 * test-helper API (`/v1/test_helpers/sessions/:id/…`, secret key), with its webhook delivered,
 * dropped, duplicated or delayed. Web Crypto and fetch only.
 */
import { basicAuth } from '../server/adapter-kit/http-client.js';

/** Where the sandbox PSP is and its secret key: `startSandbox()`'s `url` and keys, or its `env`. */
export type SandboxTestTarget =
  | { apiUrl: string; secretKey: string; fetch?: typeof fetch }
  | { SANDBOX_API_URL: string; SANDBOX_SECRET_KEY: string };

/** What happens to the webhook of a change: sent once (default), not at all, or twice (the same event id). */
export type WebhookAction = 'deliver' | 'drop' | 'duplicate';

/** How a completion or cancellation sends its webhook. */
export interface WebhookChoice {
  /** Default `deliver`. */
  webhook?: WebhookAction;
  /** Send it this many ms late (the PSP waits; your test goes on). Default 0. */
  webhookDelayMs?: number;
}

/** A sandbox session as the PSP's API shows it (the fields a test reads). */
export interface SandboxSessionAnswer {
  id: string;
  status: 'open' | 'complete' | 'cancelled' | 'expired';
  amount: number;
  currency: string;
  reference: string;
  failed_attempts: number;
  payment_method: 'card' | 'blik' | null;
  [field: string]: unknown;
}

/** The helpers `sandboxTestHelpers` returns; each resolves with the session as the PSP now has it. */
export interface SandboxTestHelpers {
  /** Pays the session (default by card), as the hosted page would; its webhook as `choice` says. */
  complete(sessionId: string, choice?: WebhookChoice & { method?: 'card' | 'blik' }): Promise<SandboxSessionAnswer>;
  /** A declined attempt: counted in `failed_attempts`, the session stays open. */
  decline(sessionId: string): Promise<SandboxSessionAnswer>;
  /** Cancels the session, as the shopper's Cancel does; its webhook as `choice` says. */
  cancel(sessionId: string, choice?: WebhookChoice): Promise<SandboxSessionAnswer>;
  /** Expires the session now (no webhook, as for any expiry). */
  expire(sessionId: string): Promise<SandboxSessionAnswer>;
  /** Reads the session. */
  read(sessionId: string): Promise<SandboxSessionAnswer>;
}

/**
 * Test helpers on the sandbox PSP at `target`: `complete`, `decline`, `cancel`, `expire` a session
 * from code (no browser), and `read` it. A helper on a session that is no longer open fails with
 * the PSP's 409 message. Session ids are the PSP's (`sbx_…`), which the handler's sessions carry.
 */
export function sandboxTestHelpers(target: SandboxTestTarget): SandboxTestHelpers {
  const apiUrl = ('apiUrl' in target ? target.apiUrl : target.SANDBOX_API_URL).replace(/\/+$/, '');
  const secretKey = 'secretKey' in target ? target.secretKey : target.SANDBOX_SECRET_KEY;
  const send = ('fetch' in target && target.fetch) || fetch;
  async function call(method: 'GET' | 'POST', path: string, body?: object): Promise<SandboxSessionAnswer> {
    const answer = await send(`${apiUrl}${path}`, {
      method,
      headers: { authorization: basicAuth(secretKey), ...(body && { 'content-type': 'application/json' }) },
      ...(body && { body: JSON.stringify(body) }),
    });
    const data = (await answer.json().catch(() => ({}))) as SandboxSessionAnswer & { error?: { message?: string } };
    if (!answer.ok) throw new Error(`sandbox ${method} ${path}: ${answer.status} ${data.error?.message ?? ''}`.trimEnd());
    return data;
  }
  const helper = (id: string, action: string, choice: WebhookChoice & { method?: string } = {}) =>
    call('POST', `/v1/test_helpers/sessions/${encodeURIComponent(id)}/${action}`, {
      ...(choice.method && { method: choice.method }),
      ...(choice.webhook && { webhook: choice.webhook }),
      ...(choice.webhookDelayMs !== undefined && { webhook_delay_ms: choice.webhookDelayMs }),
    });
  return {
    complete: (id, choice) => helper(id, 'complete', choice),
    decline: (id) => helper(id, 'decline'),
    cancel: (id, choice) => helper(id, 'cancel', choice),
    expire: (id) => helper(id, 'expire'),
    read: (id) => call('GET', `/v1/sessions/${encodeURIComponent(id)}`),
  };
}
