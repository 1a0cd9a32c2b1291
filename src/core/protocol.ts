/**
 * The wire protocol between the widget, the shop's backend and hosted pages, written once and
 * imported by both sides: the session JSON, the messages a hosted page posts, the return URL's
 * parameters and the error codes. Described for people in `docs/protocol.md`.
 */
// In parts, re-exported here: one module holding both what the core uses at once and what only the
// validators chunk uses made Rolldown 1.2 emit it as a chunk of its own on the start path.
export * from './protocol/session.js';
export * from './protocol/messages.js';
export * from './protocol/returns.js';
export * from './protocol/errors.js';
export * from './protocol/methods.js';
