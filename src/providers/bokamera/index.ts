/** `checkout-widget/server/providers/bokamera`: BokaMera bookings paid through its Stripe checkout (a provider-native answer). */
export { createBokaMeraProvider, type BokaMeraArticle, type BokaMeraProviderOptions } from './server.js';
