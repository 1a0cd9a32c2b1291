/** `checkout-widget/server/providers/commercelayer`: Commerce Layer orders paid with checkout.com Frames card tokens. */
export {
  createCommerceLayerProvider,
  createMemoryCommerceLayerStore,
  type CommerceLayerProvider,
  type CommerceLayerProviderOptions,
  type CommerceLayerSessionRecord,
  type CommerceLayerSessionStore,
} from './server.js';
