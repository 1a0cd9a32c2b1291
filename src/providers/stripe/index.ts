/** `checkout-widget/server/providers/stripe`: Stripe Checkout, embedded or hosted (needs the `stripe` package). */
export { createStripeProvider, type StripeProviderOptions, type StripeUiMode } from './server.js';
