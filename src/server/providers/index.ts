import { fromEnv as sandboxFromEnv } from './sandbox/index.js';
import { fromEnv as stripeFromEnv } from './stripe/index.js';
import type { PaymentProvider } from './types.js';

export type ProviderEnv = Record<string, string | undefined>;
/** What each provider folder exports: the provider when the environment configures it, else undefined. */
export type ProviderFromEnv = (env: ProviderEnv) => PaymentProvider | undefined;

/**
 * Every provider a deployment can switch on through its environment, in order of preference:
 * the first configured one is the default. To add a provider, export `fromEnv` from its folder
 * and list it here.
 */
export const PROVIDERS_FROM_ENV: readonly ProviderFromEnv[] = [
  sandboxFromEnv,
  stripeFromEnv,
  // reepay, convergegate, commercelayer, bokamera: add their `fromEnv` here.
];

/** The providers the environment configures. */
export function providersFromEnv(env: ProviderEnv, factories: readonly ProviderFromEnv[] = PROVIDERS_FROM_ENV): PaymentProvider[] {
  return factories.map((fromEnv) => fromEnv(env)).filter((provider): provider is PaymentProvider => provider !== undefined);
}
