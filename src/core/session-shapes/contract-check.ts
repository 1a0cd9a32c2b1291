import { CheckoutError } from '../errors.js';
import { SESSION_KINDS, SESSION_STATUSES, type CheckoutSession } from '../protocol.js';
import type { SessionShapeContext } from './types.js';

/**
 * The session (docs/protocol.md) checked by hand, in the core: a well-formed answer needs no
 * validators chunk (zod and the provider-native shapes, ~8.5 KB gzip) on the way to the frame.
 * Hand-written because zod/mini's contract schema alone is most of that chunk. It answers only
 * "valid, here it is" or "not sure" (`undefined`): anything else goes to the full parser, whose
 * errors name the field (it never refuses itself). A property test holds it to the zod schema's
 * verdict and output.
 */

export function invalidSession(message: string): CheckoutError {
  return new CheckoutError('invalid_session', message);
}

export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

type FieldCheck = (value: unknown) => boolean;

const isString = (value: unknown): value is string => typeof value === 'string';
const nonEmpty: FieldCheck = (value) => isString(value) && value.length > 0;
const url: FieldCheck = (value) => isString(value) && isHttpUrl(value);
const boolean: FieldCheck = (value) => typeof value === 'boolean';
const publicKey: FieldCheck = (value) => isString(value) && value.startsWith('pk_');
/** Adyen Web's environments (the script's host is built from one); its client keys are `test_…`/`live_…`. */
export const ADYEN_ENVIRONMENTS = ['test', 'live', 'live-us', 'live-au', 'live-apse', 'live-in', 'live-nea'] as const;
export const isAdyenClientKey = (value: string): boolean => /^(test|live)_/.test(value);
const wholeCount: FieldCheck = (value) => Number.isSafeInteger(value) && (value as number) >= 0;

/** The optional fields and what each must be when present (null counts as absent). */
const OPTIONAL_FIELDS: Record<string, FieldCheck> = {
  url,
  frameable: boolean,
  token_provider: (value) => value === 'checkout.com' || value === 'sandbox' || value === 'mollie',
  public_key: publicKey,
  profile_id: (value) => isString(value) && value.startsWith('pfl_'),
  testmode: boolean,
  frames_url: url,
  client_secret: nonEmpty,
  publishable_key: publicKey,
  stripe_account: nonEmpty,
  session_id: nonEmpty,
  session_data: nonEmpty,
  client_key: (value) => isString(value) && isAdyenClientKey(value),
  environment: (value) => (ADYEN_ENVIRONMENTS as readonly unknown[]).includes(value),
  amount: wholeCount,
  currency: nonEmpty,
  expires_at: (value) => isString(value) && !Number.isNaN(Date.parse(value)),
  livemode: boolean,
  failed_attempts: wholeCount,
  // `in_flight` is the one value defined; another (a later version's) is not refused.
  payment: nonEmpty,
};

/** The contract session when every field is well formed, else undefined (the full parser decides). */
export function acceptContractSession(json: unknown, context: SessionShapeContext = {}): CheckoutSession | undefined {
  // The same dispatch as parseSession: an object with a `kind` is judged as a contract session.
  if (typeof json !== 'object' || json === null || Array.isArray(json) || !('kind' in json)) return undefined;
  const { id, provider, kind, status } = json as Record<string, unknown>;
  if (!nonEmpty(id) || !nonEmpty(provider)) return undefined;
  if (!(SESSION_KINDS as readonly unknown[]).includes(kind) || !(SESSION_STATUSES as readonly unknown[]).includes(status)) return undefined;
  const session = { id, provider, kind, status } as CheckoutSession;
  for (const [field, check] of Object.entries(OPTIONAL_FIELDS)) {
    const value = (json as Record<string, unknown>)[field];
    if (value === null || value === undefined) continue;
    if (!check(value)) return undefined;
    (session as unknown as Record<string, unknown>)[field] = value;
  }
  return meetsKind(session, context);
}

/**
 * What rendering an open session of its kind needs is there, or "not sure": the full parser's
 * `requireForKind` (contract.ts, in the validators chunk) then names what is missing, so the
 * core carries none of those errors. A finished session needs nothing.
 */
function meetsKind(session: CheckoutSession, context: SessionShapeContext): CheckoutSession | undefined {
  if (session.status !== 'open') return session;
  const { kind, token_provider: tokenProvider } = session;
  // Stripe's key may come from the element's attribute instead.
  if (kind === 'stripe-embedded' && !session.publishable_key && session.client_secret) {
    if (!context.publishableKey?.startsWith('pk_')) return undefined;
    session.publishable_key = context.publishableKey;
  }
  // The sandbox's card fields come from its own PSP; checkout.com's always from checkout.com.
  if (kind === 'card-token' && tokenProvider === 'sandbox' && !session.frames_url) return undefined;
  return requiredFields(kind, tokenProvider).every((field) => session[field]) ? session : undefined;
}

/** The fields an open session of `kind` needs, in the order they are reported. */
export function requiredFields(kind: CheckoutSession['kind'], tokenProvider: string | undefined): (keyof CheckoutSession)[] {
  switch (kind) {
    case 'hosted':
    case 'reepay':
      return ['url'];
    case 'card-token':
      // Mollie Components make tokens for a website profile; Frames (and the sandbox's double) for a public key.
      return ['token_provider', tokenProvider === 'mollie' ? 'profile_id' : 'public_key'];
    case 'adyen':
      return ['session_id', 'session_data', 'client_key', 'environment'];
    case 'stripe-embedded':
      return ['client_secret'];
  }
  return [];
}
