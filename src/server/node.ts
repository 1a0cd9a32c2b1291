/** `checkout-widget/server/node`: the handler on Node's HTTP server, and the sandbox PSP (Node only: it keeps its state in a file). */
export {
  checkoutMiddleware,
  serveNode,
  toNodeListener,
  type CheckoutMiddlewareOptions,
  type NodeServerHandle,
  type ServeNodeOptions,
} from './node-http.js';
/** The sandbox PSP: Node only (it keeps its state in a file), so not in the edge-safe `./server`. */
export {
  createSandboxPsp,
  SANDBOX_BLIK_CODES,
  SANDBOX_TEST_CARDS,
  type SandboxPsp,
  type SandboxPspOptions,
} from '../providers/sandbox/psp.js';
export { startSandbox, type RunningSandbox, type StartSandboxOptions } from '../providers/sandbox/start.js';
