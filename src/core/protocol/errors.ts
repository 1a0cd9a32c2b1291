/** Error codes of the widget and of the backend (docs/protocol.md, "Errors"). */

/** Every `code` a `CheckoutError` can carry: branch on these, not on `message`, which is technical text for logs. */
export const ERROR_CODES = [
  'endpoint_unreachable',
  'endpoint_error',
  'invalid_session',
  'provider_load_failed',
  'popup_blocked',
  'payment_failed',
  'verification_failed',
  'rate_limited',
  'missing_endpoint',
  'payment_in_flight',
] as const;
/**
 * Why the widget failed, one of `ERROR_CODES`; the shopper sees the widget's own text for it (the
 * `strings` property overrides it).
 */
export type CheckoutErrorCode = (typeof ERROR_CODES)[number];

/** Every `error.code` the backend answers with (HTTP status in docs/protocol.md). */
export const API_ERROR_CODES = [
  'invalid_request',
  'host_not_allowed',
  'forbidden',
  'not_found',
  'method_not_allowed',
  'idempotency_conflict',
  'not_card_token',
  'session_closed',
  'payment_in_flight',
  'payment_failed',
  'invalid_signature',
  'body_already_read',
  'internal_error',
  'provider_error',
  'store_unavailable',
  'shutting_down',
  'rate_limited',
] as const;
/** One of `API_ERROR_CODES`. */
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

/** A field the backend refused, as a 400 answer lists it. */
export interface ApiIssue {
  code: string;
  path: (string | number)[];
  message: string;
}

/** Every non-2xx answer of the backend: `message` is for people, `code` for code, `issues` name the fields. */
export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string; issues?: ApiIssue[] };
}
