/**
 * The languages the checkout's texts are in (the widget's and the sandbox payment page's), by
 * ISO 639-1 subtag; `en` is the fallback for every other.
 */
export const LOCALES = ['en', 'da', 'sv', 'nb', 'fi', 'de', 'pl'] as const;
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
