// Web Crypto and plain JavaScript rather than node:crypto, so the handler runs in edge runtimes as well as Node.
import { toHex } from './adapter-kit/webhook-signatures.js';

/**
 * SHA-256 of `text` (UTF-8) as lowercase hex: idempotency body hashes and key-derived references.
 * Synchronous (sha256.ts), not `crypto.subtle.digest`: a request's fingerprint costs no thread hop.
 */
export { sha256Hex as sha256 } from './sha256.js';

/** Random bytes drawn ahead, as Node's `randomUUID` does: each is handed out once. */
const POOL_BYTES = 4096;
let pool = new Uint8Array(0);
let pooled = 0;

/**
 * `byteCount` random bytes as lowercase hex (order references, instance ids), from a pool refilled
 * by `crypto.getRandomValues` 4 KiB at a time: one call per create cost 5 % of the handler's own CPU
 * (docs/performance-runs.md, issue 26 item 5). The pool is filled on first use, where the single
 * call used to be: nothing random is drawn at import (edge runtimes refuse it outside a request).
 */
export function randomHex(byteCount: number): string {
  if (byteCount > POOL_BYTES) return toHex(crypto.getRandomValues(new Uint8Array(byteCount)));
  if (pooled + byteCount > pool.length) {
    pool = crypto.getRandomValues(new Uint8Array(POOL_BYTES));
    pooled = 0;
  }
  return toHex(pool.subarray(pooled, (pooled += byteCount)));
}
