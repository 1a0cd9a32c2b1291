import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CheckoutSession } from '../../core/protocol.js';
import { installFakeStorage } from './fake-storage.js';
import { memorySlot } from './session-memory.js';
import { createOrResume, takeStartedCall, type StartedCall } from './session-start.js';

/** Adopting the inline starter's create call (starter.ts) in Node, with a fake `fetch`. */

const ENDPOINT = 'https://shop.example/api/checkout/sessions';
const BODY = { items: [{ sku: 'mug', quantity: 1 }], locale: 'en' };
const session: CheckoutSession = { id: 'ses_1', provider: 'sandbox', kind: 'hosted', status: 'open', url: 'https://psp.example/pay/ses_1' };
const context = { publishableKey: undefined, parse: (json: unknown) => Promise.resolve(json as CheckoutSession) };
const answer = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

describe('adopting the starter call', () => {
  let storage: Map<string, string>;
  const fetchMock = vi.fn<typeof fetch>();
  beforeEach(() => {
    storage = installFakeStorage();
    fetchMock.mockReset();
    vi.stubGlobal('fetch', fetchMock);
  });
  afterEach(() => vi.unstubAllGlobals());

  it('is taken once, and only for the endpoint and body it was made for', () => {
    const slot = memorySlot(ENDPOINT, BODY);
    const started: StartedCall = [slot, 'k', Promise.resolve(answer(201, session))];
    const element = { _cs: started };
    expect(takeStartedCall(element, 'checkout-widget:session:other')).toBeUndefined();
    expect('_cs' in element).toBe(false);
    const again = { _cs: started };
    expect(takeStartedCall(again, slot)).toBe(started);
    expect(takeStartedCall(again, slot)).toBeUndefined();
  });

  it("answers with the starter's response, sends nothing itself, and remembers the starter's key", async () => {
    const slot = memorySlot(ENDPOINT, BODY);
    const result = await createOrResume(slot, ENDPOINT, BODY, new AbortController().signal, context, [slot, 'starter-key', Promise.resolve(answer(201, session))]);
    expect(result).toEqual(session);
    expect(fetchMock).not.toHaveBeenCalled();
    expect(JSON.parse(storage.get(slot)!)).toEqual({ key: 'starter-key', id: 'ses_1' });
  });

  it('retries a failed starter call itself, under the same key', async () => {
    const slot = memorySlot(ENDPOINT, BODY);
    fetchMock.mockResolvedValueOnce(answer(201, session));
    const result = await createOrResume(slot, ENDPOINT, BODY, new AbortController().signal, { ...context }, [slot, 'starter-key', Promise.resolve(answer(503, {}))]);
    expect(result).toEqual(session);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    const init = fetchMock.mock.calls[0]![1]!;
    expect((init.headers as Record<string, string>)['Idempotency-Key']).toBe('starter-key');
    expect(init.body).toBe(JSON.stringify(BODY));
  });

  it('an abort cuts short the wait for a starter call that never answers', async () => {
    const slot = memorySlot(ENDPOINT, BODY);
    const abort = new AbortController();
    const pending = createOrResume(slot, ENDPOINT, BODY, abort.signal, context, [slot, 'k', new Promise<Response>(() => undefined)]);
    abort.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });
});
