/**
 * Webhook signature schemes, each with its verifier (used by the adapter) and its signer (used
 * by the fake PSPs and the tests) side by side, as stripe-node keeps `generateTestHeaderString`
 * next to `constructEvent`: a scheme is written once. The unit tests check every signer against
 * an independent HMAC (node:crypto), so a bug shared by signer and verifier cannot hide.
 *
 * Web Crypto only (`crypto.subtle`, `TextEncoder`): no `node:` module, no `Buffer`.
 */
import { WebhookVerificationError } from '../provider-api/types.js';
import { positiveNumber } from './options.js';

/** Webhook timestamps older or newer than this are treated as replays. */
export const DEFAULT_WEBHOOK_TOLERANCE_SECONDS = 300;

/** The `webhookToleranceSeconds` option: a positive number of seconds, 300 when unset. */
export function webhookToleranceOption(provider: string, value: number | undefined): number {
  return positiveNumber(provider, 'webhookToleranceSeconds', value, DEFAULT_WEBHOOK_TOLERANCE_SECONDS);
}

/** A webhook body as JSON; anything else is refused with `message`. */
export function parseWebhookJson(rawBody: string, message: string): unknown {
  try {
    return JSON.parse(rawBody);
  } catch {
    throw new WebhookVerificationError(message);
  }
}

/** An HMAC key: a secret as text (UTF-8) or raw bytes (a derived key). */
export type HmacKeyMaterial = string | Uint8Array<ArrayBuffer>;

const SHA256_BYTES = 32;
const encoder = new TextEncoder();

// ---------------------------------------------------------------------------------------------
// Primitives

function hmacKey(key: HmacKeyMaterial, usage: 'sign' | 'verify'): Promise<CryptoKey> {
  const bytes = typeof key === 'string' ? encoder.encode(key) : key;
  // Web Crypto refuses an empty key; HMAC pads a key with zero bytes, so one zero byte is the same key.
  const raw = bytes.length === 0 ? new Uint8Array(1) : bytes;
  return crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, [usage]);
}

/** Lower-case hex HMAC-SHA256 of `data` (UTF-8). */
export async function signHmacHex(key: HmacKeyMaterial, data: string): Promise<string> {
  const mac = await crypto.subtle.sign('HMAC', await hmacKey(key, 'sign'), encoder.encode(data));
  return toHex(new Uint8Array(mac));
}

/**
 * Whether `signatureHex` (either case, surrounding white space ignored), or any one of a list,
 * is the HMAC-SHA256 of `data`. `crypto.subtle.verify` compares in constant time by design, so
 * a timing probe learns nothing about the expected MAC; the length of a SHA-256 MAC is public.
 */
export async function verifyHmacHex(
  key: HmacKeyMaterial,
  data: string,
  signatureHex: string | readonly string[],
): Promise<boolean> {
  const candidates = [...new Set(typeof signatureHex === 'string' ? [signatureHex] : signatureHex)]
    .map((hex) => fromHex(hex.trim()))
    .filter((bytes) => bytes?.length === SHA256_BYTES);
  if (candidates.length === 0) return false;
  const cryptoKey = await hmacKey(key, 'verify');
  const signed = encoder.encode(data);
  let matched = false;
  for (const candidate of candidates) {
    if (await crypto.subtle.verify('HMAC', cryptoKey, candidate!, signed)) matched = true;
  }
  return matched;
}

/** Base64 HMAC-SHA256 of `data` (UTF-8), as Adyen and Vipps MobilePay send theirs. */
export async function signHmacBase64(key: HmacKeyMaterial, data: string): Promise<string> {
  const mac = await crypto.subtle.sign('HMAC', await hmacKey(key, 'sign'), encoder.encode(data));
  return toBase64(new Uint8Array(mac));
}

/**
 * Whether `signatureBase64` (standard or URL-safe alphabet, padding optional, white space around
 * ignored) is the HMAC-SHA256 of `data`; compared in constant time by `crypto.subtle.verify`.
 */
export async function verifyHmacBase64(key: HmacKeyMaterial, data: string, signatureBase64: string): Promise<boolean> {
  const candidate = fromBase64(signatureBase64.trim());
  if (candidate?.length !== SHA256_BYTES) return false;
  return crypto.subtle.verify('HMAC', await hmacKey(key, 'verify'), candidate, encoder.encode(data));
}

/** SHA-256 of `data` (UTF-8), raw bytes. */
export async function sha256(data: string): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(data)));
}

export function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

/** Base64 (standard alphabet, padded) of raw bytes. */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** Raw bytes of base64 text (standard or URL-safe, padding optional); undefined when it is not base64. */
export function fromBase64(text: string): Uint8Array<ArrayBuffer> | undefined {
  const standard = text.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
  if (!/^[A-Za-z0-9+/]*$/.test(standard) || standard.length % 4 === 1) return undefined;
  const binary = atob(standard + '='.repeat((4 - (standard.length % 4)) % 4));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

/** Raw bytes of hex text (either case); undefined when it is not an even run of hex digits. An HMAC key given as hex (Adyen's) is one. */
export function hexToBytes(hex: string): Uint8Array<ArrayBuffer> | undefined {
  return fromHex(hex);
}

function fromHex(hex: string): Uint8Array<ArrayBuffer> | undefined {
  if (hex.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(hex)) return undefined;
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

/** Rejects a webhook whose signed timestamp is outside the window (a replayed old delivery). */
export function assertFreshTimestamp(timestampMs: number, nowMs: number, toleranceSeconds: number): void {
  if (!Number.isFinite(timestampMs)) {
    throw new WebhookVerificationError('webhook timestamp is missing or not a time');
  }
  const ageSeconds = Math.abs(nowMs - timestampMs) / 1000;
  if (ageSeconds > toleranceSeconds) {
    throw new WebhookVerificationError(
      `webhook timestamp is ${Math.round(ageSeconds)} s away from now (allowed: ${toleranceSeconds} s)`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Sandbox PSP: a header `t=<unix s>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>[,v1=…]`

/** The header value for `body` signed at `unixSeconds`. */
export async function signSandboxPayload(secret: string, body: string, unixSeconds: number): Promise<string> {
  return `t=${unixSeconds},v1=${await signHmacHex(secret, `${unixSeconds}.${body}`)}`;
}

/** `t=…,v1=…[,v1=…]` into its timestamp and signatures. */
function parseSandboxHeader(header: string): { timestamp: number; signatures: string[] } | undefined {
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const [key, value] = part.trim().split('=', 2);
    if (key === 't' && value && /^\d+$/.test(value)) timestamp = Number(value);
    if (key === 'v1' && value && /^[a-f0-9]{64}$/i.test(value)) signatures.push(value.toLowerCase());
  }
  return timestamp === undefined || signatures.length === 0 ? undefined : { timestamp, signatures };
}

export interface SandboxVerification {
  secret: string;
  body: string;
  /** The header's value; null when the request has none. */
  header: string | null;
  /** For messages: `Sandbox-Signature`. */
  headerName: string;
  nowMs: number;
  toleranceSeconds: number;
}

/** Throws `WebhookVerificationError` unless one `v1=` signs `t=` and the body, and `t=` is fresh. */
export async function verifySandboxPayload(check: SandboxVerification): Promise<void> {
  if (!check.header) throw new WebhookVerificationError(`Missing ${check.headerName} header`);
  const parsed = parseSandboxHeader(check.header);
  if (!parsed) throw new WebhookVerificationError(`Malformed ${check.headerName} header`);
  const age = Math.floor(check.nowMs / 1000) - parsed.timestamp;
  if (Math.abs(age) > check.toleranceSeconds) {
    throw new WebhookVerificationError(`Webhook timestamp is outside the ${check.toleranceSeconds} s tolerance`);
  }
  if (!(await verifyHmacHex(check.secret, `${parsed.timestamp}.${check.body}`, parsed.signatures))) {
    throw new WebhookVerificationError('Webhook signature does not match');
  }
}

// ---------------------------------------------------------------------------------------------
// ConvergeGate: `Sec-Signature: <hex HMAC-SHA256(SHA256(secretKey), Sec-Timestamp + body)>`

/**
 * Documented as `key = SHA256(secretAPIKey)`; the pseudo-code is Go, where that is the raw
 * 32-byte digest used directly as the HMAC key.
 */
const convergeGateKey = (secretKey: string) => sha256(secretKey);

/** The two headers for `body`; `timestamp` is sent as given (normally unix seconds). */
export async function signConvergeGateHeaders(
  secretKey: string,
  body: string,
  timestamp: string,
): Promise<{ 'Sec-Timestamp': string; 'Sec-Signature': string }> {
  return { 'Sec-Timestamp': timestamp, 'Sec-Signature': await signHmacHex(await convergeGateKey(secretKey), timestamp + body) };
}

/** Whether `signature` signs `timestamp + body` with the key derived from `secretKey`. */
export async function verifyConvergeGateSignature(secretKey: string, timestamp: string, body: string, signature: string): Promise<boolean> {
  return verifyHmacHex(await convergeGateKey(secretKey), timestamp + body, signature);
}

// ---------------------------------------------------------------------------------------------
// Reepay: the body's `signature` is hex HMAC-SHA256(webhookSecret, timestamp + id); nothing else is signed

export function signReepayWebhook(webhookSecret: string, timestamp: string, id: string): Promise<string> {
  return signHmacHex(webhookSecret, timestamp + id);
}

export function verifyReepaySignature(webhookSecret: string, timestamp: string, id: string, signature: string): Promise<boolean> {
  return verifyHmacHex(webhookSecret, timestamp + id, signature);
}
