import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LOCALES } from '../../core/language.js';
import { renderPayPage, type PayPageInput } from './page.js';
import { PAGE_TEXTS, pageLanguage, translateMessage } from './page-strings.js';

const page = (overrides: Partial<PayPageInput> = {}): PayPageInput => ({
  id: 'ses_1',
  amount: 49_800,
  currency: 'DKK',
  lines: [{ name: 'Mug', quantity: 2, unit_amount: 24_900 }],
  shopOrigin: 'https://shop.example',
  nonce: 'n',
  view: { kind: 'form', method: 'card' },
  ...overrides,
});

describe('sandbox page texts', () => {
  it('has every text in every language of the widget, none empty: a gap is named as "<key> in <language>"', () => {
    expect(Object.keys(PAGE_TEXTS).sort()).toEqual([...LOCALES].sort());
    const texts: Record<string, Partial<Record<string, string>>> = PAGE_TEXTS;
    const missing = LOCALES.flatMap((code) => Object.keys(PAGE_TEXTS.en).filter((key) => !texts[code]![key]?.trim()).map((key) => `${key} in ${code}`));
    expect(missing).toEqual([]);
    for (const code of LOCALES) expect(Object.keys(PAGE_TEXTS[code]), code).toEqual(Object.keys(PAGE_TEXTS.en));
  });

  it('keeps the placeholders and test numbers of every English text in every language', () => {
    const tokens = (text: string) => (text.match(/\{amount\}|\d{3,}(?: \d{4})*/g) ?? []).sort();
    const wrong = LOCALES.flatMap((code) =>
      (Object.keys(PAGE_TEXTS.en) as (keyof typeof PAGE_TEXTS.en)[])
        .filter((key) => JSON.stringify(tokens(PAGE_TEXTS[code][key])) !== JSON.stringify(tokens(PAGE_TEXTS.en[key])))
        .map((key) => `${key} in ${code}`),
    );
    expect(wrong).toEqual([]);
  });

  it('knows every message the psp writes, word for word', () => {
    // The PSP's modules: `psp.ts` and its parts in `psp/`.
    const parts = readdirSync(new URL('./psp/', import.meta.url)).filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'));
    const source = ['./psp.ts', ...parts.map((name) => `./psp/${name}`)].map((file) => readFileSync(new URL(file, import.meta.url), 'utf8')).join('\n');
    // The page's messages are sentences; the API's own errors (no full stop) never reach the page.
    const messages = [...source.matchAll(/(?:message|declined): '([A-Z][^']* [^']*\.)'/g)].map((match) => match[1]!);
    // The card decline is a template: with and without the BLIK suggestion.
    messages.push('Your card was declined. Try another card or pay with BLIK.', 'Your card was declined. Try another card.');
    expect(source).toContain('declined: `Your card was declined. Try another card${');
    expect(messages.length).toBeGreaterThan(8);
    for (const message of messages) expect(translateMessage(message, PAGE_TEXTS.da), message).not.toBe(message);
    expect(translateMessage('Something new.', PAGE_TEXTS.da)).toBe('Something new.');
  });

  it.each([
    ['da-DK', 'da'],
    ['nb-NO', 'nb'],
    ['no', 'nb'],
    ['pl_PL', 'pl'],
    ['fr-FR', 'fr'],
    ['fr-CH', 'fr'],
    ['pt-BR', 'pt'],
    ['nn', 'nb'],
    ['es-419', 'es'],
    ['lv', 'lv'],
    ['ja-JP', 'en'],
    [undefined, 'en'],
    ['toString', 'en'],
  ])('picks %s as %s', (locale, code) => {
    expect(pageLanguage(locale)).toBe(code);
  });

  it('renders Danish for a da-DK session: lang, labels, buttons, money', () => {
    const html = renderPayPage(page({ locale: 'da-DK' }));
    expect(html).toContain('<html lang="da">');
    expect(html).toMatch(/<h1>Betal 498,00\skr\.<\/h1>/);
    expect(html).toMatch(/<button class="pay" type="submit">Betal 498,00\skr\.<\/button>/);
    for (const text of ['<label for="card-number">Kortnummer</label>', '>I alt<', 'aria-label="Betalingsmetode"', '>Annuller betaling<']) {
      expect(html).toContain(text);
    }
  });

  it('translates the psp messages shown on the page', () => {
    const html = renderPayPage(
      page({ locale: 'pl-PL', currency: 'PLN', view: { kind: 'form', method: 'card', fieldError: { field: 'number', message: 'Enter a valid card number.' } } }),
    );
    expect(html).toContain('<html lang="pl">');
    expect(html).toContain('Wpisz poprawny numer karty.');
    expect(html).toMatch(/Zapłać 498,00\szł/);
  });

  it('follows the fallback chain: pt-BR reads the Portuguese page, fr-CH the French one', () => {
    const portuguese = renderPayPage(page({ locale: 'pt-BR' }));
    expect(portuguese).toContain('<html lang="pt">');
    expect(portuguese).toContain('<label for="card-number">Número do cartão</label>');
    const french = renderPayPage(page({ locale: 'fr-CH', currency: 'CHF' }));
    expect(french).toContain('<html lang="fr">');
    expect(french).toContain('>Annuler le paiement<');
  });

  it('stays English without a locale', () => {
    const html = renderPayPage(page());
    expect(html).toContain('<html lang="en">');
    expect(html).toMatch(/<h1>Pay DKK\s498\.00<\/h1>/);
  });
});
