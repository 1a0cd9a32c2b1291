/** Card-token sessions in the browser: the Frames double (script and card frame) and the 3-D Secure page. */
import type { Context, Hono } from 'hono';
import { createNonce } from '../../../server/html.js';
import { cardFramePage, framesScript, threeDSecurePage } from '../frames.js';
import type { PspCredentials } from './credentials.js';
import { formFields, publicOrigin, scriptResponse } from './http.js';
import type { PspSession } from './model.js';
import { cancelAndReturn, completeAndReturn, htmlPage, returnTargets, textPage } from './pages.js';
import type { PspState } from './state.js';

export interface FramesRoutesDeps {
  state: PspState;
  credentials: PspCredentials;
  /** Where browsers reach the PSP, if configured (else the origin of each request). */
  configuredPublicUrl: string | undefined;
}

export function addFramesRoutes(app: Hono, deps: FramesRoutesDeps): void {
  app.get('/v1/frames.js', (c) => scriptResponse(framesScript(publicOrigin(c, deps.configuredPublicUrl))));
  app.get('/v1/frames/card', (c) => cardFrame(c, deps.credentials));
  app.get('/v1/3ds/:id', (c) => challengePage(challenged(deps.state, c.req.param('id'))));
  app.post('/v1/3ds/:id', (c) => answerChallenge(c, deps.state, challenged(deps.state, c.req.param('id'))));
}


function cardFrame(c: Context, credentials: PspCredentials): Response {
  const parentOrigin = c.req.query('origin') ?? '';
  if (!credentials.isPublicKey(c.req.query('key') ?? '')) return textPage(401, 'Unknown public key');
  if (!/^https?:\/\/[A-Za-z0-9.\-:[\]]+$/.test(parentOrigin)) return textPage(400, 'Missing or invalid origin');
  const nonce = createNonce();
  const page = cardFramePage({ publicKey: credentials.publicKey, parentOrigin, nonce });
  // Only the page that asked for it may frame it: its messages go to that origin alone.
  return htmlPage(page, nonce, ["connect-src 'self'", "form-action 'none'", `frame-ancestors ${parentOrigin}`]);
}

/** The 3-D Secure session of a card-token payment, or undefined. */
function challenged(state: PspState, id: string): PspSession | undefined {
  const session = state.session(id);
  return session?.cardToken && session.status === 'open' && session.awaitingChallenge ? session : undefined;
}

function challengePage(session: PspSession | undefined): Response {
  if (!session) return textPage(404, 'No payment waits for 3-D Secure here');
  const nonce = createNonce();
  const amount = `${(session.amount / 100).toFixed(2)} ${session.currency}`;
  // A bank's page: never in a frame (the session says frameable: false).
  return htmlPage(threeDSecurePage({ sessionId: session.id, amount, nonce }), nonce, [`form-action ${returnTargets(session)}`, "frame-ancestors 'none'"], {
    'x-frame-options': 'DENY',
  });
}

async function answerChallenge(c: Context, state: PspState, session: PspSession | undefined): Promise<Response> {
  if (!session) return textPage(409, 'No payment waits for 3-D Secure here');
  const action = (await formFields(c))['action'];
  // A failed authentication ends this session: its token route is closed once 3-D Secure started.
  return action === 'complete' ? completeAndReturn(state, session, 'card', session.challengeCard) : cancelAndReturn(state, session);
}
