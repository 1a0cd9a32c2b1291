import type { HandlerConfig } from './options.js';
import { STORE_TIMES } from './store/rules.js';
import type { IdempotencyClaim, Order } from './store/types.js';
import { sleep } from './timers.js';
import { sha256 } from './web-crypto.js';

export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;
/** How long a waiting retry polls for another caller's create with the same key. */
const IDEMPOTENCY_POLL_MS = 50;
const MAX_IDEMPOTENCY_POLL_MS = 500;

/** Keys of the create route and of `handler.charge` live in their own namespaces: a browser's key can never claim a charge's. */
export const createKey = (idempotencyKey: string) => `create:${idempotencyKey}`;
export const chargeKey = (idempotencyKey: string) => `charge:${idempotencyKey}`;
/** One payment attempt per card-token session at a time, across every handler on the store. */
export const tokenKey = (sessionId: string) => `token:${sessionId}`;

/** What makes a create request the same request: its body and, with a `shopper` hook, the shopper. */
export function createRequestHash(rawBody: string, shopperCustomer: unknown): string {
  // Another shopper's retry of this key is a conflict, never their session.
  return sha256(shopperCustomer ? `${rawBody}\u0000${JSON.stringify(shopperCustomer)}` : rawBody);
}

export function chargeRequestHash(parts: readonly unknown[]): string {
  return sha256(JSON.stringify(parts));
}

/**
 * The first caller of a key creates; the others (any instance) wait for its answer, or take over
 * with the same order reference when its lease runs out (it died mid-create).
 */
export class IdempotencyClaims {
  readonly #config: Pick<HandlerConfig, 'store' | 'now' | 'instanceId'>;
  readonly #leaseMs: number;
  #counter = 0;

  constructor(config: Pick<HandlerConfig, 'store' | 'now' | 'instanceId' | 'providerTimeoutMs'>) {
    this.#config = config;
    // Longer than the provider call it guards, so a live create is not taken over (and if it were,
    // the provider's idempotency key would still make it one session).
    this.#leaseMs = config.providerTimeoutMs + STORE_TIMES.claimLeaseBeyondProviderMs;
  }

  /** A claim owner unique across every handler on the store. */
  newOwner(): string {
    return `${this.#config.instanceId}:${++this.#counter}`;
  }

  /**
   * Claims `key` once, without waiting: `busy` while another caller (any instance) holds it, until
   * its lease runs out (it died). No order goes in: the key guards an order that exists.
   */
  tryClaim(key: string, bodyHash: string, reference: string, owner: string): Promise<IdempotencyClaim> {
    const { store, now } = this.#config;
    return store.claimIdempotencyKey({ key, bodyHash, reference, owner, leaseUntil: now() + this.#leaseMs, now: now() });
  }

  /** Claims `key`, waiting while another caller (any instance) holds it. */
  async claim(key: string, bodyHash: string, order: Order, owner: string): Promise<Exclude<IdempotencyClaim, { outcome: 'busy' }>> {
    const { store, now } = this.#config;
    for (let wait = IDEMPOTENCY_POLL_MS; ; wait = Math.min(MAX_IDEMPOTENCY_POLL_MS, wait * 1.5)) {
      // The order goes in with the claim (one transaction): written before the provider is called.
      const claim = await store.claimIdempotencyKey({ key, bodyHash, reference: order.reference, order, owner, leaseUntil: now() + this.#leaseMs, now: now() });
      if (claim.outcome !== 'busy') return claim;
      // Jittered, so many waiting retries do not ask the store in step.
      await sleep(wait * (0.5 + Math.random()));
    }
  }
}
