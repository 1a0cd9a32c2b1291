/** The records the sandbox PSP keeps: sessions, tokens, saved cards, charges, idempotency keys. */
import { randomBytes } from 'node:crypto';
import type { PayMethod, SandboxLine } from '../page.js';

export type SandboxStatus = 'open' | 'complete' | 'cancelled' | 'expired';

/** How a saved card answers later charges. */
export type ChargeBehaviour = 'succeeds' | 'declines';

/** A card as a saved payment method will know it. */
export interface CardOnFile {
  last4: string;
  behaviour: ChargeBehaviour;
}

export interface PspSession {
  id: string;
  /** Minor units; 0 for a recurring session that only saves the card. */
  amount: number;
  currency: string;
  lines: SandboxLine[];
  reference: string;
  acceptUrl: string;
  cancelUrl: string;
  notificationUrl?: string;
  locale?: string;
  publicUrl: string;
  createdAt: number;
  expiresAt: number;
  status: SandboxStatus;
  paymentMethod?: PayMethod;
  /** A 3-D Secure card waits for the shopper's answer. */
  awaitingChallenge: boolean;
  /** Declined attempts so far (the session stays open for another try). */
  failedAttempts: number;
  /** Save the card for later charges (needs `customer`). */
  recurring: boolean;
  /** The shop's customer handle. */
  customer?: string;
  /** The payment method saved when a recurring session completed with a card. */
  savedPaymentMethodId?: string;
  /** The card waiting on 3-D Secure: how it would answer later charges once saved. */
  challengeCard?: CardOnFile;
  /** Paid with a card token from the PSP's card frame (`POST /v1/sessions/:id/pay`), not on the hosted page. */
  cardToken: boolean;
  /**
   * Drop-in sessions (Adyen Web-like, paid by the PSP's Drop-in double on the shop page): the
   * opaque `session_data` its payments call must bring back.
   */
  sessionData?: string;
}

/** A card the card frame tokenized (`POST /v1/tokens`): used once, by one session's payment. */
export interface PspToken {
  id: string;
  /** The test card, for the outcome of the payment. */
  number: string;
  createdAt: number;
  used: boolean;
}

export type ChargeStatus = 'succeeded' | 'failed';

/** A charge of a saved card (`POST /v1/charges`). */
export interface PspCharge {
  id: string;
  status: ChargeStatus;
  amount: number;
  currency: string;
  reference: string;
  paymentMethod: string;
  lines: SandboxLine[];
  failureReason?: string;
  notificationUrl?: string;
  createdAt: number;
}

/** A card saved by a recurring session, bound to its customer. */
export interface PspPaymentMethod extends CardOnFile {
  id: string;
  customer: string;
  /** The session that saved it. */
  sessionId: string;
  createdAt: number;
}

/** What an `Idempotency-Key` was first used for. */
export interface IdempotencyEntry {
  id: string;
  bodyHash: string;
}

/** Everything the PSP remembers, as the state file holds it. */
export interface PspRecords {
  sessions: PspSession[];
  idempotency: [string, IdempotencyEntry][];
  payment_methods: PspPaymentMethod[];
  charges: PspCharge[];
  tokens: PspToken[];
}

export const SESSION_ID_PATTERN = /^sbx_[a-f0-9]{24}$/;
export const PAYMENT_METHOD_ID_PATTERN = /^pm_[a-f0-9]{24}$/;
export const CHARGE_ID_PATTERN = /^ch_[a-f0-9]{24}$/;
export const TOKEN_ID_PATTERN = /^tok_sbx_[a-f0-9]{24}$/;

/** A new random id with its kind's prefix (`sbx_`, `pm_`, `ch_`, `tok_sbx_`, `evt_`), as the patterns above expect. */
export function newId(prefix: string): string {
  return `${prefix}${randomBytes(12).toString('hex')}`;
}
