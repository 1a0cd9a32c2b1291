import * as z from 'zod/mini';
import type { CheckoutSession, SessionStatus } from '../../core/protocol.js';
import { httpUrl, isObject, parseNative, text, toContractSession } from '../../core/session-shapes/native.js';
import type { SessionShape, SessionShapeContext } from '../../core/session-shapes/types.js';

/**
 * A Commerce Layer `checkout_com_payments` resource (JSON:API) after `_authorize`: the shopper
 * finishes 3-D Secure at `redirect_uri`. Its `public_key` is checkout.com's, not Stripe's: not read.
 */
const commerceLayerSchema = z.object({
  data: z.object({
    id: text,
    type: z.literal('checkout_com_payments'),
    attributes: z.object({
      redirect_uri: httpUrl,
      payment_response: z.nullish(z.object({ status: z.nullish(z.string()) })),
    }),
    meta: z.nullish(z.object({ mode: z.nullish(z.string()) })),
  }),
});

/** checkout.com payment statuses; anything else (`Pending`, …) is still open. */
const STATUSES: Record<string, SessionStatus> = {
  authorized: 'complete',
  captured: 'complete',
  'card verified': 'complete',
  declined: 'failed',
  canceled: 'cancelled',
  voided: 'cancelled',
  expired: 'expired',
};

function normalize(json: unknown, context: SessionShapeContext): CheckoutSession {
  const { data } = parseNative(commerceLayerSchema, json);
  const status = STATUSES[data.attributes.payment_response?.status?.toLowerCase() ?? ''] ?? 'open';
  return toContractSession(
    {
      id: data.id,
      provider: 'commercelayer',
      kind: 'hosted',
      status,
      // 3-D Secure pages must run at top level (cookies, frame refusal): redirect only.
      url: data.attributes.redirect_uri,
      frameable: false,
      livemode: data.meta?.mode ? data.meta.mode === 'live' : undefined,
    },
    context,
  );
}

/** Tried among the native shapes lowest first; see the registry (npm run providers). */
export const SHAPE_PRECEDENCE = 50;

export const commerceLayerShape: SessionShape = {
  name: 'Commerce Layer checkout_com_payments resource { data: { type, attributes.redirect_uri } }',
  recognises: (json) => isObject(json) && isObject(json.data) && json.data.type === 'checkout_com_payments',
  normalize,
};
