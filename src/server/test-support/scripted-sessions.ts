import type { CheckoutSession } from '../../core/protocol.js';
import { ProviderError, type CreateSessionInput } from '../provider-api/types.js';

/**
 * Tests: a provider's sessions kept in a map the test can change, like a PSP's dashboard.
 * `fields` gives each new session its kind and what goes with it (`counter` counts from 1).
 */
export function scriptedSessions(name: string, fields: (counter: number) => Pick<CheckoutSession, 'kind'> & Partial<CheckoutSession>) {
  const sessions = new Map<string, CheckoutSession>();
  let counter = 0;
  return {
    sessions,
    async createSession(input: CreateSessionInput): Promise<CheckoutSession> {
      counter += 1;
      const session: CheckoutSession = {
        id: `${name}_${counter}`,
        provider: name,
        status: 'open',
        ...fields(counter),
        amount: input.amount,
        currency: input.currency,
      };
      sessions.set(session.id, session);
      return { ...session };
    },
    async getSession(id: string): Promise<CheckoutSession> {
      const session = sessions.get(id);
      if (!session) throw new ProviderError(name, `no session ${id}`, 404);
      return { ...session };
    },
  };
}
