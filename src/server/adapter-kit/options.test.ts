import { describe, expect, it } from 'vitest';
import { absoluteUrl, keyOption, positiveNumber, requiredString } from './options.js';

describe('adapter option checks', () => {
  it('positiveNumber: the fallback when unset, the value when positive, a TypeError naming the option otherwise', () => {
    expect(positiveNumber('p', 'timeoutMs', undefined, 5)).toBe(5);
    expect(positiveNumber('p', 'timeoutMs', 0.5, 5)).toBe(0.5);
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => positiveNumber('p', 'timeoutMs', bad, 5)).toThrow(new TypeError(`p: option timeoutMs must be a positive number, got ${bad}`));
    }
  });

  it('requiredString refuses missing and blank values', () => {
    expect(requiredString('p', 'baseUrl', 'x')).toBe('x');
    expect(() => requiredString('p', 'baseUrl', ' ')).toThrow(new TypeError('p: option baseUrl is required'));
    expect(() => requiredString('p', 'baseUrl', undefined)).toThrow(TypeError);
  });

  it('keyOption refuses a key of the wrong kind without echoing it', () => {
    expect(keyOption('p', 'secretKey', 'sk_1', /^sk_\S+$/, 'a secret key (sk_…)')).toBe('sk_1');
    expect(() => keyOption('p', 'secretKey', 'pk_secret', /^sk_\S+$/, 'a secret key (sk_…)')).toThrow(
      new TypeError('p: option secretKey must be a secret key (sk_…)'),
    );
    expect(() => keyOption('p', 'secretKey', undefined, /^sk_\S+$/, 'a secret key')).toThrow(TypeError);
  });

  it('absoluteUrl normalises and drops trailing slashes, and refuses relative URLs', () => {
    expect(absoluteUrl('p', 'apiUrl', 'http://127.0.0.1:4243/')).toBe('http://127.0.0.1:4243');
    expect(absoluteUrl('p', 'apiUrl', 'https://a.example/base//')).toBe('https://a.example/base');
    expect(() => absoluteUrl('p', 'apiUrl', '/relative')).toThrow(new TypeError('p: option apiUrl must be an absolute URL (got "/relative")'));
    expect(() => absoluteUrl('p', 'apiUrl', undefined)).toThrow(TypeError);
  });
});
