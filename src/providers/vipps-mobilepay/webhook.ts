/**
 * Vipps MobilePay's webhook request authentication (Webhooks API, "Request authentication"),
 * verifier and test signer side by side:
 *
 * 1. `x-ms-content-sha256` = base64(SHA-256(raw body)), checked against the body;
 * 2. string to sign = `POST\n{path and query}\n{x-ms-date};{host};{x-ms-content-sha256}`, where the
 *    path, query and host are those of the URL as registered;
 * 3. `Authorization: HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature={sig}`,
 *    sig = base64(HMAC-SHA256(key = UTF-8 bytes of the secret as returned at registration, string)).
 *
 * Web Crypto only (no `node:` module, no Buffer): the handler runs on edge runtimes.
 */
import { assertFreshTimestamp, sha256, signHmacBase64, toBase64, verifyHmacBase64 } from '../../server/adapter-kit/index.js';
import { WebhookVerificationError } from '../../server/provider-api/types.js';

const PREFIX = 'HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=';
/** A SHA-256 MAC in standard, padded base64: the only form the sender writes (any other is a change). */
const SIGNATURE = /^[A-Za-z0-9+/]{43}=$/;
/** RFC 1123 as the sender writes it: `Thu, 30 Mar 2023 08:38:32 GMT`. */
const RFC1123 = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/** Where the webhook was registered: the signed `{path and query}` and `{host}`. */
export interface VippsWebhookTarget {
  pathAndQuery: string;
  host: string;
}

/** The signed parts of a registered webhook URL (`url.host`: the authority, with a non-default port). */
export function webhookTarget(url: string): VippsWebhookTarget {
  const parsed = new URL(url);
  return { pathAndQuery: `${parsed.pathname}${parsed.search}`, host: parsed.host };
}

/** base64(SHA-256(body)): the `x-ms-content-sha256` header's value. */
export async function vippsContentHash(body: string): Promise<string> {
  return toBase64(await sha256(body));
}

function stringToSign(target: VippsWebhookTarget, date: string, contentHash: string): string {
  return `POST\n${target.pathAndQuery}\n${date};${target.host};${contentHash}`;
}

/** The headers Vipps MobilePay sends with `body` to the registered `url` (test signer: fakes and tests). */
export async function signVippsWebhook(
  secret: string,
  url: string,
  body: string,
  date: string,
): Promise<{ 'x-ms-date': string; 'x-ms-content-sha256': string; host: string; authorization: string }> {
  const target = webhookTarget(url);
  const contentHash = await vippsContentHash(body);
  const signature = await signHmacBase64(secret, stringToSign(target, date, contentHash));
  return { 'x-ms-date': date, 'x-ms-content-sha256': contentHash, host: target.host, authorization: `${PREFIX}${signature}` };
}

/** What the verifier is given: the secret, where the webhook was registered, the clock and the window. */
export interface VippsVerification {
  secret: string;
  /** The registered URL's path and query, and its host (undefined: the delivery's `Host` header). */
  pathAndQuery: string;
  host?: string;
  nowMs: number;
  toleranceSeconds: number;
}

/**
 * Throws `WebhookVerificationError` unless the delivery's `Authorization` is the HMAC of its
 * `x-ms-date`, host and `x-ms-content-sha256` for the registered path, that hash is the body's
 * SHA-256, and `x-ms-date` is within the tolerance of now (past or future).
 */
export async function verifyVippsWebhook(check: VippsVerification, body: string, headers: Headers): Promise<void> {
  const date = headers.get('x-ms-date');
  const contentHash = headers.get('x-ms-content-sha256');
  const authorization = headers.get('authorization');
  const host = check.host ?? headers.get('host');
  if (!date || !contentHash || !authorization || !host) {
    throw new WebhookVerificationError('vipps-mobilepay: x-ms-date, x-ms-content-sha256, Authorization or Host header is missing');
  }
  const signature = authorization.startsWith(PREFIX) ? authorization.slice(PREFIX.length) : '';
  if (!SIGNATURE.test(signature)) {
    throw new WebhookVerificationError('vipps-mobilepay: Authorization is not "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=<base64>"');
  }
  const signed = stringToSign({ pathAndQuery: check.pathAndQuery, host }, date, contentHash);
  if (!(await verifyHmacBase64(check.secret, signed, signature))) {
    throw new WebhookVerificationError('vipps-mobilepay: webhook signature does not match');
  }
  // The hash is signed; the body must be what it hashes. (Base64 text compared: both are public.)
  if ((await vippsContentHash(body)) !== contentHash) {
    throw new WebhookVerificationError('vipps-mobilepay: webhook signature does not match the body (x-ms-content-sha256 is not its SHA-256)');
  }
  assertFreshTimestamp(RFC1123.test(date) ? Date.parse(date) : Number.NaN, check.nowMs, check.toleranceSeconds);
}
