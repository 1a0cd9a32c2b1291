import { Hono } from 'hono';
import { defaultReturnPage, ownOrigin } from '../origins.js';
import { RETURN_REFERENCE_PARAM, RETURN_RESULTS, type ReturnResult } from '../../core/protocol.js';
import { providerParams, renderReturnBridge, sessionIdFromQuery, shopReturnUrl } from '../return-bridge-page.js';
import { errorAnswer } from '../responses.js';
import type { CheckoutContext, CheckoutEnv } from './context.js';
import { SESSION_ID_PATTERN } from './sessions.js';

const MISSING_SESSION_PAGE =
  '<!doctype html><html lang="en"><meta charset="utf-8"><title>Missing session</title><h1>Missing session</h1><p>This return link names no valid checkout session.</p></html>';

/** `GET /return/:result`: the page a provider sends the shopper back to (the page itself is in `../return-bridge-page.ts`). */
export function returnBridgeRoutes(): Hono<CheckoutEnv> {
  return new Hono<CheckoutEnv>().get('/return/:result', returnBridge);
}

async function returnBridge(c: CheckoutContext): Promise<Response> {
  const { config } = c.get('checkout');
  const result = c.req.param('result') as ReturnResult;
  if (!RETURN_RESULTS.includes(result)) return errorAnswer(c, 404, 'not_found', 'Not found');
  const request = c.req.raw;
  const query = new URL(request.url).searchParams;
  const reference = query.get(RETURN_REFERENCE_PARAM);
  const sessionId =
    sessionIdFromQuery(query) ?? (reference ? (await config.store.getSessionByReference(reference))?.sessionId : undefined);
  if (!sessionId || !SESSION_ID_PATTERN.test(sessionId)) {
    return c.html(MISSING_SESSION_PAGE, 400, {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': "default-src 'none'",
    });
  }
  const record = await config.store.getSession(sessionId);
  const shopOrigin = record?.shopOrigin ?? ownOrigin(config, request);
  const returnPage = record?.returnPage ?? defaultReturnPage(config, shopOrigin);
  const params = providerParams(query);
  const page = renderReturnBridge({
    result,
    sessionId,
    params,
    shopOrigin,
    redirectUrl: shopReturnUrl(returnPage, result, sessionId, params),
  });
  return c.html(page.html, 200, page.headers);
}
