/** The session JSON the backend answers (docs/protocol.md, "The session"). */
import { SESSION_KINDS } from './session-kinds.generated.js';

export { SESSION_KINDS };
/** How the widget renders a session: `hosted` is a page shown by URL, the others a provider's own renderer. */
export type SessionKind = (typeof SESSION_KINDS)[number];

/** Every status a session can have. */
export const SESSION_STATUSES = ['open', 'complete', 'expired', 'cancelled', 'failed'] as const;
/** Where the session stands; every status but `open` is final. */
export type SessionStatus = (typeof SESSION_STATUSES)[number];

/** Terminal statuses: the session will not change any more. */
export function isFinalStatus(status: SessionStatus): boolean {
  return status !== 'open';
}

/**
 * The optional `payment` field's one value: the provider reports a payment attempt on this open
 * session that is under way (3-D Secure started, a bank redirect out, a BLIK code sent, a
 * `processing`/`pending` payment). A documented extension of the contract's session (docs/protocol.md).
 */
export const PAYMENT_IN_FLIGHT = 'in_flight' as const;

/** The session is open and the provider reports a payment on it under way: another attempt could pay twice. */
export function isPaymentInFlight(session: Pick<CheckoutSession, 'status' | 'payment'> | undefined): boolean {
  return session?.status === 'open' && session.payment === PAYMENT_IN_FLIGHT;
}

/** A payment session as your endpoint returns it (docs/protocol.md): all the widget needs to show it. */
export interface CheckoutSession {
  id: string;
  /** `sandbox`, `stripe`, `reepay`, … : free text, the backend's provider name. */
  provider: string;
  kind: SessionKind;
  status: SessionStatus;
  /** The hosted page (`hosted`, `reepay`). */
  url?: string;
  /** `false`: the page refuses framing, so `embedded` and `overlay` fall back to `redirect`. */
  frameable?: boolean;
  /** `card-token` only: whose card fields make the token (`checkout.com` Frames, the `sandbox`'s double of them, or `mollie` Components). */
  token_provider?: string;
  /** `card-token` with `checkout.com` or `sandbox`: the token provider's public key (`pk_…`). */
  public_key?: string;
  /** `card-token` with `mollie`: the website profile (`pfl_…`) Mollie Components make tokens for. */
  profile_id?: string;
  /** `card-token` with `mollie`: `true` for test tokens (a `test_…` API key pays with them). */
  testmode?: boolean;
  /**
   * `card-token` with `token_provider: "sandbox"` only: the sandbox PSP's card-fields script (its
   * stand-in for checkout.com's CDN script). An addition to the contract's session.
   */
  frames_url?: string;
  /** Stripe embedded checkout only. Never written to an attribute, the URL, the console or storage. */
  client_secret?: string;
  publishable_key?: string;
  stripe_account?: string;
  /** Adyen Web Drop-in only (`kind: "adyen"`): Adyen's session `id` and `sessionData`, the client key (`test_…`/`live_…`) and environment. */
  session_id?: string;
  session_data?: string;
  client_key?: string;
  environment?: string;
  /** Minor units. */
  amount?: number;
  currency?: string;
  /** ISO 8601. */
  expires_at?: string;
  livemode?: boolean;
  /**
   * Declined attempts on this open session so far, where the provider counts them: a status read
   * then tells the page of a decline whose message never arrived (a proxy, another API origin).
   */
  failed_attempts?: number;
  /**
   * `"in_flight"` (`PAYMENT_IN_FLIGHT`) while the provider reports a payment on this open session
   * under way: the widget shows "Payment in progress" and offers no new attempt, and the backend
   * refuses another (`409 payment_in_flight`). Absent otherwise. An extension of the contract;
   * `in_flight` is its one value so far, and the widget reads any other as in flight too.
   */
  payment?: string;
}
