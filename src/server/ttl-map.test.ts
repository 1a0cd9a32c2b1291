import { describe, expect, it } from 'vitest';
import { TtlMap } from './ttl-map.js';

describe('TtlMap', () => {
  it('forgets entries after their ttl', () => {
    let now = 1000;
    const map = new TtlMap<string, number>({ ttlMs: 100, maxEntries: 10, now: () => now });
    map.set('a', 1);
    now += 99;
    expect(map.get('a')).toBe(1);
    now += 1;
    expect(map.get('a')).toBeUndefined();
    expect(map.size).toBe(0);
  });

  it('drops the oldest entries beyond maxEntries', () => {
    const map = new TtlMap<string, number>({ ttlMs: 1000, maxEntries: 2 });
    map.set('a', 1).set('b', 2).set('c', 3);
    expect(map.has('a')).toBe(false);
    expect(map.get('b')).toBe(2);
    expect(map.get('c')).toBe(3);
    expect(map.size).toBe(2);
  });
});
