import * as z from 'zod/mini';
import { SESSION_KINDS, SESSION_STATUSES, type CheckoutSession } from '../protocol.js';
import { ADYEN_ENVIRONMENTS, invalidSession, isAdyenClientKey, isHttpUrl, requiredFields } from './contract-check.js';
import type { SessionShape, SessionShapeContext } from './types.js';

export { invalidSession };

const nonEmptyString = z.string().check(z.minLength(1));

/** Backends often write `null` for an absent field; treat it as absent. */
const optional = <T extends z.core.SomeType>(schema: T) => z.nullish(schema);

const httpUrl = z.string().check(z.refine(isHttpUrl, 'must be an absolute http(s) URL'));
// A secret key here would be a leak: only public (publishable) keys may reach the browser.
const publicKey = (name: string) => z.string().check(z.refine((key) => key.startsWith('pk_'), `must be a ${name} key (pk_…)`));

/** The session (docs/protocol.md). Unknown fields are dropped, so they never reach a renderer. */
export const contractSessionSchema = z.object({
  id: nonEmptyString,
  provider: nonEmptyString,
  kind: z.enum(SESSION_KINDS),
  status: z.enum(SESSION_STATUSES),
  url: optional(httpUrl),
  frameable: optional(z.boolean()),
  token_provider: optional(z.enum(['checkout.com', 'sandbox', 'mollie'])),
  public_key: optional(publicKey('public')),
  profile_id: optional(z.string().check(z.refine((id) => id.startsWith('pfl_'), 'must be a Mollie profile id (pfl_…)'))),
  testmode: optional(z.boolean()),
  frames_url: optional(httpUrl),
  client_secret: optional(nonEmptyString),
  publishable_key: optional(publicKey('publishable')),
  stripe_account: optional(nonEmptyString),
  session_id: optional(nonEmptyString),
  session_data: optional(nonEmptyString),
  client_key: optional(z.string().check(z.refine(isAdyenClientKey, 'must be an Adyen client key (test_… or live_…)'))),
  environment: optional(z.enum(ADYEN_ENVIRONMENTS)),
  amount: optional(z.number().check(z.refine(Number.isSafeInteger, 'must be an integer (minor units)'), z.nonnegative())),
  currency: optional(nonEmptyString),
  expires_at: optional(z.string().check(z.refine((text) => !Number.isNaN(Date.parse(text)), 'must be an ISO 8601 date-time'))),
  livemode: optional(z.boolean()),
  failed_attempts: optional(z.number().check(z.refine(Number.isSafeInteger, 'must be a whole number'), z.nonnegative())),
  payment: optional(nonEmptyString),
});

type Issue = z.core.$ZodIssue;

function describeExpected(issue: Issue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.expected === 'object' ? 'an object' : `a ${issue.expected}`;
    case 'invalid_value':
      return `one of ${issue.values.map(String).join(', ')}`;
    default:
      return 'valid';
  }
}

function valueAt(json: unknown, path: readonly PropertyKey[]): unknown {
  let value: unknown = json;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** One sentence per issue, naming the field: "session.kind must be one of hosted, …". */
export function describeIssue(issue: Issue, json: unknown, root = 'session'): string {
  const field = [root, ...issue.path.map(String)].join('.');
  if (issue.path.length > 0 && valueAt(json, issue.path) === undefined) {
    return `${field} is required`;
  }
  switch (issue.code) {
    case 'invalid_type':
    case 'invalid_value':
      return `${field} must be ${describeExpected(issue)}`;
    case 'too_small':
      return issue.origin === 'string' ? `${field} must not be empty` : `${field} must be at least ${String(issue.minimum)}`;
    case 'custom':
      return `${field} ${issue.message}`;
    default:
      return `${field} is invalid`;
  }
}

function normalizeContractSession(json: unknown, context: SessionShapeContext): CheckoutSession {
  const result = contractSessionSchema.safeParse(json);
  if (!result.success) {
    const first = result.error.issues[0];
    throw invalidSession(first ? describeIssue(first, json) : 'session is invalid');
  }
  const session: CheckoutSession = { id: result.data.id, provider: result.data.provider, kind: result.data.kind, status: result.data.status };
  for (const [key, value] of Object.entries(result.data)) {
    if (value !== null && value !== undefined) (session as unknown as Record<string, unknown>)[key] = value;
  }
  return requireForKind(session, context);
}

/** The session (docs/protocol.md): the first shape tried, and the one whose errors are reported. */
export const contractShape: SessionShape = {
  name: 'contract',
  recognises: (json) => typeof json === 'object' && json !== null && 'kind' in json,
  normalize: normalizeContractSession,
};

/**
 * What rendering an open session of each kind needs, on a session whose fields are well formed.
 * A finished session shows no provider UI
 * (Stripe drops a completed session's url and secret), so nothing is required of it.
 */
export function requireForKind(session: CheckoutSession, context: SessionShapeContext): CheckoutSession {
  if (session.status !== 'open') return session;
  const { kind, token_provider: tokenProvider } = session;
  // Stripe's key may come from the element's attribute instead.
  if (kind === 'stripe-embedded' && !session.publishable_key && session.client_secret) {
    const key = context.publishableKey;
    if (!key) throw invalidSession('session.publishable_key is required for kind stripe-embedded (or set the publishable-key attribute)');
    if (!key.startsWith('pk_')) throw invalidSession('publishable-key attribute must be a publishable key (pk_…)');
    session.publishable_key = key;
  }
  for (const field of requiredFields(kind, tokenProvider)) {
    if (!session[field]) throw invalidSession(`session.${field} is required for kind ${kind}`);
  }
  // The sandbox's card fields come from its own PSP; checkout.com's always from checkout.com.
  if (kind === 'card-token' && tokenProvider === 'sandbox' && !session.frames_url) {
    throw invalidSession('session.frames_url is required for token_provider sandbox');
  }
  return session;
}
