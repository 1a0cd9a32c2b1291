/** ConvergeGate's documented create answer: this shape's tests and the shapes' property test. */
const answer = {
  id: 'AW-kLcRRC5P8U68CYe0kVA',
  amount_total: 1000,
  amount_sub_total: 1000,
  currency: 'usd',
  cancel_url: 'https://url.com/',
  customer_firstname: 'John',
  customer_lastname: 'Doe',
  customer_email: 'john@example.com',
  customer_ip: '',
  customer_country: '',
  expire_at: 2147483648,
  created_at: 2147483648,
  success_url: 'https://url.com/',
  payment_method: ['blik'],
  locale: '',
  url: 'https://pay.convergegate.example/pay/AW-kLcRRC5P8U68CYe0kVA',
  fees: null,
  metadata: null,
  status: 'open',
  livemode: false,
  notification_url: 'https://url.com/',
};

export const NATIVE_ANSWERS = { convergegate: answer };
