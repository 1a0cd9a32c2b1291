import type { Telemetry } from '../telemetry.js';
import type { CheckoutStore, Job } from './types.js';

/**
 * A store call failed: the database is down, unreachable or refusing. The handler answers `503`
 * with `Retry-After` (a PSP retries a webhook it got a 503 for; a widget retries its create), not
 * `500`. `cause` is the driver's own error.
 */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}

/**
 * `store` with every failure of its calls thrown as a `StoreUnavailableError` naming the call, and
 * each call a span `checkout.store.<method>` (but the job runner's polls that leased nothing).
 */
export function reportingOutages(store: CheckoutStore, telemetry?: Telemetry): CheckoutStore {
  const wrapped = {} as Record<string, unknown>;
  for (const name of methodNames(store)) {
    const method = (store as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[name]!;
    const call = async (args: unknown[]) => {
      try {
        return await method.apply(store, args);
      } catch (error) {
        if (error instanceof StoreUnavailableError) throw error;
        throw new StoreUnavailableError(`The store failed (${name}): ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
    };
    const skip = name === 'leaseJobs' ? (jobs: unknown) => (jobs as Job[]).length === 0 : undefined;
    wrapped[name] = telemetry
      ? (...args: unknown[]) => telemetry.afterwards(`checkout.store.${name}`, { 'checkout.store.operation': name }, () => call(args), skip)
      : (...args: unknown[]) => call(args);
  }
  return wrapped as unknown as CheckoutStore;
}

/** Own and prototype methods alike (a store may be a class instance or a plain object). */
function methodNames(store: CheckoutStore): Set<string> {
  const names = new Set<string>();
  for (let object: object | null = store; object && object !== Object.prototype; object = Object.getPrototypeOf(object)) {
    for (const name of Object.getOwnPropertyNames(object)) {
      if (name !== 'constructor' && typeof (store as unknown as Record<string, unknown>)[name] === 'function') names.add(name);
    }
  }
  return names;
}
