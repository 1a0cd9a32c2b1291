import { PaymentDeclinedError, ProviderError, ProviderInputError } from './provider-api/types.js';
import { redactSecrets } from './redact.js';
import type { Telemetry } from './telemetry.js';
import { withTimeout } from './timers.js';

export class ProviderTimeoutError extends Error {
  override readonly name = 'ProviderTimeoutError';
}

/** The `PaymentProvider` method a provider call is: the `checkout.operation` of its span and metrics. */
export type ProviderOperation = 'createSession' | 'getSession' | 'submitToken' | 'charge' | 'getCharge';

/** What `callProvider` needs of the handler's config. */
export interface ProviderCallConfig {
  providerTimeoutMs: number;
  telemetry: Telemetry;
}

/**
 * One call of a provider's `operation`, in span `checkout.provider.<operation>` (attributes
 * `checkout.provider`, `checkout.operation`, `checkout.outcome`, `http.response.status_code`),
 * counted in `checkout.provider.duration` and, when it fails (a decline aside), `checkout.provider.errors`. A call that
 * takes longer than `providerTimeoutMs` fails with a `ProviderTimeoutError` (answered 502).
 */
export function callProvider<T>(config: ProviderCallConfig, provider: string, operation: ProviderOperation, work: () => Promise<T>): Promise<T> {
  const { telemetry, providerTimeoutMs } = config;
  const attributes = { 'checkout.provider': provider, 'checkout.operation': operation };
  return telemetry.span(
    `checkout.provider.${operation}`,
    attributes,
    () =>
      withTimeout(
        work(),
        providerTimeoutMs,
        () => new ProviderTimeoutError(`Payment provider "${provider}" did not answer within ${providerTimeoutMs / 1000} s`),
      ),
    {
      kind: 'client',
      outcome: providerOutcome,
      onEnd: (outcome, seconds) => {
        telemetry.record('providerDuration', { ...attributes, 'checkout.outcome': outcome }, seconds);
        // A decline is the shopper's card, not a failing provider.
        if (outcome !== 'ok' && outcome !== 'declined') telemetry.record('providerErrors', { ...attributes, 'checkout.outcome': outcome });
      },
    },
  );
}

/** A failed provider call's `checkout.outcome`. */
function providerOutcome(error: unknown): string {
  if (error instanceof ProviderTimeoutError) return 'timeout';
  if (error instanceof PaymentDeclinedError) return 'declined';
  if (error instanceof ProviderInputError) return 'refused';
  if (isNotFoundAtProvider(error)) return 'not_found';
  return 'error';
}

export function providerFailureMessage(error: unknown, provider: string): string {
  if (error instanceof ProviderTimeoutError) return error.message;
  if (error instanceof ProviderError) return redactSecrets(`Payment provider "${provider}" failed: ${error.message}`);
  // Anything else may carry internals: name the provider, not the details (they go to the log).
  return `Payment provider "${provider}" failed unexpectedly`;
}

/** A provider's 404: what was asked for does not exist there. */
export function isNotFoundAtProvider(error: unknown): boolean {
  return error instanceof ProviderError && error.providerStatus === 404;
}
