import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../../server/node.js';
import { createCheckoutHandler } from '../../server/handler.js';
import { MUG_CATALOG } from '../../server/test-support/hosted-provider-double.js';
import { TEST_HOSTS } from '../../server/test-support/test-hosts.js';

const running: RunningSandbox[] = [];
const folders: string[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((sandbox) => sandbox.close()));
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

async function start(dataDir?: string): Promise<RunningSandbox> {
  const sandbox = await startSandbox(dataDir ? { dataDir } : {});
  running.push(sandbox);
  return sandbox;
}

describe('startSandbox (checkout-widget/server/node)', () => {
  it('starts the PSP on loopback and hands over providers a handler pays with', async () => {
    const sandbox = await start();
    expect(sandbox.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const providers = [sandbox.provider, sandbox.cardFieldsProvider, sandbox.mollieFieldsProvider, sandbox.dropinProvider];
    const handler = createCheckoutHandler({ providers, catalog: MUG_CATALOG, allowedHosts: TEST_HOSTS, logger: { error: () => {}, warn: () => {} } });
    const modes = [['sandbox', 'hosted'], ['sandbox-fields', 'card-token'], ['sandbox-mollie', 'card-token'], ['sandbox-dropin', 'adyen']] as const;
    for (const [provider, kind] of modes) {
      const created = await handler(
        new Request('https://shop.example/api/checkout/sessions', {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: 'https://shop.example' },
          body: JSON.stringify({ provider, items: [{ sku: 'mug', quantity: 1 }] }),
        }),
      );
      expect(created.status).toBe(201);
      expect(await created.json()).toMatchObject({ provider, kind, amount: 12900 });
    }
    await handler.close();
    expect(sandbox.env.SANDBOX_API_URL).toBe(sandbox.url);
    // The SDK doubles a page preloads for the last two, served by the PSP.
    expect(sandbox.sdkScripts).toEqual({ mollie: `${sandbox.url}/v1/mollie.js`, adyenWeb: `${sandbox.url}/v1/adyen-web.js` });
    for (const script of Object.values(sandbox.sdkScripts)) expect((await fetch(script)).status).toBe(200);
  });

  it('with a dataDir keeps its keys across restarts', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'sandbox-'));
    folders.push(dataDir);
    const first = await start(dataDir);
    const keys = first.env.SANDBOX_SECRET_KEY;
    await first.close();
    running.splice(0);
    const second = await start(dataDir);
    expect(second.env.SANDBOX_SECRET_KEY).toBe(keys);
    expect(readdirSync(dataDir)).toContain('sandbox-keys.json');
  });
});
