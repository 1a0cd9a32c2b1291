/**
 * Reepay (Frisbii) Checkout session ids: charge (`cs_`) and recurring (`pa_`) sessions. A module
 * of its own so the renderer chunk can use it without the shape's validators (zod).
 */
export const REEPAY_SESSION_ID = /^(cs|pa)_[a-f0-9]{32}$/;
