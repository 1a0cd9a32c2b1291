/** The pages a shopper sees at the PSP, under strict CSPs, and the redirects back to the shop. */
import { createNonce } from '../../../server/html.js';
import { renderPayPage, type PayMethod, type PayView } from '../page.js';
import { SANDBOX_ID_PLACEHOLDER } from '../protocol.js';
import type { CardOnFile, PspSession } from './model.js';
import type { PspState } from './state.js';

/** What a post to the hosted page came to, in the `Sandbox-Outcome` header. */
export type PageOutcome = 'invalid' | 'declined' | 'closed';

/**
 * A PSP page under a strict CSP: only its own nonce'd script and style, plus `directives`.
 * (Form posts: Chrome checks form-action on the redirect after a post too.)
 */
export function htmlPage(html: string, nonce: string, directives: string[], headers?: Record<string, string>): Response {
  return new Response(html, {
    headers: {
      ...headers,
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'content-security-policy': ["default-src 'none'", `script-src 'nonce-${nonce}'`, `style-src 'nonce-${nonce}'`, "base-uri 'none'", ...directives].join('; '),
    },
  });
}

/** A page that only says `text`, never framed. */
export function textPage(status: number, text: string): Response {
  return new Response(`<!doctype html><html lang="en"><meta charset="utf-8"><title>${text}</title><h1>${text}</h1></html>`, {
    status,
    headers: { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'", 'x-frame-options': 'DENY' },
  });
}

/** The hosted page of a session the PSP does not know (frameable, as the hosted page is). */
export function notFoundPage(): Response {
  return new Response('<!doctype html><html lang="en"><meta charset="utf-8"><title>Not found</title><h1>Payment not found</h1></html>', {
    status: 404,
    headers: { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'" },
  });
}

function fillId(url: string, id: string): string {
  return url.replaceAll(SANDBOX_ID_PLACEHOLDER, encodeURIComponent(id)).replaceAll('%7BID%7D', encodeURIComponent(id));
}

/** Where a session's forms may go: the PSP and the shop's return URLs (a `form-action` source list). */
export function returnTargets(session: { acceptUrl: string; cancelUrl: string }): string {
  return [...new Set(["'self'", new URL(fillId(session.acceptUrl, 'x')).origin, new URL(fillId(session.cancelUrl, 'x')).origin])].join(' ');
}

function acceptUrl(session: PspSession): string {
  const url = new URL(fillId(session.acceptUrl, session.id));
  if (session.paymentMethod) url.searchParams.set('payment_method', session.paymentMethod);
  return url.href;
}

/**
 * The hosted page of a session. Always 200, like a PSP re-rendering its form, so browsers log no
 * errors; the outcome of a post is in the `Sandbox-Outcome` header for tests and tools.
 */
export function payPage(session: PspSession, view: PayView, now: number, outcome?: PageOutcome): Response {
  const nonce = createNonce();
  const html = renderPayPage({
    id: session.id,
    amount: session.amount,
    currency: session.currency,
    ...(session.locale && { locale: session.locale }),
    lines: session.lines,
    shopOrigin: new URL(session.acceptUrl).origin,
    nonce,
    view,
    expiresInMs: session.expiresAt - now,
    saveCard: session.recurring,
  });
  // No X-Frame-Options and no frame-ancestors: the page is meant to be framed by shops.
  return htmlPage(html, nonce, [`form-action ${returnTargets(session)}`], outcome && { 'sandbox-outcome': outcome });
}

/** The page for a session that is no longer open (or waiting on 3-D Secure). */
export function finalView(session: PspSession): PayView | undefined {
  switch (session.status) {
    case 'complete':
      return { kind: 'complete', acceptUrl: acceptUrl(session) };
    case 'cancelled':
      return { kind: 'cancelled', cancelUrl: fillId(session.cancelUrl, session.id) };
    case 'expired':
      return { kind: 'expired', cancelUrl: fillId(session.cancelUrl, session.id) };
    case 'open':
      return session.awaitingChallenge ? { kind: 'challenge' } : undefined;
  }
}

function seeOther(location: string): Response {
  return new Response(null, { status: 303, headers: { location, 'cache-control': 'no-store' } });
}

/** Completes the session and goes on to the shop's accept URL. */
export function completeAndReturn(state: PspState, session: PspSession, method: PayMethod, card?: CardOnFile): Response {
  state.complete(session, method, card);
  // Like a real PSP: the frame or window the page is in goes on to the shop's accept URL.
  return seeOther(acceptUrl(session));
}

/** Cancels the session and goes on to the shop's cancel URL. */
export function cancelAndReturn(state: PspState, session: PspSession): Response {
  state.cancel(session);
  return seeOther(fillId(session.cancelUrl, session.id));
}
