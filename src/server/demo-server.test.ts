import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type DemoServer } from '../../demo/server.js';
import type { CheckoutSession } from '../core/protocol.js';

// The `npm start` process as tests and benchmarks start it: ephemeral ports, sandbox only.
describe('startDemo', () => {
  let demo: DemoServer;
  beforeAll(async () => {
    demo = await startDemo({ port: 0, sandboxPort: 0, env: {} });
  });
  afterAll(async () => {
    await demo.close();
  });

  it('runs the shop and the sandbox PSP on two origins and creates priced sandbox sessions', async () => {
    expect(new URL(demo.shopUrl).origin).not.toBe(new URL(demo.sandboxUrl).origin);
    const response = await fetch(`${demo.shopUrl}/api/checkout/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ items: [{ sku: 'grinder', quantity: 1 }, { sku: 'mug', quantity: 2 }] }),
    });
    expect(response.status).toBe(201);
    const session = (await response.json()) as CheckoutSession;
    expect(session).toMatchObject({ provider: 'sandbox', kind: 'hosted', amount: 89900 + 2 * 12900, currency: 'DKK' });
    expect(session.url?.startsWith(`${demo.sandboxUrl}/pay/`)).toBe(true);
    const page = await fetch(session.url!);
    expect(page.status).toBe(200);
    // The per-process sandbox keys never reach the browser.
    expect(JSON.stringify(session) + (await page.text())).not.toMatch(/sbx_sk_|sbx_whsec_/);
  });

  it('offers the sandbox\'s card, BLIK and card fields, and shows each provider\'s breaker with the orders', async () => {
    const answer = await fetch(`${demo.shopUrl}/api/checkout/sessions/methods`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ items: [{ sku: 'mug', quantity: 1 }], locale: 'da-DK' }),
    });
    expect(answer.status).toBe(200);
    const { methods } = (await answer.json()) as { methods: { id: string; provider: string; label: string; kind: string }[] };
    expect(methods.map(({ id, provider, label, kind }) => [id, provider, label, kind])).toEqual([
      ['card', 'sandbox', 'Kort', 'hosted'],
      ['blik', 'sandbox', 'BLIK', 'hosted'],
      ['card-fields', 'sandbox', 'Kort (på denne side)', 'card-token'],
    ]);
    const blik = await fetch(`${demo.shopUrl}/api/checkout/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ items: [{ sku: 'mug', quantity: 1 }], method: 'blik' }),
    });
    expect(new URL(((await blik.json()) as CheckoutSession).url!).searchParams.get('method')).toBe('blik');
    const orders = (await (await fetch(`${demo.shopUrl}/api/demo/orders`)).json()) as { providers: Record<string, { state: string }> };
    expect(Object.values(orders.providers).map((health) => health.state)).toEqual(Object.keys(orders.providers).map(() => 'closed'));
    expect(Object.keys(orders.providers)).toContain('sandbox');
  });

    it('serves the demo pages but never the server source or files outside the folders', async () => {
    const index = await fetch(`${demo.shopUrl}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/^text\/html/);
    for (const path of ['/server.ts', '/..%2fpackage.json', '/%2e%2e/package.json', '/cdn/..%2f..%2fpackage.json']) {
      expect((await fetch(`${demo.shopUrl}${path}`)).status, path).toBe(404);
    }
  });
});
