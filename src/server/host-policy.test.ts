/**
 * A client's `Host` never decides where a shopper is sent. Once, without `publicUrl`, a create with
 * `Host: evil.example` made the PSP's accept and notification URLs `http://evil.example/…`, and the
 * return bridge on the real host then redirected the shopper to `http://evil.example/phish`.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CheckoutHandler, CheckoutHandlerOptions } from './handler.js';
import { createCheckoutHandler } from './handler.js';
import type { CreateSessionInput, PaymentProvider } from './provider-api/types.js';
import { MUG_CATALOG } from './test-support/hosted-provider-double.js';
import { scriptedSessions } from './test-support/scripted-sessions.js';

const handlers: CheckoutHandler[] = [];
afterEach(async () => {
  await Promise.all(handlers.splice(0).map((handler) => handler.close()));
});

function setUp(options: Partial<CheckoutHandlerOptions> = {}) {
  const created: CreateSessionInput[] = [];
  const scripted = scriptedSessions('fake', (counter) => ({ kind: 'hosted', url: `https://pay.example/${counter}` }));
  const provider: PaymentProvider = { name: 'fake', createSession: (input) => (created.push(input), scripted.createSession(input)), getSession: scripted.getSession };
  const warn = vi.fn();
  const handler = createCheckoutHandler({ providers: [provider], catalog: MUG_CATALOG, logger: { error: () => {}, warn }, ...options });
  handlers.push(handler);
  return { handler, created, warn };
}

/** A create as an attacker sends it: their own host as `Host`, `Origin` and `Referer`. */
function create(handler: CheckoutHandler, url: string, page: string): Promise<Response> {
  return handler(
    new Request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: new URL(page).origin, referer: page },
      body: JSON.stringify({ items: [{ sku: 'mug', quantity: 1 }] }),
    }),
  );
}

/** Where the return bridge sends a shopper back at top level after paying session `id`. */
async function topLevelReturn(handler: CheckoutHandler, bridge: string, id: string): Promise<string> {
  const page = await (await handler(new Request(`${bridge}/api/checkout/return/accept?checkout_session=${id}`))).text();
  return /"redirectUrl":"([^"]+)"/.exec(page)?.[1] ?? page;
}

/** What the handler said at start about where its URLs come from (not the memory-store warning). */
function hostWarnings(warn: ReturnType<typeof vi.fn>): string[] {
  return warn.mock.calls.map((call) => String(call[0])).filter((line) => /publicUrl|Host/.test(line));
}

describe('without publicUrl', () => {
  it('refuses a request to a host that is not loopback with 400 host_not_allowed, before calling the provider, and says so at start', async () => {
    const { handler, created, warn } = setUp();
    expect(hostWarnings(warn)).toEqual([expect.stringMatching(/no publicUrl.*localhost.*publicUrl \(or allowedHosts\)/)]);
    const answer = await create(handler, 'http://evil.example/api/checkout/sessions', 'http://evil.example/phish');
    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject({ error: { code: 'host_not_allowed', message: expect.stringMatching(/"evil\.example".*publicUrl.*allowedHosts/) } });
    expect(created).toEqual([]);
    expect((await handler(new Request('http://evil.example/api/checkout/sessions/fake_1'))).status).toBe(400);
  });

  it('answers loopback hosts (a shop developer on their own machine) with URLs on that host', async () => {
    const { handler, created } = setUp();
    for (const origin of ['http://localhost:3000', 'http://127.0.0.1:5173', 'http://shop.localhost:8080', 'http://[::1]:3000']) {
      expect((await create(handler, `${origin}/api/checkout/sessions`, `${origin}/cart`)).status).toBe(201);
      expect(created.at(-1)!.webhookUrl).toBe(`${origin}/api/checkout/webhooks/fake`);
    }
  });

  it('answers the hosts in allowedHosts (with or without a port) and refuses the others, also a forwarded one behind trustProxy', async () => {
    const { handler, warn } = setUp({ allowedHosts: ['shop.example', 'api.shop.example:8443'], trustProxy: true });
    expect(hostWarnings(warn)).toEqual([]);
    expect((await create(handler, 'https://shop.example/api/checkout/sessions', 'https://shop.example/cart')).status).toBe(201);
    expect((await create(handler, 'https://api.shop.example:8443/api/checkout/sessions', 'https://shop.example/cart')).status).toBe(201);
    expect((await create(handler, 'https://api.shop.example/api/checkout/sessions', 'https://shop.example/cart')).status).toBe(400);
    expect((await create(handler, 'http://localhost/api/checkout/sessions', 'http://localhost/cart')).status).toBe(400);
    const forwarded = await handler(
      new Request('https://shop.example/api/checkout/sessions', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example' },
        body: JSON.stringify({ items: [{ sku: 'mug', quantity: 1 }] }),
      }),
    );
    expect(forwarded.status).toBe(400);
  });

  it('refuses a malformed allowedHosts entry when the handler is made', () => {
    expect(() => setUp({ allowedHosts: ['https://shop.example'] })).toThrow(/allowedHosts must hold host names/);
  });

  it('with development: true, follows any Host and warns that production must not', async () => {
    const { handler, created, warn } = setUp({ development: true });
    expect(hostWarnings(warn)).toEqual([expect.stringMatching(/development.*Never run production like this/)]);
    expect((await create(handler, 'http://192.168.1.20:3000/api/checkout/sessions', 'http://192.168.1.20:3000/cart')).status).toBe(201);
    expect(created[0]!.webhookUrl).toBe('http://192.168.1.20:3000/api/checkout/webhooks/fake');
  });
});

describe('with publicUrl', () => {
  it('makes every URL from publicUrl whatever the Host, and a shopper returns to the shop, not to the Host’s site', async () => {
    const { handler, created, warn } = setUp({ publicUrl: 'https://shop.example' });
    expect(hostWarnings(warn)).toEqual([]);
    const answer = await create(handler, 'http://evil.example/api/checkout/sessions', 'http://evil.example/phish');
    expect(answer.status).toBe(201);
    const { id } = (await answer.json()) as { id: string };
    expect(created[0]!.acceptUrl).toMatch(/^https:\/\/shop\.example\/api\/checkout\/return\/accept\?/);
    expect(created[0]!.webhookUrl).toBe('https://shop.example/api/checkout/webhooks/fake');
    const back = await topLevelReturn(handler, 'https://shop.example', id);
    expect(back).toMatch(/^https:\/\/shop\.example\//);
    expect(back).not.toContain('evil.example');
  });
});
