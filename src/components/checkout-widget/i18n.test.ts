import { render } from '@lit-labs/ssr';
import { collectResult } from '@lit-labs/ssr/lib/render-result.js';
import { html } from 'lit';
import { describe, expect, it } from 'vitest';
import { renderLocaleModules, staleLocaleModules } from '../../../scripts/locale-strings.js';
import { ERROR_CODES } from '../../core/protocol.js';
import { CheckoutWidget } from '../../define.js';
import { loadStrings, pickLocale } from './i18n.js';
import { en } from './locales/en.js';
import { LOCALE_LOADERS } from './locales/index.js';
import { LOCALES } from '../../core/language.js';
import { STRINGS } from './strings.js';

describe('the widget texts table (strings.ts)', () => {
  it('has every text in every language, none empty: a gap is named as "<key> in <language>"', () => {
    const missing = Object.entries(STRINGS).flatMap(([key, texts]: [string, Partial<Record<string, string>>]) =>
      LOCALES.filter((code) => !texts[code]?.trim()).map((code) => `${key} in ${code}`),
    );
    expect(missing).toEqual([]);
  });

  it('has no language beyond LOCALES and no English left in another language', () => {
    const strays = Object.entries(STRINGS).flatMap(([key, texts]) =>
      Object.keys(texts).filter((code) => !(LOCALES as readonly string[]).includes(code)).map((code) => `${key} in ${code}`),
    );
    expect(strays).toEqual([]);
    // A row copied from English instead of translated (no text of the widget is the same word in any of its languages).
    const untranslated = Object.entries(STRINGS).flatMap(([key, texts]: [string, Record<string, string>]) =>
      LOCALES.filter((code) => code !== 'en' && texts[code] === texts['en']).map((code) => `${key} in ${code}`),
    );
    expect(untranslated).toEqual([]);
  });

  it('has a shopper message for every error code', () => {
    for (const code of ERROR_CODES) expect(Object.keys(STRINGS)).toContain(code);
  });

  it('is what the committed locale modules say (run `npm run locales` after editing it)', () => {
    expect(staleLocaleModules()).toEqual([]);
    expect(Object.keys(renderLocaleModules()).sort()).toEqual([...LOCALES.map((code) => `${code}.ts`), 'index.ts'].sort());
    expect(LOCALES).toHaveLength(16);
  });

  it('loads every language other than English as its own module with every key', async () => {
    expect(Object.keys(LOCALE_LOADERS).sort()).toEqual(LOCALES.filter((code) => code !== 'en').sort());
    for (const code of LOCALES) {
      const texts = code === 'en' ? en : (await LOCALE_LOADERS[code]!()).default;
      expect(Object.keys(texts), code).toEqual(Object.keys(STRINGS));
    }
  });
});

describe('pickLocale', () => {
  it.each([
    ['da-DK', 'da'],
    ['da', 'da'],
    ['sv-SE', 'sv'],
    ['sv-FI', 'sv'],
    ['nb-NO', 'nb'],
    ['no', 'nb'],
    ['nn-NO', 'nb'],
    ['fi-FI', 'fi'],
    ['de-DE', 'de'],
    ['de-AT', 'de'],
    ['pl-PL', 'pl'],
    ['PL', 'pl'],
    ['da_DK', 'da'],
    ['en-GB', 'en'],
    ['fr-FR', 'fr'],
    ['fr-CH', 'fr'],
    ['es-ES', 'es'],
    ['es-419', 'es'],
    ['it-IT', 'it'],
    ['nl-NL', 'nl'],
    ['nl-BE', 'nl'],
    ['pt-PT', 'pt'],
    ['pt-BR', 'pt'],
    ['cs-CZ', 'cs'],
    ['et-EE', 'et'],
    ['lv-LV', 'lv'],
    ['lt-LT', 'lt'],
    ['nn', 'nb'],
    ['ja-JP', 'en'],
    ['hu-HU', 'en'],
    // Filipino is not Finnish: the whole subtag counts, not its first letters.
    ['fil-PH', 'en'],
    ['', 'en'],
    ['constructor', 'en'],
    ['__proto__', 'en'],
  ])('%s reads %s', (locale, code) => {
    expect(pickLocale(locale)).toBe(code);
  });

  it('loads the picked language; English is the core table', async () => {
    expect((await loadStrings('da-DK'))?.pay).toBe('Betal');
    expect((await loadStrings('pl-PL'))?.pay).toBe('Zapłać');
    expect((await loadStrings('no'))?.retry).toBe('Prøv igjen');
    expect(await loadStrings('en-US')).toBeUndefined();
    expect((await loadStrings('fr-CH'))?.pay).toBe('Payer');
    expect((await loadStrings('pt-BR'))?.retry).toBe('Tentar novamente');
    expect((await loadStrings('nn'))?.retry).toBe('Prøv igjen');
    expect((await loadStrings('lt-LT'))?.pay).toBe('Mokėti');
    expect(await loadStrings('ja-JP')).toBeUndefined();
  });
});

describe('the strings property', () => {
  it('overrides texts by key and leaves the others', () => {
    const widget = new CheckoutWidget();
    expect(widget.localizedStrings).toEqual(en);
    widget.strings = { pay: 'Buy now', endpoint_error: 'Our shop is resting.' };
    expect(widget.localizedStrings).toEqual({ ...en, pay: 'Buy now', endpoint_error: 'Our shop is resting.' });
  });

  it('wins in the rendered markup', async () => {
    const markup = await collectResult(render(html`<checkout-widget mode="overlay" .strings=${{ pay: 'Zahlen' }}></checkout-widget>`));
    expect(markup).toMatch(/<button part="trigger" type="button" aria-busy="false">(<!--lit-part-->)?Zahlen(<!--\/lit-part-->)?<\/button>/);
  });
});
