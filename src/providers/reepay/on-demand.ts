/**
 * Reepay on-demand billing: a recurring payment agreement (a subscription on a plan with a
 * manual billing cycle, paid from a saved `ca_…` payment method) that the merchant charges
 * whenever a bill arises. The saved method usually comes from a Checkout session created with
 * `recurring: true` (its accept URL carries `payment_method=ca_…`).
 *
 * Server only: uses the private key.
 */
import { z } from 'zod';
import {
  basicAuth,
  DEFAULT_TIMEOUT_MS,
  globalFetch,
  joinUrl,
  keyOption,
  parseAnswer,
  positiveNumber,
  requestJson,
  type FetchLike,
} from '../../server/adapter-kit/index.js';
import { ProviderInputError } from '../../server/provider-api/types.js';
import { REEPAY_API_URL, REEPAY_PRIVATE_KEY } from './api.js';

const PROVIDER = 'reepay';

/** Options of `createReepayBilling`: the account's private key (server only) and how its API is reached. */
export interface ReepayBillingOptions {
  /** `priv_…` */
  privateKey: string;
  /** Default `https://api.reepay.com`. */
  apiUrl?: string;
  /** Default 15000. */
  timeoutMs?: number;
  fetch?: FetchLike;
}

/** `createAgreement`: a subscription on a manual-cycle plan, paid from the card a recurring checkout saved. */
export interface CreateAgreementInput {
  /** Our handle for the agreement (the subscription), e.g. `cust-4234-refill-13`. */
  handle: string;
  /** A plan with a manual billing cycle. */
  plan: string;
  /** Handle of an existing customer. */
  customer: string;
  /** Saved payment method `ca_…` (or a short-term card token `ct_…`). */
  source: string;
}

/** An agreement as Reepay created it: charge it by its `handle` (`subscription` in `chargeAgreement`). */
export interface ReepayAgreement {
  handle: string;
  state: string;
  plan?: string;
  customer?: string;
}

/** One line of a bill, in Reepay's own field names (they are sent as they are). */
export interface ReepayOrderLine {
  ordertext: string;
  /** Minor units per unit. */
  amount: number;
  quantity: number;
  /** Fraction, e.g. 0.25. */
  vat?: number;
  /** Whether `amount` includes VAT (Reepay's default when left out is the account's setting). */
  amount_incl_vat?: boolean;
}

/** `chargeAgreement`: one bill on an agreement, the plan's amount or order lines; its `handle` makes a retry safe. */
export interface ChargeAgreementInput {
  /** The agreement (subscription) handle. */
  subscription: string;
  /** Our handle for the invoice: unique per bill, so a retried call cannot charge twice. */
  handle: string;
  /** `true`: settle or fail now, no dunning. */
  instant: boolean;
  /** Bill the plan's own amount. */
  planManual: boolean;
  orderLines?: ReepayOrderLine[];
}

/** The states of a Reepay invoice, as `chargeAgreement` reports them; an answer with any other is refused. */
export const REEPAY_INVOICE_STATES = [
  'created',
  'pending',
  'dunning',
  'settled',
  'authorized',
  'cancelled',
  'failed',
] as const;
/**
 * A Reepay invoice state: `settled` or `authorized` counts as paid, `failed` and `cancelled` as
 * not, the rest are still open.
 */
export type ReepayInvoiceState = (typeof REEPAY_INVOICE_STATES)[number];

/** The invoice a charge made: check `state` to see whether the bill was paid. */
export interface ReepayInvoice {
  handle: string;
  state: ReepayInvoiceState;
  id?: string;
  amount?: number;
  currency?: string;
  /** The raw invoice, for transactions and error details (why a payment failed). */
  raw: Record<string, unknown>;
}

/** What `createReepayBilling` returns: sets up agreements and charges them. */
export interface ReepayBilling {
  createAgreement(input: CreateAgreementInput): Promise<ReepayAgreement>;
  chargeAgreement(input: ChargeAgreementInput): Promise<ReepayInvoice>;
}

const agreementAnswer = z.looseObject({
  handle: z.string(),
  state: z.string(),
  plan: z.string().optional(),
  customer: z.string().optional(),
});

const invoiceAnswer = z.looseObject({
  handle: z.string(),
  state: z.enum(REEPAY_INVOICE_STATES),
  id: z.string().optional(),
  amount: z.number().int().optional(),
  currency: z.string().optional(),
});

/**
 * Reepay on-demand billing: agreements on a saved card, charged whenever a bill arises. It talks to
 * Reepay directly, outside the handler's ledger; for ledger orders use `handler.charge()`.
 */
export function createReepayBilling(options: ReepayBillingOptions): ReepayBilling {
  const privateKey = keyOption('reepay billing', 'privateKey', options.privateKey, REEPAY_PRIVATE_KEY, 'a private API key (priv_…)');
  const apiUrl = options.apiUrl ?? REEPAY_API_URL;
  const timeoutMs = positiveNumber(PROVIDER, 'timeoutMs', options.timeoutMs, DEFAULT_TIMEOUT_MS);
  const fetchImpl = options.fetch ?? globalFetch;
  const headers = {
    Authorization: basicAuth(privateKey),
    Accept: 'application/json',
    'Content-Type': 'application/json',
  };

  async function post(path: string, action: string, body: unknown): Promise<unknown> {
    const answer = await requestJson({
      provider: PROVIDER,
      action,
      fetch: fetchImpl,
      url: joinUrl(apiUrl, path),
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      timeoutMs,
    });
    return answer.body;
  }

  return {
    async createAgreement(input) {
      for (const key of ['handle', 'plan', 'customer'] as const) {
        requireText(key, input[key]);
      }
      if (!/^c[at]_\S+$/.test(input.source ?? '')) {
        throw new ProviderInputError(
          PROVIDER,
          `reepay: source must be a saved payment method (ca_…) or card token (ct_…), got "${input.source}"`,
        );
      }
      const action = 'create agreement';
      const answer = parseAnswer(
        PROVIDER,
        action,
        agreementAnswer,
        await post('/v1/subscription', action, {
          handle: input.handle,
          plan: input.plan,
          customer: input.customer,
          source: input.source,
        }),
      );
      return {
        handle: answer.handle,
        state: answer.state,
        ...(answer.plan === undefined ? {} : { plan: answer.plan }),
        ...(answer.customer === undefined ? {} : { customer: answer.customer }),
      };
    },

    async chargeAgreement(input) {
      requireText('subscription', input.subscription);
      requireText('handle', input.handle);
      const orderLines = input.orderLines ?? [];
      if (!input.planManual && orderLines.length === 0) {
        throw new ProviderInputError(PROVIDER, 'reepay: a charge needs planManual or at least one order line');
      }
      orderLines.forEach((line, index) => {
        if (!line.ordertext || !Number.isInteger(line.amount) || line.amount < 0) {
          throw new ProviderInputError(PROVIDER, `reepay: orderLines[${index}] needs ordertext and a whole, non-negative amount`);
        }
        if (!Number.isInteger(line.quantity) || line.quantity < 1) {
          throw new ProviderInputError(PROVIDER, `reepay: orderLines[${index}].quantity must be a whole number ≥ 1`);
        }
        if (line.vat !== undefined && (line.vat < 0 || line.vat >= 1)) {
          throw new ProviderInputError(PROVIDER, `reepay: orderLines[${index}].vat is a fraction (0.25), got ${line.vat}`);
        }
      });
      const action = 'charge agreement';
      const answer = parseAnswer(
        PROVIDER,
        action,
        invoiceAnswer,
        await post(`/v1/subscription/${encodeURIComponent(input.subscription)}/invoice`, action, {
          handle: input.handle,
          instant: input.instant,
          plan_manual: input.planManual,
          order_lines: orderLines,
        }),
      );
      const { handle, state, id, amount, currency } = answer;
      return {
        handle,
        state,
        ...(id === undefined ? {} : { id }),
        ...(amount === undefined ? {} : { amount }),
        ...(currency === undefined ? {} : { currency }),
        raw: answer,
      };
    },
  };
}

function requireText(name: string, value: string | undefined): void {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ProviderInputError(PROVIDER, `reepay: ${name} is required`);
  }
}
