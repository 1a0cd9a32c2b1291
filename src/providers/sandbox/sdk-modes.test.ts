import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Script } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { acceptContractSession } from '../../core/session-shapes/contract-check.js';
import { serveNode, type NodeServerHandle } from '../../server/node.js';
import { PaymentDeclinedError } from '../../server/provider-api/types.js';
import { sandboxInput, startTestPsp, TEST_SECRET_KEY, TEST_SHOP, TEST_WEBHOOK_SECRET } from './fake-psp.js';
import { createSandboxPsp, SANDBOX_TEST_CARDS } from './psp.js';
import { createSandboxProvider, type SandboxProviderOptions } from './server.js';

const LINES = [{ sku: 'mug', name: 'Mug', quantity: 1, unitAmount: 12_500, vatRate: 0.25 }];
const CONTEXT = { reference: 'ord_1', acceptUrl: 'unused', cancelUrl: 'unused' };
const servers: NodeServerHandle[] = [];
const folders: string[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

async function start(mode: Pick<SandboxProviderOptions, 'sessionKind' | 'tokenProvider'>, stateFile?: string) {
  const test = await startTestPsp({ ...(stateFile && { stateFile }) });
  servers.push(test.server);
  const provider = createSandboxProvider({ apiUrl: test.server.url, secretKey: TEST_SECRET_KEY, webhookSecret: TEST_WEBHOOK_SECRET, now: () => test.clock.now, ...mode });
  const created = await provider.createSession(sandboxInput(LINES));
  return { ...test, provider, created };
}

/** What the Drop-in double sends from the shop page. */
function dropinPayment(url: string, id: string, clientKey: string, body: Record<string, unknown>) {
  return fetch(`${url}/v1/dropin/sessions/${encodeURIComponent(id)}/payments?clientKey=${encodeURIComponent(clientKey)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: TEST_SHOP },
    body: JSON.stringify({ expiry: '12/34', cvc: '123', ...body }),
  });
}

describe('sandbox SDK modes: the scripts', () => {
  it('serves the Mollie.js and Adyen Web doubles as cross-origin scripts without eval or innerHTML, naming the PSP', async () => {
    const { server } = await start({});
    for (const [file, global, parts] of [
      ['mollie.js', 'window.Mollie = Mollie', ['createComponent', 'createToken', 'unmount', "'/v1/tokens'", 'ShadowRoot']],
      ['adyen-web.js', 'window.AdyenWeb = {', ['AdyenCheckout', 'Dropin', 'onPaymentCompleted', 'onPaymentFailed', 'ChallengeShopper', '/v1/dropin/sessions/']],
    ] as const) {
      const response = await fetch(`${server.url}/v1/${file}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
      expect(response.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
      const script = await response.text();
      new Script(script); // parses
      expect(script).toContain(JSON.stringify(server.url));
      expect(script).toContain(global);
      for (const part of parts) expect(script).toContain(part);
      expect(script).not.toMatch(/\beval\(|new Function|innerHTML|onclick=/);
    }
  });

  it('answers the doubles’ CORS preflights for the token and Drop-in routes, and marks their answers', async () => {
    const { server } = await start({});
    for (const route of ['/v1/tokens', '/v1/dropin/sessions/sbx_0/payments']) {
      const preflight = await fetch(`${server.url}${route}`, {
        method: 'OPTIONS',
        headers: { origin: TEST_SHOP, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
      expect(preflight.headers.get('access-control-allow-headers')).toMatch(/authorization/);
      expect(preflight.headers.get('access-control-allow-methods')).toBe('POST');
    }
    const refused = await fetch(`${server.url}/v1/tokens`, { method: 'POST', headers: { origin: TEST_SHOP }, body: '{}' });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe('*');
    // The secret-key API stays without CORS: no page may call it.
    const api = await fetch(`${server.url}/v1/sessions`, { method: 'OPTIONS', headers: { origin: TEST_SHOP, 'access-control-request-method': 'POST' } });
    expect(api.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('sandbox card-token sessions in Mollie Components’ shape (tokenProvider mollie)', () => {
  it('answers with token_provider mollie, a pfl_ profile id and testmode, which the widget’s contract check takes', async () => {
    const { created } = await start({ sessionKind: 'card-token', tokenProvider: 'mollie' });
    expect(created).toMatchObject({ kind: 'card-token', status: 'open', token_provider: 'mollie', testmode: true, livemode: false });
    expect(created.profile_id).toMatch(/^pfl_sbx[a-f0-9]{32}$/);
    expect(created).not.toHaveProperty('public_key');
    expect(created).not.toHaveProperty('frames_url');
    expect(acceptContractSession(JSON.parse(JSON.stringify(created)))).toMatchObject({ token_provider: 'mollie', profile_id: created.profile_id });
  });

  it('tokenizes with the profile id as the double does, and the token pays; a decline keeps the session open', async () => {
    const { created, provider, server } = await start({ sessionKind: 'card-token', tokenProvider: 'mollie' });
    const tokenize = async (number: string, key = created.profile_id!) => {
      const response = await fetch(`${server.url}/v1/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, origin: TEST_SHOP },
        body: JSON.stringify({ number, expiry: '12/34', cvc: '123' }),
      });
      return { response, token: ((await response.clone().json()) as { token?: string }).token };
    };
    expect((await tokenize(SANDBOX_TEST_CARDS.success, 'pfl_sbx0000')).response.status).toBe(401);
    const declined = await tokenize(SANDBOX_TEST_CARDS.declined);
    expect(declined.response.status).toBe(201);
    expect(declined.response.headers.get('access-control-allow-origin')).toBe('*');
    await expect(provider.submitToken!(created.id, declined.token!, CONTEXT)).rejects.toBeInstanceOf(PaymentDeclinedError);
    expect(await provider.getSession(created.id)).toMatchObject({ status: 'open', failed_attempts: 1, token_provider: 'mollie' });
    const paid = await provider.submitToken!(created.id, (await tokenize(SANDBOX_TEST_CARDS.success)).token!, CONTEXT);
    expect(paid).toMatchObject({ status: 'complete', kind: 'card-token', token_provider: 'mollie' });
  });

  it('hands the 3-D Secure card to the PSP’s challenge page, as the Frames-shaped mode does', async () => {
    const { created, provider, server } = await start({ sessionKind: 'card-token', tokenProvider: 'mollie' });
    const answer = await fetch(`${server.url}/v1/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${created.profile_id}` },
      body: JSON.stringify({ number: SANDBOX_TEST_CARDS.threeDSecure, expiry: '12/34', cvc: '123' }),
    });
    const { token } = (await answer.json()) as { token: string };
    expect(await provider.submitToken!(created.id, token, CONTEXT)).toMatchObject({ status: 'open', url: `${server.url}/v1/3ds/${created.id}`, frameable: false });
  });
});

describe('sandbox Drop-in sessions (sessionKind adyen)', () => {
  it('answers kind adyen with its own session id, session data and a test client key, which the contract check takes', async () => {
    const { created } = await start({ sessionKind: 'adyen' });
    expect(created).toMatchObject({ provider: 'sandbox', kind: 'adyen', status: 'open', session_id: created.id, environment: 'test', livemode: false, amount: 12_500 });
    expect(created.session_data).toMatch(/^sbxdata_[a-f0-9]{24}$/);
    expect(created.client_key).toMatch(/^test_sbx[a-f0-9]{32}$/);
    expect(created.client_key).not.toContain(TEST_SECRET_KEY);
    expect(created).not.toHaveProperty('url');
    expect(acceptContractSession(JSON.parse(JSON.stringify(created)))).toMatchObject({ kind: 'adyen', session_data: created.session_data });
  });

  it('pays in the Drop-in with the client key and the session data only; a refused card keeps the session open', async () => {
    const { created, provider, server } = await start({ sessionKind: 'adyen' });
    const pay = (body: Record<string, unknown>, clientKey = created.client_key!) => dropinPayment(server.url, created.id, clientKey, { sessionData: created.session_data, ...body });
    expect((await pay({ number: SANDBOX_TEST_CARDS.success }, 'test_sbx0000')).status).toBe(401);
    expect((await pay({ number: SANDBOX_TEST_CARDS.success, sessionData: 'sbxdata_forged' })).status).toBe(404);
    const invalid = await pay({ number: '4242424242424241' });
    expect(invalid.status).toBe(422);
    expect(await invalid.json()).toMatchObject({ error: { code: 'card_invalid' } });
    expect((await pay({ number: SANDBOX_TEST_CARDS.processingError })).status).toBe(422);

    const refused = await pay({ number: SANDBOX_TEST_CARDS.declined });
    expect(refused.status).toBe(200);
    expect(refused.headers.get('access-control-allow-origin')).toBe('*');
    expect(await refused.json()).toMatchObject({ resultCode: 'Refused', sessionResult: expect.stringMatching(/^sbxres_/), sessionData: created.session_data });
    expect(await provider.getSession(created.id)).toMatchObject({ status: 'open', failed_attempts: 1, session_data: created.session_data });

    expect(await (await pay({ number: SANDBOX_TEST_CARDS.success })).json()).toMatchObject({ resultCode: 'Authorised' });
    const read = await provider.getSession(created.id, { providerResult: 'ignored: the sandbox reads with its secret key' });
    expect(read).toMatchObject({ kind: 'adyen', status: 'complete' });
    // A paid session hands out nothing to mount.
    expect(read).not.toHaveProperty('session_data');
    expect(read).not.toHaveProperty('client_key');
    const late = await pay({ number: SANDBOX_TEST_CARDS.success });
    expect(late.status).toBe(409);
  });

  it('challenges the 3-D Secure card inside the Drop-in: Fail is refused, Complete is authorised', async () => {
    const { created, provider, server } = await start({ sessionKind: 'adyen' });
    const pay = (challenge?: 'complete' | 'fail') =>
      dropinPayment(server.url, created.id, created.client_key!, { sessionData: created.session_data, number: SANDBOX_TEST_CARDS.threeDSecure, ...(challenge && { challenge }) }).then(
        (response) => response.json() as Promise<Record<string, unknown>>,
      );
    const first = await pay();
    expect(first).toMatchObject({ resultCode: 'ChallengeShopper' });
    expect(first).not.toHaveProperty('sessionResult');
    expect(await provider.getSession(created.id)).toMatchObject({ status: 'open', failed_attempts: 0 });
    expect(await pay('fail')).toMatchObject({ resultCode: 'Refused' });
    expect(await provider.getSession(created.id)).toMatchObject({ status: 'open', failed_attempts: 1 });
    expect(await pay('complete')).toMatchObject({ resultCode: 'Authorised' });
    expect(await provider.getSession(created.id)).toMatchObject({ status: 'complete' });
  });

  it('an expired Drop-in session takes no payment and reads expired', async () => {
    const { created, provider, server, clock } = await start({ sessionKind: 'adyen' });
    clock.now += 31 * 60_000;
    expect((await dropinPayment(server.url, created.id, created.client_key!, { sessionData: created.session_data, number: SANDBOX_TEST_CARDS.success })).status).toBe(409);
    expect(await provider.getSession(created.id)).toMatchObject({ kind: 'adyen', status: 'expired' });
  });

  it('neither mode is paid the other’s way: no token for a Drop-in session, no Drop-in payment for a card-token session', async () => {
    const dropin = await start({ sessionKind: 'adyen' });
    const fields = await start({ sessionKind: 'card-token', tokenProvider: 'mollie' });
    const tokenAnswer = await fetch(`${dropin.server.url}/v1/sessions/${dropin.created.id}/pay`, {
      method: 'POST',
      headers: { authorization: `Basic ${btoa(`${TEST_SECRET_KEY}:`)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ token: 'tok_sbx_000000000000000000000000' }),
    });
    expect(tokenAnswer.status).toBe(409);
    const clientKey = dropin.created.client_key!;
    expect((await dropinPayment(fields.server.url, fields.created.id, clientKey, { sessionData: 'sbxdata_x', number: SANDBOX_TEST_CARDS.success })).status).toBe(404);
  });

  it('keeps a Drop-in session’s data in its state file across a restart', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'sandbox-dropin-'));
    folders.push(folder);
    const stateFile = path.join(folder, 'psp.json');
    const first = await start({ sessionKind: 'adyen' }, stateFile);
    await first.server.close();
    servers.splice(servers.indexOf(first.server), 1);
    const restarted = createSandboxPsp({ secretKey: TEST_SECRET_KEY, webhookSecret: TEST_WEBHOOK_SECRET, stateFile, now: () => first.clock.now, logger: { warn: () => {} } });
    const server = await serveNode(restarted.fetch, { port: 0 });
    servers.push(server);
    const provider = createSandboxProvider({ apiUrl: server.url, secretKey: TEST_SECRET_KEY, webhookSecret: TEST_WEBHOOK_SECRET, sessionKind: 'adyen' });
    expect(await provider.getSession(first.created.id)).toMatchObject({ kind: 'adyen', session_data: first.created.session_data, client_key: first.created.client_key });
    const paid = await dropinPayment(server.url, first.created.id, first.created.client_key!, { sessionData: first.created.session_data, number: SANDBOX_TEST_CARDS.success });
    expect(await paid.json()).toMatchObject({ resultCode: 'Authorised' });
  });
});

describe('sandbox adapter options for the SDK modes', () => {
  const common = { apiUrl: 'http://127.0.0.1:1', secretKey: TEST_SECRET_KEY, webhookSecret: TEST_WEBHOOK_SECRET };
  it('takes tokenProvider for card-token sessions only, and names each mode as a sandbox mode', () => {
    expect(() => createSandboxProvider({ ...common, tokenProvider: 'mollie' })).toThrow(/tokenProvider is for sessionKind "card-token" only/);
    expect(() => createSandboxProvider({ ...common, sessionKind: 'adyen', tokenProvider: 'sandbox' })).toThrow(/card-token/);
    expect(() => createSandboxProvider({ ...common, sessionKind: 'card-token', tokenProvider: 'stripe' as never })).toThrow(/"sandbox" or "mollie"/);
    expect(() => createSandboxProvider({ ...common, sessionKind: 'dropin' as never })).toThrow(/"hosted", "card-token" or "adyen"/);
    expect(createSandboxProvider({ ...common, sessionKind: 'card-token', tokenProvider: 'mollie' }).label).toMatch(/^Sandbox: Mollie Components-like/);
    expect(createSandboxProvider({ ...common, sessionKind: 'adyen' }).label).toMatch(/^Sandbox: Adyen Drop-in-like/);
    expect(createSandboxProvider({ ...common, sessionKind: 'adyen' }).submitToken).toBeUndefined();
  });
});
