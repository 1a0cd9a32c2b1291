/**
 * The local fake of Stripe's API (shared with the adapter's unit tests), plus what the e2e specs
 * do to it: play the part of Stripe finishing a payment.
 */
import type { FakeStripe } from '../../../src/server/providers/stripe/test-support/fake-stripe.js';

export {
  FAKE_PUBLISHABLE_KEY,
  FAKE_SECRET_KEY,
  FAKE_WEBHOOK_SECRET,
  decodeStripeForm,
  startFakeStripe,
  type FakeStripe,
} from '../../../src/server/providers/stripe/test-support/fake-stripe.js';

/**
 * What Stripe does when the shopper pays a card in embedded checkout, before Stripe.js calls
 * `onComplete`: the session becomes `complete` + `paid`, with a succeeded PaymentIntent.
 */
export function completeCheckoutSession(fake: FakeStripe, sessionId: string): void {
  const session = fake.sessions.get(sessionId);
  if (!session) throw new Error(`The fake Stripe has no session ${sessionId}`);
  if (session['status'] !== 'open') throw new Error(`Session ${sessionId} is ${String(session['status'])}, not open`);
  const intentId = `pi_${sessionId.slice(-24)}`;
  fake.paymentIntents.set(intentId, { id: intentId, object: 'payment_intent', status: 'succeeded', amount: session['amount_total'] });
  session['status'] = 'complete';
  session['payment_status'] = 'paid';
  session['payment_intent'] = intentId;
}
