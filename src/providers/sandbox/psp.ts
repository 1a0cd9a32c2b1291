import { createHash } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { createNonce } from '../../server/html.js';
import { signSandboxPayload } from '../../server/adapter-kit/webhook-signatures.js';
import { SANDBOX_ID_PLACEHOLDER, SANDBOX_SIGNATURE_HEADER } from './protocol.js';
import { cardFramePage, framesScript, threeDSecurePage } from './frames.js';
import { renderPayPage, type PayMethod, type PayView } from './page.js';
import { checkCard, ONLY_TEST_CARDS, SANDBOX_BLIK_CODES, SANDBOX_DECLINE_REASON, SANDBOX_TEST_CARDS, TOKENIZABLE_CARDS } from './psp/cards.js';
import { createCredentials } from './psp/credentials.js';
import {
  CHARGE_ID_PATTERN,
  newId,
  PAYMENT_METHOD_ID_PATTERN,
  SESSION_ID_PATTERN,
  TOKEN_ID_PATTERN,
  type IdempotencyEntry,
  type PspCharge,
  type PspPaymentMethod,
  type PspSession,
  type PspToken,
} from './psp/model.js';
import type { SandboxPsp, SandboxPspOptions } from './psp/options.js';
import { loadStateFile, saveStateFile } from './psp/persistence.js';
import { createWebhookSender } from './psp/webhooks.js';

// Re-exported for the PSP's users (tests, demo): the signer is the adapter toolkit's, so the scheme is written once.
export { SANDBOX_ID_PLACEHOLDER, SANDBOX_SIGNATURE_HEADER, signSandboxPayload };
export { SANDBOX_BLIK_CODES, SANDBOX_DECLINE_REASON, SANDBOX_TEST_CARDS } from './psp/cards.js';
export type { SandboxStatus } from './psp/model.js';
export type { SandboxPsp, SandboxPspOptions } from './psp/options.js';
export { loadOrCreateSandboxKeys } from './psp/persistence.js';

const MAX_SESSIONS = 10_000;

const lineSchema = z.object({
  sku: z.string().optional(),
  name: z.string().min(1).max(200),
  quantity: z.number().int().min(1),
  unit_amount: z.number().int().min(0),
  vat_rate: z.number().min(0).max(1).optional(),
});

const httpUrl = z.url({ protocol: /^https?$/ });

const createBodySchema = z
  .object({
    amount: z.number().int().min(0),
    currency: z.string().regex(/^[A-Z]{3}$/),
    lines: z.array(lineSchema).max(200),
    reference: z.string().min(1).max(64),
    accept_url: httpUrl,
    cancel_url: httpUrl,
    notification_url: httpUrl.optional(),
    locale: z.string().max(35).optional(),
    expires_in: z.number().int().min(1).max(86_400).optional(),
    /** Save the card for later charges (`POST /v1/charges`); needs `customer`. */
    recurring: z.boolean().optional(),
    /** The shop's handle for the customer a saved card belongs to. */
    customer: z.string().min(1).max(255).optional(),
    /** `card_token`: paid with a token from the card frame (`POST /v1/sessions/:id/pay`). Default `hosted`. */
    kind: z.enum(['hosted', 'card_token']).optional(),
  })
  .superRefine((body, context) => {
    if (body.recurring && !body.customer) {
      context.addIssue({ code: 'custom', path: ['customer'], message: 'a recurring session needs the customer handle' });
    }
    if (body.amount === 0 && !body.recurring) {
      context.addIssue({ code: 'custom', path: ['amount'], message: 'must be at least 1 (0 only for a recurring session that saves a card)' });
    }
    if (body.amount > 0 && body.lines.length === 0) {
      context.addIssue({ code: 'custom', path: ['lines'], message: 'a payment needs at least one line' });
    }
  });

const chargeBodySchema = z.object({
  /** A saved card, `pm_…`, from a completed recurring session. */
  payment_method: z.string().min(1).max(64),
  amount: z.number().int().min(1),
  currency: z.string().regex(/^[A-Z]{3}$/),
  reference: z.string().min(1).max(64),
  lines: z.array(lineSchema).max(200).optional(),
  notification_url: httpUrl.optional(),
  /** When given, the card must belong to this customer. */
  customer: z.string().min(1).max(255).optional(),
});

function apiError(status: number, code: string, message: string): Response {
  return Response.json({ error: { code, message } }, { status });
}

/**
 * A PSP page under a strict CSP: only its own nonce'd script and style, plus `directives`.
 * (Form posts: Chrome checks form-action on the redirect after a post too.)
 */
function htmlPage(html: string, nonce: string, directives: string[], headers?: Record<string, string>): Response {
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

/** Where a session's forms may go: the PSP and the shop's return URLs. */
function returnTargets(session: { acceptUrl: string; cancelUrl: string }): Set<string> {
  return new Set(["'self'", new URL(fillId(session.acceptUrl, 'x')).origin, new URL(fillId(session.cancelUrl, 'x')).origin]);
}

function fillId(url: string, id: string): string {
  return url.replaceAll(SANDBOX_ID_PLACEHOLDER, encodeURIComponent(id)).replaceAll('%7BID%7D', encodeURIComponent(id));
}

/**
 * A small but real-behaving payment service provider for offline development and tests: an API
 * with Basic auth, a frameable hosted page with card (incl. decline and 3-D Secure) and BLIK,
 * expiry, and signed webhooks. Run it on its own port so it is a different origin from the shop.
 */
export function createSandboxPsp(options: SandboxPspOptions): SandboxPsp {
  if (!options.secretKey) throw new TypeError('createSandboxPsp needs a secretKey');
  if (!options.webhookSecret) throw new TypeError('createSandboxPsp needs a webhookSecret');
  const now = options.now ?? Date.now;
  const ttlSeconds = options.ttlSeconds ?? 1800;
  const logger = options.logger ?? console;
  const configuredPublicUrl = options.publicUrl?.replace(/\/+$/, '');
  const credentials = createCredentials(options.secretKey);
  const webhooks = createWebhookSender({
    secret: options.webhookSecret,
    send: options.fetch ?? fetch,
    now,
    retryDelayMs: options.webhookRetryDelayMs ?? 2000,
    attempts: options.webhookAttempts ?? 12,
    logger,
  });
  const sessions = new Map<string, PspSession>();
  const idempotent = new Map<string, IdempotencyEntry>();
  const paymentMethods = new Map<string, PspPaymentMethod>();
  const charges = new Map<string, PspCharge>();
  const tokens = new Map<string, PspToken>();
  const { publicKey } = credentials;
  const stateFile = options.stateFile;

  if (stateFile) {
    const stored = loadStateFile(stateFile);
    for (const session of stored?.sessions ?? []) sessions.set(session.id, session);
    for (const [key, entry] of stored?.idempotency ?? []) idempotent.set(key, entry);
    for (const method of stored?.payment_methods ?? []) paymentMethods.set(method.id, method);
    for (const charge of stored?.charges ?? []) charges.set(charge.id, charge);
    for (const token of stored?.tokens ?? []) tokens.set(token.id, token);
  }

  /** Writes the state after a change (no-op without a state file). */
  function save(): void {
    if (!stateFile) return;
    saveStateFile(stateFile, {
      sessions: [...sessions.values()],
      idempotency: [...idempotent],
      payment_methods: [...paymentMethods.values()],
      charges: [...charges.values()],
      tokens: [...tokens.values()],
    });
  }

  function authorised(c: Context): boolean {
    return credentials.hasSecretKey(c.req.header('authorization'));
  }

  /** A session with its status brought up to date with the clock. */
  function current(id: string): PspSession | undefined {
    const session = SESSION_ID_PATTERN.test(id) ? sessions.get(id) : undefined;
    if (session && session.status === 'open' && now() >= session.expiresAt) {
      session.status = 'expired';
      session.awaitingChallenge = false;
      delete session.challengeCard;
    }
    return session;
  }

  function forget(): void {
    // Sessions are kept a day past expiry so late reads still answer, then dropped; and never more than MAX_SESSIONS.
    const cutoff = now() - 24 * 60 * 60 * 1000;
    for (const [id, session] of sessions) {
      if (sessions.size > MAX_SESSIONS || session.expiresAt < cutoff) {
        sessions.delete(id);
        continue;
      }
      break;
    }
    while (idempotent.size > MAX_SESSIONS) idempotent.delete(idempotent.keys().next().value!);
    // Saved cards outlive their sessions; only a runaway sandbox drops the oldest.
    while (paymentMethods.size > MAX_SESSIONS) paymentMethods.delete(paymentMethods.keys().next().value!);
    while (charges.size > MAX_SESSIONS) charges.delete(charges.keys().next().value!);
    while (tokens.size > MAX_SESSIONS) tokens.delete(tokens.keys().next().value!);
  }

  function toApi(session: PspSession) {
    return {
      id: session.id,
      object: 'session',
      url: `${session.publicUrl}/pay/${session.id}`,
      status: session.status,
      amount: session.amount,
      currency: session.currency,
      reference: session.reference,
      payment_method: session.paymentMethod ?? null,
      recurring: session.recurring,
      customer: session.customer ?? null,
      payment_method_id: session.savedPaymentMethodId ?? null,
      failed_attempts: session.failedAttempts,
      expires_at: new Date(session.expiresAt).toISOString(),
      ...(session.cardToken && {
        kind: 'card_token',
        public_key: publicKey,
        frames_url: `${session.publicUrl}/v1/frames.js`,
        challenge_url: session.status === 'open' && session.awaitingChallenge ? `${session.publicUrl}/v1/3ds/${session.id}` : null,
      }),
    };
  }

  function chargeToApi(charge: PspCharge) {
    return {
      id: charge.id,
      object: 'charge',
      status: charge.status,
      amount: charge.amount,
      currency: charge.currency,
      reference: charge.reference,
      payment_method: charge.paymentMethod,
      ...(charge.failureReason && { failure_reason: charge.failureReason }),
    };
  }

  /** A declined attempt: counted where status reads see it, and the form shown again for another try. */
  function declined(session: PspSession, view: PayView): Response {
    session.failedAttempts += 1;
    save();
    return page(session, view, 'declined');
  }

  function shopOrigin(session: PspSession): string {
    return new URL(session.acceptUrl).origin;
  }

  /**
   * Always 200, like a PSP re-rendering its form, so browsers log no errors; the outcome of a
   * post is in the `Sandbox-Outcome` header for tests and tools.
   */
  function page(session: PspSession, view: PayView, outcome?: 'invalid' | 'declined' | 'closed'): Response {
    const nonce = createNonce();
    const html = renderPayPage({
      id: session.id,
      amount: session.amount,
      currency: session.currency,
      ...(session.locale && { locale: session.locale }),
      lines: session.lines,
      shopOrigin: shopOrigin(session),
      nonce,
      view,
      expiresInMs: session.expiresAt - now(),
      saveCard: session.recurring,
    });
    const formTargets = returnTargets(session);
    // No X-Frame-Options and no frame-ancestors: the page is meant to be framed by shops.
    return htmlPage(html, nonce, [`form-action ${[...formTargets].join(' ')}`], outcome && { 'sandbox-outcome': outcome });
  }

  /** The page for a session that is no longer open (or waiting on 3-D Secure). */
  function finalView(session: PspSession): PayView | undefined {
    switch (session.status) {
      case 'complete':
        return { kind: 'complete', acceptUrl: returnUrl(session, session.acceptUrl) };
      case 'cancelled':
        return { kind: 'cancelled', cancelUrl: fillId(session.cancelUrl, session.id) };
      case 'expired':
        return { kind: 'expired', cancelUrl: fillId(session.cancelUrl, session.id) };
      case 'open':
        return session.awaitingChallenge ? { kind: 'challenge' } : undefined;
    }
  }

  function returnUrl(session: PspSession, template: string): string {
    const url = new URL(fillId(template, session.id));
    if (session.paymentMethod) url.searchParams.set('payment_method', session.paymentMethod);
    return url.href;
  }

  /** Completes the session and goes on to the shop's accept URL. */
  function complete(session: PspSession, method: PayMethod, card?: PspSession['challengeCard']): Response {
    markComplete(session, method, card);
    // Like a real PSP: the frame or window the page is in goes on to the shop's accept URL.
    return new Response(null, { status: 303, headers: { location: returnUrl(session, session.acceptUrl), 'cache-control': 'no-store' } });
  }

  /** Completes the session; a recurring one saves the card it was paid with for its customer. */
  function markComplete(session: PspSession, method: PayMethod, card?: PspSession['challengeCard']): void {
    session.status = 'complete';
    session.paymentMethod = method;
    session.awaitingChallenge = false;
    delete session.challengeCard;
    if (session.recurring && session.customer && card) {
      const saved: PspPaymentMethod = {
        id: newId('pm_'),
        customer: session.customer,
        sessionId: session.id,
        last4: card.last4,
        behaviour: card.behaviour,
        createdAt: now(),
      };
      paymentMethods.set(saved.id, saved);
      session.savedPaymentMethodId = saved.id;
    }
    save();
    webhooks.deliver({ session: session.id }, session.notificationUrl, 'session.completed');
  }

  /** Cancels the session and goes on to the shop's cancel URL. */
  function cancel(session: PspSession): Response {
    session.status = 'cancelled';
    session.awaitingChallenge = false;
    delete session.challengeCard;
    save();
    webhooks.deliver({ session: session.id }, session.notificationUrl, 'session.cancelled');
    return new Response(null, { status: 303, headers: { location: fillId(session.cancelUrl, session.id), 'cache-control': 'no-store' } });
  }

  async function formFields(c: Context): Promise<Record<string, string>> {
    const body = await c.req.parseBody().catch(() => ({}));
    const fields: Record<string, string> = {};
    for (const [name, value] of Object.entries(body)) if (typeof value === 'string') fields[name] = value;
    return fields;
  }

  const app = new Hono();

  const unauthorised = () =>
    new Response(JSON.stringify({ error: { code: 'unauthorized', message: 'Send the secret key as the Basic auth user name' } }), {
      status: 401,
      headers: { 'content-type': 'application/json', 'www-authenticate': 'Basic realm="sandbox"' },
    });

  /**
   * The JSON body validated by `schema`, with its raw text's hash; or the 400 answer. (Not told
   * apart with `instanceof Response`: @hono/node-server swaps the global Response class.)
   */
  async function jsonBody<S extends z.ZodType>(
    c: Context,
    schema: S,
  ): Promise<{ body: z.infer<S>; bodyHash: string; refusal?: never } | { refusal: Response }> {
    const raw = await c.req.text();
    let data: unknown;
    try {
      data = JSON.parse(raw);
    } catch {
      return { refusal: apiError(400, 'invalid_request', 'Body is not valid JSON') };
    }
    const parsed = schema.safeParse(data);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      return { refusal: apiError(400, 'invalid_request', `${first?.path.join('.') || 'body'}: ${first?.message ?? 'invalid'}`) };
    }
    return { body: parsed.data, bodyHash: createHash('sha256').update(raw).digest('hex') };
  }

  app.post('/v1/sessions', async (c) => {
    if (!authorised(c)) return unauthorised();
    const request = await jsonBody(c, createBodySchema);
    if (request.refusal) return request.refusal;
    const { body, bodyHash } = request;
    const key = c.req.header('idempotency-key');
    if (key) {
      const earlier = idempotent.get(key);
      if (earlier && earlier.bodyHash !== bodyHash) {
        return apiError(409, 'idempotency_conflict', 'Idempotency-Key reused with a different body');
      }
      const session = earlier && current(earlier.id);
      if (session) return c.json(toApi(session), 201);
    }
    forget();
    const createdAt = now();
    const session: PspSession = {
      id: newId('sbx_'),
      amount: body.amount,
      currency: body.currency,
      lines: body.lines.map((line) => ({ name: line.name, quantity: line.quantity, unit_amount: line.unit_amount })),
      reference: body.reference,
      acceptUrl: body.accept_url,
      cancelUrl: body.cancel_url,
      ...(body.notification_url && { notificationUrl: body.notification_url }),
      ...(body.locale && { locale: body.locale }),
      publicUrl: configuredPublicUrl ?? new URL(c.req.url).origin,
      createdAt,
      expiresAt: createdAt + (body.expires_in ?? ttlSeconds) * 1000,
      status: 'open',
      awaitingChallenge: false,
      failedAttempts: 0,
      recurring: body.recurring ?? false,
      ...(body.customer && { customer: body.customer }),
      cardToken: body.kind === 'card_token',
    };
    sessions.set(session.id, session);
    if (key) idempotent.set(key, { id: session.id, bodyHash });
    save();
    return c.json(toApi(session), 201);
  });

  app.get('/v1/sessions/:id', (c) => {
    if (!authorised(c)) return apiError(401, 'unauthorized', 'Send the secret key as the Basic auth user name');
    const session = current(c.req.param('id'));
    if (!session) return apiError(404, 'not_found', `No session "${c.req.param('id')}"`);
    return c.json(toApi(session));
  });

  app.post('/v1/charges', async (c) => {
    if (!authorised(c)) return unauthorised();
    const request = await jsonBody(c, chargeBodySchema);
    if (request.refusal) return request.refusal;
    const { body, bodyHash } = request;
    const header = c.req.header('idempotency-key');
    // Keys of charges and of sessions live apart (a header value cannot hold a NUL).
    const key = header ? `charge\u0000${header}` : undefined;
    if (key) {
      const earlier = idempotent.get(key);
      if (earlier && earlier.bodyHash !== bodyHash) {
        return apiError(409, 'idempotency_conflict', 'Idempotency-Key reused with a different body');
      }
      const charge = earlier && charges.get(earlier.id);
      if (charge) return c.json(chargeToApi(charge), 201);
    }
    const method = PAYMENT_METHOD_ID_PATTERN.test(body.payment_method) ? paymentMethods.get(body.payment_method) : undefined;
    if (!method || (body.customer !== undefined && body.customer !== method.customer)) {
      const owner = body.customer === undefined ? '' : ` of customer "${body.customer}"`;
      return apiError(404, 'not_found', `No payment method "${body.payment_method}"${owner}`);
    }
    forget();
    const declined = method.behaviour === 'declines';
    const charge: PspCharge = {
      id: newId('ch_'),
      status: declined ? 'failed' : 'succeeded',
      amount: body.amount,
      currency: body.currency,
      reference: body.reference,
      paymentMethod: method.id,
      lines: (body.lines ?? []).map((line) => ({ name: line.name, quantity: line.quantity, unit_amount: line.unit_amount })),
      ...(declined && { failureReason: SANDBOX_DECLINE_REASON }),
      ...(body.notification_url && { notificationUrl: body.notification_url }),
      createdAt: now(),
    };
    charges.set(charge.id, charge);
    if (key) idempotent.set(key, { id: charge.id, bodyHash });
    save();
    webhooks.deliver({ charge: charge.id }, charge.notificationUrl, declined ? 'charge.failed' : 'charge.succeeded');
    return c.json(chargeToApi(charge), 201);
  });

  app.get('/v1/charges/:id', (c) => {
    if (!authorised(c)) return apiError(401, 'unauthorized', 'Send the secret key as the Basic auth user name');
    const id = c.req.param('id');
    const charge = CHARGE_ID_PATTERN.test(id) ? charges.get(id) : undefined;
    if (!charge) return apiError(404, 'not_found', `No charge "${id}"`);
    return c.json(chargeToApi(charge));
  });

  const textPage = (status: number, text: string) =>
    new Response(`<!doctype html><html lang="en"><meta charset="utf-8"><title>${text}</title><h1>${text}</h1></html>`, {
      status,
      headers: { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'", 'x-frame-options': 'DENY' },
    });

  const notFoundPage = () =>
    new Response('<!doctype html><html lang="en"><meta charset="utf-8"><title>Not found</title><h1>Payment not found</h1></html>', {
      status: 404,
      headers: { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'" },
    });

  app.get('/pay/:id', (c) => {
    const session = current(c.req.param('id'));
    if (!session) return notFoundPage();
    const method: PayMethod = c.req.query('method') === 'blik' ? 'blik' : 'card';
    return page(session, finalView(session) ?? { kind: 'form', method });
  });

  app.post('/pay/:id/card', async (c) => {
    const session = current(c.req.param('id'));
    if (!session) return notFoundPage();
    const done = finalView(session);
    if (done) return page(session, done, 'closed');
    const fields = await formFields(c);
    const values = { number: fields['number'] ?? '', expiry: (fields['expiry'] ?? '').trim() };
    const checked = checkCard(fields, now());
    if ('field' in checked) return page(session, { kind: 'form', method: 'card', fieldError: checked, values }, 'invalid');
    const { number } = checked;
    const last4 = number.slice(-4);
    switch (number) {
      case SANDBOX_TEST_CARDS.success:
        return complete(session, 'card', { last4, behaviour: 'succeeds' });
      case SANDBOX_TEST_CARDS.declinesLater:
        return complete(session, 'card', { last4, behaviour: 'declines' });
      case SANDBOX_TEST_CARDS.declined:
        return declined(session, { kind: 'form', method: 'card', declined: `Your card was declined. Try another card${session.recurring ? '' : ' or pay with BLIK'}.` });
      case SANDBOX_TEST_CARDS.threeDSecure:
        session.awaitingChallenge = true;
        session.challengeCard = { last4, behaviour: 'succeeds' };
        save();
        return page(session, { kind: 'challenge' });
      default:
        return page(session, { kind: 'form', method: 'card', fieldError: { field: 'number', message: ONLY_TEST_CARDS }, values }, 'invalid');
    }
  });

  app.post('/pay/:id/3ds', async (c) => {
    const session = current(c.req.param('id'));
    if (!session) return notFoundPage();
    if (session.status !== 'open' || !session.awaitingChallenge) return page(session, finalView(session) ?? { kind: 'form', method: 'card' }, 'closed');
    const fields = await formFields(c);
    if (fields['action'] === 'complete') return complete(session, 'card', session.challengeCard);
    session.awaitingChallenge = false;
    delete session.challengeCard;
    return declined(session, { kind: 'form', method: 'card', declined: 'Authentication failed, so the card was declined. Try again or use another card.' });
  });

  app.post('/pay/:id/blik', async (c) => {
    const session = current(c.req.param('id'));
    if (!session) return notFoundPage();
    const done = finalView(session);
    if (done) return page(session, done, 'closed');
    if (session.recurring) {
      // A BLIK payment cannot be charged again later: recurring sessions take cards only.
      return page(session, { kind: 'form', method: 'card', declined: 'BLIK cannot be saved for later payments. Pay by card.' }, 'invalid');
    }
    const code = ((await formFields(c))['code'] ?? '').trim();
    if (!/^\d{6}$/.test(code)) {
      return page(session, { kind: 'form', method: 'blik', fieldError: { field: 'code', message: 'Enter the 6-digit BLIK code.' } }, 'invalid');
    }
    if (code === SANDBOX_BLIK_CODES.success) return complete(session, 'blik');
    if (code === SANDBOX_BLIK_CODES.declined) {
      return declined(session, { kind: 'form', method: 'blik', declined: 'The BLIK payment was declined in the banking app. Try a new code.' });
    }
    return page(
      session,
      { kind: 'form', method: 'blik', fieldError: { field: 'code', message: 'This BLIK code is not valid. Generate a new code in your banking app.' } },
      'invalid',
    );
  });

  app.post('/pay/:id/cancel', (c) => {
    const session = current(c.req.param('id'));
    if (!session) return notFoundPage();
    if (session.status !== 'open') return page(session, finalView(session)!, 'closed');
    return cancel(session);
  });

  // Card-token sessions: the Frames double, its card frame, tokens, payment with a token, 3-D Secure.

  app.get('/v1/frames.js', (c) => {
    const origin = configuredPublicUrl ?? new URL(c.req.url).origin;
    return new Response(framesScript(origin), {
      headers: {
        'content-type': 'text/javascript; charset=utf-8',
        'cache-control': 'no-cache',
        'x-content-type-options': 'nosniff',
        // Loaded by shop pages on other origins, as a classic script or a module.
        'access-control-allow-origin': '*',
        'cross-origin-resource-policy': 'cross-origin',
      },
    });
  });

  app.get('/v1/frames/card', (c) => {
    const parentOrigin = c.req.query('origin') ?? '';
    if (!credentials.isPublicKey(c.req.query('key') ?? '')) return textPage(401, 'Unknown public key');
    if (!/^https?:\/\/[A-Za-z0-9.\-:[\]]+$/.test(parentOrigin)) return textPage(400, 'Missing or invalid origin');
    const nonce = createNonce();
    // Only the page that asked for it may frame it: its messages go to that origin alone.
    return htmlPage(cardFramePage({ publicKey, parentOrigin, nonce }), nonce, ["connect-src 'self'", "form-action 'none'", `frame-ancestors ${parentOrigin}`]);
  });

  app.post('/v1/tokens', async (c) => {
    const key = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1] ?? '';
    if (!credentials.isPublicKey(key)) return apiError(401, 'unauthorized', 'Send the public key as a Bearer token');
    const fields: unknown = await c.req.json().catch(() => undefined);
    if (typeof fields !== 'object' || fields === null) return apiError(400, 'invalid_request', 'Body is not a JSON object');
    const checked = checkCard(fields as Record<string, unknown>, now());
    if ('field' in checked) return apiError(422, 'card_invalid', checked.message);
    if (checked.number === SANDBOX_TEST_CARDS.processingError) return apiError(422, 'processing_error', 'The card could not be processed. Try another card.');
    if (!TOKENIZABLE_CARDS.has(checked.number)) return apiError(422, 'card_not_supported', ONLY_TEST_CARDS);
    forget();
    const token: PspToken = { id: newId('tok_sbx_'), number: checked.number, createdAt: now(), used: false };
    tokens.set(token.id, token);
    save();
    return c.json({ token: token.id, card: { last4: checked.number.slice(-4) } }, 201);
  });

  app.post('/v1/sessions/:id/pay', async (c) => {
    if (!authorised(c)) return unauthorised();
    const request = await jsonBody(c, z.object({ token: z.string().min(1).max(64) }));
    if (request.refusal) return request.refusal;
    const session = current(c.req.param('id'));
    if (!session) return apiError(404, 'not_found', `No session "${c.req.param('id')}"`);
    if (!session.cardToken) return apiError(409, 'not_card_token', 'This session is paid on its hosted page, not with a token');
    if (session.status !== 'open' || session.awaitingChallenge) return apiError(409, 'session_closed', `The session is ${session.awaitingChallenge ? 'waiting on 3-D Secure' : session.status}`);
    const token = TOKEN_ID_PATTERN.test(request.body.token) ? tokens.get(request.body.token) : undefined;
    if (!token || token.used) return apiError(400, 'invalid_token', 'Unknown or already used token');
    token.used = true;
    const last4 = token.number.slice(-4);
    switch (token.number) {
      case SANDBOX_TEST_CARDS.declined:
        session.failedAttempts += 1;
        save();
        return apiError(402, 'card_declined', 'Your card was declined. Try another card.');
      case SANDBOX_TEST_CARDS.threeDSecure:
        session.awaitingChallenge = true;
        session.challengeCard = { last4, behaviour: 'succeeds' };
        save();
        break;
      default:
        markComplete(session, 'card', { last4, behaviour: token.number === SANDBOX_TEST_CARDS.declinesLater ? 'declines' : 'succeeds' });
    }
    return c.json(toApi(session));
  });

  /** The 3-D Secure session of a card-token payment, or undefined. */
  const challenged = (id: string) => {
    const session = current(id);
    return session?.cardToken && session.status === 'open' && session.awaitingChallenge ? session : undefined;
  };

  app.get('/v1/3ds/:id', (c) => {
    const session = challenged(c.req.param('id'));
    if (!session) return textPage(404, 'No payment waits for 3-D Secure here');
    const nonce = createNonce();
    const amount = `${(session.amount / 100).toFixed(2)} ${session.currency}`;
    // A bank's page: never in a frame (the session says frameable: false).
    return htmlPage(
      threeDSecurePage({ sessionId: session.id, amount, nonce }),
      nonce,
      [`form-action ${[...returnTargets(session)].join(' ')}`, "frame-ancestors 'none'"],
      { 'x-frame-options': 'DENY' },
    );
  });

  app.post('/v1/3ds/:id', async (c) => {
    const session = challenged(c.req.param('id'));
    if (!session) return textPage(409, 'No payment waits for 3-D Secure here');
    const action = (await formFields(c))['action'];
    // A failed authentication ends this session: its token route is closed once 3-D Secure started.
    return action === 'complete' ? complete(session, 'card', session.challengeCard) : cancel(session);
  });

  app.notFound(() => apiError(404, 'not_found', 'Not found'));
  app.onError((error) => {
    logger.warn(`sandbox: request failed: ${error instanceof Error ? error.message : String(error)}`);
    return apiError(500, 'internal_error', 'The sandbox failed to handle the request');
  });

  return {
    app,
    fetch: (request) => Promise.resolve(app.fetch(request)),
    whenIdle: () => webhooks.whenIdle(),
    close: () => webhooks.close(),
  };
}
