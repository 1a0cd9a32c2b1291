import { SESSION_KINDS } from '../providers/session-kinds.generated.js';

/** The session as the contract (section 3) defines it: what the endpoint returns. */

export { SESSION_KINDS };
/** How the widget renders a session: `hosted` is a page shown by URL, the others a provider's own renderer. */
export type SessionKind = (typeof SESSION_KINDS)[number];

export const SESSION_STATUSES = ['open', 'complete', 'expired', 'cancelled', 'failed'] as const;
/** Where the session stands; every status but `open` is final. */
export type SessionStatus = (typeof SESSION_STATUSES)[number];

/** A payment session as your endpoint returns it (contract section 3): all the widget needs to show it. */
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
  /** `card-token` only: whose card fields make the token (`checkout.com` Frames, or the `sandbox`'s double of them). */
  token_provider?: string;
  /** `card-token` only: the token provider's public key (checkout.com `pk_…`). */
  public_key?: string;
  /**
   * `card-token` with `token_provider: "sandbox"` only: the sandbox PSP's card-fields script (its
   * stand-in for checkout.com's CDN script). An addition to contract section 3.
   */
  frames_url?: string;
  /** Stripe embedded checkout only. Never written to an attribute, the URL, the console or storage. */
  client_secret?: string;
  publishable_key?: string;
  stripe_account?: string;
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
}

/** Where the widget is. */
export const WIDGET_STATES = [
  'idle',
  'loading',
  'ready',
  'processing',
  'complete',
  'cancelled',
  'expired',
  'error',
] as const;
/** The widget's state: what its `state` attribute reflects and `checkout-status` reports. */
export type WidgetState = (typeof WIDGET_STATES)[number];

export const DISPLAY_MODES = ['embedded', 'overlay', 'popup', 'redirect'] as const;
/** How the widget shows a hosted page: its `mode` attribute. */
export type DisplayMode = (typeof DISPLAY_MODES)[number];

/** Terminal statuses: the session will not change any more. */
export function isFinalStatus(status: SessionStatus): boolean {
  return status !== 'open';
}
