import type { Log } from './log.js';
import { retryDelay } from './store/rules.js';
import type { CheckoutStore, Job, JobKind } from './store/types.js';
import { sleep } from './timers.js';

/**
 * How a job that throws (a stored webhook, `onOrderPaid`, `onWebhook`) is retried, and when it is
 * given up as a dead letter: the `hookRetry` option.
 */
export interface RetryPolicy {
  /** Wait before the first retry. Default 1000 ms (the contract promises one within 5 s). */
  firstDelayMs?: number;
  /** Retries back off by doubling up to this. Default 300 000 ms. */
  maxDelayMs?: number;
  /**
   * The attempt whose failure makes the job `dead` (logged at error level, handed to
   * `onDeadLetter`, run again only by `handler.jobs.retry`). Default 20 (about an hour of retries
   * at the default backoff).
   */
  maxAttempts?: number;
  /** A job that fails later than this after it was enqueued (or retried by hand) is `dead` too. Default 3 days. */
  maxAgeMs?: number;
}

/** `hookRetry`'s dead-letter defaults. */
export const DEAD_LETTER_DEFAULTS = { maxAttempts: 20, maxAgeMs: 3 * 24 * 60 * 60 * 1000 };

export interface JobRunnerOptions {
  store: CheckoutStore;
  /** Does the job; a throw means "try again later". True: it enqueued work that is due now, looked for at once. */
  run: (job: Job) => Promise<boolean | void>;
  /** The kinds this runner can run; others are left to runners that can. */
  kinds: readonly JobKind[];
  /** Unique per handler: the lease owner. */
  owner: string;
  /** How long a lease lasts without renewal; a dead process's jobs are taken over after it. */
  leaseMs: number;
  /** How often due jobs (retries, a dead process's leftovers) are looked for. */
  pollMs: number;
  retry?: RetryPolicy;
  now: () => number;
  log: Log;
  /** Edge runtimes: keep the isolate alive for work started by a request. */
  waitUntil?: (work: Promise<unknown>) => void;
  /** A job that was just given up (`dead`); a throw is logged, never retried: it is an alert. */
  onDead?: (job: Job) => void | Promise<void>;
  /** Run about every `everyMs` (pruning what the store no longer needs). */
  housekeeping?: { everyMs: number; run: () => Promise<unknown> };
}

/** A runner's state as `GET /health` reports it. */
export interface JobRunnerStatus {
  running: number;
  /** When due jobs were last looked for (epoch ms); undefined before the first look. */
  lastPollAt: number | undefined;
  pollMs: number;
  closed: boolean;
}

/** Jobs one runner runs at once. */
const CONCURRENCY = 10;
/** The first wait before recording a finished job again; doubling up to a quarter lease (at most 1 s). */
const RECORD_RETRY_FIRST_MS = 50;
/** An order reference no order has: the store probe after an outage reads it. */
const STORE_PROBE_REFERENCE = 'job-runner-probe';

/**
 * Runs the store's durable jobs (webhook inbox, `onOrderPaid`): leases due jobs, renews the lease
 * while a job runs, completes it when it returned, and schedules a retry with backoff when it
 * threw. Any number of runners may share one store; a lease gives each job to one at a time.
 */
export class JobRunner {
  readonly #options: JobRunnerOptions;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  #poller: ReturnType<typeof setInterval> | undefined;
  #housekeeper: ReturnType<typeof setInterval> | undefined;
  #draining: Promise<void> | undefined;
  #drainAgain = false;
  #running = 0;
  /** Ids running here now: a lease that ran out during a stall must not start the same job twice in this process. */
  readonly #runningIds = new Set<string>();
  #closed = false;
  #lastPollAt: number | undefined;
  /**
   * A store call failed, and since then the store has not answered for half a lease period. Meanwhile
   * the runner leases nothing: a job whose hook returned in another handler just as the store went
   * away has a lease that ran out during the outage, and that handler, still holding the job, must get
   * to renew it or record it before anyone takes it over and runs the hook again. It does within a
   * quarter lease of the store's return (its heartbeat; its record retries, at most 1 s apart).
   */
  #storeDown = false;
  /** When the store first answered again after the outage (epoch ms). */
  #storeBackAt: number | undefined;

  constructor(options: JobRunnerOptions) {
    this.#options = options;
  }

  /** Starts polling; true when this runtime allows timers here (edge runtimes refuse them at start-up). */
  start(): boolean {
    if (this.#poller || this.#closed) return true;
    try {
      this.#poller = setInterval(() => void this.kick(), this.#options.pollMs);
      unref(this.#poller);
      const housekeeping = this.#options.housekeeping;
      if (housekeeping) {
        this.#housekeeper = setInterval(() => {
          housekeeping.run().catch((error: unknown) => this.#options.log.warn('job.housekeeping_failed', 'housekeeping of the store failed', {}, error));
        }, housekeeping.everyMs);
        unref(this.#housekeeper);
      }
    } catch {
      return false;
    }
    void this.kick();
    return true;
  }

  /** Looks for due jobs now (after a webhook was stored or an order was paid). */
  kick(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (this.#draining) {
      this.#drainAgain = true;
      return this.#draining;
    }
    const drain = this.#drain()
      .catch((error: unknown) => this.#options.log.error('job.poll_failed', 'could not read due jobs from the store', {}, error))
      .finally(() => {
        this.#draining = undefined;
        this.#inFlight.delete(drain);
        // A kick in the moment between the drain's last look and here was promised a look after it.
        if (this.#drainAgain) {
          this.#drainAgain = false;
          void this.kick();
        }
      });
    this.#draining = drain;
    this.#inFlight.add(drain);
    this.#options.waitUntil?.(drain);
    return drain;
  }

  /** Resolves when the work started so far (and what it led to at once) has finished. */
  async whenIdle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  /** What `GET /health` reports: jobs running here, and when due jobs were last looked for. */
  status(): JobRunnerStatus {
    return { running: this.#running, lastPollAt: this.#lastPollAt, pollMs: this.#options.pollMs, closed: this.#closed };
  }

  /**
   * Stops polling and retry timers; waits up to `graceMs` for running jobs. A job still running
   * then has its lease released (due at once), so another handler on the store takes it over now
   * instead of when the lease runs out; what this process's run of it does later is not recorded.
   */
  async close(graceMs = 10_000): Promise<void> {
    this.#closed = true;
    if (this.#poller) clearInterval(this.#poller);
    if (this.#housekeeper) clearInterval(this.#housekeeper);
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    await withinGrace(this.whenIdle(), graceMs);
    const { store, owner, now, log } = this.#options;
    for (const id of this.#runningIds) {
      log.warn('job.released', 'still running at shutdown; releasing its lease so another instance takes it over', { jobId: id });
      await store.retryJob(id, owner, now(), 'released: the handler shut down before it finished').catch((error: unknown) =>
        log.warn('job.release_failed', 'could not release the lease; another instance takes it over when the lease runs out', { jobId: id }, error),
      );
    }
  }

  async #drain(): Promise<void> {
    if (!(await this.#storeSettled())) return;
    do {
      this.#drainAgain = false;
      // Jobs run side by side, each on its own: one slow hook does not hold up the others.
      while (this.#running < CONCURRENCY && !this.#closed) {
        const limit = CONCURRENCY - this.#running;
        const now = this.#options.now();
        const jobs = await this.#options.store
          .leaseJobs({ owner: this.#options.owner, kinds: this.#options.kinds, now, leaseUntil: now + this.#options.leaseMs, limit })
          .catch((error: unknown) => {
            this.#storeFailed();
            throw error;
          });
        this.#lastPollAt = now;
        for (const job of jobs) if (!this.#runningIds.has(job.id)) this.#start(job);
        if (jobs.length < limit) break;
      }
    } while (this.#drainAgain && !this.#closed);
  }

  #storeFailed(): void {
    this.#storeDown = true;
    this.#storeBackAt = undefined;
  }

  /** True when jobs may be leased: the store never failed, or has answered for half a lease period since it did. */
  async #storeSettled(): Promise<boolean> {
    if (!this.#storeDown) return true;
    const { store, now, leaseMs } = this.#options;
    try {
      await store.getOrder(STORE_PROBE_REFERENCE);
    } catch {
      this.#storeBackAt = undefined;
      return false;
    }
    const at = now();
    this.#lastPollAt = at;
    this.#storeBackAt ??= at;
    const holdOffMs = Math.ceil(leaseMs / 2);
    const waited = at - this.#storeBackAt;
    if (waited < holdOffMs) {
      this.#later(holdOffMs - waited);
      return false;
    }
    this.#storeDown = false;
    this.#storeBackAt = undefined;
    return true;
  }

  #start(job: Job): void {
    this.#running += 1;
    this.#runningIds.add(job.id);
    const run = this.#runOne(job)
      .catch((error: unknown) => this.#options.log.error('job.record_failed', 'could not record the outcome of the job', { jobId: job.id }, error))
      .finally(() => {
        this.#running -= 1;
        this.#runningIds.delete(job.id);
        this.#inFlight.delete(run);
        // A slot is free: there may be more due work.
        void this.kick();
      });
    this.#inFlight.add(run);
    this.#options.waitUntil?.(run);
  }

  async #runOne(job: Job): Promise<void> {
    const { store, owner, leaseMs, now } = this.#options;
    const log = this.#options.log.with({ jobId: job.id });
    // Renewed well before it runs out, so a slow hook is not taken over by another process.
    const heartbeat = setInterval(() => {
      store
        .renewJobLease(job.id, owner, now() + leaseMs)
        .then((held) => {
          if (!held) log.error('job.lease_lost', 'lost the lease of the job while it ran (a stalled process, or clocks apart by more than the lease); another process may run it too');
        })
        .catch((error: unknown) => log.warn('job.renew_failed', 'could not renew the lease of the job', {}, error));
    }, Math.max(1, Math.floor(leaseMs / 4)));
    unref(heartbeat);
    let kickNow: boolean | void;
    try {
      kickNow = await this.#options.run(job);
    } catch (error) {
      clearInterval(heartbeat);
      if (this.#givesUp(job)) return this.#bury(job, error);
      const delay = retryDelay(job.attempts, this.#options.retry);
      log.error('job.failed', `failed (attempt ${job.attempts}); retrying in ${Math.round(delay / 1000)} s`, { attempt: job.attempts, retryInMs: delay }, error);
      await store.retryJob(job.id, owner, now() + delay, describe(error));
      this.#later(delay);
      return;
    }
    // It returned: from here on only the record is retried, never the job, and the lease is renewed until it is recorded.
    try {
      if (!(await this.#recordDone(job))) {
        log.warn('job.finished_late', 'finished after its lease was lost; another process may have run it too');
      }
    } finally {
      clearInterval(heartbeat);
    }
    if (kickNow) void this.kick();
  }

  /** Completes a job that returned, again and again while the store fails (until the runner closes). */
  async #recordDone(job: Job): Promise<boolean> {
    const { store, owner, leaseMs, now } = this.#options;
    const log = this.#options.log.with({ jobId: job.id });
    const maxDelay = Math.min(1000, Math.max(RECORD_RETRY_FIRST_MS, Math.floor(leaseMs / 4)));
    for (let delay = RECORD_RETRY_FIRST_MS, attempt = 1; ; delay = Math.min(maxDelay, delay * 2), attempt++) {
      try {
        return await store.completeJob(job.id, owner, now());
      } catch (error) {
        this.#storeFailed();
        if (this.#closed) throw error;
        if (attempt === 1) log.warn('job.record_retry', 'could not record that the job finished; trying again until the store answers', {}, error);
        await sleep(delay);
      }
    }
  }

  /** Its last attempt, or past its deadline. */
  #givesUp(job: Job): boolean {
    const { maxAttempts = DEAD_LETTER_DEFAULTS.maxAttempts, maxAgeMs = DEAD_LETTER_DEFAULTS.maxAgeMs } = this.#options.retry ?? {};
    return job.attempts >= maxAttempts || this.#options.now() - job.createdAt >= maxAgeMs;
  }

  /** `dead`: logged loudly and handed to `onDead`, once, by the owner that buried it. */
  async #bury(job: Job, error: unknown): Promise<void> {
    const { store, owner, now, onDead } = this.#options;
    const log = this.#options.log.with({ jobId: job.id });
    if (!(await store.buryJob(job.id, owner, now(), describe(error)))) {
      log.warn('job.finished_late', 'failed after its lease was lost; another process holds it now', {}, error);
      return;
    }
    log.error(
      'job.dead_letter',
      `DEAD LETTER: ${job.id} (${job.kind}) failed ${job.attempts} times and is given up; fix the cause, then retry it with handler.jobs.retry(${JSON.stringify(job.id)}) or \`checkout-widget jobs retry\``,
      { attempt: job.attempts },
      error,
    );
    if (!onDead) return;
    try {
      await onDead((await store.getJob(job.id)) ?? { ...job, status: 'dead', lastError: describe(error), deadAt: now() });
    } catch (hookError) {
      log.error('hook.failed', 'onDeadLetter threw; it is not called again for this job', {}, hookError);
    }
  }

  #later(delayMs: number): void {
    if (this.#closed) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      void this.kick();
    }, delayMs);
    unref(timer);
    this.#timers.add(timer);
  }
}

/**
 * Resolves when `work` settles or after `graceMs`, whichever is first. The timer is not unref'd:
 * a shutting-down process must live through its grace, not end early when nothing else is left.
 */
export async function withinGrace(work: Promise<unknown>, graceMs: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const grace = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, graceMs);
  });
  await Promise.race([work.then(() => undefined, () => undefined), grace]);
  clearTimeout(timer);
}

function unref(timer: unknown): void {
  (timer as { unref?: () => void }).unref?.();
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
