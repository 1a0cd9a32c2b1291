// src/routes/checkout/+page.ts: the checkout page renders in the browser only (no server-rendered
// <checkout-widget> that the browser upgrades before Svelte sets its `payload`).
export const ssr = false;
