/**
 * The package's public API, entry by entry: every name each `package.json` export gives a shop
 * (values and types). A change to the API is a visible diff here, beside the CHANGELOG entry.
 * Each name must carry JSDoc (it feeds the editor's hover and the generated docs).
 */
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { packageEntries } from './server/test-support/package-entries.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const files = packageEntries();
const program = ts.createProgram(
  [...files.values()].map((file) => `${root}${file}`),
  { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, skipLibCheck: true, noEmit: true, allowJs: false },
);
const checker = program.getTypeChecker();

function surface(file: string): { names: string[]; undocumented: string[] } {
  const source = program.getSourceFile(`${root}${file}`)!;
  const moduleSymbol = checker.getSymbolAtLocation(source)!;
  const names: string[] = [];
  const undocumented: string[] = [];
  for (const symbol of checker.getExportsOfModule(moduleSymbol)) {
    names.push(symbol.name);
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    const documented = target.getDocumentationComment(checker).length > 0 || target.getJsDocTags().length > 0;
    if (!documented) undocumented.push(symbol.name);
  }
  return { names: names.sort(), undocumented: undocumented.sort() };
}

/** Run `npx vitest run src/export-surface.test.ts` after an API change: the diff it prints is the change. */
const EXPECTED: Record<string, string[]> = {
  '.': ["CHECKOUT_EVENT_NAMES", "CheckoutAcceptEvent", "CheckoutCancelEvent", "CheckoutCloseEvent", "CheckoutError", "CheckoutErrorCode", "CheckoutErrorEvent", "CheckoutErrorEventDetail", "CheckoutEvent", "CheckoutEventDetails", "CheckoutEventMap", "CheckoutEventName", "CheckoutExpiredEvent", "CheckoutMethod", "CheckoutMethodEvent", "CheckoutMethodEventDetail", "CheckoutOutcomeEventDetail", "CheckoutReadyEvent", "CheckoutSession", "CheckoutSessionEvent", "CheckoutSessionEventDetail", "CheckoutStatusEvent", "CheckoutStatusEventDetail", "CheckoutStep", "CheckoutStepEvent", "CheckoutStepEventDetail", "CheckoutWidget", "DisplayMode", "ERROR_CODES", "OutcomeParams", "SessionKind", "SessionStatus", "WidgetState", "defineCheckoutElements"],
  './define': ["CheckoutWidget", "defineCheckoutElements"],
  './react': ["CheckoutWidget", "CheckoutWidgetIntrinsicProps", "CheckoutWidgetProps"],
  './vue': ["CheckoutWidgetAttributes", "CheckoutWidgetEventProps", "CheckoutWidgetProperties", "CheckoutWidgetVueProps"],
  './preact': ["CheckoutWidgetLowerEventProps", "CheckoutWidgetPreactProps", "CheckoutWidgetProperties"],
  './solid': ["CheckoutWidgetAttributes", "CheckoutWidgetSolidProps"],
  './svelte': ["CheckoutWidgetLowerEventProps", "CheckoutWidgetProperties", "CheckoutWidgetSvelteProps"],
  './funnel': ["DataLayerFunnelOptions", "FunnelOptions", "FunnelStep", "funnelToDataLayer", "funnelToFunction"],
  './ssr': ["RenderCheckoutWidgetOptions", "renderCheckoutWidget"],
  './server': ["BreakerPolicy", "BreakerStore", "CartItem", "Catalog", "CatalogError", "CatalogProduct", "CdnImportMap", "CdnIntegrityManifest", "ChargeRequest", "CheckoutHandler", "CheckoutHandlerOptions", "CheckoutLogger", "CheckoutSession", "CheckoutStore", "ClaimIdempotencyInput", "CreateSessionInput", "CustomerInput", "D1DatabaseLike", "D1StoreOptions", "DEFAULT_BASE_PATH", "DEFAULT_RATE_LIMITS", "FinishIdempotencyInput", "HealthReport", "IdempotencyClaim", "IdempotencyKeyRow", "IdempotencyStore", "JOB_KINDS", "JOB_STATUSES", "Job", "JobInput", "JobKind", "JobLedger", "JobQueue", "JobStatus", "LeaseJobsInput", "ListJobsQuery", "ListOrdersQuery", "MAX_QUANTITY", "MethodsCart", "ORDER_STATUSES", "Order", "OrderAttempt", "OrderCursor", "OrderLedger", "OrderLine", "OrderStatus", "OrderStore", "OrderTransition", "PROVIDERS_FROM_ENV", "PaymentDeclinedError", "PaymentProvider", "PostgresStoreOptions", "PricedCart", "PricedLine", "ProviderBreaker", "ProviderBreakers", "ProviderContext", "ProviderEnv", "ProviderError", "ProviderFromEnv", "ProviderHealth", "ProviderInputError", "ProviderMethod", "ProviderRecordStore", "PruneInput", "RateLimitOptions", "RateLimitStore", "RateLimits", "ReconcileSummary", "RetryPolicy", "Route", "RouteCandidate", "RouteInput", "RuleCondition", "RuleOperand", "SESSION_ID_PLACEHOLDER", "STORE_RULES", "STORE_WRITES", "SessionReadInput", "SessionRecord", "SessionStore", "Shopper", "SqliteStoreOptions", "StoreLifecycle", "StorePruning", "StoreUnavailableError", "StoredResponse", "SubmitTokenContext", "SuspiciousActivity", "SuspiciousActivityKind", "VerifiedWebhook", "WebhookAcknowledgement", "WebhookContext", "WebhookRequest", "WebhookVerificationError", "applyWrite", "assertValidCatalog", "byRunAt", "cdnImportMap", "createCheckoutHandler", "createD1Store", "createMemoryStore", "createPostgresStore", "createSqliteStore", "decideClaim", "jobListing", "lostTakeOver", "matchesRule", "newJob", "newKeyRow", "orderListing", "priceItems", "providerRecordsOn", "providersFromEnv", "redactSecrets"],
  './server/providers/adyen': ["AdyenEnvironment", "AdyenMode", "AdyenProviderOptions", "AdyenRecordStore", "AdyenSessionRecord", "createAdyenProvider"],
  './server/providers/bokamera': ["BokaMeraArticle", "BokaMeraProviderOptions", "createBokaMeraProvider"],
  './server/providers/commercelayer': ["CommerceLayerProvider", "CommerceLayerProviderOptions", "CommerceLayerSessionRecord", "CommerceLayerSessionStore", "createCommerceLayerProvider", "createMemoryCommerceLayerStore"],
  './server/providers/convergegate': ["ConvergeGateProviderOptions", "createConvergeGateProvider"],
  './server/providers/mollie': ["MollieProvider", "MollieProviderOptions", "MollieSessionRecord", "MollieSessionStore", "createMemoryMollieStore", "createMollieProvider"],
  './server/providers/reepay': ["ChargeAgreementInput", "CreateAgreementInput", "REEPAY_INVOICE_STATES", "ReepayAgreement", "ReepayBilling", "ReepayBillingOptions", "ReepayInvoice", "ReepayInvoiceState", "ReepayOrderLine", "ReepayProviderOptions", "ReepaySessionRecord", "ReepaySessionStore", "createMemoryReepayStore", "createReepayBilling", "createReepayProvider"],
  './server/providers/sandbox': ["SandboxProviderOptions", "SandboxSessionKind", "SandboxTokenProvider", "createSandboxProvider"],
  './server/providers/stripe': ["StripeProviderOptions", "StripeUiMode", "createStripeProvider"],
  './server/providers/vipps-mobilepay': ["RegisterVippsWebhookOptions", "VIPPS_MOBILEPAY_API_URL", "VIPPS_MOBILEPAY_CURRENCIES", "VIPPS_WEBHOOK_EVENTS", "VippsMobilePayProviderOptions", "createVippsMobilePayProvider", "epaymentReference", "registerVippsWebhook"],
  './server/node': ["CheckoutMiddlewareOptions", "NodeServerHandle", "RunningSandbox", "SANDBOX_BLIK_CODES", "SANDBOX_TEST_CARDS", "SandboxPsp", "SandboxPspOptions", "ServeNodeOptions", "StartSandboxOptions", "checkoutMiddleware", "createSandboxPsp", "serveNode", "startSandbox", "toNodeListener"],
  './server/store-conformance': ["ConformanceSubject", "describeStoreConformance", "sampleBreaker", "sampleOrder"],
  './testing': ["PayInSandboxOptions", "PayInSandboxResult", "ProviderName", "SANDBOX_BLIK_CODES", "SANDBOX_OUTCOMES", "SANDBOX_TEST_CARDS", "SandboxOutcome", "SandboxSessionAnswer", "SandboxSurfaceKind", "SandboxTestHelpers", "SandboxTestTarget", "SendTestWebhookOptions", "TEST_WEBHOOK_PROVIDERS", "TestWebhook", "TestWebhookOptions", "WebhookAction", "WebhookChoice", "payInSandbox", "sandboxTestHelpers", "sendTestWebhook", "signedTestWebhook"],
};

describe('the public API', () => {
  it('has exactly these entries', () => {
    expect([...files.keys()]).toEqual(Object.keys(EXPECTED));
  });

  it.each([...files])('%s exports exactly its names, each with JSDoc', (subpath, file) => {
    const { names, undocumented } = surface(file);
    expect(names).toEqual(EXPECTED[subpath]);
    expect(undocumented).toEqual([]);
  });
});
