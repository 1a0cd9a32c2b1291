/**
 * Adyen's HMAC signature of a standard (payment) webhook item, verifier and test signer side by
 * side (as stripe-node keeps `generateTestHeaderString` beside `constructEvent`).
 *
 * Per Adyen's Node library (`hmacValidator.ts`): the values of eight fields joined with `:` in a
 * fixed order, no escaping, a missing field as the empty string; the key is the Customer Area's
 * hex string decoded to bytes; the signature is base64 HMAC-SHA256, carried in
 * `additionalData.hmacSignature`. Web Crypto only (the adapter kit's primitives).
 */
import { hexToBytes, signHmacBase64, verifyHmacBase64 } from '../../server/adapter-kit/index.js';

/** The fields of a `NotificationRequestItem` that Adyen signs (and the few more this adapter reads). */
export interface AdyenNotificationItem {
  pspReference?: string;
  originalReference?: string;
  merchantAccountCode?: string;
  merchantReference?: string;
  amount?: { value?: number; currency?: string };
  eventCode?: string;
  /** `"true"` or `"false"`: a string in Adyen's JSON. */
  success?: string;
  additionalData?: Record<string, unknown> & { hmacSignature?: string };
  [field: string]: unknown;
}

/** `pspReference:originalReference:merchantAccountCode:merchantReference:value:currency:eventCode:success`. */
export function adyenSigningString(item: AdyenNotificationItem): string {
  const text = (value: unknown): string => (value === undefined || value === null ? '' : String(value));
  return [
    item.pspReference,
    item.originalReference,
    item.merchantAccountCode,
    item.merchantReference,
    item.amount?.value,
    item.amount?.currency,
    item.eventCode,
    item.success,
  ]
    .map(text)
    .join(':');
}

/** The HMAC key's bytes; throws for a key that is not hex (a configuration error, caught at start-up). */
export function adyenHmacKeyBytes(hexKey: string): Uint8Array<ArrayBuffer> {
  const bytes = hexToBytes(hexKey.trim());
  if (!bytes || bytes.length === 0) throw new TypeError('adyen: option hmacKey must be the hex HMAC key from the Customer Area');
  return bytes;
}

/** The base64 signature of `signingString` (tests and fakes sign items with it). */
export function signAdyenString(hexKey: string, signingString: string): Promise<string> {
  return signHmacBase64(adyenHmacKeyBytes(hexKey), signingString);
}

/** The item with `additionalData.hmacSignature` set as Adyen sets it. */
export async function signAdyenItem<T extends AdyenNotificationItem>(hexKey: string, item: T): Promise<T> {
  const hmacSignature = await signAdyenString(hexKey, adyenSigningString(item));
  return { ...item, additionalData: { ...item.additionalData, hmacSignature } };
}

/** Whether the item's `additionalData.hmacSignature` signs its eight fields (false when it has none). */
export async function verifyAdyenItem(key: Uint8Array<ArrayBuffer>, item: AdyenNotificationItem): Promise<boolean> {
  const signature = item.additionalData?.hmacSignature;
  if (typeof signature !== 'string' || signature === '') return false;
  return verifyHmacBase64(key, adyenSigningString(item), signature);
}
