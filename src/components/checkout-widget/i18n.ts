import { pickLanguage } from '../../core/language.js';
import { LOCALE_LOADERS } from './locales/index.js';
import type { CheckoutStrings } from './strings.js';

/*
 * Which language a locale reads and where its texts are: a small chunk of its own, fetched only
 * for a locale that is not English, so the core carries `en` and one import (the core's gzip
 * allowance for i18n is 300 bytes; this table and the picking would take a third of it).
 */

/**
 * The language of the widget's texts for a BCP 47 `locale`, through its fallback chain
 * (`localeChain`): the whole tag, then shorter, then the language subtag (`fr-CH` → `fr`,
 * `pt-BR` → `pt`; Norwegian `no` and `nn` read Bokmål, `nb`), else `en`.
 */
export function pickLocale(locale: string): string {
  return pickLanguage(locale, LOCALE_LOADERS);
}

/** The texts of `locale`'s language from its chunk; undefined for English (in the core). */
export async function loadStrings(locale: string): Promise<CheckoutStrings | undefined> {
  const code = pickLocale(locale);
  return code === 'en' ? undefined : (await LOCALE_LOADERS[code]!()).default;
}
