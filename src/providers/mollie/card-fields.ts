/**
 * Mollie Components (Mollie.js v1) as the card fields of a `card-token` session
 * (`token_provider: "mollie"`, `profile_id`, `testmode`): a driver of the provider-neutral
 * card-token renderer (`src/renderers/card-token/`), loaded only for such a session.
 *
 * `Mollie(profileId, { locale, testmode })`, then `createComponent` for card number, holder,
 * expiry and CVC, each mounted into its own light-DOM element (whether Mollie.js works inside a
 * shadow root is not documented), and `createToken()` on Pay. A page that already loaded Mollie.js
 * itself (`window.Mollie`: self-hosted, preloaded) is used as it is, as the Adyen renderer does.
 */
import type { CardFields, CardFieldsFactory } from '../../renderers/card-token/card-token-renderer.js';
import { mollieLocale } from './locale.js';

/** The token providers these fields serve (the provider registry reads it). */
export const TOKEN_PROVIDERS = ['mollie'] as const;

/** Mollie.js v1, fetched only for a Mollie Components session. */
export const MOLLIE_JS_URL = 'https://js.mollie.com/v1/mollie.js';

/** The part of Mollie.js v1 this driver uses. */
export interface MollieComponent {
  mount(target: HTMLElement | string): void;
  unmount(): void;
  addEventListener(name: 'change', listener: (event: { error?: string | null; touched?: boolean }) => void): void;
}
export interface MollieInstance {
  createComponent(type: MollieComponentType): MollieComponent;
  createToken(): Promise<{ token?: string; error?: { message?: string } }>;
}
export type MollieFactory = (profileId: string, options: { locale?: string; testmode: boolean }) => MollieInstance;
export type MollieComponentType = (typeof COMPONENTS)[number];

/** The four components, in the order a card form shows them. */
const COMPONENTS = ['cardNumber', 'cardHolder', 'expiryDate', 'verificationCode'] as const;

/** Mollie Components in four light-DOM elements; Pay is enabled once each has changed without an error. */
export const createCardFields: CardFieldsFactory = (): CardFields => {
  let mollie: MollieInstance | undefined;
  const mounted: MollieComponent[] = [];
  return {
    async mount(session, host) {
      const preloaded = (window as { Mollie?: unknown }).Mollie;
      const Mollie = typeof preloaded === 'function' ? (preloaded as MollieFactory) : await host.loadScript<MollieFactory>(MOLLIE_JS_URL, 'Mollie');
      const locale = mollieLocale(host.locale);
      mollie = Mollie(session.profile_id!, { ...(locale && { locale }), testmode: session.testmode === true });
      const fine = new Map<string, boolean>();
      for (const type of COMPONENTS) {
        const element = document.createElement('div');
        element.className = `mollie-${type}`;
        host.target.append(element);
        const component = mollie.createComponent(type);
        component.mount(element);
        mounted.push(component);
        component.addEventListener('change', (event) => {
          fine.set(type, !event.error);
          host.validity(COMPONENTS.every((name) => fine.get(name)));
        });
      }
      host.ready();
    },
    async createToken() {
      const { token, error } = await mollie!.createToken();
      if (!token) throw new Error(error?.message ?? 'Mollie made no token');
      return token;
    },
    destroy() {
      for (const component of mounted.splice(0)) component.unmount();
    },
  };
};
