import { afterEach, describe, expect, it, vi } from 'vitest';
import { forget, memorySlot, recall, remember, stableJson } from './session-memory.js';
import { installFakeStorage } from './fake-storage.js';

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('session memory', () => {
  it('serialises a payload with sorted keys at every depth, arrays in order', () => {
    expect(stableJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: null } })).toBe('{"a":{"c":null,"d":[2,{"e":0,"f":1}]},"b":1}');
    expect(stableJson({ a: undefined, b: 1 })).toBe('{"b":1}');
  });

  it('names a slot by the absolute endpoint and the payload, with no payload text in it', () => {
    vi.stubGlobal('location', { href: 'https://shop.example/checkout' });
    const payload = { email: 'shopper@example.com', items: [{ sku: 'mug', quantity: 2 }] };
    const slot = memorySlot('/api/sessions', payload);
    expect(slot).toMatch(/^checkout-widget:session:[0-9a-z]+$/);
    expect(slot).toBe(memorySlot('https://shop.example/api/sessions', { items: [{ quantity: 2, sku: 'mug' }], email: 'shopper@example.com' }));
    expect(slot).not.toBe(memorySlot('https://other.example/api/sessions', payload));
    expect(slot).not.toBe(memorySlot('/api/sessions', { ...payload, items: [{ sku: 'mug', quantity: 5 }] }));
  });

  it('remembers a key, then the key and id; forgets with an id only that session', () => {
    const items = installFakeStorage();
    remember('slot', { key: 'k1' });
    expect(recall('slot')).toEqual({ key: 'k1' });
    remember('slot', { key: 'k1', id: 'ses_1', client_secret: 'never' } as never);
    expect(items.get('slot')).toBe('{"key":"k1","id":"ses_1"}');
    expect(recall('slot')).toEqual({ key: 'k1', id: 'ses_1' });
    forget('slot', 'ses_other');
    expect(recall('slot')).toEqual({ key: 'k1', id: 'ses_1' });
    forget('slot', 'ses_1');
    expect(recall('slot')).toBeUndefined();
  });

  it('is no memory at all where there is no storage or it throws', () => {
    expect(recall('slot')).toBeUndefined();
    expect(() => remember('slot', { key: 'k' })).not.toThrow();
    const refuse = () => {
      throw new DOMException('denied', 'SecurityError');
    };
    vi.stubGlobal('sessionStorage', { getItem: refuse, setItem: refuse, removeItem: refuse });
    expect(() => remember('slot', { key: 'k' })).not.toThrow();
    expect(recall('slot')).toBeUndefined();
    expect(() => forget('slot')).not.toThrow();
  });
});
