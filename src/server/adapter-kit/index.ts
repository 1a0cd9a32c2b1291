/** The adapter toolkit: what every provider adapter (`src/providers/<name>/server.ts`) builds on. */
export * from './currency.js';
export * from './http-client.js';
export * from './options.js';
export * from './return-url.js';
export * from './webhook-signatures.js';
