import { afterEach, describe, expect, it, vi } from 'vitest';
import { randomHex } from './web-crypto.js';

afterEach(() => vi.restoreAllMocks());

describe('randomHex', () => {
  it('gives byteCount random bytes as lowercase hex, never the same bytes twice', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const hex = randomHex(10);
      expect(hex).toMatch(/^[0-9a-f]{20}$/);
      seen.add(hex);
    }
    expect(seen.size).toBe(2000);
    expect(randomHex(8)).toMatch(/^[0-9a-f]{16}$/);
    expect(randomHex(5000)).toMatch(/^[0-9a-f]{10000}$/);
  });

  it('draws from crypto.getRandomValues in 4 KiB refills, not once per call, and hands each drawn byte out once', () => {
    const drawn: Uint8Array[] = [];
    const real = crypto.getRandomValues.bind(crypto);
    vi.spyOn(crypto, 'getRandomValues').mockImplementation(<T extends ArrayBufferView | null>(array: T): T => {
      const filled = real(array as Uint8Array);
      drawn.push(filled);
      return filled as unknown as T;
    });
    let handedOut = '';
    for (let i = 0; i < 820; i++) handedOut += randomHex(10);
    // 8,200 bytes: the rest of an earlier pool, then at most three refills of 4,096.
    expect(drawn.length).toBeGreaterThanOrEqual(2);
    expect(drawn.length).toBeLessThanOrEqual(3);
    const refillHex = drawn.map((bytes) => Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join(''));
    // What a refill drew is handed out in order, each byte once.
    const firstFull = refillHex[0]!.slice(0, refillHex[0]!.length - (refillHex[0]!.length % 20));
    expect(handedOut).toContain(firstFull);
    expect(handedOut.split(refillHex[0]!.slice(0, 20)).length).toBe(2);
  });
});
