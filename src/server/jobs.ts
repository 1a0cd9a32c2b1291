import type { WebhookContext } from './handler-types.js';
import { JobRunner } from './job-runner.js';
import type { Ledger } from './ledger.js';
import type { Log } from './log.js';
import type { HandlerConfig } from './options.js';
import { orderPaidReference } from './order-machine.js';
import { callProvider, isNotFoundAtProvider } from './provider-calls.js';
import type { VerifiedWebhook } from './provider-api/types.js';
import { pruneCutoffs } from './store/rules.js';
import type { Job, JobKind } from './store/types.js';

const MAX_JOB_POLL_MS = 2_000;
const HOUSEKEEPING_EVERY_MS = 10 * 60 * 1000;

/** A webhook as the route stored it: verified, not yet handled. */
export interface StoredWebhook {
  provider: string;
  event: VerifiedWebhook;
}

/** The runner of the store's durable jobs: stored webhooks, `onWebhook`, `onOrderPaid`, and housekeeping. */
export function createJobRunner(config: HandlerConfig, ledger: Ledger): JobRunner {
  const { onWebhook, onOrderPaid, onDeadLetter, hookRetry, waitUntil, store, now, jobLeaseMs } = config;
  // A handler leases only the work it can do: one without a hook leaves that hook's items to one that has it.
  const kinds: JobKind[] = [
    'webhook',
    ...(onWebhook ? (['on_webhook'] as const) : []),
    ...(onOrderPaid ? (['order_paid'] as const) : []),
  ];
  const runJob = async (job: Job, log: Log): Promise<boolean | void> => {
    switch (job.kind) {
      case 'order_paid':
        return ledger.fulfil(orderPaidReference(job));
      case 'on_webhook': {
        const { provider, event, context } = job.payload as StoredWebhook & { context: WebhookContext };
        await onWebhook?.(event, provider, context);
        return;
      }
      case 'webhook':
        return handleWebhook(config, ledger, job.payload as StoredWebhook, log);
    }
  };
  // Each run a span `checkout.job.<kind>`; one that throws (and is retried) counts in `checkout.jobs.failed`.
  const tracedJob = async (job: Job): Promise<boolean | void> => {
    await config.telemetry.ready;
    const attributes = { 'checkout.job.kind': job.kind, 'checkout.job.id': job.id, 'checkout.job.attempt': job.attempts };
    return config.telemetry.span(`checkout.job.${job.kind}`, attributes, () => runJob(job, config.log.with({ jobId: job.id })), {
      kind: 'consumer',
      onEnd: (outcome) => {
        if (outcome !== 'ok') config.telemetry.record('jobsFailed', { 'checkout.job.kind': job.kind });
      },
    });
  };
  return new JobRunner({
    store,
    run: tracedJob,
    kinds,
    owner: config.instanceId,
    leaseMs: jobLeaseMs,
    pollMs: Math.min(MAX_JOB_POLL_MS, Math.max(50, Math.floor(jobLeaseMs / 10))),
    now,
    log: config.log,
    ...(hookRetry && { retry: hookRetry }),
    ...(waitUntil && { waitUntil }),
    ...(onDeadLetter && { onDead: onDeadLetter }),
    housekeeping: {
      everyMs: HOUSEKEEPING_EVERY_MS,
      run: async () => {
        await store.pruneExpired(pruneCutoffs(now()));
        await store.pruneRateLimits(now());
        await ledger.reconcilePending();
      },
    },
  });
}

/**
 * A stored webhook: re-read what it names, move the order, then hand it to `onWebhook` as its own
 * job. True when that job is one this handler runs: the runner looks for it at once.
 */
async function handleWebhook(config: HandlerConfig, ledger: Ledger, { provider: name, event }: StoredWebhook, jobLog: Log): Promise<boolean> {
  const { providers, store } = config;
  const log = jobLog.with({ provider: name });
  const provider = providers.get(name);
  // Another handler on the store may offer it (a rolling deploy): leave it for that one.
  if (!provider) throw new Error(`webhook for provider "${name}", which this handler does not have`);
  const context: WebhookContext = {};
  if (event.sessionId) {
    // The event's own fields are only a hint: the status comes from the provider, read here.
    try {
      context.session = await callProvider(config, name, 'getSession', () => provider.getSession(event.sessionId!));
    } catch (error) {
      if (!isNotFoundAtProvider(error)) throw error;
      log.warn('webhook.unknown_session', `a ${name} webhook names a session ${name} does not know`, { sessionId: event.sessionId });
    }
    const record = context.session && (await store.getSession(event.sessionId));
    if (record && context.session && record.provider === name) await ledger.settleSession(record.reference, context.session, log);
  }
  if (event.chargeId && provider.getCharge) {
    try {
      context.charge = await callProvider(config, name, 'getCharge', () => provider.getCharge!(event.chargeId!));
    } catch (error) {
      // Unknown to the provider (an unsigned field pointed elsewhere): nothing to move, like an unknown session.
      if (!isNotFoundAtProvider(error)) throw error;
      log.warn('webhook.unknown_charge', `a ${name} webhook names a charge ${name} does not know`, { chargeId: event.chargeId });
    }
    const order = context.charge?.reference ? await store.getOrder(context.charge.reference) : undefined;
    if (order && context.charge && order.provider === name && order.chargeId === context.charge.id) {
      await ledger.settleCharge(order.reference, context.charge, log);
    }
  }
  await store.enqueueJob({
    id: `on_webhook:${name}:${event.eventId}`,
    kind: 'on_webhook',
    payload: { provider: name, event, context },
    runAt: config.now(),
  });
  return config.onWebhook !== undefined;
}
