/** `checkout-widget/server/providers/reepay`: Reepay (Frisbii) Checkout sessions, and on-demand billing of saved cards. */
export { createMemoryReepayStore, createReepayProvider, type ReepayProviderOptions, type ReepaySessionRecord, type ReepaySessionStore } from './server.js';
export {
  createReepayBilling,
  REEPAY_INVOICE_STATES,
  type ChargeAgreementInput,
  type CreateAgreementInput,
  type ReepayAgreement,
  type ReepayBilling,
  type ReepayBillingOptions,
  type ReepayInvoice,
  type ReepayInvoiceState,
  type ReepayOrderLine,
} from './on-demand.js';
