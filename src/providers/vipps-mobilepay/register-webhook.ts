/**
 * Registers the checkout handler's webhook URL with the Vipps MobilePay Webhooks API
 * (`POST {apiUrl}/webhooks/v1/webhooks`, body `{ url, events }`, answer 201 `{ id, secret }`), so
 * the `secret` can go into `VIPPS_MOBILEPAY_WEBHOOK_SECRET`. Run once per URL and environment:
 *
 *     VIPPS_MOBILEPAY_CLIENT_ID=… VIPPS_MOBILEPAY_CLIENT_SECRET=… VIPPS_MOBILEPAY_SUBSCRIPTION_KEY=… \
 *     VIPPS_MOBILEPAY_MERCHANT_SERIAL_NUMBER=… VIPPS_MOBILEPAY_API_URL=https://apitest.vipps.no \
 *     npx tsx src/providers/vipps-mobilepay/register-webhook.ts https://shop.example/api/checkout/webhooks/vipps-mobilepay
 *
 * The URL must be HTTPS, reachable from the internet, not redirecting, on port 80, 443 or 8080.
 */
import { bearerAuth, joinUrl, parseAnswer, requestJson, globalFetch, type FetchLike } from '../../server/adapter-kit/index.js';
import { z } from 'zod';
import { VIPPS_MOBILEPAY_API_URL } from './server.js';

/**
 * The ePayment events the handler acts on: each makes it re-read the payment (and capture an
 * authorised one). `created` is left out: it changes nothing.
 */
export const VIPPS_WEBHOOK_EVENTS = [
  'epayments.payment.authorized.v1',
  'epayments.payment.aborted.v1',
  'epayments.payment.expired.v1',
  'epayments.payment.terminated.v1',
  'epayments.payment.cancelled.v1',
  'epayments.payment.captured.v1',
] as const;

/** What `registerVippsWebhook` needs: the sales unit's keys and the URL to register. */
export interface RegisterVippsWebhookOptions {
  clientId: string;
  clientSecret: string;
  subscriptionKey: string;
  merchantSerialNumber: string;
  /** The handler's `…/webhooks/vipps-mobilepay` URL, exactly as the adapter will verify it. */
  url: string;
  /** Default `https://api.vipps.no`. */
  apiUrl?: string;
  /** Default `VIPPS_WEBHOOK_EVENTS`. */
  events?: readonly string[];
  fetch?: FetchLike;
}

const tokenAnswer = z.object({ access_token: z.string().min(1) });
const registered = z.object({ id: z.string().min(1), secret: z.string().min(1) });

/** Registers `url` for the events; answers the webhook's `id` and the `secret` that signs its deliveries. */
export async function registerVippsWebhook(options: RegisterVippsWebhookOptions): Promise<{ id: string; secret: string }> {
  const apiUrl = options.apiUrl ?? VIPPS_MOBILEPAY_API_URL;
  const fetch = options.fetch ?? globalFetch;
  const common = { provider: 'vipps-mobilepay', fetch, timeoutMs: 15_000 } as const;
  const keys = { 'Ocp-Apim-Subscription-Key': options.subscriptionKey, 'Merchant-Serial-Number': options.merchantSerialNumber };
  const token = await requestJson({
    ...common,
    action: 'get access token',
    url: joinUrl(apiUrl, '/accesstoken/get'),
    method: 'POST',
    headers: { client_id: options.clientId, client_secret: options.clientSecret, ...keys },
  });
  const { access_token } = parseAnswer('vipps-mobilepay', 'get access token', tokenAnswer, token.body);
  const answer = await requestJson({
    ...common,
    action: 'register webhook',
    url: joinUrl(apiUrl, '/webhooks/v1/webhooks'),
    method: 'POST',
    headers: { Authorization: bearerAuth(access_token), ...keys, 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ url: options.url, events: options.events ?? VIPPS_WEBHOOK_EVENTS }),
  });
  return parseAnswer('vipps-mobilepay', 'register webhook', registered, answer.body);
}

/** The command line: registers the URL given with the keys from the environment, prints the secret. */
async function main(argv: readonly string[], env: Record<string, string | undefined>): Promise<void> {
  const url = argv[0];
  const missing = ['VIPPS_MOBILEPAY_CLIENT_ID', 'VIPPS_MOBILEPAY_CLIENT_SECRET', 'VIPPS_MOBILEPAY_SUBSCRIPTION_KEY', 'VIPPS_MOBILEPAY_MERCHANT_SERIAL_NUMBER'].filter(
    (name) => !env[name],
  );
  if (!url || missing.length > 0) {
    throw new Error(
      `usage: npx tsx src/providers/vipps-mobilepay/register-webhook.ts <https://…/api/checkout/webhooks/vipps-mobilepay>${missing.length ? ` (not set: ${missing.join(', ')})` : ''}`,
    );
  }
  const apiUrl = env['VIPPS_MOBILEPAY_API_URL'];
  const { id, secret } = await registerVippsWebhook({
    clientId: env['VIPPS_MOBILEPAY_CLIENT_ID']!,
    clientSecret: env['VIPPS_MOBILEPAY_CLIENT_SECRET']!,
    subscriptionKey: env['VIPPS_MOBILEPAY_SUBSCRIPTION_KEY']!,
    merchantSerialNumber: env['VIPPS_MOBILEPAY_MERCHANT_SERIAL_NUMBER']!,
    url,
    ...(apiUrl && { apiUrl }),
  });
  console.log(`registered webhook ${id} for ${url}\nVIPPS_MOBILEPAY_WEBHOOK_SECRET=${secret}`);
}

// Run as a script (`npx tsx …/register-webhook.ts <url>`); imported, it only exports.
if (typeof process !== 'undefined' && import.meta.url.endsWith('/register-webhook.ts') && process.argv[1]?.endsWith('register-webhook.ts')) {
  main(process.argv.slice(2), process.env).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
