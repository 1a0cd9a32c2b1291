// Web Crypto rather than node:crypto, so the handler runs in edge runtimes as well as Node.
import { sha256 as sha256Bytes, toHex } from './adapter-kit/webhook-signatures.js';

/** SHA-256 of `text` (UTF-8) as lowercase hex: idempotency body hashes and key-derived references. */
export async function sha256(text: string): Promise<string> {
  return toHex(await sha256Bytes(text));
}

/** `byteCount` random bytes as lowercase hex. */
export function randomHex(byteCount: number): string {
  return toHex(crypto.getRandomValues(new Uint8Array(byteCount)));
}
