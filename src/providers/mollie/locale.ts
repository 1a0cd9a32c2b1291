/** Mollie's `locale` values (payments and Mollie.js); the widget's `da` or `en-GB` picks the first of its language. */
const LOCALES = 'en_US en_GB nl_NL nl_BE fr_FR fr_BE de_DE de_AT de_CH es_ES ca_ES pt_PT it_IT nb_NO sv_SE fi_FI da_DK is_IS hu_HU pl_PL lv_LV lt_LT'.split(' ');

/** The Mollie locale for a widget locale, or undefined (Mollie then picks one from the browser). */
export function mollieLocale(locale: string | undefined): string | undefined {
  if (!locale) return undefined;
  const [language = '', region] = locale.replace('-', '_').split('_');
  const exact = region && `${language.toLowerCase()}_${region.toUpperCase()}`;
  const wanted = language.toLowerCase() === 'no' || language.toLowerCase() === 'nn' ? 'nb' : language.toLowerCase();
  return LOCALES.find((candidate) => candidate === exact) ?? LOCALES.find((candidate) => candidate.startsWith(`${wanted}_`));
}
