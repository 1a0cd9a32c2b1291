/**
 * Routing (docs/protocol.md, "Methods, routing and failover"): the default and a custom `route`,
 * the methods route and its labels per locale, and the 400 for a provider or method routing does
 * not offer.
 */
import { describe, expect, it } from 'vitest';
import type { CheckoutSession } from '../core/protocol.js';
import type { Catalog } from './catalog.js';
import { createCheckoutHandler, type CheckoutHandlerOptions } from './handler.js';
import { METHOD_LABEL_LANGUAGES, methodLabel } from './method-labels.js';
import type { CreateSessionInput, PaymentProvider, ProviderMethod } from './provider-api/types.js';
import type { RouteInput } from './handler-types.js';
import { createMemoryStore } from './store/memory.js';

const BASE = 'http://localhost/api/checkout';
const catalog: Catalog = { currency: 'DKK', products: { mug: { name: 'Mug', unitAmount: 12900, vatRate: 0.25 } } };
const silent = { error: () => {}, warn: () => {} };

/** A provider double with declared methods; records each create's input. */
function provider(name: string, methods?: PaymentProvider['methods']) {
  const created: CreateSessionInput[] = [];
  const double: PaymentProvider = {
    name,
    ...(methods && { methods }),
    async createSession(input) {
      created.push(input);
      const session: CheckoutSession = { id: `${name}_${created.length}`, provider: name, kind: 'hosted', status: 'open', url: 'https://pay.example/x', amount: input.amount, currency: input.currency };
      return session;
    },
    async getSession(id) {
      return { id, provider: name, kind: 'hosted', status: 'open', url: 'https://pay.example/x', amount: 1, currency: 'DKK' };
    },
  };
  return { provider: double, created };
}

const m = (id: string, kind: ProviderMethod['kind'] = 'hosted', currencies?: string[]): ProviderMethod => ({ id, kind, ...(currencies && { currencies }) });

function handlerWith(providers: PaymentProvider[], options: Partial<CheckoutHandlerOptions> = {}) {
  const logged: string[] = [];
  const logger = { ...silent, error: (line: string) => void logged.push(line) };
  return { handler: createCheckoutHandler({ providers, catalog, store: createMemoryStore(), logger, ...options }), logged };
}

const post = (path: string, body: unknown) =>
  new Request(`${BASE}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const cart = { items: [{ sku: 'mug', quantity: 1 }] };

async function methods(handler: (request: Request) => Promise<Response>, body: unknown = cart) {
  const answer = await handler(post('/sessions/methods', body));
  expect(answer.status).toBe(200);
  return ((await answer.json()) as { methods: unknown[] }).methods;
}

describe('default routing', () => {
  it('offers every provider that takes the currency, the default first, each method once at its first provider', async () => {
    const stripe = provider('stripe', [m('card', 'stripe-embedded')]);
    const sandbox = provider('sandbox', [m('card'), m('blik'), m('card-fields', 'card-token')]);
    const vipps = provider('vipps-mobilepay', [m('vipps', 'hosted', ['NOK']), m('mobilepay', 'hosted', ['DKK', 'EUR'])]);
    const { handler } = handlerWith([stripe.provider, sandbox.provider, vipps.provider], { defaultProvider: 'sandbox' });
    expect(await methods(handler)).toEqual([
      { id: 'card', provider: 'sandbox', label: 'Card', kind: 'hosted' },
      { id: 'blik', provider: 'sandbox', label: 'BLIK', kind: 'hosted' },
      { id: 'card-fields', provider: 'sandbox', label: 'Card (on this page)', kind: 'card-token' },
      { id: 'mobilepay', provider: 'vipps-mobilepay', label: 'MobilePay', kind: 'hosted' },
    ]);
  });

  it('leaves out methods whose currencies do not include the cart\'s, and takes a methods function of the cart', async () => {
    const seen: unknown[] = [];
    const onlyEur = provider('eur-only', (priced) => (seen.push(priced), priced.currency === 'EUR' ? [m('ideal')] : []));
    const nok = provider('nok', [m('vipps', 'hosted', ['nok'])]);
    const fallback = provider('plain');
    const { handler } = handlerWith([onlyEur.provider, nok.provider, fallback.provider]);
    expect(await methods(handler)).toEqual([{ id: 'plain', provider: 'plain', label: 'plain', kind: 'hosted' }]);
    expect(seen).toContainEqual({ amount: 12900, currency: 'DKK' });
    // A create naming the provider routing does not offer for DKK is refused, naming what is offered.
    const refused = await handler(post('/sessions', { ...cart, provider: 'nok' }));
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({
      error: {
        code: 'invalid_request',
        message: 'Provider "nok" is not offered for this checkout; offered: plain',
        issues: [{ code: 'provider_not_offered', path: ['provider'], message: 'Provider "nok" is not offered for this checkout; offered: plain' }],
      },
    });
  });

  it('creates with the first candidate of the chosen method, tells the adapter the method, and records the serving provider', async () => {
    const first = provider('first', [m('card'), m('blik')]);
    const second = provider('second', [m('blik'), m('card-fields', 'card-token')]);
    const { handler } = handlerWith([first.provider, second.provider]);
    const created = async (body: object) => (await (await handler(post('/sessions', { ...cart, ...body }))).json()) as CheckoutSession;
    expect((await created({})).provider).toBe('first');
    expect(first.created.at(-1)?.method).toBe('card');
    expect((await created({ method: 'card-fields' })).provider).toBe('second');
    expect(second.created.at(-1)?.method).toBe('card-fields');
    expect((await created({ method: 'blik' })).provider).toBe('first');
    // A named provider goes first for its method (its first one when none is named).
    expect((await created({ method: 'blik', provider: 'second' })).provider).toBe('second');
    expect(second.created.at(-1)?.method).toBe('blik');
    expect((await created({ provider: 'second' })).provider).toBe('second');
    expect(second.created.at(-1)?.method).toBe('blik');
  });

  it('refuses a method routing does not offer, and a provider for a method it does not offer, with 400 naming the field', async () => {
    const first = provider('first', [m('card')]);
    const second = provider('second', [m('blik')]);
    const { handler } = handlerWith([first.provider, second.provider]);
    const refusal = async (body: object) => {
      const answer = await handler(post('/sessions', { ...cart, ...body }));
      expect(answer.status).toBe(400);
      return ((await answer.json()) as { error: { issues: unknown[] } }).error.issues[0];
    };
    expect(await refusal({ method: 'ideal' })).toEqual({ code: 'method_not_offered', path: ['method'], message: 'Method "ideal" is not offered for this checkout; offered: card, blik' });
    expect(await refusal({ method: 'blik', provider: 'first' })).toEqual({
      code: 'provider_not_offered',
      path: ['provider'],
      message: 'Provider "first" is not offered for method "blik"; offered: second',
    });
    expect(await refusal({ provider: 'paypal' })).toEqual({ code: 'unknown_provider', path: ['provider'], message: 'Unknown provider "paypal"; this shop offers: first, second' });
    expect(first.created).toHaveLength(0);
    expect(second.created).toHaveLength(0);
  });

  it('answers 400 when no provider takes the cart\'s currency', async () => {
    const { handler } = handlerWith([provider('nok', [m('vipps', 'hosted', ['NOK'])]).provider]);
    expect(await methods(handler)).toEqual([]);
    const answer = await handler(post('/sessions', cart));
    expect(answer.status).toBe(400);
    expect(((await answer.json()) as { error: { issues: unknown[] } }).error.issues).toEqual([
      { code: 'no_method_offered', path: ['items'], message: 'No payment method of this shop takes DKK' },
    ]);
  });
});

describe('custom routing', () => {
  it('is given the priced cart, the shopper, the country and the request, and its order decides', async () => {
    const first = provider('first', [m('card')]);
    const second = provider('second', [m('card'), m('blik')]);
    const inputs: RouteInput[] = [];
    const { handler, logged } = handlerWith([first.provider, second.provider], {
      shopper: () => ({ customer: { email: 'ane@example.dk', country: 'PL' } }),
      route: async (input) => {
        inputs.push(input);
        return input.country === 'PL'
          ? [
              { method: 'blik', provider: 'second' },
              { method: 'card', provider: 'second' },
              { method: 'card', provider: 'first' },
              { method: 'card', provider: 'first' },
              { method: 'ideal', provider: 'first' },
              { method: 'card', provider: 'paypal' },
            ]
          : [{ method: 'card', provider: 'first' }];
      },
    });
    expect(await methods(handler, { ...cart, locale: 'pl-PL' })).toEqual([
      { id: 'blik', provider: 'second', label: 'BLIK', kind: 'hosted' },
      { id: 'card', provider: 'second', label: 'Karta', kind: 'hosted' },
    ]);
    expect(inputs[0]).toMatchObject({ cart: { amount: 12900, currency: 'DKK' }, shopper: { customer: { country: 'PL' } }, country: 'PL' });
    expect(inputs[0]!.request.url).toBe(`${BASE}/sessions/methods`);
    expect(inputs[0]!.cart.lines).toEqual([{ sku: 'mug', name: 'Mug', quantity: 1, unitAmount: 12900, vatRate: 0.25 }]);
    // The shop's mistakes are left out and said in the log.
    expect(logged.map((line) => JSON.parse(line) as unknown)).toMatchObject([
      { level: 'error', event: 'routing.route_invalid', msg: 'route returned { method: "ideal", provider: "first" }, which "first" does not offer for DKK; left out' },
      { level: 'error', event: 'routing.route_invalid', msg: 'route returned { method: "card", provider: "paypal" }, which is no configured provider; left out' },
    ]);
    const session = (await (await handler(post('/sessions', cart))).json()) as CheckoutSession;
    expect(session.provider).toBe('second');
    expect(second.created.at(-1)?.method).toBe('blik');
    // Not offered by this route, though configured: refused.
    expect((await handler(post('/sessions', { ...cart, method: 'card', provider: 'first', customer: { country: 'PL' } }))).status).toBe(201);
    expect((await handler(post('/sessions', { ...cart, method: 'ideal' }))).status).toBe(400);
  });

  it('takes the body\'s customer country when there is no shopper hook, upper-cased', async () => {
    const countries: (string | undefined)[] = [];
    const { handler } = handlerWith([provider('first', [m('card')]).provider], {
      route: ({ country }) => (countries.push(country), [{ method: 'card', provider: 'first' }]),
    });
    await methods(handler, { ...cart, customer: { country: 'dk' } });
    await methods(handler, cart);
    expect(countries).toEqual(['DK', undefined]);
  });
});

describe('the methods route', () => {
  it('refuses a provider field and prices from the catalog only', async () => {
    const { handler } = handlerWith([provider('first', [m('card')]).provider]);
    expect((await handler(post('/sessions/methods', { ...cart, provider: 'first' }))).status).toBe(400);
    expect((await handler(post('/sessions/methods', { items: [{ sku: 'mug', quantity: 1, amount: 1 }] }))).status).toBe(400);
    const unknown = await handler(post('/sessions/methods', { items: [{ sku: 'nope', quantity: 1 }] }));
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: { issues: { code: string }[] } }).error.issues[0]!.code).toBe('unknown_sku');
  });

  it('labels each method in the request\'s locale through the fallback chain, brands as their owners write them', () => {
    expect(['en', 'da-DK', 'sv', 'nn', 'no', 'nb-NO', 'fi', 'de-AT', 'pl', 'fr-CH', 'es', 'it', 'nl-BE', 'pt-BR', 'cs', 'et', 'lv', 'lt', 'xx', undefined].map((locale) => methodLabel({ id: 'card' }, locale))).toEqual([
      'Card', 'Kort', 'Kort', 'Kort', 'Kort', 'Kort', 'Kortti', 'Karte', 'Karta', 'Carte', 'Tarjeta', 'Carta', 'Kaart', 'Cartão', 'Karta', 'Kaart', 'Karte', 'Kortelė', 'Card', 'Card',
    ]);
    expect(methodLabel({ id: 'card-fields' }, 'da')).toBe('Kort (på denne side)');
    expect(['blik', 'mobilepay', 'vipps', 'ideal'].map((id) => methodLabel({ id }, 'da'))).toEqual(['BLIK', 'MobilePay', 'Vipps', 'iDEAL']);
    expect(methodLabel({ id: 'twint', label: 'TWINT' }, 'de')).toBe('TWINT');
    expect(methodLabel({ id: 'twint' }, 'de')).toBe('twint');
    // The widget's sixteen languages (CONTRACT §2).
    expect([...METHOD_LABEL_LANGUAGES].sort()).toEqual(['cs', 'da', 'de', 'en', 'es', 'et', 'fi', 'fr', 'it', 'lt', 'lv', 'nb', 'nl', 'pl', 'pt', 'sv']);
  });
});
