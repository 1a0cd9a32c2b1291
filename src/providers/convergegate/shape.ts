import * as z from 'zod/mini';
import type { CheckoutSession, SessionStatus } from '../../core/protocol.js';
import { invalidSession } from '../../core/session-shapes/contract.js';
import { count, httpUrl, isObject, isoFromUnix, parseNative, text, toContractSession } from '../../core/session-shapes/native.js';
import type { SessionShape, SessionShapeContext } from '../../core/session-shapes/types.js';

/** ConvergeGate's checkout session (`POST /v1/checkout/sessions`): a hosted BLIK page at `url`. */
const convergeGateSchema = z.object({
  id: text,
  url: httpUrl,
  status: text,
  amount_total: z.nullish(count),
  currency: z.nullish(text),
  expire_at: z.nullish(count),
  livemode: z.nullish(z.boolean()),
});

/**
 * ConvergeGate's status words (lower-cased) → contract statuses, for the widget and the adapter
 * alike. Only `open` is documented; the rest follow the webhook events (session complete /
 * expire) and the Stripe-like spellings it is modelled on.
 */
export const CONVERGEGATE_STATUSES: Readonly<Record<string, SessionStatus>> = {
  open: 'open',
  complete: 'complete',
  completed: 'complete',
  paid: 'complete',
  expired: 'expired',
  canceled: 'cancelled',
  cancelled: 'cancelled',
  failed: 'failed',
  declined: 'failed',
};

function normalize(json: unknown, context: SessionShapeContext): CheckoutSession {
  const session = parseNative(convergeGateSchema, json);
  const status = CONVERGEGATE_STATUSES[session.status.toLowerCase()];
  if (!status) throw invalidSession(`session.status must be one of ${Object.keys(CONVERGEGATE_STATUSES).join(', ')}`);
  return toContractSession(
    {
      id: session.id,
      provider: 'convergegate',
      kind: 'hosted',
      status,
      url: session.url,
      amount: session.amount_total,
      currency: session.currency?.toUpperCase(),
      expires_at: isoFromUnix(session.expire_at),
      livemode: session.livemode,
    },
    context,
  );
}

/** Tried among the native shapes lowest first; see the registry (npm run providers). */
export const SHAPE_PRECEDENCE = 40;

export const convergeGateShape: SessionShape = {
  name: 'ConvergeGate checkout session { id, url, status, amount_total, expire_at }',
  // `expire_at` (not Stripe's `expires_at`) and `amount_total` without Stripe's `object` mark it.
  recognises: (json) => isObject(json) && !('object' in json) && ('expire_at' in json || 'amount_total' in json),
  normalize,
};
