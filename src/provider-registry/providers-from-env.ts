import type { PaymentProvider, ProviderContext, ProviderEnv, ProviderFromEnv } from '../server/provider-api/types.js';
import { PROVIDER_SERVER_MODULES } from './servers.generated.js';

/**
 * Every provider a deployment can switch on through its environment, in order of preference:
 * the first configured one is the default, so a real provider with keys wins over the sandbox.
 * Built from the provider folders (`src/providers/<name>/server.ts`: `fromEnv`, `ENV_PREFERENCE`).
 */
// Pure: a bundle that never calls providersFromEnv drops it, and with it every adapter it names.
export const PROVIDERS_FROM_ENV: readonly ProviderFromEnv[] = /* @__PURE__ */ inPreferenceOrder();

function inPreferenceOrder(): ProviderFromEnv[] {
  return [...PROVIDER_SERVER_MODULES].sort((a, b) => a.ENV_PREFERENCE - b.ENV_PREFERENCE).map((module): ProviderFromEnv => module.fromEnv);
}

/**
 * The providers the environment configures (each `fromEnv` throws on half a configuration).
 * `CHECKOUT_DEFAULT_PROVIDER` moves the named one to the front, making it the default.
 */
export function providersFromEnv(
  env: ProviderEnv,
  factories: readonly ProviderFromEnv[] = PROVIDERS_FROM_ENV,
  context: ProviderContext = {},
): PaymentProvider[] {
  const providers = factories
    .map((fromEnv) => fromEnv(env, context))
    .filter((provider): provider is PaymentProvider => provider !== undefined);
  const preferred = env['CHECKOUT_DEFAULT_PROVIDER']?.trim();
  if (!preferred) return providers;
  const index = providers.findIndex((provider) => provider.name === preferred);
  if (index < 0) {
    throw new Error(
      `CHECKOUT_DEFAULT_PROVIDER is "${preferred}" but that provider is not configured (configured: ${providers.map((p) => p.name).join(', ') || 'none'})`,
    );
  }
  return [providers[index]!, ...providers.filter((_, i) => i !== index)];
}
