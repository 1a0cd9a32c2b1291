/** What the checkout adapter (`server.ts`) and the billing client (`on-demand.ts`) both need of Reepay's API. */

export const REEPAY_CHECKOUT_API_URL = 'https://checkout-api.reepay.com';
export const REEPAY_API_URL = 'https://api.reepay.com';
/** A private API key: never leaves the server. */
export const REEPAY_PRIVATE_KEY = /^priv_\S+$/;
