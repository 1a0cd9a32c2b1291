// Web Crypto and plain JavaScript rather than node:crypto, so the handler runs in edge runtimes as well as Node.
import { toHex } from './adapter-kit/webhook-signatures.js';

/**
 * SHA-256 of `text` (UTF-8) as lowercase hex: idempotency body hashes and key-derived references.
 * Synchronous (sha256.ts), not `crypto.subtle.digest`: a request's fingerprint costs no thread hop.
 */
export { sha256Hex as sha256 } from './sha256.js';

/** `byteCount` random bytes as lowercase hex. */
export function randomHex(byteCount: number): string {
  return toHex(crypto.getRandomValues(new Uint8Array(byteCount)));
}
