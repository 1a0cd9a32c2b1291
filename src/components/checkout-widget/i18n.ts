import { languageOf } from '../../core/language.js';
import { LOCALE_LOADERS } from './locales/index.js';
import type { CheckoutStrings } from './strings.js';

/*
 * Which language a locale reads and where its texts are: a small chunk of its own, fetched only
 * for a locale that is not English, so the core carries `en` and one import (the core's gzip
 * allowance for i18n is 300 bytes; this table and the picking would take a third of it).
 */

/**
 * The language of the widget's texts for a BCP 47 `locale`: its language subtag when the widget
 * speaks it (`da-DK` → `da`; Norwegian `no` and `nn` read Bokmål, `nb`), else `en`.
 */
export function pickLocale(locale: string): string {
  const code = languageOf(locale);
  // Own keys only: a locale such as "constructor" must not reach Object.prototype.
  return Object.hasOwn(LOCALE_LOADERS, code) ? code : 'en';
}

/** The texts of `locale`'s language from its chunk; undefined for English (in the core). */
export async function loadStrings(locale: string): Promise<CheckoutStrings | undefined> {
  const code = pickLocale(locale);
  return code === 'en' ? undefined : (await LOCALE_LOADERS[code]!()).default;
}
