import type { CheckoutErrorCode, CheckoutSession } from './protocol.js';

/** The one error type the widget reports: it becomes the detail of `checkout-error`. */
export class CheckoutError extends Error {
  override readonly name = 'CheckoutError';
  readonly code: CheckoutErrorCode;
  readonly retryable: boolean;
  /** HTTP status of the endpoint's answer, where there was one. */
  readonly status?: number;
  session?: CheckoutSession;

  constructor(
    code: CheckoutErrorCode,
    message: string,
    options: { retryable?: boolean; status?: number; session?: CheckoutSession; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? false;
    if (options.status !== undefined) this.status = options.status;
    if (options.session) this.session = options.session;
  }
}

/** An AbortError is a cancellation, never an error to report. */
export function isAbortError(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { name?: unknown }).name === 'AbortError'
  );
}
