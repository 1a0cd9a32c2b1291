import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { acceptMessage, originOf, type MessageFilterOptions } from './message-filter.js';

// Node has no Window; any distinct objects stand in for the iframe window and the popup.
const frameWindow = {} as Window;
const popupWindow = {} as Window;
const strangerWindow = {} as Window;

const options: MessageFilterOptions = {
  trustedOrigins: ['https://psp.example', 'https://shop.example'],
  sources: [frameWindow, null],
  sessionId: 'ses_1',
};
const good = { type: 'checkout-widget', version: 1, event: 'accept', session: 'ses_1', params: { id: 'ses_1', invoice: 'inv_9' } };

function messageEvent(data: unknown, origin = 'https://psp.example', source: Window | null = frameWindow): MessageEvent {
  return { data, origin, source } as unknown as MessageEvent;
}

describe('acceptMessage', () => {
  it('accepts a well-formed message from the frame on a trusted origin', () => {
    expect(acceptMessage(messageEvent(good), options)).toEqual(good);
    expect(acceptMessage(messageEvent(good, 'https://shop.example'), options)).toEqual(good);
  });

  it('accepts the popup when it is one of the sources', () => {
    expect(acceptMessage(messageEvent(good, undefined, popupWindow), { ...options, sources: [null, popupWindow] })).toEqual(good);
  });

  it('returns a copy with only the known fields', () => {
    const accepted = acceptMessage(messageEvent({ ...good, extra: 'x' }), options);
    expect(accepted).not.toHaveProperty('extra');
    expect(accepted?.params).not.toBe(good.params);
  });

  it.each([
    ['an untrusted origin', messageEvent(good, 'https://evil.example')],
    ['a trusted host on another scheme', messageEvent(good, 'http://psp.example')],
    ['an opaque origin', messageEvent(good, 'null')],
    ['another window', messageEvent(good, undefined, strangerWindow)],
    ['no source', messageEvent(good, undefined, null)],
    ['a string payload', messageEvent(JSON.stringify(good))],
    ['a null payload', messageEvent(null)],
    ['another type', messageEvent({ ...good, type: 'stripe' })],
    ['another version', messageEvent({ ...good, version: 2 })],
    ['a version as text', messageEvent({ ...good, version: '1' })],
    ['another session', messageEvent({ ...good, session: 'ses_2' })],
    ['no session', messageEvent({ ...good, session: undefined })],
    ['an unknown event', messageEvent({ ...good, event: 'pay' })],
    ['params that are not an object', messageEvent({ ...good, params: 'id=1' })],
    ['params with a non-string value', messageEvent({ ...good, params: { id: 1 } })],
    ['params as an array', messageEvent({ ...good, params: ['a'] })],
    ['a status that is not a string', messageEvent({ ...good, event: 'status', status: 3 })],
    ['a status event without status', messageEvent({ ...good, event: 'status' })],
    ['a resize without height', messageEvent({ ...good, event: 'resize' })],
    ['a negative height', messageEvent({ ...good, event: 'resize', height: -5 })],
    ['an absurd height', messageEvent({ ...good, event: 'resize', height: 1e9 })],
    ['a height as text', messageEvent({ ...good, event: 'resize', height: '640' })],
    ['a NaN height', messageEvent({ ...good, event: 'resize', height: Number.NaN })],
  ])('drops %s', (_label, event) => {
    expect(acceptMessage(event, options)).toBeNull();
  });

  it('never trusts "null" even when listed', () => {
    expect(acceptMessage(messageEvent(good, 'null'), { ...options, trustedOrigins: ['null'] })).toBeNull();
  });

  it('accepts resize and status messages', () => {
    expect(acceptMessage(messageEvent({ ...good, event: 'resize', height: 640 }), options)?.height).toBe(640);
    expect(acceptMessage(messageEvent({ ...good, event: 'status', status: 'expired' }), options)?.status).toBe('expired');
  });
});

describe('acceptMessage: params must be a plain object of strings (docs/protocol.md, "Messages")', () => {
  class Params {
    id = 'ses_1';
  }
  const withSymbol = { id: 'ses_1', [Symbol('k')]: 'v' };
  const withGetter = Object.defineProperty({}, 'id', { enumerable: true, get: () => 'ses_1' });
  const withHidden = Object.defineProperty({ id: 'ses_1' }, 'secret', { enumerable: false, value: 'x' });
  const withHiddenNumber = Object.defineProperty({ id: 'ses_1' }, 'n', { enumerable: false, value: 1 });
  const inheriting = Object.create({ inherited: 'x' }) as Record<string, string>;
  inheriting['id'] = 'ses_1';
  const structuredCloneTypes: Array<[string, () => unknown]> = [
    ['a Map', () => new Map([['id', 'ses_1']])],
    ['an empty Map', () => new Map()],
    ['a Set', () => new Set(['ses_1'])],
    ['a Date', () => new Date(0)],
    ['a RegExp', () => /ses_1/],
    ['an ArrayBuffer', () => new ArrayBuffer(8)],
    ['a typed array', () => new Uint8Array([1, 2])],
    ['a DataView', () => new DataView(new ArrayBuffer(4))],
    ['an Error', () => new Error('x')],
    ['an array of strings', () => ['ses_1']],
    ['an empty array', () => []],
    ['a boxed string', () => new String('id')],
    ['a boxed number', () => new Number(1)],
    ['a boxed boolean', () => new Boolean(true)],
  ];
  if (typeof Blob !== 'undefined') structuredCloneTypes.push(['a Blob', () => new Blob(['x'])]);
  if (typeof File !== 'undefined') structuredCloneTypes.push(['a File', () => new File(['x'], 'x.txt')]);

  for (const [label, make] of structuredCloneTypes) {
    it(`drops ${label} as params, also after a structured clone`, () => {
      for (const event of ['accept', 'cancel', 'error']) {
        expect(acceptMessage(messageEvent({ ...good, event, params: make() }), options), event).toBeNull();
        let cloned: unknown;
        try {
          cloned = structuredClone(make());
        } catch {
          continue; // not cloneable here: postMessage could not deliver it either
        }
        expect(acceptMessage(messageEvent({ ...good, event, params: cloned }), options), `${event} cloned`).toBeNull();
      }
    });
  }

  it.each([
    ['a class instance', new Params()],
    ['an object with a symbol key', withSymbol],
    ['an object with a getter', withGetter],
    ['an object with a non-enumerable string', withHidden],
    ['an object with a non-enumerable number', withHiddenNumber],
    ['an object inheriting from another', inheriting],
    ['a function', () => 'x'],
    ['null', null],
    ['a number', 1],
  ])('drops %s as params', (_label, params) => {
    expect(acceptMessage(messageEvent({ ...good, event: 'cancel', params }), options)).toBeNull();
  });

  it('drops a revoked proxy without throwing', () => {
    const { proxy, revoke } = Proxy.revocable({ id: 'ses_1' }, {});
    revoke();
    expect(acceptMessage(messageEvent({ ...good, params: proxy }), options)).toBeNull();
  });

  it('copies the values it checked: a proxy cannot answer differently the second time', () => {
    let reads = 0;
    const params = new Proxy({ id: 'ses_1' } as Record<string, unknown>, {
      get: (target, key) => (++reads > 1 ? 42 : Reflect.get(target, key)),
    });
    const accepted = acceptMessage(messageEvent({ ...good, params }), options);
    if (accepted) expect(accepted.params).toEqual({ id: 'ses_1' });
  });

  it('accepts plain objects, with or without a prototype, including odd keys', () => {
    const bare = Object.assign(Object.create(null) as Record<string, string>, { id: 'ses_1' });
    expect(acceptMessage(messageEvent({ ...good, params: bare }), options)?.params).toEqual({ id: 'ses_1' });
    expect(acceptMessage(messageEvent({ ...good, params: {} }), options)?.params).toEqual({});
    const protoKey = JSON.parse('{"__proto__":"x","constructor":"y"}') as Record<string, string>;
    const accepted = acceptMessage(messageEvent({ ...good, params: protoKey }), options);
    expect(Object.getPrototypeOf(accepted?.params)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(accepted?.params, '__proto__')?.value).toBe('x');
    expect(accepted?.params?.['constructor']).toBe('y');
    const cloned = structuredClone({ id: 'ses_1', invoice: 'inv_9' });
    expect(acceptMessage(messageEvent({ ...good, params: cloned }), options)?.params).toEqual(cloned);
  });

  const anything = fc.anything({
    withBoxedValues: true,
    withMap: true,
    withSet: true,
    withDate: true,
    withTypedArray: true,
    withSparseArray: true,
    withNullPrototype: true,
    withObjectString: true,
    withBigInt: true,
  });

  /** The contract's rule, written out independently of the filter. */
  function isPlainStringObject(value: unknown): boolean {
    if (typeof value !== 'object' || value === null) return false;
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return false;
    if (Object.getOwnPropertySymbols(value).length > 0) return false;
    return Object.getOwnPropertyNames(value).every((key) => {
      const descriptor = Object.getOwnPropertyDescriptor(value, key)!;
      return descriptor.enumerable === true && typeof descriptor.value === 'string';
    });
  }

  it('property: for any params the filter never throws and accepts exactly the plain objects of strings', () => {
    fc.assert(
      fc.property(
        fc.oneof(anything, fc.dictionary(fc.string(), fc.string()), fc.dictionary(fc.string(), fc.string(), { noNullPrototype: false })),
        fc.constantFrom('accept', 'cancel', 'error'),
        (params, event) => {
          const accepted = acceptMessage(messageEvent({ ...good, event, params }), options);
          if (params === undefined) {
            // Absent params: the message stands without them.
            expect(accepted).not.toBeNull();
            expect(accepted).not.toHaveProperty('params');
            return;
          }
          expect(accepted !== null).toBe(isPlainStringObject(params));
          if (accepted) {
            const copy = accepted.params!;
            expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
            expect(copy).not.toBe(params);
            expect(Object.values(copy).every((entry) => typeof entry === 'string')).toBe(true);
            expect(Object.entries(copy)).toEqual(Object.entries(params as object));
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('property: one value that is not a string in a record of strings drops the message', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.string()),
        fc.string(),
        anything.filter((value) => typeof value !== 'string'),
        (params, key, intruder) => {
          const spoiled = { ...params };
          Object.defineProperty(spoiled, key, { value: intruder, enumerable: true, configurable: true, writable: true });
          expect(acceptMessage(messageEvent({ ...good, event: 'cancel', params: spoiled }), options)).toBeNull();
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('originOf', () => {
  it('resolves relative endpoints against the page', () => {
    expect(originOf('/api/checkout/sessions', 'https://shop.example/cart')).toBe('https://shop.example');
    expect(originOf('https://psp.example:8443/pay/1')).toBe('https://psp.example:8443');
    expect(originOf(undefined)).toBeUndefined();
    expect(originOf('not a url')).toBeUndefined();
    expect(originOf('data:text/html,x')).toBeUndefined();
  });
});
