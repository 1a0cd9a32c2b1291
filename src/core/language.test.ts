import { describe, expect, it } from 'vitest';
import { languageOf, localeChain, LOCALES, pickLanguage } from './language.js';

describe('localeChain', () => {
  it.each([
    ['fr-CH', ['fr-ch', 'fr', 'en']],
    ['pt-BR', ['pt-br', 'pt', 'en']],
    ['pt_PT', ['pt-pt', 'pt', 'en']],
    ['nn', ['nn', 'nb', 'en']],
    ['no', ['no', 'nb', 'en']],
    ['nn-NO', ['nn-no', 'nn', 'nb', 'en']],
    ['nb-NO', ['nb-no', 'nb', 'en']],
    ['zh-Hant-TW', ['zh-hant-tw', 'zh-hant', 'zh', 'en']],
    ['es-419', ['es-419', 'es', 'en']],
    ['en-GB', ['en-gb', 'en']],
    ['en', ['en']],
    ['', ['en']],
  ])('%s → %j', (locale, chain) => {
    expect(localeChain(locale)).toEqual(chain);
  });
});

describe('pickLanguage', () => {
  // A table in every language of the widget, as the widget's and the sandbox page's are.
  const table = Object.fromEntries(LOCALES.map((code) => [code, code]));

  it.each([
    // The contract's chains (CONTRACT §2): region → language, Norwegian → Bokmål, unknown → en.
    ['fr-CH', 'fr'],
    ['fr-FR', 'fr'],
    ['fr-BE', 'fr'],
    ['pt-BR', 'pt'],
    ['pt-PT', 'pt'],
    ['nn', 'nb'],
    ['nn-NO', 'nb'],
    ['no', 'nb'],
    ['es-419', 'es'],
    ['es-MX', 'es'],
    ['it-CH', 'it'],
    ['nl-BE', 'nl'],
    ['cs-CZ', 'cs'],
    ['et-EE', 'et'],
    ['lv-LV', 'lv'],
    ['lt-LT', 'lt'],
    ['de-AT', 'de'],
    ['sv_FI', 'sv'],
    ['PL', 'pl'],
    ['ja-JP', 'en'],
    ['fil-PH', 'en'],
    ['', 'en'],
    [undefined, 'en'],
    ['constructor', 'en'],
    ['__proto__', 'en'],
    ['toString-x', 'en'],
  ])('%s reads %s', (locale, code) => {
    expect(pickLanguage(locale, table)).toBe(code);
  });

  it('takes a regional table before its language when a table has one', () => {
    expect(pickLanguage('pt-BR', { en: 1, pt: 1, 'pt-br': 1 })).toBe('pt-br');
    expect(pickLanguage('pt-PT', { en: 1, pt: 1, 'pt-br': 1 })).toBe('pt');
  });

  it('answers en when the table has no en of its own (the widget keeps English in the core)', () => {
    expect(pickLanguage('en-US', { da: 1 })).toBe('en');
    expect(pickLanguage('da-DK', { da: 1 })).toBe('da');
  });
});

describe('languageOf', () => {
  it('reads the language subtag; Norwegian and Nynorsk read Bokmål', () => {
    expect(['da-DK', 'da_DK', 'NO', 'nn-NO', 'fr-CH'].map(languageOf)).toEqual(['da', 'da', 'nb', 'nb', 'fr']);
  });
});
