/** `checkout-widget/server/providers/mollie`: Mollie payments, on its hosted checkout or with Mollie Components card fields. */
export {
  createMemoryMollieStore,
  createMollieProvider,
  type MollieProvider,
  type MollieProviderOptions,
  type MollieSessionRecord,
  type MollieSessionStore,
} from './server.js';
