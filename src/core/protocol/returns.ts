/** The return URL's parameters (docs/protocol.md, "Returns"). */

/** The outcomes a provider returns the shopper with: `{base}/return/accept` or `/cancel`. */
export const RETURN_RESULTS = ['accept', 'cancel'] as const;
/** One of `RETURN_RESULTS`. */
export type ReturnResult = (typeof RETURN_RESULTS)[number];
/** The shop page's query after a top-level return: the session … */
export const RETURN_SESSION_PARAM = 'checkout_session';
/** … and its outcome (`accept` or `cancel`). */
export const RETURN_RESULT_PARAM = 'checkout_result';
/** Our order reference in a return URL, for providers that cannot fill in their session id. */
export const RETURN_REFERENCE_PARAM = 'checkout_ref';

