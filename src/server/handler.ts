import { Hono, type Context } from 'hono';
import { cors } from 'hono/cors';
import type { CheckoutSession } from '../core/session.js';
import { assertValidCatalog, CatalogError, priceItems, type Catalog } from './catalog.js';
import {
  ProviderError,
  ProviderInputError,
  WebhookVerificationError,
  type PaymentProvider,
  type VerifiedWebhook,
} from './providers/types.js';
import {
  createSessionBodySchema,
  describeIssues,
  toRequestIssues,
  type CreateSessionBody,
  type RequestIssue,
} from './request-schema.js';
import {
  providerParams,
  REFERENCE_QUERY_PARAM,
  renderReturnBridge,
  RETURN_RESULTS,
  sessionIdFromQuery,
  shopReturnUrl,
  type ReturnResult,
} from './return-bridge.js';
import { createMemorySessionStore, type SessionRecord, type SessionStore } from './session-store.js';
import { TtlMap } from './ttl-map.js';

export const DEFAULT_BASE_PATH = '/api/checkout';
/** Replaced by each provider adapter with its own placeholder syntax or the session id. */
export const SESSION_ID_PLACEHOLDER = '{SESSION_ID}';

const MAX_CREATE_BODY_BYTES = 64 * 1024;
const MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;
const MAX_IDEMPOTENCY_KEY_LENGTH = 255;
// Provider ids seen so far: cs_…, cs_test_…, AW-kLcRRC5P8U68CYe0kVA, sbx_…
const SESSION_ID_PATTERN = /^[A-Za-z0-9_\-.:]{1,255}$/;

export interface WebhookContext {
  /** The session the event names, re-read from the provider; absent when it names none or the read failed. */
  session?: CheckoutSession;
}

export interface CheckoutHandlerOptions {
  providers: PaymentProvider[];
  /** Name of the provider used when the create body names none. Default: the first. */
  defaultProvider?: string;
  catalog: Catalog;
  /** Default `/api/checkout`. */
  basePath?: string;
  /** Absolute base URL that browsers and providers reach this handler at (return and webhook URLs). Default: the request's origin. */
  publicUrl?: string;
  /** Shop page for a top-level return when the create request carried no usable `Referer`. Default `/` of the shop origin. */
  returnPage?: string;
  /**
   * Origins of shop pages the return bridge may send shoppers back to and post its message to.
   * The create request's `Origin`/`Referer` is used only when listed, so nobody can turn the
   * shop's return link into a redirect to another site. The session routes answer these origins'
   * CORS requests too. Default: the handler's own origin (and `publicUrl`'s), no CORS.
   */
  allowedOrigins?: string[];
  /** Called once per verified webhook event, after the response went out. */
  onWebhook?: (event: VerifiedWebhook, provider: string, context: WebhookContext) => void | Promise<void>;
  /** Remembers provider, shop origin and return page per session id. Default: in memory. */
  sessionStore?: SessionStore;
  /** A provider call that takes longer fails with 502. Default 20 000 ms. */
  providerTimeoutMs?: number;
  /** How long an `Idempotency-Key` is remembered. Default 24 h. */
  idempotencyTtlMs?: number;
  /** How long a webhook event id is remembered for dedupe. Default 7 days (providers retry for days). */
  webhookDedupeTtlMs?: number;
  /** Edge runtimes: hand background work (webhook processing) to the platform's `waitUntil`. */
  waitUntil?: (work: Promise<unknown>) => void;
  /** Default `console`. */
  logger?: Pick<Console, 'error' | 'warn'>;
  /** Clock in milliseconds (tests). */
  now?: () => number;
}

export type CheckoutHandler = ((request: Request) => Promise<Response>) & {
  /** Resolves when background work (webhook processing) started so far has finished. */
  whenIdle(): Promise<void>;
};

interface IdempotencyEntry {
  bodyHash: string;
  /** Kept across failed attempts so a retry creates the order under the same reference. */
  reference: string;
  /** The create in flight or done; cleared when it failed so a retry tries again. */
  result?: Promise<CheckoutSession>;
}

type ErrorBody = { error: { code: string; message: string; issues?: RequestIssue[] } };

function errorJson(status: number, code: string, message: string, issues?: RequestIssue[]): Response {
  const body: ErrorBody = { error: { code, message, ...(issues && { issues }) } };
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  });
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  });
}

function normaliseBasePath(basePath: string | undefined): string {
  const path = (basePath ?? DEFAULT_BASE_PATH).replace(/\/+$/, '');
  if (path !== '' && !path.startsWith('/')) throw new TypeError(`basePath must start with "/" (got "${basePath}")`);
  return path;
}

function normalisePublicUrl(publicUrl: string | undefined): string | undefined {
  if (publicUrl === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(publicUrl);
  } catch {
    throw new TypeError(`publicUrl must be an absolute URL (got "${publicUrl}")`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError('publicUrl must be http or https');
  return url.href.replace(/\/+$/, '');
}

/** Secrets that look like API keys never go into an answer, even if a provider echoes one. */
export function redactSecrets(text: string): string {
  return text.replace(/\b(sk|rk|whsec|priv|sbx_sk|sbx_whsec)_[A-Za-z0-9_]{6,}/g, '$1_[redacted]');
}

function originOption(value: string): string {
  const origin = httpOrigin(value);
  if (!origin) throw new TypeError(`allowedOrigins must hold http(s) origins (got "${value}")`);
  return origin;
}

function httpOrigin(value: string | null): string | undefined {
  if (!value || value === 'null') return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

function httpUrl(value: string | null): string | undefined {
  if (!value) return undefined;
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    url.hash = '';
    // A reloaded return page still carries the last outcome: it must not come back twice.
    url.searchParams.delete('checkout_session');
    url.searchParams.delete('checkout_result');
    return url.href;
  } catch {
    return undefined;
  }
}

class ProviderTimeoutError extends Error {
  override readonly name = 'ProviderTimeoutError';
}

async function withTimeout<T>(work: Promise<T>, timeoutMs: number, provider: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ProviderTimeoutError(`Payment provider "${provider}" did not answer within ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function providerFailureMessage(error: unknown, provider: string): string {
  if (error instanceof ProviderTimeoutError) return error.message;
  if (error instanceof ProviderError) return redactSecrets(`Payment provider "${provider}" failed: ${error.message}`);
  // Anything else may carry internals: name the provider, not the details (they go to the log).
  return `Payment provider "${provider}" failed unexpectedly`;
}

async function readLimitedText(request: Request, limit: number): Promise<string | undefined> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > limit) return undefined;
  if (!request.body) return '';
  // Counted while it streams in: a chunked body (no Content-Length) must not be buffered whole first.
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  // Decoded exactly as `request.text()` would (UTF-8, leading BOM dropped).
  return new TextDecoder().decode(bytes);
}

// Web Crypto rather than node:crypto, so the handler runs in edge runtimes as well as Node.
function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

async function sha256(text: string): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))));
}

function newReference(): string {
  return `ord_${toHex(crypto.getRandomValues(new Uint8Array(10)))}`;
}

/**
 * The thin backend (contract section 5) as a Web-standard fetch handler: create and read
 * sessions priced from the server catalog, the return bridge, and verified webhooks.
 */
export function createCheckoutHandler(options: CheckoutHandlerOptions): CheckoutHandler {
  if (!options || !Array.isArray(options.providers) || options.providers.length === 0) {
    throw new TypeError('createCheckoutHandler needs at least one provider in options.providers');
  }
  assertValidCatalog(options.catalog);
  const providers = new Map<string, PaymentProvider>();
  for (const provider of options.providers) {
    if (providers.has(provider.name)) throw new TypeError(`Two providers are named "${provider.name}"`);
    providers.set(provider.name, provider);
  }
  const defaultProviderName = options.defaultProvider ?? options.providers[0]!.name;
  if (!providers.has(defaultProviderName)) {
    throw new TypeError(
      `defaultProvider "${defaultProviderName}" is not among the providers (${[...providers.keys()].join(', ')})`,
    );
  }
  const basePath = normaliseBasePath(options.basePath);
  const publicUrl = normalisePublicUrl(options.publicUrl);
  const allowedOrigins = options.allowedOrigins && new Set(options.allowedOrigins.map(originOption));
  const catalog = options.catalog;
  const store = options.sessionStore ?? createMemorySessionStore(options.now ? { now: options.now } : {});
  const providerTimeoutMs = options.providerTimeoutMs ?? 20_000;
  const logger = options.logger ?? console;
  const clock = options.now ? { now: options.now } : {};
  const idempotency = new TtlMap<string, IdempotencyEntry>({
    ttlMs: options.idempotencyTtlMs ?? 24 * 60 * 60 * 1000,
    maxEntries: 10_000,
    ...clock,
  });
  const seenWebhookEvents = new TtlMap<string, true>({
    ttlMs: options.webhookDedupeTtlMs ?? 7 * 24 * 60 * 60 * 1000,
    maxEntries: 100_000,
    ...clock,
  });
  const pending = new Set<Promise<unknown>>();

  function runInBackground(work: () => Promise<void>): void {
    // Starts after the current turn, so the answer is not held up by it.
    const promise = Promise.resolve()
      .then(work)
      .catch((error: unknown) => logger.error('checkout: background work failed', error));
    pending.add(promise);
    void promise.finally(() => pending.delete(promise));
    options.waitUntil?.(promise);
  }

  /** The shop's origin as this request claims it, when it is one the handler may return to. */
  function claimedShopOrigin(request: Request, claimed: string | undefined): string | undefined {
    if (!claimed) return undefined;
    if (allowedOrigins) return allowedOrigins.has(claimed) ? claimed : undefined;
    const own = [new URL(request.url).origin, publicUrl && new URL(publicUrl).origin];
    return own.includes(claimed) ? claimed : undefined;
  }

  function baseUrl(request: Request): string {
    return `${publicUrl ?? new URL(request.url).origin}${basePath}`;
  }

  async function createSession(c: Context): Promise<Response> {
    const request = c.req.raw;
    const raw = await readLimitedText(request, MAX_CREATE_BODY_BYTES);
    if (raw === undefined) return errorJson(413, 'invalid_request', `Request body is larger than ${MAX_CREATE_BODY_BYTES} bytes`);
    let data: unknown;
    try {
      data = JSON.parse(raw);
    } catch {
      return errorJson(400, 'invalid_request', 'Request body is not valid JSON', [
        { code: 'invalid_json', path: [], message: 'Request body is not valid JSON' },
      ]);
    }
    const parsed = createSessionBodySchema.safeParse(data);
    if (!parsed.success) {
      const issues = toRequestIssues(parsed.error);
      return errorJson(400, 'invalid_request', describeIssues(issues), issues);
    }
    const body = parsed.data;

    const providerName = body.provider ?? defaultProviderName;
    const provider = providers.get(providerName);
    if (!provider) {
      const message = `Unknown provider "${providerName}"; this shop offers: ${[...providers.keys()].join(', ')}`;
      return errorJson(400, 'invalid_request', message, [{ code: 'unknown_provider', path: ['provider'], message }]);
    }

    let priced;
    try {
      priced = priceItems(catalog, body.items);
    } catch (error) {
      if (!(error instanceof CatalogError)) throw error;
      const index = body.items.findIndex((item) => item.sku === error.sku);
      const issue: RequestIssue = {
        code: 'unknown_sku',
        path: index >= 0 ? ['items', index, 'sku'] : ['items'],
        message: error.message,
      };
      return errorJson(400, 'invalid_request', `Invalid request: ${error.message}`, [issue]);
    }

    const idempotencyKey = request.headers.get('idempotency-key')?.trim() || undefined;
    if (idempotencyKey && idempotencyKey.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
      return errorJson(400, 'invalid_request', `Idempotency-Key is longer than ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`);
    }
    const bodyHash = await sha256(raw);
    let entry = idempotencyKey ? idempotency.get(idempotencyKey) : undefined;
    if (entry && entry.bodyHash !== bodyHash) {
      return errorJson(
        409,
        'idempotency_conflict',
        'This Idempotency-Key was already used with a different request body; use a new key for a new checkout',
      );
    }
    if (!entry) {
      entry = { bodyHash, reference: newReference() };
      if (idempotencyKey) idempotency.set(idempotencyKey, entry);
    }

    if (!entry.result) {
      const referer = httpUrl(request.headers.get('referer'));
      const shopOrigin =
        claimedShopOrigin(request, httpOrigin(request.headers.get('origin'))) ??
        claimedShopOrigin(request, httpOrigin(referer ?? null)) ??
        new URL(publicUrl ?? request.url).origin;
      const returnPage =
        (referer && httpOrigin(referer) === shopOrigin ? referer : undefined) ??
        new URL(options.returnPage ?? '/', `${shopOrigin}/`).href;
      const base = baseUrl(request);
      const reference = entry.reference;
      const attempt = (async () => {
        const session = await withTimeout(
          provider.createSession({
            reference,
            lines: priced.lines,
            amount: priced.amount,
            currency: priced.currency,
            ...optionalFields(body),
            ...(idempotencyKey && { idempotencyKey }),
            acceptUrl: returnUrl(base, 'accept', reference),
            cancelUrl: returnUrl(base, 'cancel', reference),
            webhookUrl: `${base}/webhooks/${encodeURIComponent(provider.name)}`,
          }),
          providerTimeoutMs,
          provider.name,
        );
        const record: SessionRecord = { provider: provider.name, shopOrigin, returnPage };
        await store.set(session.id, record);
        // Providers that cannot put our id into their return URL bring back the reference instead.
        await store.set(referenceKey(reference), { ...record, sessionId: session.id });
        return session;
      })();
      entry.result = attempt;
      const failedEntry = entry;
      attempt.catch(() => {
        // A failed create must not stick to the key: the widget's retry should really retry.
        if (failedEntry.result === attempt) delete failedEntry.result;
      });
    }

    try {
      const session = await entry.result!;
      return json(201, session);
    } catch (error) {
      logger.error(`checkout: creating a session at "${provider.name}" failed`, error);
      if (error instanceof ProviderInputError) {
        return errorJson(400, 'invalid_request', redactSecrets(error.message));
      }
      return errorJson(502, 'provider_error', providerFailureMessage(error, provider.name));
    }
  }

  async function providerForSession(id: string): Promise<PaymentProvider | undefined> {
    const record = await store.get(id);
    if (record) return providers.get(record.provider);
    // A session this process did not create (restart, another instance): unambiguous only with one provider.
    return providers.size === 1 ? options.providers[0] : undefined;
  }

  async function readSession(c: Context): Promise<Response> {
    const id = c.req.param('id') ?? '';
    const notFound = () => errorJson(404, 'not_found', `No checkout session "${id}"`);
    if (!SESSION_ID_PATTERN.test(id)) return notFound();
    const provider = await providerForSession(id);
    if (!provider) return notFound();
    try {
      const session = await withTimeout(provider.getSession(id), providerTimeoutMs, provider.name);
      return json(200, session);
    } catch (error) {
      if (error instanceof ProviderError && error.providerStatus === 404) return notFound();
      logger.error(`checkout: reading session "${id}" at "${provider.name}" failed`, error);
      return errorJson(502, 'provider_error', providerFailureMessage(error, provider.name));
    }
  }

  async function returnBridge(c: Context): Promise<Response> {
    const result = c.req.param('result') as ReturnResult;
    if (!RETURN_RESULTS.includes(result)) return errorJson(404, 'not_found', 'Not found');
    const request = c.req.raw;
    const query = new URL(request.url).searchParams;
    const reference = query.get(REFERENCE_QUERY_PARAM);
    const sessionId =
      sessionIdFromQuery(query) ?? (reference ? (await store.get(referenceKey(reference)))?.sessionId : undefined);
    if (!sessionId || !SESSION_ID_PATTERN.test(sessionId)) {
      return new Response(
        '<!doctype html><html lang="en"><meta charset="utf-8"><title>Missing session</title><h1>Missing session</h1><p>This return link names no valid checkout session.</p></html>',
        { status: 400, headers: { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'" } },
      );
    }
    const record = await store.get(sessionId);
    const ownOrigin = new URL(baseUrl(request)).origin;
    const shopOrigin = record?.shopOrigin ?? ownOrigin;
    const returnPage = record?.returnPage ?? new URL(options.returnPage ?? '/', `${shopOrigin}/`).href;
    const params = providerParams(query);
    const page = renderReturnBridge({
      result,
      sessionId,
      params,
      shopOrigin,
      redirectUrl: shopReturnUrl(returnPage, result, sessionId, params),
    });
    return new Response(page.html, { status: 200, headers: page.headers });
  }

  async function webhook(c: Context): Promise<Response> {
    const name = c.req.param('provider') ?? '';
    const provider = providers.get(name);
    if (!provider?.verifyWebhook) return errorJson(404, 'not_found', `No webhook endpoint for provider "${name}"`);
    const raw = await readLimitedText(c.req.raw, MAX_WEBHOOK_BODY_BYTES);
    if (raw === undefined) return errorJson(413, 'invalid_request', 'Webhook body is too large');
    let event: VerifiedWebhook;
    try {
      event = await provider.verifyWebhook(raw, c.req.raw.headers);
    } catch (error) {
      const message =
        error instanceof WebhookVerificationError ? error.message : 'The webhook could not be verified';
      logger.warn(`checkout: refused a webhook for "${name}": ${message}`);
      return errorJson(400, 'invalid_signature', message);
    }
    const dedupeKey = `${name}\u0000${event.eventId}`;
    if (seenWebhookEvents.has(dedupeKey)) return json(200, { received: true, duplicate: true });
    seenWebhookEvents.set(dedupeKey, true);

    runInBackground(async () => {
      const context: WebhookContext = {};
      if (event.sessionId) {
        try {
          context.session = await withTimeout(provider.getSession(event.sessionId), providerTimeoutMs, name);
        } catch (error) {
          logger.warn(`checkout: could not refresh session "${event.sessionId}" after a webhook`, error);
        }
      }
      await options.onWebhook?.(event, name, context);
    });
    return json(200, { received: true });
  }

  function methodNotAllowed(allowed: string) {
    return () => {
      const response = errorJson(405, 'method_not_allowed', `Method not allowed; use ${allowed}`);
      response.headers.set('allow', allowed);
      return response;
    };
  }

  const app = new Hono();
  const api = basePath ? app.basePath(basePath) : app;
  if (allowedOrigins) {
    // A widget on another listed origin (shop.example calling api.shop.example) may call the
    // session routes; nobody else gets CORS headers.
    const sessionCors = cors({
      origin: (origin) => (allowedOrigins.has(origin) ? origin : null),
      allowMethods: ['GET', 'POST'],
      allowHeaders: ['Content-Type', 'Accept', 'Idempotency-Key'],
      maxAge: 600,
    });
    api.use('/sessions', sessionCors);
    api.use('/sessions/*', sessionCors);
  }
  api.post('/sessions', createSession);
  api.all('/sessions', methodNotAllowed('POST'));
  api.get('/sessions/:id', readSession);
  api.all('/sessions/:id', methodNotAllowed('GET'));
  api.get('/return/:result', returnBridge);
  api.all('/return/:result', methodNotAllowed('GET'));
  api.post('/webhooks/:provider', webhook);
  api.all('/webhooks/:provider', methodNotAllowed('POST'));
  app.notFound(() => errorJson(404, 'not_found', 'Not found'));
  app.onError((error) => {
    logger.error('checkout: request failed', error);
    return errorJson(500, 'internal_error', 'Internal error');
  });

  const handler = (request: Request) => Promise.resolve(app.fetch(request));
  return Object.assign(handler, {
    async whenIdle() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  });
}

/**
 * The return bridge URL a provider sends the shopper to. `{SESSION_ID}` is filled in by providers
 * that can; `checkout_ref` (our order reference) finds the session for those that cannot.
 */
function returnUrl(base: string, result: ReturnResult, reference: string): string {
  const ref = encodeURIComponent(reference);
  return `${base}/return/${result}?checkout_session=${SESSION_ID_PLACEHOLDER}&${REFERENCE_QUERY_PARAM}=${ref}`;
}

function referenceKey(reference: string): string {
  return `ref:${reference}`;
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
