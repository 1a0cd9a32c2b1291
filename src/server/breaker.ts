/**
 * The providers' circuit breakers (docs/protocol.md, "Methods, routing and failover"), kept in the
 * store so every handler on it sees one state per provider: `closed` (every request goes), `open`
 * (skipped until the cool-down ends), `half-open` (one request probes; the others skip it). Each
 * move is a compare-and-set on the row's version, so of two handlers that saw one state only one
 * moves it (and logs the move).
 */
import type { Log } from './log.js';
import type { BreakerStore, ProviderBreaker } from './store/types.js';

/** When a provider's breaker opens and for how long (`createCheckoutHandler({ breaker })`). */
export interface BreakerPolicy {
  /** Failures (of the kinds another provider could fix, or whose outcome is unknown) that open it. Default 5. */
  failures?: number;
  /** … counted within this window, ms. Default 30 000. */
  windowMs?: number;
  /** How long it stays open before one request probes, ms. Default 30 000. */
  coolDownMs?: number;
}

/**
 * One provider's breaker as `handler.providers.health()` and `GET {base}/health` report it: the
 * state stored on the store. A breaker moves only on requests (no timer), so an `open` one whose
 * cool-down is over still reads `open`, with `retryAfterSeconds: 0`, until the next create probes it.
 */
export interface ProviderHealth {
  state: ProviderBreaker['state'];
  /** Failures counted in the current window (0 once the window has passed). */
  failures: number;
  /** ISO 8601: while `open` or `half-open`, when it (last) opened. */
  openedAt?: string;
  /** ISO 8601: while `open`, when one request will probe it. */
  openedUntil?: string;
  /** While `open`: whole seconds until one request may probe it; 0 once the next create will. */
  retryAfterSeconds?: number;
}

/** `handler.providers`: the configured providers' breakers. */
export interface ProviderBreakers {
  /** Every configured provider's breaker, by provider name, read from the store. */
  health(): Promise<Record<string, ProviderHealth>>;
}

/** What `admit` decided: go (`pass`, or `probe` as the half-open breaker's one request), or `skip`. */
export type Admission = 'pass' | 'probe' | 'skip';

const DEFAULTS = { failures: 5, windowMs: 30_000, coolDownMs: 30_000 } as const;
/** A compare-and-set lost to another handler is read and decided again, this many times. */
const MAX_RACES = 5;

export function breakerPolicy(policy: BreakerPolicy | undefined): Required<BreakerPolicy> {
  const resolved = { ...DEFAULTS, ...policy };
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isSafeInteger(value) || value < 1) throw new TypeError(`breaker.${name} must be a whole number of at least 1 (got ${String(value)})`);
  }
  return resolved;
}

interface BreakerDeps {
  store: BreakerStore;
  now: () => number;
  /** The handler's log. */
  log: Log;
  policy: Required<BreakerPolicy>;
  /** How long a probe holds a half-open breaker: longer than the provider call it makes. */
  probeLeaseMs: number;
}

export class Breakers {
  readonly #deps: BreakerDeps;

  constructor(deps: BreakerDeps) {
    this.#deps = deps;
  }

  /** Whether a create may go to `provider` now; a half-open breaker lets one probe through. */
  async admit(provider: string): Promise<Admission> {
    let admission: Admission = 'pass';
    await this.#move(provider, (row, now) => {
      admission = 'pass';
      if (!row || row.state === 'closed') return undefined;
      const until = row.state === 'open' ? row.openedUntil : row.probeUntil;
      if (now < until) {
        admission = 'skip';
        return undefined;
      }
      // The cool-down is over (or the last probe never reported): this request probes.
      admission = 'probe';
      return { ...row, state: 'half-open', probeUntil: now + this.#deps.probeLeaseMs };
    });
    return admission;
  }

  /** A create at `provider` failed in a way that counts (`failover` or `unknown`). */
  failed(provider: string): Promise<void> {
    const { failures: threshold, windowMs, coolDownMs } = this.#deps.policy;
    return this.#move(provider, (row, now) => {
      const current = row ?? closedRow(provider, now);
      if (current.state === 'open') return undefined;
      // A half-open breaker's count goes on (its probe failed); a closed one's starts again after the window.
      const inWindow = current.state === 'half-open' || now - current.windowStart < windowMs;
      const failures = inWindow ? current.failures + 1 : 1;
      const windowStart = inWindow ? current.windowStart : now;
      // A failed probe opens it again at once; a closed one opens at the threshold.
      if (current.state === 'half-open' || failures >= threshold) {
        return { ...current, state: 'open', failures, windowStart, openedUntil: now + coolDownMs, probeUntil: 0 };
      }
      return { ...current, failures, windowStart };
    });
  }

  /** The probe of a half-open breaker got an answer: the provider is back. */
  recovered(provider: string): Promise<void> {
    return this.#move(provider, (row, now) => (row?.state === 'half-open' ? closedRow(provider, now) : undefined));
  }

  async health(providers: readonly string[]): Promise<Record<string, ProviderHealth>> {
    const { store, now, policy } = this.#deps;
    const rows = await Promise.all(providers.map((provider) => store.getProviderBreaker(provider)));
    const at = now();
    return Object.fromEntries(
      providers.map((provider, index) => {
        const row = rows[index] ?? closedRow(provider, at);
        const failures = row.state === 'closed' && at - row.windowStart >= policy.windowMs ? 0 : row.failures;
        const report: ProviderHealth = { state: row.state, failures };
        // The row keeps when the cool-down ends; it began `coolDownMs` before (a probe keeps that end).
        if (row.state !== 'closed') report.openedAt = new Date(row.openedUntil - policy.coolDownMs).toISOString();
        if (row.state === 'open') {
          report.openedUntil = new Date(row.openedUntil).toISOString();
          report.retryAfterSeconds = Math.max(0, Math.ceil((row.openedUntil - at) / 1000));
        }
        return [provider, report];
      }),
    );
  }

  /** Seconds until the first of these skipped providers lets a probe through (at least 1). */
  async retryAfterSeconds(providers: readonly string[]): Promise<number> {
    const { store, now } = this.#deps;
    const rows = await Promise.all(providers.map((provider) => store.getProviderBreaker(provider)));
    const ends = rows.flatMap((row) => (row ? [row.state === 'open' ? row.openedUntil : row.probeUntil] : []));
    const at = now();
    return Math.max(1, Math.ceil(((ends.length > 0 ? Math.min(...ends) : at) - at) / 1000));
  }

  /** Reads the row, decides the next (undefined: no write), and writes it by compare-and-set; a lost race decides again. */
  async #move(provider: string, decide: (row: ProviderBreaker | undefined, now: number) => ProviderBreaker | undefined): Promise<void> {
    const { store, now } = this.#deps;
    for (let race = 0; race < MAX_RACES; race++) {
      const row = await store.getProviderBreaker(provider);
      const next = decide(row, now());
      if (!next) return;
      const version = row?.version ?? 0;
      if (await store.putProviderBreaker({ ...next, version: version + 1 }, version)) {
        if (next.state !== (row?.state ?? 'closed')) this.#log(next);
        return;
      }
    }
    // Other handlers keep moving it: theirs stands; this one's count is lost, which a breaker can afford.
  }

  #log(row: ProviderBreaker): void {
    const { log, policy } = this.#deps;
    const fields = { provider: row.provider, state: row.state };
    if (row.state === 'open') {
      const until = new Date(row.openedUntil).toISOString();
      log.warn(
        'breaker.opened',
        `provider "${row.provider}" breaker OPEN (${row.failures} failures within ${policy.windowMs / 1000} s): skipped until ${until}, then one request probes it`,
        { ...fields, failures: row.failures, until },
      );
    } else if (row.state === 'half-open') {
      log.warn('breaker.half_open', `provider "${row.provider}" breaker HALF-OPEN: one request probes it`, fields);
    } else {
      log.info('breaker.closed', `provider "${row.provider}" breaker CLOSED: the probe got an answer; it takes requests again`, fields);
    }
  }
}

function closedRow(provider: string, now: number): ProviderBreaker {
  return { provider, state: 'closed', failures: 0, windowStart: now, openedUntil: 0, probeUntil: 0, version: 0 };
}
