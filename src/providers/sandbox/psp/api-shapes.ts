/** The JSON API's request bodies and the objects it answers with. */
import { z } from 'zod';
import type { SandboxLine } from '../page.js';
import type { PspCredentials } from './credentials.js';
import type { PspCharge, PspSession } from './model.js';

const lineSchema = z.object({
  sku: z.string().optional(),
  name: z.string().min(1).max(200),
  quantity: z.number().int().min(1),
  unit_amount: z.number().int().min(0),
  vat_rate: z.number().min(0).max(1).optional(),
});

/** A line as the PSP keeps it (the shop's sku and VAT rate are not its business). */
export function storedLine(line: z.infer<typeof lineSchema>): SandboxLine {
  return { name: line.name, quantity: line.quantity, unit_amount: line.unit_amount };
}

const httpUrl = z.url({ protocol: /^https?$/ });

export const createSessionBodySchema = z
  .object({
    amount: z.number().int().min(0),
    currency: z.string().regex(/^[A-Z]{3}$/),
    lines: z.array(lineSchema).max(200),
    reference: z.string().min(1).max(64),
    accept_url: httpUrl,
    cancel_url: httpUrl,
    notification_url: httpUrl.optional(),
    locale: z.string().max(35).optional(),
    expires_in: z.number().int().min(1).max(86_400).optional(),
    /** Save the card for later charges (`POST /v1/charges`); needs `customer`. */
    recurring: z.boolean().optional(),
    /** The shop's handle for the customer a saved card belongs to. */
    customer: z.string().min(1).max(255).optional(),
    /**
     * `card_token`: paid with a token from the card frame or the Mollie.js double (`POST /v1/sessions/:id/pay`);
     * `dropin`: paid in the Adyen Web double on the shop page (`POST /v1/dropin/sessions/:id/payments`). Default `hosted`.
     */
    kind: z.enum(['hosted', 'card_token', 'dropin']).optional(),
  })
  .superRefine((body, context) => {
    if (body.recurring && !body.customer) {
      context.addIssue({ code: 'custom', path: ['customer'], message: 'a recurring session needs the customer handle' });
    }
    if (body.amount === 0 && !body.recurring) {
      context.addIssue({ code: 'custom', path: ['amount'], message: 'must be at least 1 (0 only for a recurring session that saves a card)' });
    }
    if (body.amount > 0 && body.lines.length === 0) {
      context.addIssue({ code: 'custom', path: ['lines'], message: 'a payment needs at least one line' });
    }
  });

export type CreateSessionBody = z.infer<typeof createSessionBodySchema>;

export const chargeBodySchema = z.object({
  /** A saved card, `pm_…`, from a completed recurring session. */
  payment_method: z.string().min(1).max(64),
  amount: z.number().int().min(1),
  currency: z.string().regex(/^[A-Z]{3}$/),
  reference: z.string().min(1).max(64),
  lines: z.array(lineSchema).max(200).optional(),
  notification_url: httpUrl.optional(),
  /** When given, the card must belong to this customer. */
  customer: z.string().min(1).max(255).optional(),
});

export const payWithTokenBodySchema = z.object({ token: z.string().min(1).max(64) });

/** The browser keys a session hands out. */
type BrowserKeys = Pick<PspCredentials, 'publicKey' | 'profileId' | 'clientKey'>;

export function sessionToApi(session: PspSession, keys: BrowserKeys) {
  return {
    id: session.id,
    object: 'session',
    url: `${session.publicUrl}/pay/${session.id}`,
    status: session.status,
    amount: session.amount,
    currency: session.currency,
    reference: session.reference,
    payment_method: session.paymentMethod ?? null,
    recurring: session.recurring,
    customer: session.customer ?? null,
    payment_method_id: session.savedPaymentMethodId ?? null,
    failed_attempts: session.failedAttempts,
    // The shopper's bank challenge started and is not answered yet (hosted page or token payment).
    awaiting_challenge: session.status === 'open' && session.awaitingChallenge,
    expires_at: new Date(session.expiresAt).toISOString(),
    ...(session.cardToken && {
      kind: 'card_token',
      public_key: keys.publicKey,
      frames_url: `${session.publicUrl}/v1/frames.js`,
      // The same session's second token-provider shape: Mollie Components-like fields (`mollie.js`).
      profile_id: keys.profileId,
      components_url: `${session.publicUrl}/v1/mollie.js`,
      challenge_url: session.status === 'open' && session.awaitingChallenge ? `${session.publicUrl}/v1/3ds/${session.id}` : null,
    }),
    ...(session.sessionData !== undefined && {
      kind: 'dropin',
      client_key: keys.clientKey,
      // Only while it can be paid, as Adyen hands out sessionData for an active session.
      session_data: session.status === 'open' ? session.sessionData : null,
      sdk_url: `${session.publicUrl}/v1/adyen-web.js`,
    }),
  };
}

export function chargeToApi(charge: PspCharge) {
  return {
    id: charge.id,
    object: 'charge',
    status: charge.status,
    amount: charge.amount,
    currency: charge.currency,
    reference: charge.reference,
    payment_method: charge.paymentMethod,
    ...(charge.failureReason && { failure_reason: charge.failureReason }),
  };
}
