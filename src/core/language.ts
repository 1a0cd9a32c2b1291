/**
 * The language subtag of a BCP 47 locale, lower-case (`da-DK` → `da`, `da_DK` → `da`);
 * Norwegian `no` and Nynorsk `nn` read Bokmål, `nb`, which is what Norwegian payment texts are in.
 */
export function languageOf(locale: string): string {
  const language = locale.toLowerCase().split(/[-_]/)[0]!;
  return language === 'no' || language === 'nn' ? 'nb' : language;
}
