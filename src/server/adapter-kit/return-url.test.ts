import { describe, expect, it } from 'vitest';
import { ProviderInputError } from '../provider-api/types.js';
import { dropSessionPlaceholder, replaceSessionPlaceholder, SESSION_ID_PLACEHOLDER } from './return-url.js';

describe('the {SESSION_ID} placeholder', () => {
  it('is replaced wherever it stands, as written or percent-encoded in either case', () => {
    expect(SESSION_ID_PLACEHOLDER).toBe('{SESSION_ID}');
    expect(replaceSessionPlaceholder('https://s.example/r?a={SESSION_ID}&b=%7bsession_id%7D', '{ID}')).toBe('https://s.example/r?a={ID}&b={ID}');
    expect(replaceSessionPlaceholder('https://s.example/{SESSION_ID}', '$&$1')).toBe('https://s.example/$&$1');
    expect(replaceSessionPlaceholder('https://s.example/r', '{ID}')).toBe('https://s.example/r');
  });

  it('drops only the parameters that carry it', () => {
    expect(dropSessionPlaceholder('p', 'https://s.example/r?checkout_session={SESSION_ID}&a=1')).toBe('https://s.example/r?a=1');
    expect(dropSessionPlaceholder('p', 'https://s.example/r?checkout_session=%7BSESSION_ID%7D')).toBe('https://s.example/r');
    expect(dropSessionPlaceholder('p', 'https://s.example/r?a=1')).toBe('https://s.example/r?a=1');
    expect(() => dropSessionPlaceholder('p', 'https://s.example/{SESSION_ID}/r')).toThrow(ProviderInputError);
  });
});
