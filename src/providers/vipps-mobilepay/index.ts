/** `checkout-widget/server/providers/vipps-mobilepay`: Vipps MobilePay ePayment on its landing page (redirect or popup). */
export {
  createVippsMobilePayProvider,
  epaymentReference,
  VIPPS_MOBILEPAY_API_URL,
  VIPPS_MOBILEPAY_CURRENCIES,
  type VippsMobilePayProviderOptions,
} from './server.js';
export { registerVippsWebhook, VIPPS_WEBHOOK_EVENTS, type RegisterVippsWebhookOptions } from './register-webhook.js';
