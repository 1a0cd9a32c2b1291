/** Stripe `checkout.session` answers, as `stripe.checkout.sessions.create` gives them (trimmed): this shape's tests and the shapes' property test. */
const embedded = {
  id: 'cs_test_a1b2c3',
  object: 'checkout.session',
  client_secret: 'cs_test_a1b2c3_secret_xyz',
  ui_mode: 'embedded_page',
  status: 'open',
  payment_status: 'unpaid',
  url: null,
  amount_total: 62700,
  currency: 'dkk',
  expires_at: 1795420800,
  livemode: false,
  customer: null,
  metadata: {},
};

export const NATIVE_ANSWERS = {
  'stripe embedded': embedded,
  'stripe hosted': { ...embedded, client_secret: null, ui_mode: 'hosted_page', url: 'https://checkout.stripe.com/c/pay/cs_test_a1b2c3' },
};
