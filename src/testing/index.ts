/**
 * `checkout-widget/testing`: a test kit for the shop's own tests. Playwright helpers that pay the
 * sandbox like a shopper (`payInSandbox`), server-side helpers that move a sandbox session on from
 * code (`sandboxTestHelpers`), and signed test webhooks of every provider (`signedTestWebhook`,
 * `sendTestWebhook`). `@playwright/test` is an optional peer: only `payInSandbox` uses it, by type.
 */
export { payInSandbox, SANDBOX_OUTCOMES, type PayInSandboxOptions, type PayInSandboxResult, type SandboxOutcome, type SandboxSurfaceKind } from './pay.js';
export {
  sandboxTestHelpers,
  type SandboxSessionAnswer,
  type SandboxTestHelpers,
  type SandboxTestTarget,
  type WebhookAction,
  type WebhookChoice,
} from './sandbox.js';
export {
  sendTestWebhook,
  signedTestWebhook,
  TEST_WEBHOOK_PROVIDERS,
  type ProviderName,
  type SendTestWebhookOptions,
  type TestWebhook,
  type TestWebhookOptions,
} from './webhooks.js';
export { SANDBOX_BLIK_CODES, SANDBOX_TEST_CARDS } from '../providers/sandbox/psp/cards.js';
