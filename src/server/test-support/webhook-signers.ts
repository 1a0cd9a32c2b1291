import { createHash, createHmac } from 'node:crypto';
import Stripe from 'stripe';

/**
 * Webhook signers for tests, one per provider scheme, written from each provider's documented
 * scheme rather than taken from the adapters (a signer shared with the verifier would hide a bug
 * both have). Tests only: nothing in `src` uses them.
 */

/**
 * `Stripe-Signature: t=<unix s>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, made by the official
 * SDK's own test helper.
 */
export function stripeSignatureHeader(body: string, secret: string, unixSeconds: number): string {
  return Stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp: unixSeconds });
}

/** `Sandbox-Signature: t=<unix s>,v1=<hex HMAC-SHA256(webhookSecret, "<t>.<body>")>` (the sandbox PSP's scheme). */
export function sandboxSignatureHeader(body: string, webhookSecret: string, unixSeconds: number): string {
  const mac = createHmac('sha256', webhookSecret).update(`${unixSeconds}.${body}`, 'utf8').digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/**
 * ConvergeGate: `Sec-Timestamp: <t>` and `Sec-Signature: <hex HMAC-SHA256(key, t + body)>` where
 * `key = SHA256(secretKey)`, the raw 32-byte digest. `timestamp` is sent as given (normally unix
 * seconds), so a test can sign a malformed one.
 */
export function convergeGateHeaders(body: string, secretKey: string, timestamp: string): Record<string, string> {
  const key = createHash('sha256').update(secretKey, 'utf8').digest();
  return {
    'Sec-Timestamp': timestamp,
    'Sec-Signature': createHmac('sha256', key).update(timestamp + body, 'utf8').digest('hex'),
  };
}

/** Reepay: the body's `signature` is hex HMAC-SHA256(webhookSecret, timestamp + id); nothing else is signed. */
export function reepaySignature(webhookSecret: string, timestamp: string, id: string): string {
  return createHmac('sha256', webhookSecret).update(timestamp + id, 'utf8').digest('hex');
}

/** A Reepay webhook body: `fields` plus the `signature` of its `timestamp` and `id`. */
export function reepayWebhookBody(
  fields: { id: string; timestamp: string; event_type: string } & Record<string, unknown>,
  webhookSecret: string,
): string {
  return JSON.stringify({ ...fields, signature: reepaySignature(webhookSecret, fields.timestamp, fields.id) });
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
