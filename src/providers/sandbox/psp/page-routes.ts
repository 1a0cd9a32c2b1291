/** The hosted payment page: card (decline and 3-D Secure included), BLIK, and cancel. */
import type { Context, Hono } from 'hono';
import type { PayMethod, PayView } from '../page.js';
import { checkCard, ONLY_TEST_CARDS, SANDBOX_BLIK_CODES, SANDBOX_TEST_CARDS } from './cards.js';
import { formFields } from './http.js';
import type { PspSession } from './model.js';
import { cancelAndReturn, completeAndReturn, finalView, notFoundPage, payPage } from './pages.js';
import type { PspState } from './state.js';

export function addPageRoutes(app: Hono, state: PspState): void {
  app.get('/pay/:id', (c) => withSession(state, c.req.param('id'), (session) => showPayPage(c, state, session)));
  app.post('/pay/:id/card', (c) => withOpenSession(state, c.req.param('id'), (session) => payByCard(c, state, session)));
  app.post('/pay/:id/3ds', (c) => withSession(state, c.req.param('id'), (session) => answerChallenge(c, state, session)));
  app.post('/pay/:id/blik', (c) => withOpenSession(state, c.req.param('id'), (session) => payByBlik(c, state, session)));
  app.post('/pay/:id/cancel', (c) => withSession(state, c.req.param('id'), (session) => cancelPayment(state, session)));
}

type PageHandler = (session: PspSession) => Response | Promise<Response>;

/** The session's handler, or the not-found page. */
function withSession(state: PspState, id: string, handle: PageHandler): Response | Promise<Response> {
  const session = state.session(id);
  return session ? handle(session) : notFoundPage();
}

/** The session's handler while it takes payments; else the page it has come to. */
function withOpenSession(state: PspState, id: string, handle: PageHandler): Response | Promise<Response> {
  return withSession(state, id, (session) => {
    const done = finalView(session);
    return done ? payPage(session, done, state.now(), 'closed') : handle(session);
  });
}

/** A declined attempt, and the form again for another try. */
function declinedPage(state: PspState, session: PspSession, view: PayView): Response {
  state.decline(session);
  return payPage(session, view, state.now(), 'declined');
}

function showPayPage(c: Context, state: PspState, session: PspSession): Response {
  const method: PayMethod = c.req.query('method') === 'blik' ? 'blik' : 'card';
  return payPage(session, finalView(session) ?? { kind: 'form', method }, state.now());
}

async function payByCard(c: Context, state: PspState, session: PspSession): Promise<Response> {
  const fields = await formFields(c);
  const values = { number: fields['number'] ?? '', expiry: (fields['expiry'] ?? '').trim() };
  const invalid = (view: PayView) => payPage(session, view, state.now(), 'invalid');
  const checked = checkCard(fields, state.now());
  if ('field' in checked) return invalid({ kind: 'form', method: 'card', fieldError: checked, values });
  const { number } = checked;
  const last4 = number.slice(-4);
  switch (number) {
    case SANDBOX_TEST_CARDS.success:
      return completeAndReturn(state, session, 'card', { last4, behaviour: 'succeeds' });
    case SANDBOX_TEST_CARDS.declinesLater:
      return completeAndReturn(state, session, 'card', { last4, behaviour: 'declines' });
    case SANDBOX_TEST_CARDS.declined:
      return declinedPage(state, session, { kind: 'form', method: 'card', declined: `Your card was declined. Try another card${session.recurring ? '' : ' or pay with BLIK'}.` });
    case SANDBOX_TEST_CARDS.threeDSecure:
      state.awaitChallenge(session, last4);
      return payPage(session, { kind: 'challenge' }, state.now());
    default:
      return invalid({ kind: 'form', method: 'card', fieldError: { field: 'number', message: ONLY_TEST_CARDS }, values });
  }
}

/** The shopper's answer on the hosted page's 3-D Secure step. */
async function answerChallenge(c: Context, state: PspState, session: PspSession): Promise<Response> {
  if (session.status !== 'open' || !session.awaitingChallenge) {
    return payPage(session, finalView(session) ?? { kind: 'form', method: 'card' }, state.now(), 'closed');
  }
  const fields = await formFields(c);
  if (fields['action'] === 'complete') return completeAndReturn(state, session, 'card', session.challengeCard);
  state.failChallenge(session);
  return payPage(session, { kind: 'form', method: 'card', declined: 'Authentication failed, so the card was declined. Try again or use another card.' }, state.now(), 'declined');
}

async function payByBlik(c: Context, state: PspState, session: PspSession): Promise<Response> {
  const invalid = (view: PayView) => payPage(session, view, state.now(), 'invalid');
  if (session.recurring) {
    // A BLIK payment cannot be charged again later: recurring sessions take cards only.
    return invalid({ kind: 'form', method: 'card', declined: 'BLIK cannot be saved for later payments. Pay by card.' });
  }
  const code = ((await formFields(c))['code'] ?? '').trim();
  if (!/^\d{6}$/.test(code)) {
    return invalid({ kind: 'form', method: 'blik', fieldError: { field: 'code', message: 'Enter the 6-digit BLIK code.' } });
  }
  if (code === SANDBOX_BLIK_CODES.success) return completeAndReturn(state, session, 'blik');
  if (code === SANDBOX_BLIK_CODES.declined) {
    return declinedPage(state, session, { kind: 'form', method: 'blik', declined: 'The BLIK payment was declined in the banking app. Try a new code.' });
  }
  return invalid({ kind: 'form', method: 'blik', fieldError: { field: 'code', message: 'This BLIK code is not valid. Generate a new code in your banking app.' } });
}

function cancelPayment(state: PspState, session: PspSession): Response {
  if (session.status !== 'open') return payPage(session, finalView(session)!, state.now(), 'closed');
  return cancelAndReturn(state, session);
}
