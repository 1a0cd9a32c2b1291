import {
  type CheckoutMessage,
  MESSAGE_TYPE,
  MESSAGE_VERSION,
  RETURN_REFERENCE_PARAM,
  RETURN_RESULT_PARAM,
  RETURN_SESSION_PARAM,
  type ReturnResult,
} from '../core/protocol.js';
import { SESSION_ID_PLACEHOLDER } from './adapter-kit/return-url.js';
import { createNonce, escapeHtml, jsonForScript } from './html.js';

/** Query parameters that may carry the session id, in order of preference. */
export const SESSION_ID_QUERY_PARAMS = [RETURN_SESSION_PARAM, 'id', 'session_id'] as const;
/** Parameters the bridge itself owns: never passed on as provider params. */
const BRIDGE_PARAMS = new Set([RETURN_SESSION_PARAM, RETURN_RESULT_PARAM, RETURN_REFERENCE_PARAM]);
const UNFILLED_PLACEHOLDER = /^\{[A-Z_]+\}$/;

/**
 * The return bridge URLs a provider sends the shopper to. `{SESSION_ID}` is filled in by providers
 * that can; `checkout_ref` (our order reference) finds the session for those that cannot.
 */
export function returnUrls(base: string, reference: string): { acceptUrl: string; cancelUrl: string } {
  const url = (result: ReturnResult) =>
    `${base}/return/${result}?${RETURN_SESSION_PARAM}=${SESSION_ID_PLACEHOLDER}&${RETURN_REFERENCE_PARAM}=${encodeURIComponent(reference)}`;
  return { acceptUrl: url('accept'), cancelUrl: url('cancel') };
}

/**
 * The session id in a return URL. A provider that cannot fill our `{SESSION_ID}` placeholder
 * leaves it literally in `checkout_session` and sends its own parameter (Reepay: `id`), so a
 * literal placeholder counts as absent.
 */
export function sessionIdFromQuery(query: URLSearchParams): string | undefined {
  for (const name of SESSION_ID_QUERY_PARAMS) {
    const value = query.get(name)?.trim();
    if (value && !UNFILLED_PLACEHOLDER.test(value)) return value;
  }
  return undefined;
}

/** The provider's parameters that come with the return, for the widget's event `params`. */
export function providerParams(query: URLSearchParams): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [name, value] of query) {
    if (!BRIDGE_PARAMS.has(name) && !Object.hasOwn(params, name)) params[name] = value;
  }
  return params;
}

/** The shop page with the outcome in its query, for a top-level (redirect-mode) return. */
export function shopReturnUrl(
  returnPage: string,
  result: ReturnResult,
  sessionId: string,
  params: Record<string, string>,
): string {
  const url = new URL(returnPage);
  url.hash = '';
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  url.searchParams.set(RETURN_SESSION_PARAM, sessionId);
  url.searchParams.set(RETURN_RESULT_PARAM, result);
  return url.href;
}

export interface ReturnBridgeInput {
  result: ReturnResult;
  sessionId: string;
  params: Record<string, string>;
  /** The message goes only to this origin. */
  shopOrigin: string;
  /** Absolute shop page URL for a top-level return. */
  redirectUrl: string;
}

export interface RenderedPage {
  html: string;
  headers: Record<string, string>;
}

/**
 * The return bridge page: in a frame it posts the outcome to the parent, in a popup to the
 * opener (then closes), at top level it goes back to the shop page. Its one inline script is
 * allowed by a per-response nonce; nothing else may load.
 */
export function renderReturnBridge(input: ReturnBridgeInput): RenderedPage {
  const nonce = createNonce();
  const message: CheckoutMessage = {
    type: MESSAGE_TYPE,
    version: MESSAGE_VERSION,
    event: input.result,
    session: input.sessionId,
    params: input.params,
  };
  const data = { message, targetOrigin: input.shopOrigin, redirectUrl: input.redirectUrl };
  const heading = input.result === 'accept' ? 'Payment submitted' : 'Payment cancelled';
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${heading}</title>
<style nonce="${nonce}">body{font:16px/1.5 system-ui,sans-serif;margin:2rem;color:#1a1a1a}a{color:#0b57d0}</style>
</head>
<body>
<main>
<h1>${heading}</h1>
<p>Returning to the shop&hellip;</p>
<p><a id="checkout-return-link" href="${escapeHtml(input.redirectUrl)}">Continue to the shop</a></p>
</main>
<script nonce="${nonce}">
(function () {
  var data = ${jsonForScript(data)};
  var framed = false;
  try { framed = window.parent !== window; } catch (e) { framed = true; }
  if (framed) {
    window.parent.postMessage(data.message, data.targetOrigin);
    return;
  }
  if (window.opener && window.opener !== window) {
    try { window.opener.postMessage(data.message, data.targetOrigin); } catch (e) {}
    window.close();
    // A window the page did not open by script cannot be closed: then go back like a top-level return.
    setTimeout(function () { if (!window.closed) location.replace(data.redirectUrl); }, 500);
    return;
  }
  location.replace(data.redirectUrl);
})();
</script>
</body>
</html>
`;
  return {
    html,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': [
        "default-src 'none'",
        `script-src 'nonce-${nonce}'`,
        `style-src 'nonce-${nonce}'`,
        "base-uri 'none'",
        "form-action 'none'",
        `frame-ancestors ${cspSource(input.shopOrigin)}`,
      ].join('; '),
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
    },
  };
}

/** An origin as a CSP source expression; anything odd (e.g. `null`) becomes 'self'. */
function cspSource(origin: string): string {
  return /^https?:\/\/[A-Za-z0-9.\-:[\]]+$/.test(origin) ? origin : "'self'";
}
