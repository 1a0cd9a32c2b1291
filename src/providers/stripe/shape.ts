import * as z from 'zod/mini';
import type { CheckoutSession } from '../../core/protocol.js';
import { invalidSession } from '../../core/session-shapes/contract.js';
import { count, httpUrl, isObject, isoFromUnix, parseNative, text, toContractSession } from '../../core/session-shapes/native.js';
import type { SessionShape, SessionShapeContext } from '../../core/session-shapes/types.js';

/** Stripe's `checkout.session` object, as `stripe.checkout.sessions.create` returns it. */
const stripeCheckoutSessionSchema = z.object({
  id: text,
  client_secret: z.nullish(text),
  // `embedded`/`hosted` before Stripe's "dahlia" release, `embedded_page`/`hosted_page` since.
  ui_mode: z.nullish(z.enum(['embedded', 'embedded_page', 'hosted', 'hosted_page'])),
  status: z.nullish(z.enum(['open', 'complete', 'expired'])),
  url: z.nullish(httpUrl),
  amount_total: z.nullish(count),
  currency: z.nullish(text),
  expires_at: z.nullish(count),
  livemode: z.nullish(z.boolean()),
});

function normalize(json: unknown, context: SessionShapeContext): CheckoutSession {
  const session = parseNative(stripeCheckoutSessionSchema, json);
  const embedded = session.ui_mode ? session.ui_mode.startsWith('embedded') : !session.url;
  // Stripe clears a hosted session's url once it is no longer open; only an open one is shown.
  const open = (session.status ?? 'open') === 'open';
  if (!embedded && open && !session.url) throw invalidSession(`session.url is required for ui_mode ${session.ui_mode ?? 'hosted'}`);
  return toContractSession(
    {
      id: session.id,
      provider: 'stripe',
      // Stripe's `complete` means the shopper finished; a delayed method may still be `unpaid`,
      // (`payment_status`), which the backend learns by webhook: the widget follows Stripe's `status`.
      status: session.status ?? 'open',
      amount: session.amount_total,
      currency: session.currency?.toUpperCase(),
      expires_at: isoFromUnix(session.expires_at),
      livemode: session.livemode,
      // Hosted Stripe Checkout refuses to be framed: it can only be redirected to.
      ...(embedded
        ? { kind: 'stripe-embedded', client_secret: session.client_secret }
        : { kind: 'hosted', frameable: false, ...(session.url && { url: session.url }) }),
    },
    context,
  );
}

/** Where this shape is tried among the native ones (lowest first): the first that recognises the JSON wins. */
export const SHAPE_PRECEDENCE = 10;

export const stripeCheckoutSessionShape: SessionShape = {
  name: 'Stripe checkout.session',
  recognises: (json) => isObject(json) && json.object === 'checkout.session',
  normalize,
};
