/**
 * The chooser's method labels, server side: the methods answer carries them in the request's
 * `locale`, in the widget's languages (docs/protocol.md, "Methods, routing and failover").
 * Brand names (BLIK, Vipps, MobilePay, iDEAL, …) are the same in every language; only the
 * generic methods are translated. `fr-CH` reads `fr`, `nn`/`no` read `nb`, through the widget's fallback chain; anything else `en`.
 */
import { pickLanguage } from '../core/language.js';
import type { ProviderMethod } from './provider-api/types.js';

/** The widget's languages (CONTRACT §2), by method id: `en` first, the fallback. */
const TRANSLATED: Record<string, Record<string, string>> = {
  card: {
    en: 'Card',
    da: 'Kort',
    sv: 'Kort',
    nb: 'Kort',
    fi: 'Kortti',
    de: 'Karte',
    pl: 'Karta',
    fr: 'Carte',
    es: 'Tarjeta',
    it: 'Carta',
    nl: 'Kaart',
    pt: 'Cartão',
    cs: 'Karta',
    et: 'Kaart',
    lv: 'Karte',
    lt: 'Kortelė',
  },
  'card-fields': {
    en: 'Card (on this page)',
    da: 'Kort (på denne side)',
    sv: 'Kort (på den här sidan)',
    nb: 'Kort (på denne siden)',
    fi: 'Kortti (tällä sivulla)',
    de: 'Karte (auf dieser Seite)',
    pl: 'Karta (na tej stronie)',
    fr: 'Carte (sur cette page)',
    es: 'Tarjeta (en esta página)',
    it: 'Carta (in questa pagina)',
    nl: 'Kaart (op deze pagina)',
    pt: 'Cartão (nesta página)',
    cs: 'Karta (na této stránce)',
    et: 'Kaart (sellel lehel)',
    lv: 'Karte (šajā lapā)',
    lt: 'Kortelė (šiame puslapyje)',
  },
};

/** Brand names, written as their owners write them. */
const BRANDS: Record<string, string> = {
  blik: 'BLIK',
  vipps: 'Vipps',
  mobilepay: 'MobilePay',
  ideal: 'iDEAL',
  bancontact: 'Bancontact',
  klarna: 'Klarna',
  paypal: 'PayPal',
  swish: 'Swish',
  applepay: 'Apple Pay',
  googlepay: 'Google Pay',
};

/** The label of `method` in `locale`: translated, a brand, the provider's own `label`, or the id. */
export function methodLabel(method: Pick<ProviderMethod, 'id' | 'label'>, locale: string | undefined): string {
  const translated = TRANSLATED[method.id];
  if (translated) return translated[pickLanguage(locale, translated)]!;
  return BRANDS[method.id] ?? method.label ?? method.id;
}

/** The languages the translated labels are in (tests check each has every method). */
export const METHOD_LABEL_LANGUAGES = Object.keys(TRANSLATED['card']!);
