import { describe, expect, it } from 'vitest';
import { createCheckoutHandler } from './handler.js';
import { createMemoryStore } from './store/memory.js';
import { hostedProviderDouble, MUG_CATALOG } from './test-support/hosted-provider-double.js';

const SHOP = 'http://shop.test:5173';

function mount(lines: string[] = []) {
  const logger = { error: (line: string) => void lines.push(line), warn: (line: string) => void lines.push(line), info: (line: string) => void lines.push(line) };
  return createCheckoutHandler({ providers: [hostedProviderDouble().provider], catalog: MUG_CATALOG, store: createMemoryStore(), publicUrl: 'http://shop.test', allowedOrigins: [SHOP], logger });
}

const create = (headers: Record<string, string> = {}) =>
  new Request('http://shop.test/api/checkout/sessions', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ items: [{ sku: 'mug', quantity: 1 }] }) });

describe('X-Request-Id', () => {
  it('echoes a sane request id and puts it on every record of that request', async () => {
    const lines: string[] = [];
    const handler = mount(lines);
    lines.length = 0;
    const answer = await handler(create({ 'x-request-id': 'lb-7f3a.42:9' }));
    expect(answer.status).toBe(201);
    expect(answer.headers.get('x-request-id')).toBe('lb-7f3a.42:9');
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.map((record) => record['event'])).toContain('session.created');
    for (const record of records) expect(record['requestId']).toBe('lb-7f3a.42:9');
  });

  it('replaces an id that is no plain token, and makes one per request when none is sent', async () => {
    const handler = mount();
    for (const bad of ['has space', 'quote"d', 'x'.repeat(129), '']) {
      const id = (await handler(create({ 'x-request-id': bad }))).headers.get('x-request-id');
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    }
    const [one, two] = await Promise.all([handler(create()), handler(create())]);
    expect(one!.headers.get('x-request-id')).not.toBe(two!.headers.get('x-request-id'));
  });

  it('is on answers made before the routes too (431, 404, shutting down) and exposed to cross-origin widgets', async () => {
    const handler = mount();
    const huge = await handler(new Request('http://shop.test/api/checkout/health', { headers: { 'x-request-id': 'r1', 'x-big': 'a'.repeat(17_000) } }));
    expect([huge.status, huge.headers.get('x-request-id')]).toEqual([431, 'r1']);
    const missing = await handler(new Request('http://shop.test/api/checkout/nothing', { headers: { 'x-request-id': 'r2' } }));
    expect([missing.status, missing.headers.get('x-request-id')]).toEqual([404, 'r2']);
    const cors = await handler(create({ origin: SHOP, 'x-request-id': 'r3' }));
    expect(cors.headers.get('access-control-expose-headers')).toContain('X-Request-Id');
    await handler.close(100);
    const closed = await handler(new Request('http://shop.test/api/checkout/health', { headers: { 'x-request-id': 'r4' } }));
    expect([closed.status, closed.headers.get('x-request-id')]).toEqual([503, 'r4']);
  });
});
