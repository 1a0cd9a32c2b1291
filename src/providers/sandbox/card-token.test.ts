import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Script } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { serveNode, type NodeServerHandle } from '../../server/node.js';
import { PaymentDeclinedError, ProviderInputError } from '../../server/provider-api/types.js';
import { sandboxInput, startTestPsp, TEST_SECRET_KEY, TEST_SHOP, TEST_WEBHOOK_SECRET } from './fake-psp.js';
import { createSandboxPsp, SANDBOX_TEST_CARDS } from './psp.js';
import { createSandboxProvider } from './server.js';

const LINES = [{ sku: 'mug', name: 'Mug', quantity: 1, unitAmount: 12_500, vatRate: 0.25 }];
const CONTEXT = { reference: 'ord_1', acceptUrl: 'unused', cancelUrl: 'unused' };
const servers: NodeServerHandle[] = [];
const folders: string[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

async function start(stateFile?: string) {
  const test = await startTestPsp({ ...(stateFile && { stateFile }) });
  servers.push(test.server);
  const provider = createSandboxProvider({
    apiUrl: test.server.url,
    secretKey: TEST_SECRET_KEY,
    webhookSecret: TEST_WEBHOOK_SECRET,
    sessionKind: 'card-token',
    name: 'sandbox-fields',
  });
  const created = await provider.createSession(sandboxInput(LINES, { webhookUrl: undefined as never }));
  /** What the card frame does: the card to the PSP's own token endpoint, with the public key. */
  const tokenize = (number: string, key = created.public_key!) =>
    fetch(`${test.server.url}/v1/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ number, expiry: '12/34', cvc: '123' }),
    });
  const tokenFor = async (number: string) => ((await (await tokenize(number)).json()) as { token: string }).token;
  return { ...test, provider, created, tokenize, tokenFor };
}

describe('sandbox card-token sessions', () => {
  it('answers create with a card-token session: the public key and the Frames double, no page', async () => {
    const { created, server } = await start();
    expect(created).toMatchObject({ provider: 'sandbox-fields', kind: 'card-token', status: 'open', token_provider: 'sandbox', frames_url: `${server.url}/v1/frames.js`, amount: 12_500 });
    expect(created.public_key).toMatch(/^pk_sbx_[a-f0-9]{32}$/);
    expect(created.url).toBeUndefined();
    expect(created.public_key).not.toContain(TEST_SECRET_KEY);
  });

  it('serves the Frames double as plain JavaScript that defines window.Frames without eval', async () => {
    const { server } = await start();
    const response = await fetch(`${server.url}/v1/frames.js`);
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const script = await response.text();
    new Script(script); // parses
    expect(script).not.toMatch(/\beval\(|new Function|innerHTML|onclick=/);
    expect(script).toContain(JSON.stringify(server.url));
    for (const name of ['init', 'addEventHandler', 'removeAllEventHandlers', 'isCardValid', 'submitCard', 'enableSubmitForm', 'cardTokenizationFailed']) expect(script).toContain(name);
  });

  it('serves the card frame only for its public key, framed only by the page that asked', async () => {
    const { server, created } = await start();
    const frame = (key: string, origin = TEST_SHOP) => fetch(`${server.url}/v1/frames/card?key=${encodeURIComponent(key)}&origin=${encodeURIComponent(origin)}`);
    const good = await frame(created.public_key!);
    expect(good.status).toBe(200);
    expect(good.headers.get('content-security-policy')).toContain(`frame-ancestors ${TEST_SHOP}`);
    expect(await good.text()).toContain('autocomplete="cc-number"');
    expect((await frame('pk_sbx_wrong')).status).toBe(401);
    expect((await frame(created.public_key!, "javascript:alert(1)")).status).toBe(400);
  });

  it('tokenizes test cards with the public key only; the processing-error card fails tokenization', async () => {
    const { tokenize } = await start();
    const ok = await tokenize(SANDBOX_TEST_CARDS.success);
    expect(ok.status).toBe(201);
    expect(await ok.json()).toMatchObject({ token: expect.stringMatching(/^tok_sbx_[a-f0-9]{24}$/), card: { last4: '4242' } });
    expect((await tokenize(SANDBOX_TEST_CARDS.success, 'pk_sbx_0000')).status).toBe(401);
    expect((await tokenize(SANDBOX_TEST_CARDS.success, TEST_SECRET_KEY)).status).toBe(401);
    const failed = await tokenize(SANDBOX_TEST_CARDS.processingError);
    expect(failed.status).toBe(422);
    expect(await failed.json()).toMatchObject({ error: { code: 'processing_error' } });
    expect((await tokenize('4242424242424241')).status).toBe(422);
  });

  it('pays with the token of the success card: complete, and a token pays once', async () => {
    const { provider, created, tokenFor } = await start();
    const token = await tokenFor(SANDBOX_TEST_CARDS.success);
    expect(await provider.submitToken!(created.id, token, CONTEXT)).toMatchObject({ status: 'complete', kind: 'card-token' });
    expect(await provider.getSession(created.id)).toMatchObject({ status: 'complete' });
    const again = await start();
    const reused = await again.tokenFor(SANDBOX_TEST_CARDS.success);
    await again.provider.submitToken!(again.created.id, reused, CONTEXT).catch(() => {});
    await expect(again.provider.submitToken!(again.created.id, reused, CONTEXT)).rejects.toThrow(/409|session/);
  });

  it('declines with 402 (PaymentDeclinedError), keeps the session open, and takes the next card', async () => {
    const { provider, created, tokenFor } = await start();
    const declined = await tokenFor(SANDBOX_TEST_CARDS.declined);
    await expect(provider.submitToken!(created.id, declined, CONTEXT)).rejects.toBeInstanceOf(PaymentDeclinedError);
    expect(await provider.getSession(created.id)).toMatchObject({ status: 'open', failed_attempts: 1 });
    // A used token is refused as input (400), not as a decline.
    await expect(provider.submitToken!(created.id, declined, CONTEXT)).rejects.toBeInstanceOf(ProviderInputError);
    await expect(provider.submitToken!(created.id, 'tok_nonsense', CONTEXT)).rejects.toBeInstanceOf(ProviderInputError);
    expect(await provider.submitToken!(created.id, await tokenFor(SANDBOX_TEST_CARDS.success), CONTEXT)).toMatchObject({ status: 'complete' });
  });

  it('sends the 3-D Secure card to a page that refuses frames, whose buttons go to the accept or cancel URL', async () => {
    for (const [action, status, returnPath] of [['complete', 'complete', '/api/checkout/return/accept'], ['fail', 'cancelled', '/api/checkout/return/cancel']] as const) {
      const { provider, created, tokenFor, server } = await start();
      const session = await provider.submitToken!(created.id, await tokenFor(SANDBOX_TEST_CARDS.threeDSecure), CONTEXT);
      expect(session).toMatchObject({ status: 'open', url: `${server.url}/v1/3ds/${created.id}`, frameable: false, payment: 'in_flight' });
      await expect(provider.submitToken!(created.id, await tokenFor(SANDBOX_TEST_CARDS.success), CONTEXT)).rejects.toThrow(/HTTP 409/);
      const challenge = await fetch(session.url!);
      expect(challenge.headers.get('x-frame-options')).toBe('DENY');
      expect(challenge.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(await challenge.text()).toContain('value="complete"');
      const answered = await fetch(session.url!, { method: 'POST', body: new URLSearchParams({ action }), redirect: 'manual' });
      expect(answered.status).toBe(303);
      const back = new URL(answered.headers.get('location')!);
      expect(back.origin + back.pathname).toBe(`${TEST_SHOP}${returnPath}`);
      expect(back.searchParams.get('checkout_session')).toBe(created.id);
      expect(await provider.getSession(created.id)).toMatchObject({ status });
      expect((await provider.getSession(created.id)).payment).toBeUndefined();
      expect((await fetch(session.url!)).status).toBe(404);
    }
  });

  it('refuses a token for a hosted session, at the PSP and through the adapter', async () => {
    const { psp, server, provider: hosted, tokenFor } = await start();
    expect(hosted).toBeDefined();
    const plain = createSandboxProvider({ apiUrl: server.url, secretKey: TEST_SECRET_KEY, webhookSecret: TEST_WEBHOOK_SECRET });
    const session = await plain.createSession(sandboxInput(LINES));
    const answer = await psp.fetch(
      new Request(`${server.url}/v1/sessions/${session.id}/pay`, {
        method: 'POST',
        headers: { authorization: `Basic ${btoa(`${TEST_SECRET_KEY}:`)}`, 'content-type': 'application/json' },
        body: JSON.stringify({ token: await tokenFor(SANDBOX_TEST_CARDS.success) }),
      }),
    );
    expect(answer.status).toBe(409);
    expect(await answer.json()).toMatchObject({ error: { code: 'not_card_token' } });
    // A hosted-mode sandbox takes tokens too (its `card-fields` method), but not for a hosted session.
    const context = { reference: 'ord_x', acceptUrl: 'https://shop.example/a', cancelUrl: 'https://shop.example/c' };
    await expect(plain.submitToken!(session.id, await tokenFor(SANDBOX_TEST_CARDS.success), context)).rejects.toMatchObject({ providerStatus: 409 });
  });

  it('makes a card-token session for the card-fields method and a hosted one for card and blik, whatever its sessionKind', async () => {
    const { server } = await start();
    const plain = createSandboxProvider({ apiUrl: server.url, secretKey: TEST_SECRET_KEY, webhookSecret: TEST_WEBHOOK_SECRET });
    const cards = createSandboxProvider({ apiUrl: server.url, secretKey: TEST_SECRET_KEY, webhookSecret: TEST_WEBHOOK_SECRET, sessionKind: 'card-token' });
    const kinds = async (provider: typeof plain, method?: string) => (await provider.createSession({ ...sandboxInput(LINES), ...(method && { method }) })).kind;
    expect([await kinds(plain), await kinds(plain, 'card'), await kinds(plain, 'blik'), await kinds(plain, 'card-fields')]).toEqual(['hosted', 'hosted', 'hosted', 'card-token']);
    expect([await kinds(cards), await kinds(cards, 'card-fields'), await kinds(cards, 'card')]).toEqual(['card-token', 'card-token', 'hosted']);
    expect((plain.methods as readonly { id: string }[]).map((method) => method.id)).toEqual(['card', 'blik', 'card-fields']);
    expect((cards.methods as readonly { id: string }[]).map((method) => method.id)).toEqual(['card-fields']);
  });

  it('keeps tokens and card-token sessions in its state file across a restart', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'sandbox-cards-'));
    folders.push(folder);
    const stateFile = path.join(folder, 'psp.json');
    const first = await start(stateFile);
    const token = await first.tokenFor(SANDBOX_TEST_CARDS.success);
    await first.server.close();
    servers.splice(servers.indexOf(first.server), 1);
    const restarted = createSandboxPsp({ secretKey: TEST_SECRET_KEY, webhookSecret: TEST_WEBHOOK_SECRET, stateFile, now: () => first.clock.now, logger: { warn: () => {} } });
    const server = await serveNode(restarted.fetch, { port: 0 });
    servers.push(server);
    const provider = createSandboxProvider({ apiUrl: server.url, secretKey: TEST_SECRET_KEY, webhookSecret: TEST_WEBHOOK_SECRET, sessionKind: 'card-token' });
    expect(await provider.getSession(first.created.id)).toMatchObject({ kind: 'card-token', public_key: first.created.public_key });
    expect(await provider.submitToken!(first.created.id, token, CONTEXT)).toMatchObject({ status: 'complete' });
  });
});
