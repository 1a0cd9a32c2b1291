/**
 * SHA-256 (FIPS 180-4) in plain JavaScript, synchronous: the handler's fingerprints of a request
 * (idempotency body hashes, cart keys, key-derived references), not its signatures (those stay on
 * Web Crypto's HMAC). `crypto.subtle.digest` runs each digest as a job on another thread and
 * answers on a later turn of the event loop: on Node about 150 µs per await for a 100-byte body
 * against a few µs here, 9 % of the handler's busy time per create (docs/performance-runs.md,
 * issue 26 item 5). No `node:` module, so the handler still runs on edge runtimes.
 */

/**
 * The round constants and the initial hash: the first 32 bits of the fractional parts of the cube
 * roots of the first 64 primes and of the square roots of the first 8, computed here rather than
 * spelled out (hex tables do not compress: the lean edge bundle has a byte budget). Doubles hold
 * them exactly; the tests pin the digests to FIPS 180-4's vectors and to node:crypto.
 */
const K = new Uint32Array(64);
const INITIAL: number[] = [];
for (let candidate = 2, found = 0; found < 64; candidate++) {
  let prime = true;
  for (let divisor = 2; divisor * divisor <= candidate; divisor++) if (candidate % divisor === 0) prime = false;
  if (!prime) continue;
  const fraction = (root: number) => ((root - Math.floor(root)) * 0x100000000) >>> 0;
  if (found < 8) INITIAL.push(fraction(Math.sqrt(candidate)));
  K[found++] = fraction(Math.cbrt(candidate));
}

const encoder = new TextEncoder();
/** The message schedule, reused: one digest at a time (synchronous). */
const w = new Uint32Array(64);

/** SHA-256 of `text`'s UTF-8 bytes as 64 lowercase hex digits. */
export function sha256Hex(text: string): string {
  const bytes = encoder.encode(text);
  const length = bytes.length;
  // The message, a 0x80 byte, zeros, and the bit length as 64 bits big-endian: a whole number of 64-byte blocks.
  const padded = new Uint8Array((((length + 8) >>> 6) + 1) << 6);
  padded.set(bytes);
  padded[length] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(padded.length - 8, Math.floor(length / 0x20000000));
  view.setUint32(padded.length - 4, (length << 3) >>> 0);
  let [h0, h1, h2, h3, h4, h5, h6, h7] = INITIAL as [number, number, number, number, number, number, number, number];
  for (let block = 0; block < padded.length; block += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getUint32(block + i * 4);
    for (let i = 16; i < 64; i++) {
      const a = w[i - 15]!;
      const b = w[i - 2]!;
      const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
      const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
      w[i] = w[i - 16]! + s0 + w[i - 7]! + s1;
    }
    let a = h0;
    let b = h1;
    let c = h2;
    let d = h3;
    let e = h4;
    let f = h5;
    let g = h6;
    let h = h7;
    for (let i = 0; i < 64; i++) {
      const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const t1 = (h + s1 + ((e & f) ^ (~e & g)) + K[i]! + w[i]!) | 0;
      const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      h = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + b) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0;
    h5 = (h5 + f) | 0;
    h6 = (h6 + g) | 0;
    h7 = (h7 + h) | 0;
  }
  let hex = '';
  for (const word of [h0, h1, h2, h3, h4, h5, h6, h7]) hex += (word >>> 0).toString(16).padStart(8, '0');
  return hex;
}
