import type { CheckoutSession } from '../../core/protocol.js';
import type { Catalog } from '../catalog.js';
import type { PaymentProvider, VerifiedWebhook } from '../provider-api/types.js';

export const MUG_CATALOG: Catalog = { currency: 'DKK', products: { mug: { name: 'Mug', unitAmount: 12900, vatRate: 0.25 } } };

/** A hosted-page provider double for mounting tests: sessions in a map; webhook raw bodies recorded as they arrived. */
export function hostedProviderDouble(): { provider: PaymentProvider; rawBodies: string[] } {
  const sessions = new Map<string, CheckoutSession>();
  const rawBodies: string[] = [];
  const provider: PaymentProvider = {
    name: 'fake',
    async createSession(input) {
      const id = `fake_${sessions.size + 1}`;
      const session: CheckoutSession = { id, provider: 'fake', kind: 'hosted', status: 'open', url: `https://pay.example/${id}`, amount: input.amount, currency: input.currency };
      sessions.set(id, session);
      return session;
    },
    async getSession(id) {
      return sessions.get(id)!;
    },
    async verifyWebhook(rawBody): Promise<VerifiedWebhook> {
      rawBodies.push(rawBody);
      return { eventId: `evt_${rawBodies.length}`, type: 'session.completed', sessionId: 'fake_1', payload: JSON.parse(rawBody) };
    },
  };
  return { provider, rawBodies };
}
