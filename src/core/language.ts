/**
 * The languages the checkout's texts are in (the widget's and the sandbox payment page's), by
 * ISO 639-1 subtag; `en` is the fallback for every other.
 */
export const LOCALES = ['en', 'da', 'sv', 'nb', 'fi', 'de', 'pl', 'fr', 'es', 'it', 'nl', 'pt', 'cs', 'et', 'lv', 'lt'] as const;
/** One of `LOCALES`. */
export type LocaleCode = (typeof LOCALES)[number];

/**
 * The language subtag of a BCP 47 locale, lower-case (`da-DK` → `da`, `da_DK` → `da`);
 * Norwegian `no` and Nynorsk `nn` read Bokmål, `nb`, which is what Norwegian payment texts are in.
 */
export function languageOf(locale: string): string {
  const language = locale.toLowerCase().split(/[-_]/)[0]!;
  return language === 'no' || language === 'nn' ? 'nb' : language;
}

/**
 * Where a BCP 47 locale looks for its texts, most specific first: the whole tag, then the tag
 * without its last subtag, down to the language (`no`/`nn` → `nb`), then `en`. `fr-CH` →
 * `fr-ch`, `fr`, `en`; `pt-BR` → `pt-br`, `pt`, `en`; `nn-NO` → `nn-no`, `nn`, `nb`, `en`.
 * Lower-case, `_` read as `-`.
 */
export function localeChain(locale: string): string[] {
  const subtags = locale.toLowerCase().replace(/_/g, '-').split('-').filter(Boolean);
  const chain: string[] = [];
  for (let length = subtags.length; length > 0; length--) chain.push(subtags.slice(0, length).join('-'));
  const language = languageOf(locale);
  if (language && !chain.includes(language)) chain.push(language);
  if (!chain.includes('en')) chain.push('en');
  return chain;
}

/**
 * The first entry of `locale`'s chain (`localeChain`) that `table` has as an own key, else `en`:
 * the language a text table answers in. Own keys only, so `constructor` never reaches
 * `Object.prototype`.
 */
export function pickLanguage(locale: string | undefined, table: object): string {
  return localeChain(locale ?? '').find((code) => Object.hasOwn(table, code)) ?? 'en';
}
