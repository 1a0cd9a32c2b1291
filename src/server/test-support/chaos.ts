/**
 * The chaos soak (`npm run soak -- --chaos`, and a short run in src/server/chaos.test.ts): N handler
 * processes (handler-process.ts) on one real PostgreSQL behind a round-robin proxy, the sandbox PSP
 * on loopback sending webhooks (retried) to that proxy, and a load of checkouts while a seeded chaos
 * loop SIGKILLs a random handler every few seconds and restarts it, and stops PostgreSQL once for a
 * while. Then a drain, and the figures: what the PSP says was paid, what the ledger says, what the
 * hooks did, per reference, per Idempotency-Key and per webhook event.
 *
 * The checks are on what must hold whatever the timing (nothing lost, nothing twice), never on
 * how fast: the schedule is seeded, every wait is bounded, and the drain waits for the system to
 * settle (no job left, no webhook delivery left) rather than for a fixed time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { serveNode } from '../node.js';
import { createSandboxPsp } from '../../providers/sandbox/psp.js';
import { readHookLog, spawnHandler, startRoundRobinProxy, type HandlerChild } from './handler-cluster.js';
import type { HandlerProcessConfig, HookLogLine } from './handler-process.js';
import { createTestDatabase, startEmbeddedPostgres } from './postgres.js';

export interface ChaosOptions {
  /** How long the load and the chaos run; then the drain. */
  seconds: number;
  /** Handler processes behind the proxy. Default 3. */
  handlers?: number;
  /** Checkouts started, evenly over `seconds`. Default 3 per second. */
  checkouts?: number;
  /** Every fifth checkout is abandoned (never paid) unless this says otherwise; the ledger must leave those pending. */
  abandonEvery?: number;
  /** A handler is SIGKILLed after a wait drawn from this range (ms); the next kill waits for its restart. Default [2000, 4000]. */
  killEveryMs?: [number, number];
  /** How long PostgreSQL is stopped, once, 30–50 % into the run. Default 5000. */
  dbDownMs?: number;
  /** The drain (clients still retrying their creates, then jobs and webhook retries) ends at the latest this long (ms) after the load. Default 60 000. */
  drainMs?: number;
  /** Seeds the chaos schedule (which handler, when) and the clients' backoff jitter. Default 1. */
  seed?: number;
  /** Progress lines (kills, outage), for a person watching. */
  onProgress?: (line: string) => void;
}

/** What the soak saw, and the checks on it. */
export interface ChaosReport {
  options: Required<Omit<ChaosOptions, 'onProgress'>>;
  wallMs: number;
  checkouts: {
    started: number;
    /** Got a 201 with a session (retries included). */
    created: number;
    /** Never got one within their deadline. */
    gaveUp: number;
    paidAtPsp: number;
    abandoned: number;
    /** Create attempts in all (first tries and retries). */
    attempts: number;
  };
  /** Answers other than 201 that the clients saw, by status ('network' and 'timeout' for no answer). */
  clientFailures: Record<string, number>;
  psp: {
    /** POST /v1/sessions the PSP answered (the handlers' creates, retries and replays included). */
    createRequests: number;
    /** Sessions the PSP made. */
    sessions: number;
    /** Sessions the PSP reports `complete`. */
    paid: number;
    /** Idempotency-Keys for which the PSP made more than one session, and the extra sessions. */
    keysWithDuplicates: number;
    duplicateSessions: number;
    /** Sessions made without an Idempotency-Key (the handler always sends the widget's). */
    sessionsWithoutKey: number;
    /** Keys for which the clients got more than one session id in their 201s. */
    keysAnsweredWithTwoSessions: number;
  };
  ledger: {
    orders: number;
    paid: number;
    pending: number;
    other: number;
    /** Paid orders whose session the PSP does not report complete, and PSP-paid sessions whose order is not paid. */
    paidNotAtPsp: number;
    pspPaidNotInLedger: number;
  };
  /**
   * Runs of the hooks, counted by their "end" lines in the hook log. A second run is the documented
   * window (README, "One window no store can close") only when the process of the run before was
   * SIGKILLed after that run returned, with the database up for less than 2 s in between, and the
   * second started after the kill: the store could not have recorded the return. Any other second
   * run (two processes at once, or a rerun of a return a live process knew of) counts as twice.
   */
  hooks: {
    /** Paid orders whose `onOrderPaid` ended exactly once. */
    orderPaidOnce: number;
    /** Paid orders whose `onOrderPaid` ran again only after its process was SIGKILLed before recording the return. */
    orderPaidRerunAfterKill: number;
    /** Any other order whose `onOrderPaid` ended more than once. */
    orderPaidTwice: number;
    /** Paid orders whose `onOrderPaid` never ended, and orders not paid whose hook ran. */
    orderPaidMissing: number;
    orderPaidNotPaid: number;
    onWebhookRerunAfterKill: number;
    onWebhookTwice: number;
  };
  webhooks: {
    /** Events the PSP made (one per payment). */
    events: number;
    /** Delivery attempts, and how they ended. */
    attempts: number;
    attemptOutcomes: Record<string, number>;
    /** Events a handler answered 2xx. */
    delivered: number;
    /** Delivered events whose `onWebhook` ran. */
    handled: number;
    /** Events never delivered, or delivered and never handled. */
    lost: number;
  };
  chaos: {
    kills: number;
    /** Each kill: the process, and when (epoch ms). */
    killed: { pid: number; at: number }[];
    /** Restarts that failed and were tried again. */
    failedStarts: number;
    dbDownMs: number;
    /** When the database went down and came back, ms after the start of the load. */
    dbDownFromMs: number | undefined;
    dbUpAtMs: number | undefined;
  };
  drain: { settled: boolean; ms: number; pendingJobs: number; webhooksInFlight: boolean };
  /** One line per order where anything is off (PSP, ledger, hooks, webhook), to find out why. */
  anomalies: string[];
  checks: { name: string; pass: boolean; detail: string }[];
}

const SECRET_KEY = 'sbx_sk_chaos_0123456789';
const WEBHOOK_SECRET = 'sbx_whsec_chaos_0123456789';
const SHOP = 'http://shop.test:5173';
const CART = JSON.stringify({ items: [{ sku: 'grinder', quantity: 1 }] });
/** The handlers' provider timeout; an Idempotency-Key a killed process held is taken over 5 s after it. */
const PROVIDER_TIMEOUT_MS = 3_000;
/** A killed process's jobs are taken over after this. */
const HOOK_LEASE_MS = 2_000;
/** The widget's per-attempt timeout and first backoff (src/core/session-client.ts); retries back off to at most this. */
const CLIENT_TIMEOUT_MS = 15_000;
const CLIENT_BACKOFF_MS = 400;
const CLIENT_MAX_BACKOFF_MS = 3_000;
/** The PSP's first webhook retry; doubling, or the handler's Retry-After (5 s on 503) when longer. */
const WEBHOOK_RETRY_DELAY_MS = 250;
const POLL_MS = 250;
/** How long a shopper takes on the PSP's page before paying. */
const SHOPPER_MIN_MS = 500;
const SHOPPER_MAX_MS = 3_000;

/** A small seeded PRNG (mulberry32): the same seed, the same schedule. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const bump = (counts: Record<string, number>, key: string) => (counts[key] = (counts[key] ?? 0) + 1);

/** Runs the chaos soak and reports; throws only when it cannot be set up. */
export async function runChaosSoak(input: ChaosOptions): Promise<ChaosReport> {
  const options = {
    seconds: input.seconds,
    handlers: input.handlers ?? 3,
    checkouts: input.checkouts ?? input.seconds * 3,
    abandonEvery: input.abandonEvery ?? 5,
    killEveryMs: input.killEveryMs ?? ([2_000, 4_000] as [number, number]),
    dbDownMs: input.dbDownMs ?? 5_000,
    drainMs: input.drainMs ?? 60_000,
    seed: input.seed ?? 1,
  };
  const progress = input.onProgress ?? (() => {});
  const random = seededRandom(options.seed);
  const started = Date.now();
  const cleanups: (() => unknown)[] = [];
  const children = new Set<HandlerChild>();
  // Ctrl-C or a crash: no handler process outlives the soak.
  const killChildren = () => {
    for (const child of children) child.process.kill('SIGKILL');
  };
  process.on('exit', killChildren);
  try {
    const dir = mkdtempSync(path.join(tmpdir(), 'checkout-chaos-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const hookLog = path.join(dir, 'hooks.log');

    const postgres = await startEmbeddedPostgres();
    cleanups.push(() => postgres.stop());
    const database = await createTestDatabase(postgres.url);

    // The PSP, and what it did: sessions per Idempotency-Key, webhook deliveries per event.
    const pspState = {
      createRequests: 0,
      sessionsByKey: new Map<string, Set<string>>(),
      sessionsWithoutKey: 0,
      sessionIds: new Set<string>(),
      /** Event id → outcomes of its delivery attempts. */
      deliveries: new Map<string, string[]>(),
      /** Event id → the session it is about. */
      eventSessions: new Map<string, string>(),
    };
    const sendWebhook: typeof fetch = async (target, init) => {
      const event = JSON.parse(String(init?.body)) as { id?: unknown; session?: unknown };
      const eventId = String(event.id);
      if (typeof event.session === 'string') pspState.eventSessions.set(eventId, event.session);
      const outcomes = pspState.deliveries.get(eventId) ?? [];
      pspState.deliveries.set(eventId, outcomes);
      try {
        const response = await fetch(target, init);
        outcomes.push(String(response.status));
        return response;
      } catch (error) {
        outcomes.push('network');
        throw error;
      }
    };
    const psp = createSandboxPsp({
      secretKey: SECRET_KEY,
      webhookSecret: WEBHOOK_SECRET,
      webhookRetryDelayMs: WEBHOOK_RETRY_DELAY_MS,
      fetch: sendWebhook,
      logger: { warn: (message: string) => progress(`psp: ${message}`) },
    });
    cleanups.push(() => psp.close());
    const pspServer = await serveNode(async (request) => {
      const key = request.headers.get('idempotency-key');
      const response = await psp.fetch(request);
      if (request.method === 'POST' && new URL(request.url).pathname === '/v1/sessions') {
        pspState.createRequests++;
        const id = response.status === 201 ? ((await response.clone().json()) as { id?: string }).id : undefined;
        if (id && !pspState.sessionIds.has(id)) {
          pspState.sessionIds.add(id);
          if (key) pspState.sessionsByKey.set(key, (pspState.sessionsByKey.get(key) ?? new Set()).add(id));
          else pspState.sessionsWithoutKey++;
        }
      }
      return response;
    });
    cleanups.push(() => pspServer.close());

    const proxy = await startRoundRobinProxy();
    cleanups.push(() => proxy.close());
    const config: HandlerProcessConfig = {
      store: { postgres: database.url },
      psp: { apiUrl: pspServer.url, secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET },
      providers: ['sandbox'],
      publicUrl: proxy.url,
      allowedOrigins: [SHOP],
      log: hookLog,
      hookLeaseMs: HOOK_LEASE_MS,
      providerTimeoutMs: PROVIDER_TIMEOUT_MS,
      // Every shopper reaches the handlers from the proxy's one address: per-client limits would count them as one client.
      rateLimits: { createsPerClient: false, tokensPerClient: false },
    };
    const chaos: ChaosReport['chaos'] = { kills: 0, killed: [], failedStarts: 0, dbDownMs: 0, dbDownFromMs: undefined, dbUpAtMs: undefined };
    const start = async (): Promise<HandlerChild> => {
      for (let attempt = 1; ; attempt++) {
        try {
          const child = await spawnHandler(config);
          children.add(child);
          void child.exited.then(() => children.delete(child));
          return child;
        } catch (error) {
          chaos.failedStarts++;
          if (attempt >= 5) throw error;
          progress(`a handler did not start (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); again`);
          await sleep(500);
        }
      }
    };
    const slots = await Promise.all(Array.from({ length: options.handlers }, start));
    proxy.targets.push(...slots.map((child) => child.url));
    progress(`${options.handlers} handlers on PostgreSQL behind ${proxy.url}; PSP at ${pspServer.url}`);

    // The load: checkouts started evenly over the run, each retrying its create with its key until it gets a session.
    const loadStarted = Date.now();
    const chaosEnd = loadStarted + options.seconds * 1000;
    /** Clients give up and the drain ends by then at the latest. */
    const drainDeadline = chaosEnd + options.drainMs;
    const clientFailures: Record<string, number> = {};
    const checkouts = { started: 0, created: 0, gaveUp: 0, paidAtPsp: 0, abandoned: 0, attempts: 0 };
    const answeredSessions = new Map<string, Set<string>>();
    const jitter = seededRandom(options.seed ^ 0x5eed);
    const payProblems: string[] = [];

    async function checkout(index: number): Promise<void> {
      const key = `chaos-${options.seed}-${index}`;
      // A patient shopper: retries (backing off) until the drain's deadline, however slow a loaded machine makes the handlers.
      const deadline = drainDeadline;
      checkouts.started++;
      let sessionId: string | undefined;
      for (let attempt = 0; sessionId === undefined; attempt++) {
        checkouts.attempts++;
        try {
          const response = await fetch(`${proxy.url}/api/checkout/sessions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', origin: SHOP, referer: `${SHOP}/checkout.html`, 'idempotency-key': key },
            body: CART,
            signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS),
          });
          const text = await response.text();
          if (response.status === 201) {
            sessionId = (JSON.parse(text) as { id: string }).id;
            answeredSessions.set(key, (answeredSessions.get(key) ?? new Set()).add(sessionId));
            break;
          }
          const code = /"code":"([^"]+)"/.exec(text)?.[1];
          bump(clientFailures, code ? `${response.status} ${code}` : String(response.status));
          // A 4xx is not retried by a widget: the checkout failed for good.
          if (response.status < 500) break;
        } catch (error) {
          bump(clientFailures, (error as { name?: string }).name === 'TimeoutError' ? 'timeout' : 'network');
        }
        if (Date.now() > deadline) break;
        // The widget's backoff (doubling, jittered); the shopper's "try again" sends the same key.
        await sleep(Math.min(CLIENT_MAX_BACKOFF_MS, CLIENT_BACKOFF_MS * 2 ** attempt) * (0.5 + jitter() / 2));
      }
      if (sessionId === undefined) {
        checkouts.gaveUp++;
        return;
      }
      checkouts.created++;
      if (index % options.abandonEvery === options.abandonEvery - 1) {
        checkouts.abandoned++;
        return;
      }
      // The shopper on the PSP's page a moment: payments (and their webhooks) go on while the database is down.
      await sleep(SHOPPER_MIN_MS + jitter() * (SHOPPER_MAX_MS - SHOPPER_MIN_MS));
      const paid = await fetch(`${pspServer.url}/pay/${sessionId}/card`, {
        method: 'POST',
        body: new URLSearchParams({ number: '4242424242424242', expiry: '12/34', cvc: '123' }),
        redirect: 'manual',
      });
      await paid.body?.cancel();
      if (paid.status === 303) checkouts.paidAtPsp++;
      else payProblems.push(`${sessionId}: ${paid.status}`);
    }

    const load = Promise.all(
      Array.from({ length: options.checkouts }, async (_, index) => {
        await sleep((index * options.seconds * 1000) / options.checkouts);
        await checkout(index);
      }),
    );

    // The chaos: kills in turn, and one database outage, both ending with the run.
    const killLoop = (async () => {
      for (;;) {
        const [min, max] = options.killEveryMs;
        const wait = min + random() * (max - min);
        if (Date.now() + wait >= chaosEnd) break;
        await sleep(wait);
        const slot = Math.floor(random() * slots.length);
        const victim = slots[slot]!;
        chaos.kills++;
        progress(`kill ${chaos.kills}: handler ${slot} (pid ${victim.process.pid}) at ${((Date.now() - loadStarted) / 1000).toFixed(1)} s`);
        // Its address stays in the proxy's turn until the new process replaces it: 502 meanwhile.
        chaos.killed.push({ pid: victim.process.pid!, at: Date.now() });
        await victim.kill();
        await sleep(200 + random() * 600);
        const replacement = await start();
        slots[slot] = replacement;
        proxy.targets[slot] = replacement.url;
      }
    })();
    const outage = (async () => {
      const at = loadStarted + options.seconds * 1000 * (0.3 + random() * 0.2);
      await sleep(Math.max(0, at - Date.now()));
      const down = Date.now();
      chaos.dbDownFromMs = down - loadStarted;
      progress(`PostgreSQL stopping at ${(chaos.dbDownFromMs / 1000).toFixed(1)} s`);
      await postgres.halt();
      await sleep(options.dbDownMs);
      await postgres.resume();
      chaos.dbUpAtMs = Date.now() - loadStarted;
      chaos.dbDownMs = Date.now() - down;
      progress(`PostgreSQL back after ${chaos.dbDownMs} ms`);
    })();
    await Promise.all([killLoop, outage]);
    await load;
    progress(`load done: ${checkouts.created}/${checkouts.started} checkouts created, ${checkouts.paidAtPsp} paid at the PSP; draining`);

    // The drain: until no job is left in the store and the PSP has no delivery left (retries included).
    const drainStarted = Date.now();
    const statistics = new pg.Pool({ connectionString: database.url, max: 2 });
    cleanups.push(() => statistics.end());
    statistics.on('error', () => {});
    let webhooksInFlight = true;
    void psp.whenIdle().then(() => (webhooksInFlight = false));
    let pendingJobs = Number.NaN;
    for (;;) {
      pendingJobs = await statistics
        .query<{ count: string }>(`select count(*) as count from checkout_jobs where status = 'pending'`)
        .then((result) => Number(result.rows[0]!.count), () => Number.NaN);
      if (!webhooksInFlight && pendingJobs === 0) break;
      if (Date.now() > drainDeadline) break;
      await sleep(POLL_MS);
    }
    const drain = { settled: !webhooksInFlight && pendingJobs === 0, ms: Date.now() - drainStarted, pendingJobs, webhooksInFlight };
    progress(`drain ${drain.settled ? 'settled' : 'did NOT settle'} after ${drain.ms} ms`);

    // The figures: the PSP's own view of every session it made, the ledger, the hook log.
    const pspPaid = new Map<string, string>();
    for (const id of pspState.sessionIds) {
      const answer = await psp.fetch(new Request(`${pspServer.url}/v1/sessions/${id}`, { headers: { authorization: `Basic ${btoa(`${SECRET_KEY}:`)}` } }));
      const session = (await answer.json()) as { status: string; reference: string };
      if (session.status === 'complete') pspPaid.set(session.reference, id);
    }
    const orders = (
      await statistics.query<{ reference: string; status: string; session_id: string | null }>('select reference, status, session_id from checkout_orders')
    ).rows;
    const ledgerPaid = new Set(orders.filter((order) => order.status === 'paid').map((order) => order.reference));
    const lines = readHookLog(hookLog);
    const dbDown: [number, number] | undefined =
      chaos.dbDownFromMs === undefined ? undefined : [loadStarted + chaos.dbDownFromMs, loadStarted + (chaos.dbUpAtMs ?? Number.POSITIVE_INFINITY)];
    const orderPaidRuns = hookRuns(lines, 'onOrderPaid', chaos.killed, dbDown);
    const webhookRuns = hookRuns(lines, 'onWebhook', chaos.killed, dbDown);
    const runsLike = (runs: Map<string, HookRuns>, kind: HookRuns['kind']) => [...runs].filter(([, run]) => run.kind === kind).map(([id]) => id);

    const duplicates = [...pspState.sessionsByKey.values()].filter((ids) => ids.size > 1);
    const attemptOutcomes: Record<string, number> = {};
    for (const outcomes of pspState.deliveries.values()) for (const outcome of outcomes) bump(attemptOutcomes, outcome);
    const deliveredIds = [...pspState.deliveries].filter(([, outcomes]) => outcomes.some((outcome) => /^2\d\d$/.test(outcome))).map(([id]) => id);
    const handled = deliveredIds.filter((id) => webhookRuns.has(id)).length;

    const report: ChaosReport = {
      options,
      wallMs: Date.now() - started,
      checkouts,
      clientFailures,
      psp: {
        createRequests: pspState.createRequests,
        sessions: pspState.sessionIds.size,
        paid: pspPaid.size,
        keysWithDuplicates: duplicates.length,
        duplicateSessions: duplicates.reduce((sum, ids) => sum + ids.size - 1, 0),
        sessionsWithoutKey: pspState.sessionsWithoutKey,
        keysAnsweredWithTwoSessions: [...answeredSessions.values()].filter((ids) => ids.size > 1).length,
      },
      ledger: {
        orders: orders.length,
        paid: ledgerPaid.size,
        pending: orders.filter((order) => order.status === 'pending').length,
        other: orders.filter((order) => order.status !== 'paid' && order.status !== 'pending').length,
        paidNotAtPsp: [...ledgerPaid].filter((reference) => !pspPaid.has(reference)).length,
        pspPaidNotInLedger: [...pspPaid.keys()].filter((reference) => !ledgerPaid.has(reference)).length,
      },
      hooks: {
        orderPaidOnce: runsLike(orderPaidRuns, 'once').filter((reference) => ledgerPaid.has(reference)).length,
        orderPaidRerunAfterKill: runsLike(orderPaidRuns, 'rerun after kill').filter((reference) => ledgerPaid.has(reference)).length,
        orderPaidTwice: runsLike(orderPaidRuns, 'twice').length,
        orderPaidMissing: [...ledgerPaid].filter((reference) => !orderPaidRuns.has(reference)).length,
        orderPaidNotPaid: [...orderPaidRuns.keys()].filter((reference) => !ledgerPaid.has(reference)).length,
        onWebhookRerunAfterKill: runsLike(webhookRuns, 'rerun after kill').length,
        onWebhookTwice: runsLike(webhookRuns, 'twice').length,
      },
      webhooks: {
        events: pspState.deliveries.size,
        attempts: Object.values(attemptOutcomes).reduce((sum, n) => sum + n, 0),
        attemptOutcomes,
        delivered: deliveredIds.length,
        handled,
        lost: pspState.deliveries.size - handled,
      },
      chaos,
      drain,
      anomalies: anomalies({
        orders,
        pspPaid,
        orderPaidRuns,
        webhookRuns,
        deliveries: pspState.deliveries,
        eventSessions: pspState.eventSessions,
        lines,
        killed: chaos.killed,
        dbDown,
        loadStarted,
      }),
      checks: [],
    };
    report.checks = chaosChecks(report, payProblems);
    return report;
  } finally {
    for (const child of children) await child.kill();
    process.off('exit', killChildren);
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => {});
  }
}

/** How often a hook ended for one id, and whether a second run is the documented window (see `ChaosReport['hooks']`). */
interface HookRuns {
  ended: number;
  kind: 'once' | 'rerun after kill' | 'twice';
}

/**
 * A run's process counts as killed "between the return and the record" only when the store was up
 * for less than this between the two (a live handler records at once; it retries while the store is down).
 */
const RECORD_WINDOW_MS = 2_000;

function hookRuns(
  lines: HookLogLine[],
  hook: HookLogLine['hook'],
  killed: { pid: number; at: number }[],
  dbDown: [number, number] | undefined,
): Map<string, HookRuns> {
  /** Milliseconds from `from` to `to` that the database was up. */
  const storeUpMs = (from: number, to: number) =>
    to - from - (dbDown ? Math.max(0, Math.min(to, dbDown[1]) - Math.max(from, dbDown[0])) : 0);
  const byId = new Map<string, HookLogLine[]>();
  for (const line of lines) if (line.hook === hook) byId.set(line.id, [...(byId.get(line.id) ?? []), line]);
  const runs = new Map<string, HookRuns>();
  for (const [id, idLines] of byId) {
    const ends = idLines.filter((line) => line.phase === 'end').sort((a, b) => a.at - b.at);
    if (ends.length === 0) continue;
    // Each run after the first: its process's start line came after the SIGKILL of the process whose run ended before it.
    const afterKill = ends.slice(1).every((end, index) => {
      const before = ends[index]!;
      const kill = killed.find((candidate) => candidate.pid === before.pid && candidate.at >= before.at);
      const start = idLines.filter((line) => line.phase === 'start' && line.pid === end.pid && line.at <= end.at).at(-1);
      return kill !== undefined && storeUpMs(before.at, kill.at) < RECORD_WINDOW_MS && start !== undefined && start.at >= kill.at;
    });
    runs.set(id, { ended: ends.length, kind: ends.length === 1 ? 'once' : afterKill ? 'rerun after kill' : 'twice' });
  }
  return runs;
}

/** Every order where the PSP, the ledger, the hooks and the webhooks do not all agree, with what each says. */
function anomalies(seen: {
  orders: { reference: string; status: string; session_id: string | null }[];
  pspPaid: Map<string, string>;
  orderPaidRuns: Map<string, HookRuns>;
  webhookRuns: Map<string, HookRuns>;
  deliveries: Map<string, string[]>;
  eventSessions: Map<string, string>;
  lines: HookLogLine[];
  killed: { pid: number; at: number }[];
  dbDown: [number, number] | undefined;
  loadStarted: number;
}): string[] {
  const seconds = (at: number) => `${((at - seen.loadStarted) / 1000).toFixed(2)} s`;
  /** Each line of a hook's run for an id: which process, when, and whether that process was killed soon after. */
  const runsOf = (hook: HookLogLine['hook'], id: string) =>
    seen.lines
      .filter((line) => line.hook === hook && line.id === id)
      .map((line) => {
        const kill = seen.killed.find((candidate) => candidate.pid === line.pid);
        return `${line.phase} pid ${line.pid} at ${seconds(line.at)}${kill ? ` (killed at ${seconds(kill.at)})` : ''}`;
      })
      .join(', ');
  const references = new Set([...seen.orders.map((order) => order.reference), ...seen.pspPaid.keys(), ...seen.orderPaidRuns.keys()]);
  const lines: string[] = [];
  for (const reference of references) {
    const order = seen.orders.find((candidate) => candidate.reference === reference);
    const pspSession = seen.pspPaid.get(reference);
    const sessionId = pspSession ?? order?.session_id ?? undefined;
    const events = [...seen.eventSessions].filter(([, session]) => session === sessionId).map(([id]) => id);
    const run = seen.orderPaidRuns.get(reference);
    const runs = run?.ended ?? 0;
    const paidInLedger = order?.status === 'paid';
    const webhooksOk = events.every((id) => seen.webhookRuns.get(id)?.kind === 'once') && events.length === (pspSession ? 1 : 0);
    if (Boolean(pspSession) === paidInLedger && (paidInLedger ? run?.kind === 'once' : !run) && webhooksOk) continue;
    const webhookText = events
      .map((id) => `${id} [${(seen.deliveries.get(id) ?? []).join(' ')}] onWebhook ${seen.webhookRuns.get(id)?.ended ?? 0}× (${runsOf('onWebhook', id)})`)
      .join('; ');
    lines.push(
      `${reference}: PSP ${pspSession ? `complete (${pspSession})` : 'not paid'}, ledger ${order ? `${order.status} (session ${order.session_id ?? 'none'})` : 'no order'}, ` +
        `onOrderPaid ended ${runs}× (${runsOf('onOrderPaid', reference)}), webhooks: ${webhookText || 'none'}` +
        `${seen.dbDown ? `; database down ${seconds(seen.dbDown[0])}–${seconds(seen.dbDown[1])}` : ''}`,
    );
  }
  return lines;
}

/** What must hold after any chaos: nothing lost, nothing twice, and the chaos did happen. */
function chaosChecks(report: ChaosReport, payProblems: string[]): ChaosReport['checks'] {
  const { checkouts, psp, ledger, hooks, webhooks, chaos, drain, clientFailures } = report;
  const unexpected = Object.entries(clientFailures).filter(([status]) => !/^(502|503|504)\b|^network$|^timeout$/.test(status));
  return [
    {
      name: 'the chaos happened: handlers killed and the database down',
      pass: chaos.kills > 0 && chaos.dbDownMs > 0,
      detail: `${chaos.kills} kills, database down ${chaos.dbDownMs} ms`,
    },
    {
      name: 'the drain settled: no job left in the store, no webhook delivery left at the PSP',
      pass: drain.settled,
      detail: `${drain.ms} ms; pending jobs ${drain.pendingJobs}, PSP deliveries in flight: ${drain.webhooksInFlight ? 'yes' : 'no'}`,
    },
    {
      name: 'every checkout got its session (the widget retrying with its key)',
      pass: checkouts.gaveUp === 0 && checkouts.created === checkouts.started,
      detail: `${checkouts.created} of ${checkouts.started} in ${checkouts.attempts} attempts; ${checkouts.gaveUp} gave up`,
    },
    {
      name: 'clients saw only 201 or a retryable failure (502/503/504, cut connections)',
      pass: unexpected.length === 0 && payProblems.length === 0,
      detail: `${unexpected.length ? unexpected.map(([status, n]) => `${status} × ${n}`).join(', ') : 'none other'}${payProblems.length ? `; payments at the PSP failed: ${payProblems.join(', ')}` : ''}`,
    },
    {
      name: 'PSP paid = ledger paid = onOrderPaid ran, each exactly once',
      pass:
        psp.paid === checkouts.paidAtPsp &&
        ledger.paid === psp.paid &&
        ledger.paidNotAtPsp === 0 &&
        ledger.pspPaidNotInLedger === 0 &&
        hooks.orderPaidOnce + hooks.orderPaidRerunAfterKill === ledger.paid &&
        hooks.orderPaidTwice === 0 &&
        hooks.orderPaidMissing === 0 &&
        hooks.orderPaidNotPaid === 0,
      detail:
        `PSP ${psp.paid} (payments made ${checkouts.paidAtPsp}), ledger ${ledger.paid}, onOrderPaid once ${hooks.orderPaidOnce} ` +
          `(+ ${hooks.orderPaidRerunAfterKill} run again after a SIGKILL between its return and its record); ` +
        `paid in the ledger only ${ledger.paidNotAtPsp}, at the PSP only ${ledger.pspPaidNotInLedger}, hook twice ${hooks.orderPaidTwice}, ` +
        `never ${hooks.orderPaidMissing}, for an unpaid order ${hooks.orderPaidNotPaid}`,
    },
    {
      name: '0 duplicate PSP sessions per Idempotency-Key',
      pass: psp.duplicateSessions === 0 && psp.sessionsWithoutKey === 0 && psp.keysAnsweredWithTwoSessions === 0 && psp.sessions === checkouts.created,
      detail:
        `${psp.sessions} sessions for ${checkouts.created} keys (${psp.createRequests} create calls at the PSP); ` +
        `${psp.duplicateSessions} extra on ${psp.keysWithDuplicates} keys, ${psp.sessionsWithoutKey} without a key, ` +
        `${psp.keysAnsweredWithTwoSessions} keys answered with two sessions`,
    },
    {
      name: '0 lost webhooks, each handled once',
      pass: webhooks.lost === 0 && webhooks.delivered === webhooks.events && hooks.onWebhookTwice === 0 && webhooks.events === psp.paid,
      detail:
        `${webhooks.events} events for ${psp.paid} payments, ${webhooks.delivered} delivered, ${webhooks.handled} handled, ${webhooks.lost} lost, ` +
        `onWebhook twice ${hooks.onWebhookTwice} (run again after a SIGKILL between its return and its record: ${hooks.onWebhookRerunAfterKill})`,
    },
  ];
}

/** The report as Markdown: a table of the figures, then PASS/FAIL per check. */
export function formatChaosReport(report: ChaosReport): string {
  const { options, checkouts, psp, ledger, hooks, webhooks, chaos, drain } = report;
  const failures = Object.entries(report.clientFailures)
    .sort(([, a], [, b]) => b - a)
    .map(([status, n]) => `${status} × ${n}`)
    .join(', ');
  const rows: [string, string | number][] = [
    ['checkouts started / created / paid at the PSP / abandoned', `${checkouts.started} / ${checkouts.created} / ${checkouts.paidAtPsp} / ${checkouts.abandoned}`],
    ['create attempts (retries with the same key included)', checkouts.attempts],
    ['failed answers clients saw', failures || 'none'],
    ['**PSP paid**', psp.paid],
    ['**ledger paid**', ledger.paid],
    ['**onOrderPaid ran exactly once**', hooks.orderPaidOnce],
    ['onOrderPaid ran again after a SIGKILL between its return and its record (the documented window)', hooks.orderPaidRerunAfterKill],
    ['onOrderPaid ran twice otherwise / never (paid orders)', `${hooks.orderPaidTwice} / ${hooks.orderPaidMissing}`],
    ['ledger orders: paid / pending / other', `${ledger.paid} / ${ledger.pending} / ${ledger.other}`],
    ['PSP sessions / creates the PSP answered', `${psp.sessions} / ${psp.createRequests}`],
    ['**duplicate PSP sessions per Idempotency-Key**', psp.duplicateSessions],
    ['webhook events / delivered / handled (onWebhook ran)', `${webhooks.events} / ${webhooks.delivered} / ${webhooks.handled}`],
    ['webhook delivery attempts (outcomes)', `${webhooks.attempts} (${Object.entries(webhooks.attemptOutcomes).map(([outcome, n]) => `${outcome} × ${n}`).join(', ')})`],
    ['**lost webhooks**', webhooks.lost],
    ['onWebhook ran again after a SIGKILL between its return and its record / twice otherwise', `${hooks.onWebhookRerunAfterKill} / ${hooks.onWebhookTwice}`],
    ['handlers SIGKILLed (and restarted)', `${chaos.kills}${chaos.failedStarts ? ` (${chaos.failedStarts} restarts tried again)` : ''}`],
    ['PostgreSQL down', chaos.dbDownFromMs === undefined ? '–' : `${(chaos.dbDownMs / 1000).toFixed(1)} s (from ${(chaos.dbDownFromMs / 1000).toFixed(1)} s)`],
    ['drain', `${(drain.ms / 1000).toFixed(1)} s${drain.settled ? '' : ' (did not settle)'}`],
    ['wall time', `${(report.wallMs / 1000).toFixed(1)} s`],
  ];
  return [
    `Chaos soak: ${options.handlers} handler processes on one PostgreSQL behind a round-robin proxy, ${options.seconds} s of load ` +
      `(${options.checkouts} checkouts, every ${options.abandonEvery}th abandoned), a SIGKILL every ${options.killEveryMs[0] / 1000}–${options.killEveryMs[1] / 1000} s, ` +
      `PostgreSQL stopped once for ${options.dbDownMs / 1000} s; seed ${options.seed}`,
    '',
    '| figure | value |',
    '| --- | --- |',
    ...rows.map(([name, value]) => `| ${name} | ${value} |`),
    '',
    ...(report.anomalies.length ? ['Orders where something is off:', ...report.anomalies.map((line) => `- ${line}`), ''] : []),
    ...report.checks.map((check) => `${check.pass ? 'PASS' : 'FAIL'} ${check.name}: ${check.detail}`),
    '',
    report.checks.every((check) => check.pass) ? 'Chaos soak: PASS' : 'Chaos soak: FAIL',
  ].join('\n');
}
