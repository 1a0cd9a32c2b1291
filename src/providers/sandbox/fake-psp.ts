/**
 * Tests: a sandbox PSP on a loopback port with the adapter talking to it, on a clock the test
 * moves. One way to start it, for every sandbox test.
 */
import { serveNode, type NodeServerHandle } from '../../server/node-http.js';
import type { FetchLike } from '../../server/adapter-kit/http-client.js';
import type { CreateSessionInput, PricedLine } from '../../server/provider-api/types.js';
import { createSandboxPsp, type SandboxPspOptions } from './psp.js';
import { createSandboxProvider } from './server.js';

export const TEST_SECRET_KEY = 'sbx_sk_test_0123456789abcdef';
export const TEST_WEBHOOK_SECRET = 'sbx_whsec_test_0123456789abcdef';
/** The shop the PSP returns to (never contacted). */
export const TEST_SHOP = 'http://shop.test:5173';

/** A create input for `lines` (the amount is theirs), returning to TEST_SHOP's bridge. */
export function sandboxInput(lines: PricedLine[], overrides: Partial<CreateSessionInput> = {}): CreateSessionInput {
  return {
    reference: 'ord_1',
    lines,
    amount: lines.reduce((sum, line) => sum + line.unitAmount * line.quantity, 0),
    currency: 'DKK',
    acceptUrl: `${TEST_SHOP}/api/checkout/return/accept?checkout_session={SESSION_ID}`,
    cancelUrl: `${TEST_SHOP}/api/checkout/return/cancel?checkout_session={SESSION_ID}`,
    webhookUrl: `${TEST_SHOP}/api/checkout/webhooks/sandbox`,
    ...overrides,
  };
}

export interface TestPspOptions extends Partial<SandboxPspOptions> {
  /** Default: a new one at 2026-11-22 12:00 UTC. */
  clock?: { now: number };
  /** 0 (default): a free port. */
  port?: number;
  /** The adapter's fetch. */
  providerFetch?: FetchLike;
}

export async function startTestPsp({ clock = { now: Date.UTC(2026, 10, 22, 12, 0, 0) }, port = 0, providerFetch, ...options }: TestPspOptions = {}) {
  const psp = createSandboxPsp({
    secretKey: TEST_SECRET_KEY,
    webhookSecret: TEST_WEBHOOK_SECRET,
    now: () => clock.now,
    webhookRetryDelayMs: 1,
    // A target that never answers is given up on in milliseconds, not after the default's 37 minutes.
    webhookAttempts: 3,
    logger: { warn: () => {} },
    ...options,
  });
  const server: NodeServerHandle = await serveNode(psp.fetch, { port });
  const provider = createSandboxProvider({
    apiUrl: server.url,
    secretKey: TEST_SECRET_KEY,
    webhookSecret: TEST_WEBHOOK_SECRET,
    now: () => clock.now,
    ...(providerFetch && { fetch: providerFetch }),
  });
  return { psp, server, provider, clock };
}
