/** The sandbox's in-memory model and its transitions; every change is handed on to be saved. */
import type { PayMethod, SandboxLine } from '../page.js';
import { SANDBOX_DECLINE_REASON } from './cards.js';
import {
  CHARGE_ID_PATTERN,
  newId,
  PAYMENT_METHOD_ID_PATTERN,
  SESSION_ID_PATTERN,
  TOKEN_ID_PATTERN,
  type CardOnFile,
  type IdempotencyEntry,
  type PspCharge,
  type PspPaymentMethod,
  type PspRecords,
  type PspSession,
  type PspToken,
} from './model.js';
import type { WebhookPlan, WebhookSubject } from './webhooks.js';

const MAX_RECORDS = 10_000;
/** Sessions are kept a day past expiry so late reads still answer. */
const KEEP_EXPIRED_MS = 24 * 60 * 60 * 1000;

export interface PspStateHooks {
  now: () => number;
  /** After every change (to persist `records()`). */
  changed: () => void;
  /** A webhook for the shop, to the object's notification URL if it has one. */
  notify: (about: WebhookSubject, target: string | undefined, type: string, plan?: WebhookPlan) => void;
}

/** An `Idempotency-Key` and the hash of the body it came with. */
export interface IdempotencyClaim {
  key: string;
  bodyHash: string;
}

/** What a charge of a saved card asks for. */
export interface ChargeRequest {
  amount: number;
  currency: string;
  reference: string;
  lines: SandboxLine[];
  notificationUrl?: string;
}

export class PspState {
  private readonly sessions = new Map<string, PspSession>();
  private readonly idempotent = new Map<string, IdempotencyEntry>();
  private readonly paymentMethods = new Map<string, PspPaymentMethod>();
  private readonly charges = new Map<string, PspCharge>();
  private readonly tokens = new Map<string, PspToken>();

  constructor(
    private readonly hooks: PspStateHooks,
    stored?: PspRecords,
  ) {
    for (const session of stored?.sessions ?? []) this.sessions.set(session.id, session);
    for (const [key, entry] of stored?.idempotency ?? []) this.idempotent.set(key, entry);
    for (const method of stored?.payment_methods ?? []) this.paymentMethods.set(method.id, method);
    for (const charge of stored?.charges ?? []) this.charges.set(charge.id, charge);
    for (const token of stored?.tokens ?? []) this.tokens.set(token.id, token);
  }

  now(): number {
    return this.hooks.now();
  }

  /** A session with its status brought up to date with the clock. */
  session(id: string): PspSession | undefined {
    const session = SESSION_ID_PATTERN.test(id) ? this.sessions.get(id) : undefined;
    if (session && session.status === 'open' && this.now() >= session.expiresAt) {
      session.status = 'expired';
      session.awaitingChallenge = false;
      delete session.challengeCard;
    }
    return session;
  }

  charge(id: string): PspCharge | undefined {
    return CHARGE_ID_PATTERN.test(id) ? this.charges.get(id) : undefined;
  }

  paymentMethod(id: string): PspPaymentMethod | undefined {
    return PAYMENT_METHOD_ID_PATTERN.test(id) ? this.paymentMethods.get(id) : undefined;
  }

  token(id: string): PspToken | undefined {
    return TOKEN_ID_PATTERN.test(id) ? this.tokens.get(id) : undefined;
  }

  /** What the key was first used for, if it was. */
  idempotencyEntry(key: string): IdempotencyEntry | undefined {
    return this.idempotent.get(key);
  }

  addSession(session: PspSession, claim?: IdempotencyClaim): void {
    this.forget();
    this.sessions.set(session.id, session);
    if (claim) this.idempotent.set(claim.key, { id: session.id, bodyHash: claim.bodyHash });
    this.save();
  }

  addToken(number: string): PspToken {
    this.forget();
    const token: PspToken = { id: newId('tok_sbx_'), number, createdAt: this.now(), used: false };
    this.tokens.set(token.id, token);
    this.save();
    return token;
  }

  /** Charges a saved card: it succeeds or fails as the card was saved to, and the shop is told. */
  chargeSavedCard(method: PspPaymentMethod, request: ChargeRequest, claim?: IdempotencyClaim): PspCharge {
    this.forget();
    const declined = method.behaviour === 'declines';
    const charge: PspCharge = {
      id: newId('ch_'),
      status: declined ? 'failed' : 'succeeded',
      amount: request.amount,
      currency: request.currency,
      reference: request.reference,
      paymentMethod: method.id,
      lines: request.lines,
      ...(declined && { failureReason: SANDBOX_DECLINE_REASON }),
      ...(request.notificationUrl && { notificationUrl: request.notificationUrl }),
      createdAt: this.now(),
    };
    this.charges.set(charge.id, charge);
    if (claim) this.idempotent.set(claim.key, { id: charge.id, bodyHash: claim.bodyHash });
    this.save();
    this.hooks.notify({ charge: charge.id }, charge.notificationUrl, declined ? 'charge.failed' : 'charge.succeeded');
    return charge;
  }

  /** A declined attempt, counted where status reads see it; the session stays open for another try. */
  decline(session: PspSession): void {
    session.failedAttempts += 1;
    this.save();
  }

  /** A 3-D Secure card: the session waits for the shopper's answer. */
  awaitChallenge(session: PspSession, last4: string): void {
    session.awaitingChallenge = true;
    session.challengeCard = { last4, behaviour: 'succeeds' };
    this.save();
  }

  /** A failed 3-D Secure answer: a declined attempt, the session open for another card. */
  failChallenge(session: PspSession): void {
    session.awaitingChallenge = false;
    delete session.challengeCard;
    this.decline(session);
  }

  /** Uses a token up, one payment per token (saved with that payment's outcome, which follows at once). */
  spendToken(token: PspToken): void {
    token.used = true;
  }

  /**
   * Completes the session; a recurring one saves the card it was paid with for its customer.
   * `webhook`: how its webhook goes out (the test helpers drop, delay or duplicate it).
   */
  complete(session: PspSession, method: PayMethod, card?: CardOnFile, webhook?: WebhookPlan): void {
    session.status = 'complete';
    session.paymentMethod = method;
    session.awaitingChallenge = false;
    delete session.challengeCard;
    if (session.recurring && session.customer && card) {
      const saved: PspPaymentMethod = {
        id: newId('pm_'),
        customer: session.customer,
        sessionId: session.id,
        last4: card.last4,
        behaviour: card.behaviour,
        createdAt: this.now(),
      };
      this.paymentMethods.set(saved.id, saved);
      session.savedPaymentMethodId = saved.id;
    }
    this.save();
    this.hooks.notify({ session: session.id }, session.notificationUrl, 'session.completed', webhook);
  }

  /** Expires an open session now (the test helpers); a PSP sends no webhook for an expiry. */
  expire(session: PspSession): void {
    session.expiresAt = Math.min(session.expiresAt, this.now());
    session.status = 'expired';
    session.awaitingChallenge = false;
    delete session.challengeCard;
    this.save();
  }

  cancel(session: PspSession, webhook?: WebhookPlan): void {
    session.status = 'cancelled';
    session.awaitingChallenge = false;
    delete session.challengeCard;
    this.save();
    this.hooks.notify({ session: session.id }, session.notificationUrl, 'session.cancelled', webhook);
  }

  /** Everything the state holds, as the state file keeps it. */
  records(): PspRecords {
    return {
      sessions: [...this.sessions.values()],
      idempotency: [...this.idempotent],
      payment_methods: [...this.paymentMethods.values()],
      charges: [...this.charges.values()],
      tokens: [...this.tokens.values()],
    };
  }

  private save(): void {
    this.hooks.changed();
  }

  private forget(): void {
    // Sessions are dropped a while past expiry, oldest first; and never more than MAX_RECORDS.
    const cutoff = this.now() - KEEP_EXPIRED_MS;
    for (const [id, session] of this.sessions) {
      if (this.sessions.size > MAX_RECORDS || session.expiresAt < cutoff) {
        this.sessions.delete(id);
        continue;
      }
      break;
    }
    dropOldest(this.idempotent);
    // Saved cards outlive their sessions; only a runaway sandbox drops the oldest.
    dropOldest(this.paymentMethods);
    dropOldest(this.charges);
    dropOldest(this.tokens);
  }
}

/** Keeps a map (in insertion order) to MAX_RECORDS entries, the oldest going first. */
function dropOldest(records: Map<string, unknown>): void {
  while (records.size > MAX_RECORDS) records.delete(records.keys().next().value!);
}
