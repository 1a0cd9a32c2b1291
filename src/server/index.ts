/** The thin backend (`checkout-widget/server`): everything a shop needs to mount it. */
export {
  createCheckoutHandler,
  DEFAULT_BASE_PATH,
  SESSION_ID_PLACEHOLDER,
  type CheckoutHandler,
  type CheckoutHandlerOptions,
  type WebhookContext,
} from './handler.js';
export {
  assertValidCatalog,
  CatalogError,
  MAX_QUANTITY,
  priceItems,
  type CartItem,
  type Catalog,
  type CatalogProduct,
  type PricedCart,
} from './catalog.js';
export { createMemorySessionStore, type SessionRecord, type SessionStore } from './session-store.js';
export {
  ProviderError,
  ProviderInputError,
  WebhookVerificationError,
  type CreateSessionInput,
  type CustomerInput,
  type PaymentProvider,
  type PricedLine,
  type VerifiedWebhook,
} from './providers/types.js';
export {
  createSandboxProvider,
  createSandboxPsp,
  SANDBOX_BLIK_CODES,
  SANDBOX_TEST_CARDS,
  type SandboxProviderOptions,
  type SandboxPsp,
  type SandboxPspOptions,
} from './providers/sandbox/index.js';
export { providersFromEnv, PROVIDERS_FROM_ENV, type ProviderFromEnv } from './providers/index.js';
export type { CheckoutSession } from '../core/session.js';
