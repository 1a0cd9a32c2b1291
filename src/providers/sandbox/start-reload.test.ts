import { createServer } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RunningSandbox } from './start.js';

/** A port nothing listens on now (the OS hands out a free one, we close it). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A fresh evaluation of start.ts, as a dev server that reloaded the backend module has. */
async function freshStartModule(): Promise<typeof import('./start.js')> {
  vi.resetModules();
  return import('./start.js');
}

const running = new Set<RunningSandbox>();
afterEach(async () => {
  await Promise.all([...running].map((sandbox) => sandbox.close()));
  running.clear();
});

// Each test evaluates start.ts and its imports afresh: slow on a loaded machine.
describe('startSandbox under a dev server that reloads', { timeout: 30_000 }, () => {
  it('two module instances asking for one port get the same running sandbox, not EADDRINUSE', async () => {
    const port = await freePort();
    const first = await freshStartModule();
    const second = await freshStartModule();
    expect(second.startSandbox).not.toBe(first.startSandbox);
    const a = await first.startSandbox({ port });
    running.add(a);
    const b = await second.startSandbox({ port });
    expect(b).toBe(a);
    expect(b.url).toBe(`http://127.0.0.1:${port}`);
    expect((await fetch(`${b.url}/v1/mollie.js`)).status).toBe(200);
  });

  it('calls that race share one start', async () => {
    const port = await freePort();
    const { startSandbox } = await freshStartModule();
    const [a, b] = await Promise.all([startSandbox({ port }), startSandbox({ port })]);
    running.add(a);
    expect(b).toBe(a);
  });

  it('after close() the port starts a new sandbox', async () => {
    const port = await freePort();
    const { startSandbox } = await freshStartModule();
    const a = await startSandbox({ port });
    await a.close();
    const b = await startSandbox({ port });
    running.add(b);
    expect(b).not.toBe(a);
    expect((await fetch(`${b.url}/v1/mollie.js`)).status).toBe(200);
  });

  it('refuses the same port with another dataDir, naming both', async () => {
    const port = await freePort();
    const { startSandbox } = await freshStartModule();
    running.add(await startSandbox({ port }));
    await expect(startSandbox({ port, dataDir: '/tmp/elsewhere' })).rejects.toThrow(/port \d+ .*another dataDir \(undefined, now \/tmp\/elsewhere\)/);
  });

  it('a port taken by another process is a message that says so', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    try {
      const { startSandbox } = await freshStartModule();
      await expect(startSandbox({ port })).rejects.toThrow(`startSandbox: port ${port} is taken by another process`);
      // The failed start is forgotten: once the port is free, it starts.
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
      const sandbox = await startSandbox({ port });
      running.add(sandbox);
      expect(sandbox.url).toBe(`http://127.0.0.1:${port}`);
    } finally {
      if (blocker.listening) blocker.close();
    }
  });

  it('port 0 is a new sandbox on every call (two PSPs in one process stay possible)', async () => {
    const { startSandbox } = await freshStartModule();
    const a = await startSandbox();
    running.add(a);
    const b = await startSandbox();
    running.add(b);
    expect(b.url).not.toBe(a.url);
  });
});

describe("the README's dev-server recipe (start on the first request)", { timeout: 30_000 }, () => {
  it('importing the route, as `next build` does, starts nothing and writes no data folder; its first request starts the sandbox', async () => {
    const { mkdtempSync, readdirSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const port = await freePort();
    const dataDir = path.join(mkdtempSync(path.join(tmpdir(), 'recipe-')), '.data');
    vi.stubEnv('SANDBOX_PORT', String(port));
    vi.stubEnv('SANDBOX_DATA_DIR', dataDir);
    vi.stubEnv('NEXT_PHASE', 'phase-production-build');
    try {
      vi.resetModules();
      const route = await import('./test-support/next-route.js');
      await new Promise((resolve) => setTimeout(resolve, 50));
      await expect(fetch(`http://127.0.0.1:${port}/v1/mollie.js`)).rejects.toThrow();
      expect(readdirSync(path.dirname(dataDir))).toEqual([]);

      vi.stubEnv('NEXT_PHASE', 'phase-development-server');
      const created = await route.POST(
        new Request('https://shop.example/api/checkout/sessions', {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: 'https://shop.example' },
          body: JSON.stringify({ items: [{ sku: 'mug', quantity: 1 }] }),
        }),
      );
      expect(created.status).toBe(201);
      const { startSandbox } = await freshStartModule();
      const sandbox = await startSandbox({ port, dataDir });
      running.add(sandbox);
      expect(readdirSync(dataDir)).toContain('sandbox-keys.json');
      // A reloaded route module: the same PSP answers, no EADDRINUSE.
      vi.resetModules();
      const reloaded = await import('./test-support/next-route.js');
      const again = await reloaded.POST(
        new Request('https://shop.example/api/checkout/sessions', {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: 'https://shop.example' },
          body: JSON.stringify({ items: [{ sku: 'mug', quantity: 1 }] }),
        }),
      );
      expect(again.status).toBe(201);
    } finally {
      vi.unstubAllEnvs();
      rmSync(path.dirname(dataDir), { recursive: true, force: true });
    }
  });
});
