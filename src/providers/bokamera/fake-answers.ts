/** BokaMera's documented checkout answer, for an embedded and a hosted checkout: this shape's tests and the shapes' property test. */
const embedded = {
  SessionId: 'cs_test_b0ka',
  Url: null,
  Status: 'open',
  ClientSecret: 'cs_test_b0ka_secret_1',
  CustomerId: 'cus_1',
  PaymentIntentClientSecret: 'pi_1_secret_2',
  PaymentIntentId: 'pi_1',
  StripeAccount: 'acct_123',
};

export const NATIVE_ANSWERS = {
  'bokamera embedded': embedded,
  'bokamera hosted': { ...embedded, ClientSecret: null, Url: 'https://checkout.stripe.com/c/pay/cs_test_b0ka' },
};
