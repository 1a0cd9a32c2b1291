/** The thin backend (`checkout-widget/server`): everything a shop needs to mount it. */
export {
  createCheckoutHandler,
  DEFAULT_BASE_PATH,
  redactSecrets,
  SESSION_ID_PLACEHOLDER,
  type CheckoutHandler,
  type CheckoutHandlerOptions,
  type ChargeRequest,
  type CheckoutLogger,
  type JobLedger,
  type OrderLedger,
  type ReconcileSummary,
  type Shopper,
  type WebhookContext,
} from './handler.js';
export type { RetryPolicy } from './job-runner.js';
export {
  DEFAULT_RATE_LIMITS,
  type RateLimitOptions,
  type RateLimits,
  type SuspiciousActivity,
  type SuspiciousActivityKind,
} from './rate-limit-options.js';
export type { Route, RouteCandidate, RouteInput } from './handler-types.js';
export type { BreakerPolicy, ProviderBreakers, ProviderHealth } from './breaker.js';
export type { HealthReport } from './routes/health.js';
export {
  createD1Store,
  createMemoryStore,
  createPostgresStore,
  createSqliteStore,
  JOB_KINDS,
  JOB_STATUSES,
  ORDER_STATUSES,
  providerRecordsOn,
  type BreakerStore,
  type CheckoutStore,
  type ClaimIdempotencyInput,
  type D1DatabaseLike,
  type D1StoreOptions,
  type FinishIdempotencyInput,
  type IdempotencyClaim,
  type IdempotencyStore,
  type Job,
  type JobInput,
  type JobKind,
  type JobQueue,
  type JobStatus,
  type LeaseJobsInput,
  type ListJobsQuery,
  type ListOrdersQuery,
  type Order,
  type OrderAttempt,
  type OrderCursor,
  type OrderLine,
  type OrderStatus,
  type OrderStore,
  type OrderTransition,
  type PostgresStoreOptions,
  type ProviderBreaker,
  type ProviderRecordStore,
  type PruneInput,
  type RateLimitStore,
  type SessionRecord,
  type SessionStore,
  type SqliteStoreOptions,
  type StoredResponse,
  type StoreLifecycle,
  type StorePruning,
} from './store/index.js';
// What a driver author builds on (README, "Writing a store"): the rules every driver keeps, as data.
export {
  applyWrite,
  byRunAt,
  decideClaim,
  jobListing,
  lostTakeOver,
  matchesRule,
  newJob,
  newKeyRow,
  orderListing,
  STORE_RULES,
  STORE_WRITES,
  type IdempotencyKeyRow,
  type RuleCondition,
  type RuleOperand,
} from './store/rules.js';
export { StoreUnavailableError } from './store/outage.js';
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
export {
  PaymentDeclinedError,
  ProviderError,
  ProviderInputError,
  WebhookVerificationError,
  type CreateSessionInput,
  type MethodsCart,
  type PaymentProvider,
  type PricedLine,
  type ProviderContext,
  type ProviderEnv,
  type ProviderFromEnv,
  type ProviderMethod,
  type SubmitTokenContext,
  type VerifiedWebhook,
  type SessionReadInput,
  type WebhookAcknowledgement,
  type WebhookRequest,
} from './provider-api/types.js';
export type { CustomerInput } from './customer.js';
// Each provider's factory comes from its own subpath, `checkout-widget/server/providers/<name>`, so
// a bundle holds only the adapters the shop names; `providersFromEnv` is the one place that knows them all.
export { providersFromEnv, PROVIDERS_FROM_ENV } from '../provider-registry/providers-from-env.js';
export type { CheckoutSession } from '../core/protocol.js';
// Shop-page side of the CDN build: the import map that pins its chunks, and that map's CSP hash.
export { cdnImportMap, type CdnImportMap, type CdnIntegrityManifest } from './cdn-pinning.js';
