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

describe('originOf', () => {
  it('resolves relative endpoints against the page', () => {
    expect(originOf('/api/checkout/sessions', 'https://shop.example/cart')).toBe('https://shop.example');
    expect(originOf('https://psp.example:8443/pay/1')).toBe('https://psp.example:8443');
    expect(originOf(undefined)).toBeUndefined();
    expect(originOf('not a url')).toBeUndefined();
    expect(originOf('data:text/html,x')).toBeUndefined();
  });
});
