import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { CreateSessionInput } from '../../server/provider-api/types.js';
import { sandboxInput, startTestPsp, TEST_SECRET_KEY as SECRET_KEY, TEST_WEBHOOK_SECRET as WEBHOOK_SECRET } from './fake-psp.js';
import { createSandboxPsp, loadOrCreateSandboxKeys, type SandboxPspOptions } from './psp.js';
const CARD = { expiry: '12/34', cvc: '123' };
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const pspModule = fileURLToPath(new URL('./psp.ts', import.meta.url));

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'sandbox-state-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const clock = { now: Date.UTC(2026, 10, 22, 12, 0, 0) };

/** A PSP on the state file, served on `port` (0: a new one), with an adapter talking to it. */
async function startPsp(stateFile: string | undefined, port = 0, options: Partial<SandboxPspOptions> = {}) {
  const { psp, server, provider } = await startTestPsp({
    clock,
    port,
    ...(stateFile && { stateFile }),
    ...options,
    // The process-wide fetch may still hold a keep-alive socket to the PSP that stopped on this
    // port; on a busy machine its close can land after the next request was written. One retry
    // of a connection that failed before any answer is what a client of a restarted server does.
    providerFetch: (url, init) => fetch(url, init).catch(() => fetch(url, init)),
  });
  let closed = false;
  const stop = async () => {
    if (closed) return;
    closed = true;
    await psp.whenIdle();
    await server.close();
    // Let the client side see the closed keep-alive sockets before a new PSP takes the port.
    await new Promise((resolve) => setTimeout(resolve, 50));
  };
  cleanup.push(stop);
  return { psp, server, provider, stop };
}

const input = (overrides: Partial<CreateSessionInput> = {}) =>
  sandboxInput([{ sku: 'mug', name: 'Stoneware mug', quantity: 1, unitAmount: 12900, vatRate: 0.25 }], overrides);

function form(fields: Record<string, string>): RequestInit {
  return { method: 'POST', body: new URLSearchParams(fields), redirect: 'manual' };
}

function readState(file: string): { sessions: { id: string; status: string }[]; idempotency: unknown[] } {
  return JSON.parse(readFileSync(file, 'utf8'));
}

describe('sandbox PSP state file', () => {
  it('keeps sessions and idempotency keys across a restart: created before, paid after, read back', async () => {
    const file = path.join(tempDir(), 'nested', 'folder', 'sandbox-psp.json');
    const first = await startPsp(file);
    const session = await first.provider.createSession(input({ idempotencyKey: 'start-1' }));
    const port = first.server.port;
    await first.stop();

    // "Restart": a new PSP on the same file and port.
    const second = await startPsp(file, port);
    expect(await second.provider.getSession(session.id)).toEqual(session);
    const page = await fetch(`${second.server.url}/pay/${session.id}`);
    expect(page.status).toBe(200);
    const paid = await fetch(`${second.server.url}/pay/${session.id}/card`, form({ number: '4242424242424242', ...CARD }));
    expect(paid.status).toBe(303);
    expect((await second.provider.getSession(session.id)).status).toBe('complete');
    await second.stop();

    const third = await startPsp(file, port);
    expect((await third.provider.getSession(session.id)).status).toBe('complete');
    // The idempotency key survived too: a retried create answers the same session.
    expect((await third.provider.createSession(input({ idempotencyKey: 'start-1' }))).id).toBe(session.id);
  });

  it('keeps saved cards and charges across restarts: saved, restarted, charged, restarted, read back', async () => {
    const file = path.join(tempDir(), 'sandbox-psp.json');
    const first = await startPsp(file);
    const session = await first.provider.createSession(
      input({ recurring: true, customer: { handle: 'cust-1' }, amount: 0, lines: [] }),
    );
    await fetch(`${first.server.url}/pay/${session.id}/card`, form({ number: '4242424242424242', ...CARD }));
    const paymentMethod = await first.provider.savedPaymentMethod!(session.id);
    expect(paymentMethod).toMatch(/^pm_/);
    const port = first.server.port;
    await first.stop();

    const second = await startPsp(file, port);
    expect(await second.provider.savedPaymentMethod!(session.id)).toBe(paymentMethod);
    const charge = {
      reference: 'refill-1',
      paymentMethod: paymentMethod!,
      lines: [],
      amount: 24900,
      currency: 'DKK',
    };
    const charged = await second.provider.charge!(charge);
    expect(charged).toMatchObject({ status: 'succeeded', amount: 24900 });
    await second.stop();

    const third = await startPsp(file, port);
    expect(await third.provider.getCharge!(charged.id)).toEqual(charged);
    // The charge's idempotency key (its reference) survived: no second charge after a restart.
    expect((await third.provider.charge!(charge)).id).toBe(charged.id);
  });

  it('does not share state without a state file', async () => {
    const file = path.join(tempDir(), 'sandbox-psp.json');
    const withFile = await startPsp(file);
    const session = await withFile.provider.createSession(input());
    const memoryOnly = await startPsp(undefined);
    await expect(memoryOnly.provider.getSession(session.id)).rejects.toMatchObject({ providerStatus: 404 });
  });

  it('leaves a complete, valid JSON file on disk after every change, and no temp file', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'sandbox-psp.json');
    const { provider, server } = await startPsp(file);
    const afterChange = (check: (state: ReturnType<typeof readState>) => void) => {
      check(readState(file));
      expect(readdirSync(dir)).toEqual(['sandbox-psp.json']);
    };

    const a = await provider.createSession(input({ reference: 'a', idempotencyKey: 'a' }));
    afterChange((state) => {
      expect(state.sessions.map((s) => s.id)).toEqual([a.id]);
      expect(state.idempotency).toHaveLength(1);
    });
    const b = await provider.createSession(input({ reference: 'b' }));
    afterChange((state) => expect(state.sessions.map((s) => s.id)).toEqual([a.id, b.id]));
    await fetch(`${server.url}/pay/${a.id}/card`, form({ number: '4000000000003220', ...CARD }));
    afterChange((state) => expect(state.sessions[0]).toMatchObject({ id: a.id, awaitingChallenge: true }));
    await fetch(`${server.url}/pay/${a.id}/3ds`, form({ action: 'complete' }));
    afterChange((state) => expect(state.sessions[0]).toMatchObject({ status: 'complete', paymentMethod: 'card' }));
    await fetch(`${server.url}/pay/${b.id}/cancel`, { method: 'POST', redirect: 'manual' });
    afterChange((state) => expect(state.sessions[1]).toMatchObject({ status: 'cancelled' }));
  });

  it('survives being killed mid-write: the file is always the old or the new state', { timeout: 60_000 }, async ({ onTestFinished }) => {
    const dir = tempDir();
    const file = path.join(dir, 'sandbox-psp.json');
    // A child PSP that creates sessions as fast as it can (a write per session, a growing file).
    const child = `
      const { createSandboxPsp } = await import(${JSON.stringify(pathToFileURL(pspModule).href)});
      const psp = createSandboxPsp({ secretKey: 'sbx_sk_test_0123456789abcdef', webhookSecret: 'x', stateFile: ${JSON.stringify(file)} });
      const body = JSON.stringify({ amount: 100, currency: 'DKK', reference: 'r'.repeat(64),
        lines: Array.from({ length: 20 }, (_, i) => ({ name: 'Line ' + i + ' ' + 'x'.repeat(150), quantity: 1, unit_amount: 5 })),
        accept_url: 'http://shop.test/accept', cancel_url: 'http://shop.test/cancel' });
      const auth = 'Basic ' + Buffer.from('sbx_sk_test_0123456789abcdef:').toString('base64');
      let announced = false;
      for (;;) {
        const response = await psp.fetch(new Request('http://psp.test/v1/sessions', { method: 'POST', body, headers: { authorization: auth } }));
        if (response.status !== 201) throw new Error('create failed: ' + response.status);
        if (!announced) { announced = true; process.stdout.write('ready\\n'); }
      }
    `;
    let sessionsSeen = 0;
    for (let round = 0; round < 6; round++) {
      const proc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', child], {
        cwd: repoRoot,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      // A timeout or a failed expectation must not leave it writing forever (it loops until killed).
      onTestFinished(() => void proc.kill('SIGKILL'));
      let stderr = '';
      proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      await new Promise<void>((resolve, reject) => {
        proc.stdout.once('data', () => resolve());
        proc.once('exit', (code) => reject(new Error(`child exited with ${code}: ${stderr}`)));
      });
      // Kill it at some point while it is writing (it writes all the time).
      await new Promise((resolve) => setTimeout(resolve, 20 + Math.floor(Math.random() * 150)));
      proc.kill('SIGKILL');
      await exited;

      const state = readState(file);
      expect(state.sessions.length).toBeGreaterThan(sessionsSeen);
      sessionsSeen = state.sessions.length;
      // And a PSP loads it (it validates the whole file).
      expect(() => createSandboxPsp({ secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET, stateFile: file })).not.toThrow();
    }
  });

  it('refuses to start on a file that is not a state file rather than overwrite it', () => {
    const file = path.join(tempDir(), 'sandbox-psp.json');
    writeFileSync(file, '{"version":1,"sessions":[');
    expect(() => createSandboxPsp({ secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET, stateFile: file })).toThrow(
      /sandbox-psp\.json is not valid JSON/,
    );
    writeFileSync(file, '{"hello":"world"}');
    expect(() => createSandboxPsp({ secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET, stateFile: file })).toThrow(
      /is not a sandbox state file/,
    );
    expect(readFileSync(file, 'utf8')).toBe('{"hello":"world"}');
  });
});

describe('loadOrCreateSandboxKeys', () => {
  it('generates keys once into a 0600 file (creating the folder) and reuses them', () => {
    const file = path.join(tempDir(), 'data', 'sandbox-keys.json');
    const keys = loadOrCreateSandboxKeys(file);
    expect(keys.secretKey).toMatch(/^sbx_sk_[a-f0-9]{48}$/);
    expect(keys.webhookSecret).toMatch(/^sbx_whsec_[a-f0-9]{48}$/);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(keys);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadOrCreateSandboxKeys(file)).toEqual(keys);
    expect(readdirSync(path.dirname(file))).toEqual(['sandbox-keys.json']);

    const other = loadOrCreateSandboxKeys(path.join(tempDir(), 'sandbox-keys.json'));
    expect(other.secretKey).not.toBe(keys.secretKey);
  });

  it('refuses a file that holds no keys', () => {
    const file = path.join(tempDir(), 'sandbox-keys.json');
    writeFileSync(file, '{"secretKey":""}');
    expect(() => loadOrCreateSandboxKeys(file)).toThrow(/is not a sandbox keys file/);
    expect(existsSync(file)).toBe(true);
  });
});

