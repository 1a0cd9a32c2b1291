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

/**
 * What a failed create means for routing (docs/protocol.md, "Methods, routing and failover"):
 *
 * - `failover`: the provider did not take the request and another may: a provider 5xx or 429, or
 *   a network error before the request was sent (connection refused, no such host, TLS refused).
 * - `unknown`: the provider may have made the session: a timeout, a connection cut after the
 *   request went out, a 2xx answer that could not be read, an error we do not know. Nothing else is
 *   tried for this checkout; a retry goes back to the same provider (its idempotency key, where
 *   the adapter sends one, makes that the same session).
 * - `final`: refused for good: a decline, our input refused (`ProviderInputError`, any other 4xx).
 */
export type CreateFailure = 'failover' | 'unknown' | 'final';

/** Error codes (Node's, undici's) of a connection that failed before any byte of the request was sent. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export function classifyCreateFailure(error: unknown): CreateFailure {
  if (error instanceof PaymentDeclinedError || error instanceof ProviderInputError) return 'final';
  if (error instanceof ProviderTimeoutError) return 'unknown';
  if (!(error instanceof ProviderError)) return 'unknown';
  const status = error.providerStatus;
  if (status === undefined) return neverSent(error.cause) ? 'failover' : 'unknown';
  if (status === 429 || (status >= 500 && status <= 599)) return 'failover';
  if (status >= 400 && status <= 499) return 'final';
  // A 2xx (or other) answer that could not be read or was cut off: the session may exist.
  return 'unknown';
}

/** True when the cause chain of a fetch failure shows the connection never carried the request. */
function neverSent(cause: unknown, depth = 0): boolean {
  if (depth > 4 || typeof cause !== 'object' || cause === null) return false;
  const { code, errors } = cause as { code?: unknown; errors?: unknown };
  if (typeof code === 'string' && NOT_SENT_CODES.has(code)) return true;
  // Happy eyeballs: every address refused.
  if (Array.isArray(errors) && errors.length > 0 && errors.every((each) => neverSent(each, depth + 1))) return true;
  return neverSent((cause as { cause?: unknown }).cause, depth + 1);
}
