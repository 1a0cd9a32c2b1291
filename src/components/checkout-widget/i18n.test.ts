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
  it('has every text in every language, none empty', () => {
    for (const [key, texts] of Object.entries(STRINGS)) {
      for (const code of LOCALES) expect(texts[code].trim(), `${key} in ${code}`).not.toBe('');
    }
  });

  it('has a shopper message for every error code', () => {
    for (const code of ERROR_CODES) expect(Object.keys(STRINGS)).toContain(code);
  });

  it('is what the committed locale modules say (run `npm run locales` after editing it)', () => {
    expect(staleLocaleModules()).toEqual([]);
    expect(Object.keys(renderLocaleModules()).sort()).toEqual(['da.ts', 'de.ts', 'en.ts', 'fi.ts', 'index.ts', 'nb.ts', 'pl.ts', 'sv.ts']);
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
    ['fr-FR', 'en'],
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
    expect(await loadStrings('fr')).toBeUndefined();
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
