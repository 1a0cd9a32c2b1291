import * as z from 'zod/mini';
import type { CheckoutSession } from '../../core/protocol.js';
import { invalidSession } from '../../core/session-shapes/contract.js';
import { httpUrl, isObject, parseNative, text, toContractSession } from '../../core/session-shapes/native.js';
import type { SessionShape, SessionShapeContext } from '../../core/session-shapes/types.js';

/**
 * BokaMera's `POST /payment/stripe/v1/checkout` answer: a Stripe Checkout session in PascalCase.
 * `PaymentIntentClientSecret` is deliberately not read: it cannot start an embedded checkout.
 */
const bokaMeraSchema = z.object({
  SessionId: text,
  Url: z.nullish(httpUrl),
  ClientSecret: z.nullish(text),
  StripeAccount: z.nullish(text),
  // Stripe's session statuses, in whatever case BokaMera writes them.
  Status: z.nullish(z.string()),
});

const STATUSES = ['open', 'complete', 'expired'] as const;

function normalize(json: unknown, context: SessionShapeContext): CheckoutSession {
  const answer = parseNative(bokaMeraSchema, json);
  const status = (answer.Status || 'open').toLowerCase();
  if (!STATUSES.includes(status as (typeof STATUSES)[number])) {
    throw invalidSession(`session.Status must be one of ${STATUSES.join(', ')}`);
  }
  if (!answer.ClientSecret && !answer.Url) throw invalidSession('session.ClientSecret or session.Url is required');
  return toContractSession(
    {
      id: answer.SessionId,
      provider: 'bokamera',
      status,
      // `Url` is a hosted Stripe page, which refuses framing: redirect only.
      ...(answer.ClientSecret
        ? { kind: 'stripe-embedded', client_secret: answer.ClientSecret, stripe_account: answer.StripeAccount }
        : { kind: 'hosted', url: answer.Url, frameable: false }),
    },
    context,
  );
}

/** Tried among the native shapes lowest first; see the registry (npm run providers). */
export const SHAPE_PRECEDENCE = 20;

export const bokaMeraShape: SessionShape = {
  name: 'BokaMera checkout { SessionId, ClientSecret | Url }',
  recognises: (json) => isObject(json) && ('SessionId' in json || 'ClientSecret' in json),
  normalize,
};
