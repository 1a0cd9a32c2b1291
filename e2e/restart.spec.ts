/**
 * The demo server dies (SIGKILL, no shutdown hooks) while the shopper looks at the sandbox's
 * payment page, and comes back on the same ports with the same data folder. Paying in the page
 * that was loaded before the crash must still complete the checkout, with one paid order in the
 * ledger and one fulfilment.
 *
 * The shared webServer of the config is never touched: this spec runs its own demo process on
 * its own ports, with a fresh CHECKOUT_DATA_DIR.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test as base } from '@playwright/test';
import {
  CARDS,
  eventTypes,
  openPaymentPage,
  payWithCard,
  recordCheckoutEvents,
  recordedEvents,
  seedCart,
  waitForCheckoutEvent,
} from './support/checkout.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const HOST = '127.0.0.1';
const READY_LINE = 'Demo shop:';

interface DemoOrder {
  reference: string;
  sessionId: string;
  status: string;
  paidAt?: string | null;
  fulfilledAt?: string | null;
}

/** Free loopback ports, all held open at once so the kernel hands out distinct ones. */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () =>
      new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
        const server = createServer();
        server.once('error', reject);
        server.listen(0, HOST, () => resolve(server));
      }),
    ),
  );
  const ports = servers.map((server) => (server.address() as AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  return ports;
}

/** Whether a listener could bind the port now (i.e. the killed server let go of it). */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, HOST, () => server.close(() => resolve(true)));
  });
}

/** One demo server process (`node --import tsx demo/server.ts`) in its own process group. */
class DemoProcess {
  /** stdout of every process started, in order: the fulfilment log across restarts. */
  stdout = '';
  stderr = '';
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private starts = 0;

  constructor(
    readonly shopPort: number,
    readonly sandboxPort: number,
    readonly dataDir: string,
  ) {}

  get shopUrl(): string {
    return `http://${HOST}:${this.shopPort}`;
  }

  /** Starts the server and resolves once it printed its "Demo shop:" line. */
  async start(timeout = 60_000): Promise<void> {
    if (this.child) throw new Error('the demo server is already running');
    const run = ++this.starts;
    const child = spawn(process.execPath, ['--import', 'tsx', 'demo/server.ts'], {
      cwd: repoRoot,
      env: {
        ...process.env,
        PORT: String(this.shopPort),
        SANDBOX_PORT: String(this.sandboxPort),
        HOST,
        CHECKOUT_DATA_DIR: this.dataDir,
      },
      // Its own process group, so one kill reaches every process it may start.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    this.stdout += `--- start ${run} (pid ${child.pid}) ---\n`;
    let ownStdout = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      ownStdout += chunk;
      this.stdout += chunk;
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
    });

    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`demo server (start ${run}) not ready after ${timeout} ms`)), timeout);
      const onData = () => {
        if (ownStdout.includes(READY_LINE)) finish();
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
        finish(new Error(`demo server (start ${run}) exited before it was ready (code ${code}, signal ${signal})\n${this.stderr}`));
      function finish(error?: Error) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.off('exit', onExit);
        if (error) reject(error);
        else resolve();
      }
      child.stdout?.on('data', onData);
      child.once('exit', onExit);
      onData();
    });
  }

  /** SIGKILL to the whole process group (no shutdown hooks run); resolves once it is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
      }
    }
    await this.exited;
  }

  /** Waits until both ports can be bound again. */
  async waitForPortsFree(timeout = 15_000): Promise<void> {
    await expect
      .poll(async () => (await portIsFree(this.shopPort)) && (await portIsFree(this.sandboxPort)), {
        message: `ports ${this.shopPort} and ${this.sandboxPort} to be free`,
        timeout,
      })
      .toBe(true);
  }

  async orders(): Promise<DemoOrder[]> {
    const response = await fetch(`${this.shopUrl}/api/demo/orders`);
    if (!response.ok) throw new Error(`GET /api/demo/orders: ${response.status}`);
    return ((await response.json()) as { orders: DemoOrder[] }).orders;
  }
}

const test = base.extend<{ demo: DemoProcess }>({
  demo: async ({}, use, testInfo) => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'checkout-restart-'));
    const [shopPort, sandboxPort] = await freePorts(2);
    const demo = new DemoProcess(shopPort!, sandboxPort!, dataDir);
    try {
      await demo.start();
      await use(demo);
    } finally {
      await demo.kill();
      if (testInfo.status !== testInfo.expectedStatus) {
        await testInfo.attach('demo-server.log', {
          body: `${demo.stdout}\n--- stderr ---\n${demo.stderr}`,
          contentType: 'text/plain',
        });
      }
      await rm(dataDir, { recursive: true, force: true });
    }
  },
  // The helpers open relative URLs: point them at this spec's own server.
  baseURL: async ({ demo }, use) => {
    await use(demo.shopUrl);
  },
});

test('restarting the demo server between checkout-ready and paying: paid once, fulfilled once', async ({
  page,
  demo,
}) => {
  test.slow();
  await seedCart(page);
  await recordCheckoutEvents(page);

  const { surface } = await openPaymentPage(page, 'embedded');
  const { session } = await waitForCheckoutEvent(page, 'checkout-ready');
  // The payment form is there before the crash, so the pay below uses the page as it was.
  await expect(surface.getByLabel(/card number/i)).toBeVisible();

  await demo.kill();
  await demo.waitForPortsFree();
  await demo.start();

  await payWithCard(surface, CARDS.success);
  const accepted = await waitForCheckoutEvent(page, 'checkout-accept', { timeout: 60_000 });
  expect(accepted.session.id).toBe(session.id);
  expect(accepted.session.status).toBe('complete');

  let order: DemoOrder | undefined;
  await expect
    .poll(
      async () => {
        const orders = await demo.orders();
        order = orders[0];
        return { count: orders.length, status: order?.status, fulfilled: Boolean(order?.fulfilledAt) };
      },
      { message: 'one paid, fulfilled order in the ledger', timeout: 15_000 },
    )
    .toEqual({ count: 1, status: 'paid', fulfilled: true });
  expect(order?.sessionId).toBe(session.id);
  expect(order?.paidAt).toBeTruthy();
  expect(order?.fulfilledAt).toBeTruthy();

  // A second fulfilment would come from a late webhook or poll: give those time to arrive.
  const fulfilledLine = new RegExp(`^fulfilled ${order!.reference} `, 'gm');
  await expect.poll(() => demo.stdout.match(fulfilledLine)?.length ?? 0).toBeGreaterThan(0);
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  expect(demo.stdout.match(fulfilledLine)?.length ?? 0, demo.stdout).toBe(1);
  expect(await demo.orders()).toHaveLength(1);

  expect(await eventTypes(page)).not.toContain('checkout-cancel');
  const errors = (await recordedEvents(page)).filter((event) => event.type === 'checkout-error');
  // Reads that failed while the server was down may be reported; none may be final.
  for (const error of errors) expect(error.detail, JSON.stringify(error.detail)).toMatchObject({ retryable: true });
});
