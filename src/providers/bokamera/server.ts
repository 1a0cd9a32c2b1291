/**
 * BokaMera bookings paid through BokaMera's Stripe Checkout
 * (`POST {apiUrl}/payment/stripe/v1/checkout`).
 *
 * Prices are BokaMera's: the request names BokaMera articles (mapped from our catalog skus by
 * the `articles` option) and BokaMera prices them. `UiMode: 'embedded'` answers with a Stripe
 * client secret on BokaMera's connected account (`kind: 'stripe-embedded'`); `'hosted'` with a
 * Stripe-hosted page that must be redirected to (`frameable: false`). Creating a checkout
 * invalidates earlier ones for the same entity.
 *
 * Headers: the document's sample shows ServiceStack's CSV variant (`text/csv`) with a JSON
 * body; the adapter sends and asks for JSON. The document does not name BokaMera's API key
 * header: it is an option (`apiKeyHeader`, default `x-api-key`, as BokaMera's API uses), and
 * a user token can be added as `Authorization: Bearer`.
 *
 * Reading the state: the document offers no way to read a checkout back, so `getSession`
 * returns the session this process created, with its status from the `readStatus` option
 * when given (e.g. a lookup of the booking's payment in BokaMera) and otherwise as created.
 */
import { z } from 'zod';
import type { CheckoutSession, SessionStatus } from '../../core/protocol.js';
import {
  bearerAuth,
  DEFAULT_TIMEOUT_MS,
  dropSessionPlaceholder,
  globalFetch,
  joinUrl,
  parseAnswer,
  positiveNumber,
  requestJson,
  requiredString,
  type FetchLike,
} from '../../server/adapter-kit/index.js';
import { TtlMap } from '../../server/ttl-map.js';
import { ProviderError, ProviderInputError, type PaymentProvider } from '../../server/provider-api/types.js';

const PROVIDER = 'bokamera';
export const BOKAMERA_API_URL = 'https://api.bokamera.se';

/** A BokaMera article (by its ids there) that a catalog sku books: BokaMera prices it, not the catalog. */
export interface BokaMeraArticle {
  ArticleId: number;
  ArticleTypeId: number;
}

/**
 * Options of `createBokaMeraProvider`: the company, which article each sku books, and how
 * BokaMera's API is reached.
 */
export interface BokaMeraProviderOptions {
  /** Company GUID. */
  companyId: string;
  /** Catalog sku → BokaMera article. A sku without an entry is refused. */
  articles: Record<string, BokaMeraArticle>;
  /** Default `embedded`. */
  uiMode?: 'embedded' | 'hosted';
  /** Used when the customer has no country. Default `SE`. */
  countryCode?: string;
  /** Stripe publishable key for the embedded checkout (BokaMera's platform key). */
  publishableKey?: string;
  /** Default `https://api.bokamera.se`. */
  apiUrl?: string;
  apiKey?: string;
  /** Default `x-api-key`. */
  apiKeyHeader?: string;
  /** A BokaMera user token, sent as `Authorization: Bearer`; a function is asked per request. */
  authToken?: string | (() => string | Promise<string>);
  /** Fresh status of a session this process created (the API has no documented read). */
  readStatus?: (session: CheckoutSession) => Promise<SessionStatus>;
  /** Default 15000. */
  timeoutMs?: number;
  fetch?: FetchLike;
}

const checkoutAnswer = z.object({
  SessionId: z.string().min(1),
  Url: z.string().nullish(),
  Status: z.string().nullish(),
  ClientSecret: z.string().nullish(),
  StripeAccount: z.string().nullish(),
});

/** Stripe Checkout Session statuses, which BokaMera passes on. */
const STATUSES: Record<string, SessionStatus> = { open: 'open', complete: 'complete', expired: 'expired' };

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * BokaMera bookings paid through BokaMera's Stripe Checkout, as a provider for
 * `createCheckoutHandler`. Give `readStatus`: the API has no read, so without it a session keeps
 * the status it was created with.
 */
export function createBokaMeraProvider(options: BokaMeraProviderOptions): PaymentProvider {
  if (!GUID.test(options.companyId ?? '')) {
    throw new TypeError('bokamera: option companyId must be a GUID');
  }
  const articles = options.articles ?? {};
  for (const [sku, article] of Object.entries(articles)) {
    if (!Number.isInteger(article?.ArticleId) || !Number.isInteger(article?.ArticleTypeId)) {
      throw new TypeError(`bokamera: articles["${sku}"] needs whole-number ArticleId and ArticleTypeId`);
    }
  }
  if (Object.keys(articles).length === 0) {
    throw new TypeError('bokamera: option articles must map at least one sku');
  }
  const uiMode = options.uiMode ?? 'embedded';
  if (uiMode !== 'embedded' && uiMode !== 'hosted') {
    throw new TypeError(`bokamera: option uiMode must be "embedded" or "hosted", got "${String(uiMode)}"`);
  }
  const apiUrl = options.apiUrl ?? BOKAMERA_API_URL;
  const apiKeyHeader = options.apiKeyHeader ?? 'x-api-key';
  const timeoutMs = positiveNumber(PROVIDER, 'timeoutMs', options.timeoutMs, DEFAULT_TIMEOUT_MS);
  const fetchImpl = options.fetch ?? globalFetch;
  // The sessions this process created, by count only: BokaMera offers no read to fall back on.
  const created = new TtlMap<string, CheckoutSession>({ ttlMs: Number.POSITIVE_INFINITY, maxEntries: 10_000 });

  return {
    name: PROVIDER,
    label: 'BokaMera (Stripe)',
    /** Cards, through Stripe on BokaMera's connected account. */
    methods: [{ id: 'card', kind: uiMode === 'hosted' ? 'hosted' : 'stripe-embedded' }],

    async createSession(input) {
      const Articles = input.lines.map((line) => {
        const article = articles[line.sku];
        if (!article) {
          throw new ProviderInputError(PROVIDER, `bokamera: sku "${line.sku}" has no BokaMera article`);
        }
        return { ArticleId: article.ArticleId, ArticleTypeId: article.ArticleTypeId, Quantity: line.quantity };
      });
      if (Articles.length === 0) {
        throw new ProviderInputError(PROVIDER, 'bokamera: a checkout needs at least one article');
      }
      const countryCode = (input.customer?.country ?? options.countryCode ?? 'SE').toUpperCase();
      const body = {
        CompanyId: options.companyId,
        CountryCode: countryCode,
        Articles,
        // The booking (or rebate code) this pays, when the shop names it; else our order.
        InternalReferenceId: input.metadata?.['internal_reference_id'] ?? input.reference,
        // Stripe substitutes only its own template, not ours: the placeholder is dropped.
        ConfirmationUrl: dropSessionPlaceholder(PROVIDER, input.acceptUrl),
        // Stripe refuses a cancel URL for embedded checkout.
        ...(uiMode === 'hosted' ? { CancelUrl: dropSessionPlaceholder(PROVIDER, input.cancelUrl) } : {}),
        UiMode: uiMode,
      };

      const headers: Record<string, string> = {
        Accept: 'application/json',
        'Content-Type': 'application/json',
      };
      if (options.apiKey) headers[apiKeyHeader] = options.apiKey;
      if (options.authToken) {
        const token = typeof options.authToken === 'function' ? await options.authToken() : options.authToken;
        headers['Authorization'] = bearerAuth(token);
      }

      const action = 'create checkout';
      const answer = parseAnswer(
        PROVIDER,
        action,
        checkoutAnswer,
        (
          await requestJson({
            provider: PROVIDER,
            action,
            fetch: fetchImpl,
            url: joinUrl(apiUrl, '/payment/stripe/v1/checkout'),
            method: 'POST',
            headers,
            body: JSON.stringify(body),
            timeoutMs,
          })
        ).body,
      );

      const status = (answer.Status && STATUSES[answer.Status.toLowerCase()]) || 'open';
      let session: CheckoutSession;
      if (uiMode === 'embedded') {
        if (!answer.ClientSecret) {
          throw new ProviderError(PROVIDER, 'bokamera: create checkout: embedded checkout answered without ClientSecret');
        }
        session = {
          id: answer.SessionId,
          provider: PROVIDER,
          kind: 'stripe-embedded',
          status,
          client_secret: answer.ClientSecret,
          ...(options.publishableKey ? { publishable_key: options.publishableKey } : {}),
          ...(answer.StripeAccount ? { stripe_account: answer.StripeAccount } : {}),
        };
      } else {
        if (!answer.Url || !URL.canParse(answer.Url)) {
          throw new ProviderError(PROVIDER, 'bokamera: create checkout: hosted checkout answered without a valid Url');
        }
        // A Stripe-hosted page refuses frames.
        session = { id: answer.SessionId, provider: PROVIDER, kind: 'hosted', status, url: answer.Url, frameable: false };
      }
      created.set(answer.SessionId, session);
      return session;
    },

    async getSession(id) {
      const session = created.get(id);
      if (!session) {
        throw new ProviderError(
          PROVIDER,
          `bokamera: checkout ${id} is unknown to this server (BokaMera offers no documented read of a checkout)`,
          404,
        );
      }
      if (!options.readStatus) return session;
      const status = await options.readStatus(session);
      const fresh = { ...session, status };
      created.set(id, fresh);
      return fresh;
    },
  };
}

/** Where this provider stands when several are configured: the lowest configured is the default. */
export const ENV_PREFERENCE = 50;

/**
 * The provider from the environment, or undefined unless the company and articles are set.
 *
 * - `BOKAMERA_COMPANY_ID` (required): company GUID
 * - `BOKAMERA_ARTICLES` (required): JSON `{ "<sku>": { "ArticleId": 1, "ArticleTypeId": 2 } }`
 * - `BOKAMERA_API_KEY`, `BOKAMERA_API_KEY_HEADER` (default `x-api-key`)
 * - `BOKAMERA_AUTH_TOKEN`: sent as `Authorization: Bearer`
 * - `BOKAMERA_UI_MODE`: `embedded` (default) or `hosted`
 * - `BOKAMERA_COUNTRY_CODE`: default `SE`
 * - `BOKAMERA_PUBLISHABLE_KEY`: Stripe publishable key for the embedded checkout
 * - `BOKAMERA_BASE_URL`: default `https://api.bokamera.se`
 */
export function fromEnv(env: Record<string, string | undefined> = process.env): PaymentProvider | undefined {
  const companyId = env['BOKAMERA_COMPANY_ID'];
  const articlesJson = env['BOKAMERA_ARTICLES'];
  if (!companyId || !articlesJson) return undefined;
  let articles: Record<string, BokaMeraArticle>;
  try {
    articles = JSON.parse(articlesJson) as Record<string, BokaMeraArticle>;
  } catch {
    throw new TypeError('bokamera: BOKAMERA_ARTICLES is not valid JSON');
  }
  const uiMode = env['BOKAMERA_UI_MODE'];
  const optional = {
    apiKey: env['BOKAMERA_API_KEY'],
    apiKeyHeader: env['BOKAMERA_API_KEY_HEADER'],
    authToken: env['BOKAMERA_AUTH_TOKEN'],
    countryCode: env['BOKAMERA_COUNTRY_CODE'],
    publishableKey: env['BOKAMERA_PUBLISHABLE_KEY'],
    apiUrl: env['BOKAMERA_BASE_URL'],
  };
  return createBokaMeraProvider({
    companyId: requiredString(PROVIDER, 'BOKAMERA_COMPANY_ID', companyId),
    articles,
    ...(uiMode ? { uiMode: uiMode as 'embedded' | 'hosted' } : {}),
    ...Object.fromEntries(Object.entries(optional).filter(([, value]) => value)),
  });
}
