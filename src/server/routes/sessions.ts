import { Hono, type MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ApiIssue, CheckoutSession } from '../../core/protocol.js';
import { CatalogError, priceItems, type PricedCart } from '../catalog.js';
import { createKey, createRequestHash, MAX_IDEMPOTENCY_KEY_LENGTH } from '../idempotency.js';
import type { HandlerConfig } from '../options.js';
import { newOrder, refusedTransition } from '../order-machine.js';
import { baseUrl, claimedShopOrigin, defaultReturnPage, httpOrigin, httpUrl, ownOrigin } from '../origins.js';
import { callProvider, isNotFoundAtProvider, providerFailureMessage } from '../provider-calls.js';
import { redactSecrets } from '../redact.js';
import { ProviderInputError, type CustomerInput, type PaymentProvider } from '../provider-api/types.js';
import { createSessionBodySchema, describeIssues, toRequestIssues, type CreateSessionBody } from '../request-schema.js';
import { returnUrls } from '../return-bridge-page.js';
import type { SessionRecord } from '../store/types.js';
import { errorAnswer, errorBody, jsonAnswer } from '../responses.js';
import type { CheckoutContext, CheckoutEnv } from './context.js';
import { limitBody } from './middleware.js';
import { limitRequests } from '../rate-limits.js';
import { MAX_TOKEN_BODY_BYTES, submitToken } from './token.js';

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
  provider: PaymentProvider;
  priced: PricedCart;
}

/**
 * CORS for the session routes: a widget on another listed origin (shop.example calling
 * api.shop.example) may call them; nobody else gets CORS headers, and without `allowedOrigins`
 * there is no CORS at all.
 */
const sessionCors = cors({
  origin: (origin, c: CheckoutContext) => (c.var.checkout.config.allowedOrigins?.has(origin) ? origin : null),
  allowMethods: ['GET', 'POST'],
  allowHeaders: ['Content-Type', 'Accept', 'Idempotency-Key', 'X-Request-Id'],
  exposeHeaders: ['X-Request-Id'],
  maxAge: 600,
});
const corsForListedOrigins: MiddlewareHandler<CheckoutEnv> = (c, next) =>
  c.var.checkout.config.allowedOrigins ? sessionCors(c, next) : next();

/**
 * `POST /sessions` (create, priced from the catalog), `GET /sessions/:id` (read, fresh from the
 * provider) and `POST /sessions/:id/token` (pay a card-token session), under one CORS policy.
 */
export function sessionRoutes(): Hono<CheckoutEnv> {
  return new Hono<CheckoutEnv>()
    .use('/sessions', corsForListedOrigins)
    .use('/sessions/*', corsForListedOrigins)
    .post('/sessions', limitRequests('create'), limitBody(MAX_CREATE_BODY_BYTES, `Request body is larger than ${MAX_CREATE_BODY_BYTES} bytes`), createSession)
    .get('/sessions/:id', readSession)
    .post('/sessions/:id/token', limitRequests('token'), limitBody(MAX_TOKEN_BODY_BYTES, `Request body is larger than ${MAX_TOKEN_BODY_BYTES} bytes`), submitToken);
}

async function createSession(c: CheckoutContext): Promise<Response> {
  const { config, claims } = c.var.checkout;
  const request = c.req.raw;
  const checked = checkCreateRequest(c, await c.req.text());
  if (checked instanceof Response) return checked;
  const { raw, body, provider, priced } = checked;

  const idempotencyKey = request.headers.get('idempotency-key')?.trim() || undefined;
  if (idempotencyKey && idempotencyKey.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    return errorAnswer(c, 400, 'invalid_request', `Idempotency-Key is longer than ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`);
  }
  const shopper = await config.shopper?.(request);
  if (body.invoice && !shopper?.invoices?.includes(body.invoice)) {
    return errorAnswer(c, 403, 'forbidden', 'This shopper may not pay that invoice');
  }
  // A shop with logins (a `shopper` hook) has guests too: a guest may not name a customer handle,
  // which at Reepay is an existing customer and their saved cards.
  const customer = shopper?.customer ?? (config.shopper ? guestCustomer(body.customer) : body.customer);
  const owner = claims.newOwner();
  const { shopOrigin, returnPage } = shopReturnTarget(config, request);
  const base = baseUrl(config, request);
  const order = newOrder({ provider: provider.name, priced, customer, createdAt: config.isoNow() });
  let reference = order.reference;
  if (idempotencyKey) {
    const claim = await claims.claim(createKey(idempotencyKey), await createRequestHash(raw, shopper?.customer), order, owner);
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
  return createAtProvider(c, checked, { reference, owner, idempotencyKey, shopOrigin, returnPage, customer, base });
}

/** The body as JSON, checked against the schema, its provider known and its items priced; or the 400 answer. */
function checkCreateRequest(c: CheckoutContext, raw: string): CreateRequest | Response {
  const { config } = c.var.checkout;
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return errorAnswer(c, 400, 'invalid_request', 'Request body is not valid JSON', [
      { code: 'invalid_json', path: [], message: 'Request body is not valid JSON' },
    ]);
  }
  const parsed = createSessionBodySchema.safeParse(data);
  if (!parsed.success) {
    const issues = toRequestIssues(parsed.error);
    return errorAnswer(c, 400, 'invalid_request', describeIssues(issues), issues);
  }
  const body = parsed.data;

  const providerName = body.provider ?? config.defaultProviderName;
  const provider = config.providers.get(providerName);
  if (!provider) {
    const message = `Unknown provider "${providerName}"; this shop offers: ${[...config.providers.keys()].join(', ')}`;
    return errorAnswer(c, 400, 'invalid_request', message, [{ code: 'unknown_provider', path: ['provider'], message }]);
  }
  try {
    return { raw, body, provider, priced: priceItems(config.catalog, body.items) };
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
}

/** The provider's session for a claimed create, saved with its order's link and the key's answer; or the failure's answer. */
async function createAtProvider(c: CheckoutContext, request: CreateRequest, create: ClaimedCreate): Promise<Response> {
  const { config } = c.var.checkout;
  const { store, isoNow, telemetry } = config;
  const { provider } = request;
  const { reference, owner, idempotencyKey, customer } = create;
  const log = c.var.log.with({ reference, provider: provider.name });
  const key = idempotencyKey && createKey(idempotencyKey);
  try {
    let session: CheckoutSession;
    try {
      session = await callProvider(config, provider.name, 'createSession', () =>
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
        }),
      );
    } catch (error) {
      log.error('session.create_failed', `creating a session at "${provider.name}" failed`, {}, error);
      if (error instanceof ProviderInputError) {
        // The provider will refuse this body every time: the order failed, and a retry gets the same answer.
        const answer = { status: 400, body: errorBody('invalid_request', redactSecrets(error.message)) };
        await store.transitionOrder(refusedTransition(reference, isoNow()));
        if (key) await store.finishIdempotencyKey(key, owner, answer);
        return jsonAnswer(c, 400, answer.body);
      }
      // A retry may succeed: it takes the key over at once, with the same order reference.
      if (key) await store.releaseIdempotencyKey(key, owner);
      return errorAnswer(c, 502, 'provider_error', providerFailureMessage(error, provider.name));
    }
    // The session record, its order's link and the key's answer commit together.
    await store.saveSession(
      { sessionId: session.id, provider: provider.name, reference, shopOrigin: create.shopOrigin, returnPage: create.returnPage },
      key ? { key, owner, response: { status: 201, body: session } } : undefined,
    );
    telemetry.record('sessionsCreated', { 'checkout.provider': provider.name });
    log.info('session.created', `created a ${session.kind} session at "${provider.name}"`, { sessionId: session.id });
    return jsonAnswer(c, 201, session);
  } catch (error) {
    // The store failed mid-create (the provider's failures are answered above): let a retry take the key over at once.
    if (key) await store.releaseIdempotencyKey(key, owner).catch(() => {});
    throw error;
  }
}

async function readSession(c: CheckoutContext): Promise<Response> {
  const { config, ledger } = c.var.checkout;
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
    c.var.log.error('session.read_failed', `reading a session at "${provider.name}" failed`, { sessionId: id, provider: provider.name, reference: record?.reference }, error);
    return errorAnswer(c, 502, 'provider_error', providerFailureMessage(error, provider.name));
  }
  // The widget's confirming read moves the order before the widget hears `complete`.
  if (record) await ledger.settleSession(record.reference, session, c.var.log);
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
