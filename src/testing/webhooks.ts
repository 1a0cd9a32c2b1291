/**
 * Signed test webhooks for every provider folder, like stripe-node's `generateTestHeaderString`:
 * each provider's own test signer (kept beside its verifier in the folder or the adapter kit), so
 * a test webhook is signed exactly as the adapter verifies it. Web Crypto only.
 */
import { PROVIDER_FOLDERS } from '../provider-registry/servers.generated.js';
import { signAdyenItem, type AdyenNotificationItem } from '../providers/adyen/webhook.js';
import { SANDBOX_SIGNATURE_HEADER } from '../providers/sandbox/protocol.js';
import { signVippsWebhook } from '../providers/vipps-mobilepay/webhook.js';
import { signConvergeGateHeaders, signReepayWebhook, signSandboxPayload } from '../server/adapter-kit/webhook-signatures.js';

/** A provider folder's name (`checkout-widget/server/providers/<name>`), from the generated registry. */
export type ProviderName = (typeof PROVIDER_FOLDERS)[number];

/** A webhook ready to POST: its raw body and the headers the provider signs it with. */
export interface TestWebhook {
  body: string;
  headers: Record<string, string>;
}

/** Options of `signedTestWebhook`. */
export interface TestWebhookOptions {
  /** The signing time, in milliseconds. Default now. */
  timestamp?: number;
  /**
   * The URL the webhook is addressed to: Vipps MobilePay signs its path, query and host (required
   * for `vipps-mobilepay`; the others ignore it).
   */
  url?: string;
}

type Signer = (payload: Record<string, unknown>, secret: string, at: number, url: string | undefined) => Promise<TestWebhook>;

const json = { 'content-type': 'application/json' };

/** `t=<s>,v1=<hex HMAC(secret, "<t>.<body>")>` in `header`: the sandbox's and Stripe's scheme. */
const timestampedHmac =
  (header: string): Signer =>
  async (payload, secret, at) => {
    const body = JSON.stringify(payload);
    return { body, headers: { ...json, [header]: await signSandboxPayload(secret, body, Math.floor(at / 1000)) } };
  };

/**
 * Each provider folder's signer; `null` for a provider that takes no webhooks. Keyed by the
 * generated registry's folder list, so a new provider folder does not compile until it is named here.
 */
const SIGNERS: { readonly [Name in ProviderName]: Signer | null } = {
  sandbox: timestampedHmac(SANDBOX_SIGNATURE_HEADER),
  stripe: timestampedHmac('Stripe-Signature'),
  async convergegate(payload, secretKey, at) {
    const body = JSON.stringify(payload);
    return { body, headers: { ...json, ...(await signConvergeGateHeaders(secretKey, body, String(Math.floor(at / 1000)))) } };
  },
  async reepay(payload, secret, at) {
    // Reepay signs `timestamp + id` inside the body; both are filled in when the payload lacks them.
    const event = { timestamp: new Date(at).toISOString(), id: `test_${at.toString(36)}`, ...payload };
    const signature = await signReepayWebhook(secret, String(event.timestamp), String(event.id));
    return { body: JSON.stringify({ ...event, signature }), headers: json };
  },
  async adyen(payload, hexKey) {
    // A `notificationItems` delivery has each item signed; a bare item is wrapped into one.
    const wrapped = Array.isArray(payload['notificationItems'])
      ? (payload['notificationItems'] as { NotificationRequestItem: AdyenNotificationItem }[])
      : [{ NotificationRequestItem: payload as AdyenNotificationItem }];
    const notificationItems = await Promise.all(wrapped.map(async (entry) => ({ NotificationRequestItem: await signAdyenItem(hexKey, entry.NotificationRequestItem) })));
    return { body: JSON.stringify({ live: 'false', ...payload, notificationItems }), headers: json };
  },
  async 'vipps-mobilepay'(payload, secret, at, url) {
    if (!url) throw new TypeError('signedTestWebhook: vipps-mobilepay signs the webhook URL: pass options.url');
    const body = JSON.stringify(payload);
    return { body, headers: { ...json, ...(await signVippsWebhook(secret, url, body, new Date(at).toUTCString())) } };
  },
  // Mollie's classic webhook is unsigned (`id=tr_…`): a hint the adapter answers by reading the payment.
  async mollie(payload) {
    return { body: new URLSearchParams({ id: String(payload['id'] ?? '') }).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } };
  },
  bokamera: null,
  commercelayer: null,
};

/** The providers `signedTestWebhook` signs for (every provider folder that takes webhooks). */
export const TEST_WEBHOOK_PROVIDERS: readonly ProviderName[] = PROVIDER_FOLDERS.filter((name) => SIGNERS[name] !== null);

/**
 * A webhook of `provider` carrying `payload`, signed with `secret` exactly as the provider signs
 * it (its webhook secret; ConvergeGate's secret key; Adyen's hex HMAC key), like stripe-node's
 * `generateTestHeaderString`. POST `body` with `headers` to `<handler>/webhooks/<provider>`
 * (`sendTestWebhook` does). Throws for an unknown provider or one that takes no webhooks.
 */
export async function signedTestWebhook(provider: string, payload: Record<string, unknown>, secret: string, options: TestWebhookOptions = {}): Promise<TestWebhook> {
  if (!(PROVIDER_FOLDERS as readonly string[]).includes(provider)) {
    throw new TypeError(`signedTestWebhook: unknown provider "${provider}" (known: ${PROVIDER_FOLDERS.join(', ')})`);
  }
  const signer = SIGNERS[provider as ProviderName];
  if (!signer) throw new TypeError(`signedTestWebhook: ${provider} takes no webhooks (these do: ${TEST_WEBHOOK_PROVIDERS.join(', ')})`);
  return signer(payload, secret, options.timestamp ?? Date.now(), options.url);
}

/** Options of `sendTestWebhook`: the signing options, how many copies, and a wait before sending. */
export interface SendTestWebhookOptions extends TestWebhookOptions {
  /** Deliveries of the same signed webhook (2 tests your duplicate handling). Default 1. */
  copies?: number;
  /** Wait this long before sending, in ms (a late webhook). Default 0. */
  delayMs?: number;
  /** Default: global fetch. */
  fetch?: typeof fetch;
}

/**
 * Signs a test webhook (`signedTestWebhook`) and POSTs it to `url`, `copies` times; resolves
 * with the answers. To drop a webhook, do not send it; to send one late, give `delayMs`.
 */
export async function sendTestWebhook(
  url: string,
  provider: string,
  payload: Record<string, unknown>,
  secret: string,
  options: SendTestWebhookOptions = {},
): Promise<Response[]> {
  const webhook = await signedTestWebhook(provider, payload, secret, { url, ...options });
  if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
  const send = options.fetch ?? fetch;
  const answers: Response[] = [];
  for (let copy = 0; copy < (options.copies ?? 1); copy++) {
    answers.push(await send(url, { method: 'POST', headers: webhook.headers, body: webhook.body }));
  }
  return answers;
}
