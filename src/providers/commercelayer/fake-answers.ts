/** Commerce Layer's documented resource after `_authorize` (trimmed to what matters): this shape's tests and the shapes' property test. */
export function resource(attributes: Record<string, unknown> = {}, mode = 'test') {
  return {
    data: {
      id: 'xYZkjABcde',
      type: 'checkout_com_payments',
      links: { self: 'https://yourdomain.commercelayer.io/api/checkout_com_payments/xYZkjABcde' },
      attributes: {
        public_key: 'pk_test_xxxx-yyyy-zzzz',
        payment_type: 'token',
        session_id: 'sid_y3oqhf46pyzuxjbcn2giaqnb44',
        redirect_uri: 'https://api.checkout.com/3ds/pay_mbabizu24mvu3mela5njyhpit4',
        payment_response: { status: 'Pending' },
        ...attributes,
      },
      meta: { mode },
    },
  };
}

export const NATIVE_ANSWERS = { 'commerce layer': resource() };
