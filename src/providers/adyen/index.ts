/** `checkout-widget/server/providers/adyen`: Adyen Checkout sessions, Drop-in in the widget or Hosted Checkout. */
export {
  createAdyenProvider,
  type AdyenEnvironment,
  type AdyenMode,
  type AdyenProviderOptions,
  type AdyenRecordStore,
  type AdyenSessionRecord,
} from './server.js';
