import { ProviderError } from './provider-api/types.js';
import { withTimeout } from './timers.js';

/** Secrets that look like API keys never go into an answer, even if a provider echoes one. */
export function redactSecrets(text: string): string {
  return text.replace(/\b(sk|rk|whsec|priv|sbx_sk|sbx_whsec)_[A-Za-z0-9_]{6,}/g, '$1_[redacted]');
}

export class ProviderTimeoutError extends Error {
  override readonly name = 'ProviderTimeoutError';
}

/** A provider call that takes longer than `timeoutMs` fails with a `ProviderTimeoutError` (answered 502). */
export function callProvider<T>(work: Promise<T>, timeoutMs: number, provider: string): Promise<T> {
  return withTimeout(
    work,
    timeoutMs,
    () => new ProviderTimeoutError(`Payment provider "${provider}" did not answer within ${timeoutMs / 1000} s`),
  );
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
