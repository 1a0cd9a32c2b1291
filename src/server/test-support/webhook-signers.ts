import Stripe from 'stripe';
import { signReepayWebhook } from '../adapter-kit/webhook-signatures.js';

/**
 * What the webhook tests need beyond the adapter toolkit's test signers (`signSandboxPayload`,
 * `signConvergeGateHeaders`, `signReepayWebhook` in `adapter-kit/webhook-signatures.ts`, each
 * checked there against node:crypto so they stay independent of the verifiers they test).
 */

/**
 * `Stripe-Signature: t=<unix s>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, made by the official
 * SDK's own test helper.
 */
export function stripeSignatureHeader(body: string, secret: string, unixSeconds: number): string {
  return Stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp: unixSeconds });
}

/** A Reepay webhook body: `fields` plus the `signature` of its `timestamp` and `id`. */
export async function reepayWebhookBody(
  fields: { id: string; timestamp: string; event_type: string } & Record<string, unknown>,
  webhookSecret: string,
): Promise<string> {
  return JSON.stringify({ ...fields, signature: await signReepayWebhook(webhookSecret, fields.timestamp, fields.id) });
}

/** The body with trailing spaces up to exactly `bytes` (ASCII bodies: characters are bytes); still the same JSON. */
export function padJsonTo(body: string, bytes: number): string {
  const size = Buffer.byteLength(body, 'utf8');
  if (size > bytes) throw new RangeError(`body is already ${size} bytes, more than ${bytes}`);
  return body + ' '.repeat(bytes - size);
}

/** The same string with the character at `index` replaced by another printable ASCII one (one byte changed). */
export function changeOneByte(text: string, index: number): string {
  if (index < 0 || index >= text.length) throw new RangeError(`no character at ${index}`);
  const current = text[index]!;
  const replacement = current === 'x' ? 'y' : 'x';
  return text.slice(0, index) + replacement + text.slice(index + 1);
}

/** The hex signature with its last digit changed: well formed, but not the signature. */
export function flipLastHexDigit(signature: string): string {
  const last = signature.at(-1)!;
  return signature.slice(0, -1) + (last === '0' ? '1' : '0');
}
