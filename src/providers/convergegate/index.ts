/** `checkout-widget/server/providers/convergegate`: ConvergeGate hosted checkout sessions. */
export { createConvergeGateProvider, type ConvergeGateProviderOptions } from './server.js';
