import type { CheckoutSession } from '../core/protocol.js';
import { priceItems, type PricedCart } from './catalog.js';
import type { ChargeRequest, ReconcileSummary } from './handler-types.js';
import { chargeKey, chargeRequestHash, IdempotencyClaims, MAX_IDEMPOTENCY_KEY_LENGTH } from './idempotency.js';
import type { HandlerConfig } from './options.js';
import {
  awaitsFulfilment,
  chargeReport,
  isSecondPayment,
  moveOn,
  newOrder,
  orderTransition,
  refusedTransition,
  type ProviderReading,
} from './order-machine.js';
import type { Log } from './log.js';
import { callProvider } from './provider-calls.js';
import { redactSecrets } from './redact.js';
import { ProviderInputError, type PaymentProvider, type ProviderCharge } from './provider-api/types.js';
import type { Order, OrderCursor } from './store/types.js';
import { sleep } from './timers.js';
import { sha256 } from './web-crypto.js';

/** Pending orders older than this are re-read from the provider by housekeeping … */
const RECONCILE_AFTER_MS = 10 * 60 * 1000;
/** … until they are this old (providers expire sessions within a day or two). */
const RECONCILE_FOR_MS = 3 * 24 * 60 * 60 * 1000;
/** Orders a reconcile run reads from the store at once, oldest first … */
const RECONCILE_PAGE = 100;
/** … and re-reads at most (the next run goes on where it stopped) … */
export const RECONCILE_BUDGET = 1000;
/** … this many at a time from their providers. */
const RECONCILE_CONCURRENCY = 4;

/** A provider that can charge a saved payment method. */
type ChargingProvider = PaymentProvider & Required<Pick<PaymentProvider, 'charge'>>;

/** What a provider reported for an order, read by the handler itself. */
interface ProviderReport extends ProviderReading {
  sessionId?: string;
  /** For the log: what the report is about. */
  what: string;
}

/**
 * The ledger side of the handler (docs/protocol.md, "State rules"): orders move only on what the handler read
 * from their provider, paid orders are fulfilled once, saved payment methods are charged.
 */
export class Ledger {
  readonly #config: HandlerConfig;
  readonly #claims: IdempotencyClaims;
  /** Told when an order was just paid here: its `onOrderPaid` job is due now (see `onPaid`). */
  #paid: () => void = () => {};
  /** Where the last reconcile run stopped on its budget; undefined: the next starts at the oldest. */
  #reconcileAfter: OrderCursor | undefined;
  /** The reconcile run going on: the next waits for it, so two never walk from one cursor. */
  #reconciling: Promise<unknown> = Promise.resolve();

  constructor(config: HandlerConfig, claims: IdempotencyClaims) {
    this.#config = config;
    this.#claims = claims;
  }

  /**
   * Calls `listener` each time an order moves to `paid` here: the job runner, which runs the
   * ledger's jobs and so exists only after it, looks for the `onOrderPaid` job at once.
   */
  onPaid(listener: () => void): void {
    this.#paid = listener;
  }

  /**
   * Moves the order of a session the handler has just read from the provider; true when it moved.
   * `log`: the request's or job's, so the records of the move carry its id.
   */
  async settleSession(reference: string, session: CheckoutSession, log = this.#config.log): Promise<boolean> {
    return this.#settle(reference, { ...session, sessionId: session.id, what: `session ${session.id}` }, log, async (order) => {
      // Where a recurring checkout saved a card, the ledger keeps it for later charges (read from the provider, never the browser).
      const provider = this.#config.providers.get(order.provider);
      return provider?.savedPaymentMethod ? provider.savedPaymentMethod(session.id) : undefined;
    });
  }

  /** Moves the order of a charge the handler has just read from the provider; true when it moved. */
  async settleCharge(reference: string, charge: ProviderCharge, log = this.#config.log): Promise<boolean> {
    return this.#settle(reference, { ...chargeReport(charge), what: `charge ${charge.id}` }, log);
  }

  async #settle(
    reference: string,
    report: ProviderReport,
    orderLog: Log,
    savedPaymentMethod?: (order: Order) => Promise<string | undefined>,
  ): Promise<boolean> {
    const { store, isoNow, now, telemetry } = this.#config;
    const order = await store.getOrder(reference);
    if (!order) return false;
    const log = orderLog.with({ reference, provider: order.provider });
    if (isSecondPayment(order, report)) {
      log.error(
        'order.second_payment',
        `order ${reference} is ${order.status} through session ${order.sessionId}, and ${order.provider} reports session ${report.sessionId} for it complete too: a SECOND PAYMENT. Refund one.`,
        { sessionId: report.sessionId },
      );
      return false;
    }
    const move = moveOn(order, report);
    if (!move) return false;
    const paymentMethod = move.to === 'paid' ? await savedPaymentMethod?.(order) : undefined;
    const moved = await store.transitionOrder(orderTransition(reference, move, { at: isoNow(), runAt: now(), paymentMethod }));
    if (!moved) return false;
    log.info('order.moved', `order ${reference} moved from ${order.status} to ${move.to}`, { from: order.status, to: move.to, sessionId: report.sessionId });
    if (move.to === 'mismatch') {
      log.error(
        'order.mismatch',
        `order ${reference} is a MISMATCH: ${order.provider} reports ${report.amount ?? '?'} ${report.currency ?? '?'} for ${report.what}, the order is ${order.amount} ${order.currency}. Not fulfilled; check it by hand.`,
      );
    }
    if (move.to === 'paid') {
      telemetry.record('ordersPaid', { 'checkout.provider': order.provider });
      this.#paid();
    }
    return true;
  }

  /** A charge of a saved payment method, without a checkout: an order like any other. */
  async charge(request: ChargeRequest): Promise<Order> {
    const { store, isoNow } = this.#config;
    const provider = this.#chargingProvider(request);
    const priced = priceItems(this.#config.catalog, request.items);
    const key = chargeKey(request.idempotencyKey);
    const owner = this.#claims.newOwner();
    const bodyHash = chargeRequestHash([provider.name, request.paymentMethod, request.items, request.customer ?? {}]);
    const claim = await this.#claims.claim(
      key,
      bodyHash,
      newOrder({
        // Derived from the key, not random: long after the key itself was pruned, a retry still
        // names the same order, which the provider charges once.
        reference: `ord_${sha256(key).slice(0, 20)}`,
        provider: provider.name,
        priced,
        customer: request.customer,
        paymentMethod: request.paymentMethod,
        createdAt: isoNow(),
      }),
      owner,
    );
    if (claim.outcome === 'conflict') throw new TypeError('This idempotencyKey was already used for another charge');
    if (claim.outcome === 'done') {
      const earlier = claim.response.body as { reference?: string; error?: string };
      if (earlier.error) throw new ProviderInputError(provider.name, earlier.error);
      return (await store.getOrder(earlier.reference ?? ''))!;
    }
    const reference = claim.reference;
    const result = await this.#callCharge(provider, request, { reference, key, owner, priced });
    await store.setOrderCharge(reference, result.id, isoNow());
    await this.settleCharge(reference, result);
    await store.finishIdempotencyKey(key, owner, { status: 201, body: { reference } });
    return (await store.getOrder(reference))!;
  }

  #chargingProvider(request: ChargeRequest): ChargingProvider {
    const { providers, defaultProviderName } = this.#config;
    const providerName = request.provider ?? defaultProviderName;
    const provider = providers.get(providerName);
    if (!provider) throw new TypeError(`Unknown provider "${providerName}"; this shop offers: ${[...providers.keys()].join(', ')}`);
    if (!provider.charge) throw new TypeError(`Provider "${providerName}" cannot charge a saved payment method`);
    if (typeof request.paymentMethod !== 'string' || request.paymentMethod === '') throw new TypeError('charge needs a paymentMethod');
    if (typeof request.idempotencyKey !== 'string' || request.idempotencyKey === '' || request.idempotencyKey.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
      throw new TypeError(`charge needs an idempotencyKey of 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters: the same key never charges twice`);
    }
    return provider as ChargingProvider;
  }

  /** The provider's charge; a failure settles the key: a refused input for good, anything else for a retry. */
  async #callCharge(
    provider: ChargingProvider,
    request: ChargeRequest,
    { reference, key, owner, priced }: { reference: string; key: string; owner: string; priced: PricedCart },
  ): Promise<ProviderCharge> {
    const { store, isoNow, publicUrl, basePath } = this.#config;
    try {
      return await callProvider(this.#config, provider.name, 'charge', () =>
        provider.charge({
          reference,
          paymentMethod: request.paymentMethod,
          ...(request.customer && { customer: request.customer }),
          lines: priced.lines,
          amount: priced.amount,
          currency: priced.currency,
          idempotencyKey: request.idempotencyKey,
          ...(publicUrl && { webhookUrl: `${publicUrl}${basePath}/webhooks/${encodeURIComponent(provider.name)}` }),
        }),
      );
    } catch (error) {
      if (error instanceof ProviderInputError) {
        await store.transitionOrder(refusedTransition(reference, isoNow()));
        await store.finishIdempotencyKey(key, owner, { status: 400, body: { reference, error: redactSecrets(error.message) } });
      } else {
        await store.releaseIdempotencyKey(key, owner);
      }
      throw error;
    }
  }

  /** Calls `onOrderPaid` for a paid order not fulfilled yet, then records that it was. */
  async fulfil(reference: string): Promise<void> {
    const { store, onOrderPaid, isoNow } = this.#config;
    const order = await store.getOrder(reference);
    if (!awaitsFulfilment(order) || !onOrderPaid) return;
    await onOrderPaid(order);
    // The hook returned: from here on only the record is retried, never the hook (the job runner renews the lease meanwhile).
    await this.#retryingUntilRecorded(() => store.markFulfilled(reference, isoNow()), `recording the fulfilment of ${reference}`);
  }

  /**
   * Orders still pending a while after their checkout, re-read from the provider: a webhook that
   * never came, or a re-read that was too early, does not leave a paid order pending. Walks the
   * window oldest first, page by page, up to RECONCILE_BUDGET orders; a walk the budget cut short
   * goes on where it stopped in the next run, and one that reached the end starts again.
   */
  reconcilePending(): Promise<ReconcileSummary> {
    const run = this.#reconciling.then(() => this.#reconcileRun());
    this.#reconciling = run.catch(() => {});
    return run;
  }

  async #reconcileRun(): Promise<ReconcileSummary> {
    const { store, now, log } = this.#config;
    const window = {
      status: 'pending',
      createdFrom: new Date(now() - RECONCILE_FOR_MS).toISOString(),
      createdBefore: new Date(now() - RECONCILE_AFTER_MS).toISOString(),
      oldestFirst: true,
    } as const;
    const summary: ReconcileSummary = { checked: 0, moved: 0, failed: 0, complete: false };
    while (!summary.complete && summary.checked < RECONCILE_BUDGET) {
      const limit = Math.min(RECONCILE_PAGE, RECONCILE_BUDGET - summary.checked);
      const after = this.#reconcileAfter;
      const page = await store.listOrders({ ...window, limit, ...(after && { after }) });
      await eachAtMost(RECONCILE_CONCURRENCY, page, async (order) => {
        const outcome = await this.#reread(order);
        if (outcome === 'moved') summary.moved += 1;
        if (outcome === 'failed') summary.failed += 1;
      });
      summary.checked += page.length;
      summary.complete = page.length < limit;
      const last = page.at(-1);
      this.#reconcileAfter = summary.complete || !last ? undefined : { createdAt: last.createdAt, reference: last.reference };
    }
    const line = `reconcile checked ${summary.checked} pending orders (${summary.moved} moved, ${summary.failed} failed)${summary.complete ? '' : '; the rest next run'}`;
    // Orders moving here is routine (sessions expire unannounced); a provider that did not answer is not.
    log[summary.failed > 0 ? 'warn' : 'info']('reconcile.done', line, { ...summary });
    return summary;
  }

  /** One pending order read again from its provider, and moved on what it says. */
  async #reread(order: Order): Promise<'moved' | 'unchanged' | 'failed'> {
    const { providers, log } = this.#config;
    const provider = providers.get(order.provider);
    if (!provider) return 'unchanged';
    const { sessionId, chargeId } = order;
    try {
      let moved = false;
      if (sessionId) moved = await this.settleSession(order.reference, await callProvider(this.#config, provider.name, 'getSession', () => provider.getSession(sessionId)));
      else if (chargeId && provider.getCharge) moved = await this.settleCharge(order.reference, await callProvider(this.#config, provider.name, 'getCharge', () => provider.getCharge!(chargeId)));
      return moved ? 'moved' : 'unchanged';
    } catch (error) {
      log.warn('reconcile.read_failed', `could not re-read pending order ${order.reference} at "${provider.name}"`, { reference: order.reference, provider: provider.name }, error);
      return 'failed';
    }
  }

  /**
   * A store write retried in this process until the store answers: given up, the job would be retried
   * and the hook that already returned called again. Soon after the store is back (at most a quarter
   * lease, 1 s), before other handlers take over leases that ran out during the outage (job-runner.ts).
   */
  async #retryingUntilRecorded(write: () => Promise<void>, what: string): Promise<void> {
    const maxDelay = Math.min(1000, Math.floor(this.#config.jobLeaseMs / 4));
    for (let attempt = 1, delay = 50; ; attempt++, delay = Math.min(maxDelay, delay * 2)) {
      try {
        return await write();
      } catch (error) {
        if (attempt === 1 || attempt % 60 === 0) this.#config.log.warn('store.write_retry', `${what} failed (attempt ${attempt}); trying again until the store answers`, { attempt }, error);
        await sleep(delay, { unref: true });
      }
    }
  }
}

/** Runs `work` on every item, at most `concurrency` at a time. */
async function eachAtMost<T>(concurrency: number, items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}
