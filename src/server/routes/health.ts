import { Hono } from 'hono';
import type { ProviderHealth } from '../breaker.js';
import { jsonAnswer } from '../responses.js';
import type { CheckoutContext, CheckoutEnv } from './context.js';

/** A store that has not answered the probe by then counts as unreachable. */
const STORE_PROBE_TIMEOUT_MS = 2_000;
/** Jobs not looked for in this many polls (at least 10 s): the runner is stuck or starved. */
const STALLED_POLLS = 10;
const MIN_STALL_MS = 10_000;

/** What `GET {base}/health` answers: states and ages only, never a key, a URL or an error text. */
export interface HealthReport {
  /**
   * `ok` and `degraded` answer 200 (the instance takes requests); `unavailable` answers 503.
   * `degraded`: the job runner is stalled, or a provider's breaker is not `closed` (the breaker is
   * shared by every instance on the store, so taking this one out of the balancer would not help).
   */
  status: 'ok' | 'degraded' | 'unavailable';
  /** Migrated and answering a read within 2 s. */
  store: 'ok' | 'unavailable';
  /** Each configured provider's circuit breaker, read from the store: what `handler.providers.health()` answers. Left out while the store is unavailable. */
  providers?: Record<string, ProviderHealth>;
  jobs: {
    /** Jobs running in this instance now. */
    running: number;
    /** Milliseconds since due jobs were last looked for; null before the first look. */
    lagMs: number | null;
    /** True when that is more than ten polls (at least 10 s) ago. */
    stalled: boolean;
  };
}

/**
 * `GET /health`, for load balancers and orchestrators: 200 while the instance can take checkouts,
 * 503 when its store is unreachable or not migrated (and, from `handler.close()`, while it shuts down).
 */
export function healthRoutes(): Hono<CheckoutEnv> {
  return new Hono<CheckoutEnv>().get('/health', async (c) => {
    const report = await healthReport(c);
    return jsonAnswer(c, report.status === 'unavailable' ? 503 : 200, report);
  });
}

async function healthReport(c: CheckoutContext): Promise<HealthReport> {
  const { config, health } = c.get('checkout');
  const providers = await storeAnswers(c);
  const store = providers ? 'ok' : 'unavailable';
  const runner = health();
  const lagMs = runner.lastPollAt === undefined ? null : Math.max(0, config.now() - runner.lastPollAt);
  const stalled = lagMs !== null && lagMs > Math.max(MIN_STALL_MS, STALLED_POLLS * runner.pollMs);
  const tripped = providers !== false && Object.values(providers).some((breaker) => breaker.state !== 'closed');
  const status = store === 'unavailable' ? 'unavailable' : stalled || tripped ? 'degraded' : 'ok';
  return { status, store, jobs: { running: runner.running, lagMs, stalled }, ...(providers && { providers }) };
}

/** The migration (a no-op once done), one read and the providers' breakers, within the probe's time; false when the store does not answer. */
async function storeAnswers(c: CheckoutContext): Promise<Record<string, ProviderHealth> | false> {
  const { store, breakers, providers } = c.get('checkout').config;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), STORE_PROBE_TIMEOUT_MS);
  });
  const probe = (async () => {
    await store.migrate();
    await store.getOrder('health-probe');
    return breakers.health([...providers.keys()]);
  })().catch((error: unknown): false => {
    c.get('log').warn('health.store_failed', 'health probe: the store did not answer', {}, error);
    return false;
  });
  try {
    return await Promise.race([probe, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
