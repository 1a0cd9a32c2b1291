/**
 * checkout.com Frames as the card fields of a `card-token` session (`token_provider:
 * "checkout.com"`, or `"sandbox"`: the sandbox PSP's double of Frames, named by `frames_url`).
 * A driver of the provider-neutral card-token renderer (`src/renderers/card-token/`), loaded only
 * for such a session. Frames finds its `.card-frame` placeholder in the document.
 */
import { CheckoutError } from '../../core/errors.js';
import type { CardFields, CardFieldsFactory } from '../../renderers/card-token/card-token-renderer.js';

/** The token providers these fields serve (the provider registry reads it). */
export const TOKEN_PROVIDERS = ['checkout.com', 'sandbox'] as const;

/** checkout.com's Frames script; the sandbox names its own double in `frames_url`. */
export const FRAMES_URL = 'https://cdn.checkout.com/js/framesv2.min.js';

/** The part of checkout.com Frames this driver uses (the sandbox's script offers the same). */
export interface FramesApi {
  Events: { READY: string; CARD_VALIDATION_CHANGED: string };
  init(config: { publicKey: string; localization?: string }): void;
  addEventHandler(name: string, handler: (event?: { isValid?: boolean }) => void): void;
  removeAllEventHandlers(name: string): void;
  submitCard(): Promise<{ token: string }>;
  enableSubmitForm(): void;
}

/** Frames' own translations for the widget's languages; anything else is English. */
const FRAMES_LOCALES: Record<string, string> = { da: 'DA-DK', de: 'DE-DE', fi: 'FI-FI', nb: 'NB-NO', no: 'NB-NO', sv: 'SV-SE' };

/** Frames in a light-DOM `.card-frame`. */
export const createCardFields: CardFieldsFactory = (): CardFields => {
  let frames: FramesApi | undefined;
  return {
    async mount(session, host) {
      const { public_key: publicKey } = session;
      const src = session.token_provider === 'sandbox' ? session.frames_url : FRAMES_URL;
      if (!publicKey || !src) throw new CheckoutError('invalid_session', 'The card-token session has no public_key or script to load.');
      const loaded = await host.loadScript<FramesApi>(src, 'Frames');
      host.target.className = 'card-frame';
      loaded.init({ publicKey, localization: FRAMES_LOCALES[host.locale.slice(0, 2).toLowerCase()] ?? 'EN-GB' });
      frames = loaded;
      loaded.addEventHandler(loaded.Events.READY, () => host.ready());
      loaded.addEventHandler(loaded.Events.CARD_VALIDATION_CHANGED, (event) => host.validity(Boolean(event?.isValid)));
    },
    createToken: async () => (await frames!.submitCard()).token,
    again: () => frames?.enableSubmitForm(),
    destroy() {
      if (frames) for (const name of [frames.Events.READY, frames.Events.CARD_VALIDATION_CHANGED]) frames.removeAllEventHandlers(name);
    },
  };
};
