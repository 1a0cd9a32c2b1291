/**
 * Routing (docs/protocol.md, "Methods, routing and failover"): which methods a cart may be paid
 * with, at which providers, in which order. The shop's `route` decides, or the default: every
 * configured provider (the default provider first) with each of its methods that takes the cart's
 * currency. The methods route answers the candidates' methods once each; a create tries the
 * candidates of its method in order.
 */
import type { PricedCart } from './catalog.js';
import type { RouteCandidate } from './handler-types.js';
import { methodLabel } from './method-labels.js';
import type { PaymentProvider, ProviderMethod } from './provider-api/types.js';

/** A candidate resolved against the configured providers. */
export interface Candidate {
  method: ProviderMethod;
  provider: PaymentProvider;
}

/** One entry of the methods answer (`POST {base}/sessions/methods`). */
export interface OfferedMethod {
  id: string;
  provider: string;
  label: string;
  kind: string;
}

/** The methods `provider` declares for this cart, or its one fallback method; only those that take its currency. */
export function methodsFor(provider: PaymentProvider, cart: Pick<PricedCart, 'amount' | 'currency'>): ProviderMethod[] {
  const declared = typeof provider.methods === 'function' ? provider.methods({ amount: cart.amount, currency: cart.currency }) : provider.methods;
  const methods: readonly ProviderMethod[] = declared ?? [{ id: provider.name, kind: 'hosted', label: provider.label ?? provider.name }];
  const currency = cart.currency.toUpperCase();
  return methods.filter((method) => !method.currencies || method.currencies.some((taken) => taken.toUpperCase() === currency));
}

/** The default routing: every provider, the default one first, each with its methods that take the cart's currency. */
export function defaultRoute(providers: ReadonlyMap<string, PaymentProvider>, defaultProvider: string, cart: PricedCart): RouteCandidate[] {
  const ordered = [providers.get(defaultProvider)!, ...[...providers.values()].filter((provider) => provider.name !== defaultProvider)];
  return ordered.flatMap((provider) => methodsFor(provider, cart).map((method) => ({ method: method.id, provider: provider.name })));
}

/**
 * The candidates as configured providers and their declared methods, in routing order, each pair
 * once. A pair naming a provider that is not configured, or a method it does not offer for this
 * cart, is the shop's mistake: left out, and said in `refused`.
 */
export function resolveCandidates(
  providers: ReadonlyMap<string, PaymentProvider>,
  routed: readonly RouteCandidate[],
  cart: PricedCart,
  refused: (message: string) => void,
): Candidate[] {
  const seen = new Set<string>();
  const candidates: Candidate[] = [];
  for (const { method: id, provider: name } of routed) {
    const provider = providers.get(name);
    const method = provider && methodsFor(provider, cart).find((offered) => offered.id === id);
    if (!provider || !method) {
      refused(`route returned { method: "${id}", provider: "${name}" }, which ${provider ? `"${name}" does not offer for ${cart.currency}` : 'is no configured provider'}; left out`);
      continue;
    }
    const pair = `${id}\u0000${name}`;
    if (seen.has(pair)) continue;
    seen.add(pair);
    candidates.push({ method, provider });
  }
  return candidates;
}

/** The methods answer: each method once, at its first candidate, labelled in `locale`. */
export function offeredMethods(candidates: readonly Candidate[], locale: string | undefined): OfferedMethod[] {
  const offered = new Map<string, OfferedMethod>();
  for (const { method, provider } of candidates) {
    if (offered.has(method.id)) continue;
    offered.set(method.id, { id: method.id, provider: provider.name, label: methodLabel(method, locale), kind: method.kind });
  }
  return [...offered.values()];
}

/** What a create body asked for that routing does not offer: the field and a message naming what is offered. */
export interface RoutingRefusal {
  field: 'provider' | 'method';
  code: 'unknown_provider' | 'provider_not_offered' | 'method_not_offered';
  message: string;
}

/**
 * The candidates a create tries, in order: those of the body's `method` (else of the named
 * provider's first method, else of the first candidate's), the named `provider` first. A name
 * routing does not offer is a refusal.
 */
export function createChain(
  candidates: readonly Candidate[],
  body: { provider?: string | undefined; method?: string | undefined },
  configured: ReadonlyMap<string, PaymentProvider>,
): Candidate[] | RoutingRefusal {
  const list = (values: Iterable<string>) => [...new Set(values)].join(', ') || '(none)';
  const offeredProviders = list(candidates.map((candidate) => candidate.provider.name));
  if (body.method !== undefined && !candidates.some((candidate) => candidate.method.id === body.method)) {
    const message = `Method "${body.method}" is not offered for this checkout; offered: ${list(candidates.map((candidate) => candidate.method.id))}`;
    return { field: 'method', code: 'method_not_offered', message };
  }
  const forMethod = (id: string) => candidates.filter((candidate) => candidate.method.id === id);
  if (body.provider !== undefined) {
    if (!configured.has(body.provider)) {
      return { field: 'provider', code: 'unknown_provider', message: `Unknown provider "${body.provider}"; this shop offers: ${offeredProviders}` };
    }
    const named = candidates.find((candidate) => candidate.provider.name === body.provider && (body.method === undefined || candidate.method.id === body.method));
    if (!named) {
      const where = body.method === undefined ? 'this checkout' : `method "${body.method}"`;
      const offered = body.method === undefined ? offeredProviders : list(forMethod(body.method).map((candidate) => candidate.provider.name));
      return { field: 'provider', code: 'provider_not_offered', message: `Provider "${body.provider}" is not offered for ${where}; offered: ${offered}` };
    }
    return [named, ...forMethod(named.method.id).filter((candidate) => candidate !== named)];
  }
  const first = candidates[0];
  return first ? forMethod(body.method ?? first.method.id) : [];
}
