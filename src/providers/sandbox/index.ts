/**
 * `checkout-widget/server/providers/sandbox`: the adapter for the built-in sandbox PSP. The PSP
 * itself (Node only) is started by `startSandbox()` from `checkout-widget/server/node`.
 */
export { createSandboxProvider, type SandboxProviderOptions, type SandboxSessionKind, type SandboxTokenProvider } from './server.js';
