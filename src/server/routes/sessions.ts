import { Hono, type MiddlewareHandler } from 'hono';
import type * as z from 'zod/mini';
import { cors } from 'hono/cors';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ApiIssue, CheckoutSession } from '../../core/protocol.js';
import { CatalogError, priceItems, type PricedCart } from '../catalog.js';
import { createKey, createRequestHash, MAX_IDEMPOTENCY_KEY_LENGTH } from '../idempotency.js';
import type { HandlerConfig } from '../options.js';
import { newOrder, refusedTransition } from '../order-machine.js';
import { baseUrl, claimedShopOrigin, defaultReturnPage, httpOrigin, httpUrl, ownOrigin } from '../origins.js';
import { callProvider, classifyCreateFailure, isNotFoundAtProvider, providerFailureMessage } from '../provider-calls.js';
import { redactSecrets } from '../redact.js';
import { ProviderInputError, type CustomerInput, type PaymentProvider } from '../provider-api/types.js';
import { createSessionBodySchema, describeIssues, methodsBodySchema, toRequestIssues, type CreateSessionBody } from '../request-schema.js';
import { createChain, defaultRoute, offeredMethods, resolveCandidates, type Candidate } from '../routing.js';
import type { Shopper } from '../handler-types.js';
import { returnUrls } from '../return-bridge-page.js';
import type { SessionRecord } from '../store/types.js';
import { errorAnswer, errorBody, jsonAnswer } from '../responses.js';
import type { CheckoutContext, CheckoutEnv } from './context.js';
import { bodyText, limitBody } from './middleware.js';
import { limitRequests } from '../rate-limits.js';
import { MAX_TOKEN_BODY_BYTES, submitToken } from './token.js';
import { cartKey, rememberCart, sessionInFlight } from '../payment-in-flight.js';

// Provider ids seen so far: cs_…, cs_test_…, AW-kLcRRC5P8U68CYe0kVA, sbx_…
export const SESSION_ID_PATTERN = /^[A-Za-z0-9_\-.:]{1,255}$/;
/** The session read's query parameter for a provider SDK's opaque result (docs/protocol.md, "Reads"). */
export const PROVIDER_RESULT_PARAM = 'provider_result';
/** Adyen's `sessionResult` is a few hundred characters; a URL over 8 KiB is refused (414) before any route. */
const MAX_PROVIDER_RESULT_LENGTH = 4_096;
const MAX_CREATE_BODY_BYTES = 64 * 1024;

/** A create request that passed every check before the store and the provider are asked. */
interface CreateRequest {
  raw: string;
  body: CreateSessionBody;
  priced: PricedCart;
}

/**
 * CORS for the session routes: a widget on another listed origin (shop.example calling
 * api.shop.example) may call them; nobody else gets CORS headers, and without `allowedOrigins`
 * there is no CORS at all.
 */
const sessionCors = cors({
  origin: (origin, c: CheckoutContext) => (c.get('checkout').config.allowedOrigins?.has(origin) ? origin : null),
  allowMethods: ['GET', 'POST'],
  allowHeaders: ['Content-Type', 'Accept', 'Idempotency-Key', 'X-Request-Id'],
  exposeHeaders: ['X-Request-Id'],
  maxAge: 600,
});
const corsForListedOrigins: MiddlewareHandler<CheckoutEnv> = (c, next) =>
  c.get('checkout').config.allowedOrigins ? sessionCors(c, next) : next();

/**
 * `POST /sessions` (create, priced from the catalog), `GET /sessions/:id` (read, fresh from the
 * provider) and `POST /sessions/:id/token` (pay a card-token session), under one CORS policy.
 */
export function sessionRoutes(): Hono<CheckoutEnv> {
  return new Hono<CheckoutEnv>()
    .use('/sessions', corsForListedOrigins)
    .use('/sessions/*', corsForListedOrigins)
    .post('/sessions', limitRequests('create'), limitBody(MAX_CREATE_BODY_BYTES, `Request body is larger than ${MAX_CREATE_BODY_BYTES} bytes`), createSession)
    .post('/sessions/methods', limitBody(MAX_CREATE_BODY_BYTES, `Request body is larger than ${MAX_CREATE_BODY_BYTES} bytes`), listMethods)
    .get('/sessions/:id', readSession)
    .post('/sessions/:id/token', limitRequests('token'), limitBody(MAX_TOKEN_BODY_BYTES, `Request body is larger than ${MAX_TOKEN_BODY_BYTES} bytes`), submitToken);
}

async function createSession(c: CheckoutContext): Promise<Response> {
  const { config, claims } = c.get('checkout');
  const request = c.req.raw;
  const raw = bodyText(c);
  const checked = checkBody(c, raw, createSessionBodySchema);
  if (checked instanceof Response) return checked;
  const { body, priced } = checked;

  const idempotencyKey = request.headers.get('idempotency-key')?.trim() || undefined;
  if (idempotencyKey && idempotencyKey.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    return errorAnswer(c, 400, 'invalid_request', `Idempotency-Key is longer than ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`);
  }
  const shopper = await config.shopper?.(request);
  if (body.invoice && !shopper?.invoices?.includes(body.invoice)) {
    return errorAnswer(c, 403, 'forbidden', 'This shopper may not pay that invoice');
  }
  const cart = cartKey(body, shopper);
  if (cart && (await sessionInFlight(config, cart, idempotencyKey))) {
    return errorAnswer(c, 409, 'payment_in_flight', 'A payment for this cart is in progress; wait for its outcome before paying again');
  }
  const chain = createChain(await routeCandidates(c, body, priced, shopper), body, config.providers);
  if (!Array.isArray(chain)) {
    return errorAnswer(c, 400, 'invalid_request', chain.message, [{ code: chain.code, path: [chain.field], message: chain.message }]);
  }
  if (chain.length === 0) {
    const message = `No payment method of this shop takes ${priced.currency}`;
    return errorAnswer(c, 400, 'invalid_request', message, [{ code: 'no_method_offered', path: ['items'], message }]);
  }
  // A shop with logins (a `shopper` hook) has guests too: a guest may not name a customer handle,
  // which at Reepay is an existing customer and their saved cards.
  const customer = shopper?.customer ?? (config.shopper ? guestCustomer(body.customer) : body.customer);
  const owner = claims.newOwner();
  const { shopOrigin, returnPage } = shopReturnTarget(config, request);
  const base = baseUrl(config, request);
  const order = newOrder({ provider: chain[0]!.provider.name, priced, customer, createdAt: config.isoNow() });
  let reference = order.reference;
  if (idempotencyKey) {
    const claim = await claims.claim(createKey(idempotencyKey), createRequestHash(raw, shopper?.customer), order, owner);
    if (claim.outcome === 'conflict') {
      return errorAnswer(c, 
        409,
        'idempotency_conflict',
        'This Idempotency-Key was already used with a different request body; use a new key for a new checkout',
      );
    }
    if (claim.outcome === 'done') return jsonAnswer(c, claim.response.status as ContentfulStatusCode, claim.response.body);
    reference = claim.reference;
  } else {
    // Written before the provider is called, so no payment can exist without its order.
    await config.store.insertOrder(order);
  }
  // A retry of a create whose outcome was unknown goes back to that provider only (it may hold the session).
  const tries = reference === order.reference ? chain : await pinnedToUnknown(c, reference, chain);
  return createAtProviders(c, { raw, body, priced }, tries, { reference, owner, idempotencyKey, shopOrigin, returnPage, customer, base, cart });
}

/** `POST /sessions/methods`: the candidates' methods for this cart, once each, labelled in the body's `locale`. */
async function listMethods(c: CheckoutContext): Promise<Response> {
  const { config } = c.get('checkout');
  const checked = checkBody(c, bodyText(c), methodsBodySchema);
  if (checked instanceof Response) return checked;
  const shopper = await config.shopper?.(c.req.raw);
  const candidates = await routeCandidates(c, checked.body, checked.priced, shopper);
  return jsonAnswer(c, 200, { methods: offeredMethods(candidates, checked.body.locale) });
}

/** The routing candidates for a priced cart: the shop's `route`, or every provider with its methods. */
async function routeCandidates(
  c: CheckoutContext,
  body: Pick<CreateSessionBody, 'customer'>,
  cart: PricedCart,
  shopper: Shopper | undefined,
): Promise<Candidate[]> {
  const { config } = c.get('checkout');
  const country = shopper?.customer?.country ?? body.customer?.country;
  const routed = config.route
    ? await config.route({ cart, shopper, country: country?.toUpperCase(), request: c.req.raw })
    : defaultRoute(config.providers, config.defaultProviderName, cart);
  return resolveCandidates(config.providers, routed, cart, (message) => c.get('log').error('routing.route_invalid', message));
}

/** The chain cut to the provider of the order's last attempt when its outcome was unknown; else the chain. */
async function pinnedToUnknown(c: CheckoutContext, reference: string, chain: Candidate[]): Promise<Candidate[]> {
  const last = (await c.get('checkout').config.store.getOrder(reference))?.attempts?.at(-1);
  if (last?.outcome !== 'unknown') return chain;
  const same = chain.filter((candidate) => candidate.provider.name === last.provider);
  return same.length > 0 ? same : chain;
}

/** The body as JSON, checked against `schema`, and its items priced; or the 400 answer. */
function checkBody<S extends typeof createSessionBodySchema | typeof methodsBodySchema>(
  c: CheckoutContext,
  raw: string,
  schema: S,
): { body: z.output<S>; priced: PricedCart } | Response {
  const { config } = c.get('checkout');
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return errorAnswer(c, 400, 'invalid_request', 'Request body is not valid JSON', [
      { code: 'invalid_json', path: [], message: 'Request body is not valid JSON' },
    ]);
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const issues = toRequestIssues(parsed.error);
    return errorAnswer(c, 400, 'invalid_request', describeIssues(issues), issues);
  }
  const body = parsed.data as z.output<S>;
  try {
    return { body, priced: priceItems(config.catalog, body.items) };
  } catch (error) {
    if (!(error instanceof CatalogError)) throw error;
    const index = body.items.findIndex((item) => item.sku === error.sku);
    const issue: ApiIssue = {
      code: 'unknown_sku',
      path: index >= 0 ? ['items', index, 'sku'] : ['items'],
      message: error.message,
    };
    return errorAnswer(c, 400, 'invalid_request', `Invalid request: ${error.message}`, [issue]);
  }
}

/** The shop origin the return bridge may answer to, and the page a top-level return goes back to. */
function shopReturnTarget(config: HandlerConfig, request: Request): { shopOrigin: string; returnPage: string } {
  const referer = httpUrl(request.headers.get('referer'));
  const shopOrigin =
    claimedShopOrigin(config, request, httpOrigin(request.headers.get('origin'))) ??
    claimedShopOrigin(config, request, httpOrigin(referer ?? null)) ??
    ownOrigin(config, request);
  const returnPage =
    (referer && httpOrigin(referer) === shopOrigin ? referer : undefined) ?? defaultReturnPage(config, shopOrigin);
  return { shopOrigin, returnPage };
}

interface ClaimedCreate {
  reference: string;
  owner: string;
  idempotencyKey: string | undefined;
  shopOrigin: string;
  returnPage: string;
  customer: CustomerInput | undefined;
  /** The handler's own absolute URL, for the return and webhook URLs. */
  base: string;
  /** The cart's key when it names someone (`cartKey`). */
  cart: string | undefined;
}

/**
 * The session of the first candidate that makes one, saved with its order's link and the key's
 * answer; or the failure's answer. A failure another provider can fix moves on to the next
 * candidate under the same reference; every failure is recorded on the order and told to the
 * breakers, which skip a provider that keeps failing.
 */
async function createAtProviders(c: CheckoutContext, request: CreateRequest, chain: readonly Candidate[], create: ClaimedCreate): Promise<Response> {
  const { store, breakers } = c.get('checkout').config;
  const key = create.idempotencyKey && createKey(create.idempotencyKey);
  try {
    let failure: { provider: string; error: unknown } | undefined;
    const skipped: string[] = [];
    for (const [index, candidate] of chain.entries()) {
      const { provider, method } = candidate;
      const admission = await breakers.admit(provider.name);
      if (admission === 'skip') {
        skipped.push(provider.name);
        continue;
      }
      const tried = await tryProvider(c, request, candidate, create);
      if (!('error' in tried)) {
        if (admission === 'probe') await breakers.recovered(provider.name);
        return await saveCreated(c, tried.session, provider, create, key);
      }
      const outcome = classifyCreateFailure(tried.error);
      await store.addOrderAttempt(create.reference, {
        provider: provider.name,
        method: method.id,
        outcome,
        error: providerFailureMessage(tried.error, provider.name),
        at: c.get('checkout').config.isoNow(),
      });
      if (outcome !== 'final') await breakers.failed(provider.name);
      else if (admission === 'probe') await breakers.recovered(provider.name);
      failure = { provider: provider.name, error: tried.error };
      const next = chain.slice(index + 1).find((later) => later.provider !== provider);
      logFailure(c, create.reference, provider.name, tried.error, outcome === 'failover' && next ? next.provider.name : undefined);
      if (outcome !== 'failover') break;
    }
    return await answerFailure(c, failure, skipped, create.reference, key, create.owner);
  } catch (error) {
    // The store failed mid-create (the provider's failures are answered above): let a retry take the key over at once.
    if (key) await store.releaseIdempotencyKey(key, create.owner).catch(() => {});
    throw error;
  }
}

/** One provider's create for the claimed order, with the method routing chose. */
async function tryProvider(
  c: CheckoutContext,
  request: CreateRequest,
  { provider, method }: Candidate,
  create: ClaimedCreate,
): Promise<{ session: CheckoutSession } | { error: unknown }> {
  const { reference, idempotencyKey, customer } = create;
  try {
    const session = await callProvider(c.get('checkout').config, provider.name, 'createSession', () =>
      provider.createSession({
        reference,
        lines: request.priced.lines,
        amount: request.priced.amount,
        currency: request.priced.currency,
        ...optionalFields(request.body),
        ...(customer && { customer }),
        ...(idempotencyKey && { idempotencyKey }),
        ...returnUrls(create.base, reference),
        webhookUrl: `${create.base}/webhooks/${encodeURIComponent(provider.name)}`,
        method: method.id,
      }),
    );
    return { session };
  } catch (error) {
    return { error };
  }
}

function logFailure(c: CheckoutContext, reference: string, provider: string, error: unknown, next: string | undefined): void {
  const log = c.get('log').with({ reference, provider });
  if (next) log.warn('session.create_failover', `creating a session at "${provider}" failed; trying "${next}" next (same order)`, { next }, error);
  else log.error('session.create_failed', `creating a session at "${provider}" failed`, {}, error);
}

/** The session record, its order's link (and serving provider) and the key's answer commit together. */
async function saveCreated(c: CheckoutContext, session: CheckoutSession, provider: PaymentProvider, create: ClaimedCreate, key: string | undefined): Promise<Response> {
  const { reference, owner } = create;
  const { store, telemetry } = c.get('checkout').config;
  await store.saveSession(
    { sessionId: session.id, provider: provider.name, reference, shopOrigin: create.shopOrigin, returnPage: create.returnPage },
    key ? { key, owner, response: { status: 201, body: session } } : undefined,
  );
  if (create.cart) await rememberCart(c.get('checkout').config, create.cart, session.id, create.idempotencyKey);
  telemetry.record('sessionsCreated', { 'checkout.provider': provider.name });
  c.get('log').info('session.created', `created a ${session.kind} session at "${provider.name}"`, { reference, provider: provider.name, sessionId: session.id });
  return jsonAnswer(c, 201, session);
}

/** No candidate made a session: the last failure's answer, or 503 when the breakers skipped them all. */
async function answerFailure(
  c: CheckoutContext,
  failure: { provider: string; error: unknown } | undefined,
  skipped: readonly string[],
  reference: string,
  key: string | undefined,
  owner: string,
): Promise<Response> {
  const { store, isoNow, breakers } = c.get('checkout').config;
  if (failure?.error instanceof ProviderInputError) {
    // The provider will refuse this body every time: the order failed, and a retry gets the same answer.
    const answer = { status: 400, body: errorBody('invalid_request', redactSecrets(failure.error.message)) };
    await store.transitionOrder(refusedTransition(reference, isoNow()));
    if (key) await store.finishIdempotencyKey(key, owner, answer);
    return jsonAnswer(c, 400, answer.body);
  }
  // A retry may succeed: it takes the key over at once, with the same order reference.
  if (key) await store.releaseIdempotencyKey(key, owner);
  if (failure) return errorAnswer(c, 502, 'provider_error', providerFailureMessage(failure.error, failure.provider));
  const retryAfter = await breakers.retryAfterSeconds(skipped);
  return errorAnswer(
    c,
    503,
    'provider_error',
    `Every provider of this payment method is failing and skipped for a while (${skipped.join(', ')}); try again shortly`,
    undefined,
    { 'Retry-After': String(retryAfter) },
  );
}

async function readSession(c: CheckoutContext): Promise<Response> {
  const { config, ledger } = c.get('checkout');
  const id = c.req.param('id') ?? '';
  const notFound = () => errorAnswer(c, 404, 'not_found', `No checkout session "${id}"`);
  if (!SESSION_ID_PATTERN.test(id)) return notFound();
  // An opaque result of the provider's browser SDK (Adyen's `sessionResult`): the adapter only forwards it to its provider.
  const providerResult = c.req.query(PROVIDER_RESULT_PARAM);
  if (providerResult !== undefined && providerResult.length > MAX_PROVIDER_RESULT_LENGTH) {
    return errorAnswer(c, 400, 'invalid_request', `${PROVIDER_RESULT_PARAM} is longer than ${MAX_PROVIDER_RESULT_LENGTH} characters`);
  }
  const record = await config.store.getSession(id);
  const provider = providerForSession(config, record);
  if (!provider) return notFound();
  let session: CheckoutSession;
  try {
    session = await callProvider(config, provider.name, 'getSession', () =>
      providerResult ? provider.getSession(id, { providerResult }) : provider.getSession(id),
    );
  } catch (error) {
    if (isNotFoundAtProvider(error)) return notFound();
    c.get('log').error('session.read_failed', `reading a session at "${provider.name}" failed`, { sessionId: id, provider: provider.name, reference: record?.reference }, error);
    return errorAnswer(c, 502, 'provider_error', providerFailureMessage(error, provider.name));
  }
  // The widget's confirming read moves the order before the widget hears `complete`.
  if (record) await ledger.settleSession(record.reference, session, c.get('log'));
  return jsonAnswer(c, 200, session);
}

function providerForSession(config: HandlerConfig, record: SessionRecord | undefined): PaymentProvider | undefined {
  if (record) return config.providers.get(record.provider);
  // A session no handler on this store created (made before the store, or by hand): unambiguous only with one provider.
  return config.providers.size === 1 ? config.providers.get(config.defaultProviderName) : undefined;
}

function guestCustomer(customer: CustomerInput | undefined): CustomerInput | undefined {
  if (!customer) return undefined;
  const { handle: _handle, ...rest } = customer;
  return rest;
}

function optionalFields(body: CreateSessionBody) {
  return {
    ...(body.customer && { customer: body.customer }),
    ...(body.recurring !== undefined && { recurring: body.recurring }),
    ...(body.invoice && { invoice: body.invoice }),
    ...(body.locale && { locale: body.locale }),
    ...(body.metadata && { metadata: body.metadata }),
  };
}
