/// <reference types="vite/client" />
/**
 * Property tests (fast-check) for `parseSession` and every session shape: whatever an endpoint
 * answers (arbitrary values, arbitrary JSON, valid sessions with fields dropped, replaced or added),
 * the parser returns a contract session that holds the contract's promises or throws its own
 * `CheckoutError('invalid_session')`, and an accepted session parses to itself again.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CheckoutError } from '../errors.js';
import { parseSession, SESSION_SHAPES } from '../../provider-registry/session-schema.js';
import { PROVIDER_SHAPES } from '../../provider-registry/shapes.generated.js';
import { acceptContractSession } from './contract-check.js';
import { SESSION_KINDS, SESSION_STATUSES, type CheckoutSession } from '../protocol.js';
import type { SessionShapeContext } from './index.js';

const RUNS = 200;

/** Every field of the session (docs/protocol.md): nothing else may reach a renderer. */
const CONTRACT_FIELDS = new Set([
  'id',
  'provider',
  'kind',
  'status',
  'url',
  'frameable',
  'client_secret',
  'publishable_key',
  'stripe_account',
  'session_id',
  'session_data',
  'client_key',
  'environment',
  'amount',
  'currency',
  'expires_at',
  'livemode',
  'failed_attempts',
]);

type Outcome = { accepted: true; session: CheckoutSession } | { accepted: false; error: CheckoutError };

/** Runs `parse`; any throw other than `CheckoutError('invalid_session')` fails the property. */
function outcomeOf(parse: () => CheckoutSession): Outcome {
  try {
    return { accepted: true, session: parse() };
  } catch (error) {
    if (!(error instanceof CheckoutError)) throw error;
    expect(error.code).toBe('invalid_session');
    expect(typeof error.message).toBe('string');
    expect(error.message.length).toBeGreaterThan(0);
    return { accepted: false, error };
  }
}

function isHttpUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

/** What every accepted session holds, whatever shape it came from. */
function expectContractSession(session: CheckoutSession): void {
  expect(typeof session).toBe('object');
  expect(typeof session.id === 'string' && session.id.length > 0).toBe(true);
  expect(typeof session.provider === 'string' && session.provider.length > 0).toBe(true);
  expect(SESSION_KINDS).toContain(session.kind);
  expect(SESSION_STATUSES).toContain(session.status);
  for (const [key, value] of Object.entries(session)) {
    expect(CONTRACT_FIELDS.has(key), `unexpected field ${key}`).toBe(true);
    expect(value === null || value === undefined, `${key} is ${String(value)}`).toBe(false);
  }
  if ('url' in session) expect(typeof session.url === 'string' && isHttpUrl(session.url), `url ${String(session.url)}`).toBe(true);
  if ('publishable_key' in session) {
    expect(typeof session.publishable_key === 'string' && session.publishable_key.startsWith('pk_')).toBe(true);
  }
  if ('client_secret' in session) expect(typeof session.client_secret === 'string' && session.client_secret.length > 0).toBe(true);
  if ('frameable' in session) expect(typeof session.frameable).toBe('boolean');
  if ('livemode' in session) expect(typeof session.livemode).toBe('boolean');
  for (const key of ['amount', 'failed_attempts'] as const) {
    if (key in session) expect(Number.isSafeInteger(session[key]) && session[key]! >= 0, `${key} ${String(session[key])}`).toBe(true);
  }
  if ('expires_at' in session) expect(Number.isNaN(Date.parse(session.expires_at!))).toBe(false);
  // What rendering an open session needs is there.
  if (session.status === 'open') {
    if (session.kind === 'hosted' || session.kind === 'reepay') expect(session.url).toBeDefined();
    if (session.kind === 'adyen') {
      for (const field of ['session_id', 'session_data', 'client_key', 'environment'] as const) expect(session[field]).toBeDefined();
    }
    if (session.kind === 'stripe-embedded') {
      expect(session.client_secret).toBeDefined();
      expect(session.publishable_key).toBeDefined();
    }
  }
}

/** An accepted session is a contract session that parses to itself, with or without the attribute. */
function expectRoundTrip(session: CheckoutSession, context: SessionShapeContext): void {
  expect(parseSession(session)).toStrictEqual(session);
  expect(parseSession(session, context)).toStrictEqual(session);
  expect(parseSession(JSON.parse(JSON.stringify(session)) as unknown)).toStrictEqual(session);
}

const REEPAY_ID = 'cs_0123456789abcdef0123456789abcdef';

/** One valid answer per shape (and per kind of the contract), as their own tests write them. */
const VALID: Record<string, unknown> = {
  'contract hosted': {
    id: 'ses_1',
    provider: 'sandbox',
    kind: 'hosted',
    status: 'open',
    url: 'https://psp.example/pay/ses_1',
    frameable: true,
    amount: 50000,
    currency: 'DKK',
    expires_at: '2026-11-22T12:00:00Z',
    livemode: false,
    failed_attempts: 0,
  },
  'contract stripe-embedded': {
    id: 'cs_1',
    provider: 'stripe',
    kind: 'stripe-embedded',
    status: 'open',
    client_secret: 'cs_1_secret_x',
    publishable_key: 'pk_test_1',
    stripe_account: 'acct_1',
  },
  'contract adyen': {
    id: 'CS841C62BF399F968C',
    provider: 'adyen',
    kind: 'adyen',
    status: 'open',
    session_id: 'CS841C62BF399F968C',
    session_data: 'Ab02b4c0!BQABAgAeRei',
    client_key: 'test_ABC',
    environment: 'test',
    amount: 1000,
    currency: 'EUR',
  },
  'contract reepay': { id: REEPAY_ID, provider: 'reepay', kind: 'reepay', status: 'open', url: `https://checkout.reepay.com/#/${REEPAY_ID}` },
  // One folder's answers each (`src/providers/<name>/fake-answers.ts`): a new provider's shape is covered without an edit here.
  ...Object.assign({}, ...Object.values(import.meta.glob<{ NATIVE_ANSWERS: Record<string, unknown> }>('../../providers/*/fake-answers.ts', { eager: true })).map((module) => module.NATIVE_ANSWERS)),
};
const VALID_NAMES = Object.keys(VALID);

// Values a careless or hostile backend might put anywhere.
const NASTY_VALUES: unknown[] = [
  null,
  undefined,
  '',
  ' ',
  0,
  -1,
  1.5,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  2 ** 53,
  Number.MAX_SAFE_INTEGER,
  8.64e12,
  true,
  false,
  {},
  [],
  'javascript:alert(1)',
  'JAVASCRIPT:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'vbscript:x',
  'file:///etc/passwd',
  '//evil.example/pay',
  '/relative/pay',
  'http://',
  'https://evil.example/pay',
  'http:evil.example',
  ' https://a.example ',
  'sk_test_1',
  'sk_live_1',
  'rk_live_1',
  'pk_',
  'pk_test_1',
  'PK_test_1',
  'open',
  'Open',
  'complete',
  'paid',
  'expired',
  'cancelled',
  'failed',
  'hosted',
  'reepay',
  'stripe-embedded',
  'adyen',
  'test_ABC',
  'live-us',
  'embedded',
  'embedded_page',
  'hosted_page',
  'custom',
  'checkout.session',
  'checkout_com_payments',
  REEPAY_ID,
  'pa_0123456789abcdef0123456789abcdef',
  '__proto__',
  'constructor',
  'tomorrow',
  '2026-11-22T12:00:00Z',
  '+275760-09-13T00:00:00.000Z',
];
const nastyValueArb = fc.constantFrom(...NASTY_VALUES);
const valueArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: nastyValueArb },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 2, withNullPrototype: true, withBoxedValues: true }) },
  { weight: 1, arbitrary: fc.webUrl() },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.integer() },
);
// Field names of every shape, and names that look like them: added ones can switch the shape.
const keyArb = fc.oneof(
  fc.constantFrom(
    ...CONTRACT_FIELDS,
    'object',
    'ui_mode',
    'amount_total',
    'expire_at',
    'SessionId',
    'ClientSecret',
    'Url',
    'Status',
    'StripeAccount',
    'PaymentIntentClientSecret',
    'data',
    'type',
    'attributes',
    'redirect_uri',
    'payment_response',
    'meta',
    'mode',
    '__proto__',
    'constructor',
    'toString',
  ),
  fc.string({ maxLength: 8 }),
);

type Mutation = { at: number; op: 'delete' | 'replace' | 'add'; key: string; value: unknown };
const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat(),
  op: fc.constantFrom('delete', 'replace', 'add'),
  key: keyArb,
  value: valueArb,
});

/** A JSON-like object (not an array, a boxed value, a Map, …): one a mutation may go into. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The objects inside `root` (itself included) and the paths to their fields. */
function fieldsOf(root: Record<string, unknown>): { parent: Record<string, unknown>; key: string }[] {
  const fields: { parent: Record<string, unknown>; key: string }[] = [];
  const visit = (node: Record<string, unknown>) => {
    for (const key of Object.keys(node)) {
      fields.push({ parent: node, key });
      const child = node[key];
      if (isPlainObject(child)) visit(child);
    }
  };
  visit(root);
  return fields;
}

/** Own property, as `JSON.parse` makes it (so `__proto__` is a field, not the prototype). */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * A copy whose plain objects and arrays are fresh (prototype kept), so mutating it never touches a
 * value fast-check generated (and reuses while shrinking); other objects are never mutated: shared.
 */
function copy<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item: unknown) => copy(item)) as T;
  if (!isPlainObject(value)) return value;
  const fresh = Object.create(Object.getPrototypeOf(value) as object | null) as Record<string, unknown>;
  for (const key of Object.keys(value)) setOwn(fresh, key, copy(value[key]));
  return fresh as T;
}

function mutate(valid: unknown, mutations: readonly Mutation[]): unknown {
  const json = copy(valid) as Record<string, unknown>;
  for (const { at, op, key, value } of mutations) {
    const fields = fieldsOf(json);
    if (op === 'add' || fields.length === 0) {
      // Into the root or any object inside it.
      const objects = [json, ...fields.map(({ parent, key: field }) => parent[field]).filter(isPlainObject)];
      setOwn(objects[at % objects.length]!, key, copy(value));
      continue;
    }
    const field = fields[at % fields.length]!;
    if (op === 'delete') delete field.parent[field.key];
    else setOwn(field.parent, field.key, copy(value));
  }
  return json;
}

const contextArb: fc.Arbitrary<SessionShapeContext> = fc.oneof(
  fc.constant({}),
  fc.constant({ publishableKey: 'pk_test_attribute' }),
  fc.constant({ publishableKey: undefined }),
  fc.record({
    publishableKey: fc.oneof(
      fc.constantFrom('', 'pk_', 'sk_test_1', 'rk_live_1', 'PK_test_1', ' pk_test_1'),
      fc.string({ maxLength: 12 }),
      fc.string({ maxLength: 12 }).map((rest) => `pk_${rest}`),
    ),
  }),
);

const anythingArb = fc.anything({
  maxDepth: 3,
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withSparseArray: true,
  withTypedArray: true,
  stringUnit: 'binary',
});

/** Checks one input under one context; returns whether it was accepted. */
function check(json: unknown, context: SessionShapeContext): boolean {
  const outcome = outcomeOf(() => parseSession(json, context));
  if (!outcome.accepted) return false;
  expectContractSession(outcome.session);
  expectRoundTrip(outcome.session, context);
  return true;
}

describe('parseSession (property)', () => {
  it('sanity: every valid fixture is accepted (with the attribute where a shape needs it)', () => {
    // The provider folders' answers were found: one per native shape at least.
    expect(VALID_NAMES.length - 3).toBeGreaterThanOrEqual(PROVIDER_SHAPES.length);
    for (const name of VALID_NAMES) {
      const session = parseSession(VALID[name], { publishableKey: 'pk_test_attribute' });
      expectContractSession(session);
      expectRoundTrip(session, {});
    }
  });

  it('never throws anything but invalid_session for arbitrary values, and what it accepts is a contract session', () => {
    fc.assert(
      fc.property(anythingArb, contextArb, (json, context) => {
        check(json, context);
      }),
      { numRuns: RUNS },
    );
  });

  it('the same for arbitrary JSON texts, parsed', () => {
    fc.assert(
      fc.property(fc.json({ maxDepth: 3 }), contextArb, (text, context) => {
        check(JSON.parse(text), context);
      }),
      { numRuns: RUNS },
    );
  });

  it('the same for valid sessions of every shape with fields dropped, replaced or added', () => {
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(...VALID_NAMES),
        fc.array(mutationArb, { minLength: 1, maxLength: 4 }),
        contextArb,
        (name, mutations, context) => {
          if (check(mutate(VALID[name], mutations), context)) accepted += 1;
          else refused += 1;
        },
      ),
      { numRuns: RUNS * 2 },
    );
    // Not vacuous: both sides were exercised.
    expect(accepted).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  });

  it('every shape on its own (recognised or not) throws only invalid_session and returns only contract sessions', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SESSION_SHAPES),
        fc.oneof(
          anythingArb,
          fc.tuple(fc.constantFrom(...VALID_NAMES), fc.array(mutationArb, { minLength: 1, maxLength: 3 })).map(([name, mutations]) =>
            mutate(VALID[name], mutations),
          ),
        ),
        contextArb,
        (shape, json, context) => {
          expect(typeof shape.recognises(json)).toBe('boolean');
          const outcome = outcomeOf(() => shape.normalize(json, context));
          if (outcome.accepted) {
            expectContractSession(outcome.session);
            expectRoundTrip(outcome.session, context);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('takes a publishable key only when it starts with pk_, from the session or the attribute', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('contract stripe-embedded', 'stripe embedded', 'bokamera embedded'),
        fc.option(fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom('sk_test_1', 'pk_', 'pk_live_9')), { nil: undefined }),
        fc.option(fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom('sk_test_2', 'pk_', 'pk_test_3')), { nil: undefined }),
        (name, sessionKey, attributeKey) => {
          const json = structuredClone(VALID[name]) as Record<string, unknown>;
          if (name === 'contract stripe-embedded') {
            if (sessionKey === undefined) delete json['publishable_key'];
            else json['publishable_key'] = sessionKey;
          }
          const outcome = outcomeOf(() => parseSession(json, { publishableKey: attributeKey }));
          if (!outcome.accepted) return;
          const key = outcome.session.publishable_key;
          expect(key?.startsWith('pk_')).toBe(true);
          // The key is the session's own when it carries one, else the attribute's: never invented.
          const own = name === 'contract stripe-embedded' ? sessionKey : undefined;
          expect(key).toBe(own || attributeKey);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("never hands out BokaMera's PaymentIntent secret, whatever the other fields say", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', minLength: 1, maxLength: 16 }).map((tail) => `pi_secret_marker_${tail}`),
        fc.array(mutationArb, { maxLength: 3 }),
        fc.constantFrom('bokamera embedded', 'bokamera hosted'),
        contextArb,
        (secret, mutations, name, context) => {
          const json = mutate({ ...(VALID[name] as object), PaymentIntentClientSecret: secret }, mutations) as Record<string, unknown>;
          // Only the field itself is under test: a mutation that copied the marker elsewhere is not.
          const elsewhere = JSON.stringify({ ...json, PaymentIntentClientSecret: undefined }) ?? '';
          fc.pre(!elsewhere.includes('pi_secret_marker_'));
          const outcome = outcomeOf(() => parseSession(json, context));
          if (outcome.accepted) expect(JSON.stringify(outcome.session)).not.toContain('pi_secret_marker_');
        },
      ),
      { numRuns: RUNS },
    );
  });
});

/** The core's hand check: `undefined` (not sure), or exactly what the full parser says. */
function expectAgreement(json: unknown, context: SessionShapeContext): 'accepted' | 'refused' | 'deferred' {
  let fast: CheckoutSession | undefined;
  try {
    fast = acceptContractSession(json, context);
  } catch (error) {
    // It never refuses (the full parser names what is wrong); were it to, only in the parser's words.
    expect(error).toBeInstanceOf(CheckoutError);
    expect(() => parseSession(json, context)).toThrow((error as CheckoutError).message);
    return 'refused';
  }
  if (fast === undefined) return 'deferred';
  expect(fast).toStrictEqual(parseSession(json, context));
  return 'accepted';
}

describe('acceptContractSession, the core check (property)', () => {
  const contractNames = VALID_NAMES.filter((name) => name.startsWith('contract '));

  it('accepts every valid contract fixture as the full parser does', () => {
    for (const name of contractNames) expect(expectAgreement(VALID[name], { publishableKey: 'pk_test_attribute' })).toBe('accepted');
    // Null is absent and unknown fields are dropped, as in the full parser.
    const answer = { ...(VALID['contract hosted'] as object), expires_at: null, extra: { a: 1 } };
    expect(acceptContractSession(answer)).toStrictEqual(parseSession(answer));
    expect(acceptContractSession(answer)).not.toHaveProperty('expires_at');
  });

  it('agrees with the full parser on every contract field set to every troublesome value, or left out', () => {
    const fields = [...CONTRACT_FIELDS, 'token_provider', 'public_key', 'frames_url'];
    const values = [...NASTY_VALUES, 'checkout.com', 'sandbox', 'pk_sbox_1'];
    expect(values.length).toBeGreaterThan(50);
    const seen = { accepted: 0, refused: 0, deferred: 0 };
    for (const name of contractNames) {
      for (const field of fields) {
        for (const context of [{}, { publishableKey: 'pk_test_attribute' }]) {
          const without = { ...(VALID[name] as Record<string, unknown>) };
          delete without[field];
          seen[expectAgreement(without, context)] += 1;
          for (const value of values) seen[expectAgreement({ ...(VALID[name] as object), [field]: value }, context)] += 1;
        }
      }
    }
    expect(Math.min(seen.accepted, seen.deferred)).toBeGreaterThan(0);
    // It never refuses: a missing field of a kind is the full parser's to name (contract.ts, requireForKind).
    expect(seen.refused).toBe(0);
  });

  it('never accepts what the full parser refuses, never differs from its output, for arbitrary values and JSON', () => {
    fc.assert(
      fc.property(fc.oneof(anythingArb, fc.json({ maxDepth: 3 }).map((text) => JSON.parse(text) as unknown)), contextArb, (json, context) => {
        expectAgreement(json, context);
      }),
      { numRuns: RUNS },
    );
  });

  it('the same for valid sessions of every shape with fields dropped, replaced or added', () => {
    const seen = { accepted: 0, refused: 0, deferred: 0 };
    fc.assert(
      fc.property(
        fc.constantFrom(...VALID_NAMES, ...contractNames, ...contractNames),
        fc.array(mutationArb, { minLength: 1, maxLength: 3 }),
        contextArb,
        (name, mutations, context) => {
          seen[expectAgreement(mutate(VALID[name], mutations), context)] += 1;
        },
      ),
      { numRuns: RUNS * 3 },
    );
    // Not vacuous: it took the fast path, refused by the kind rules and deferred to the full parser.
    expect(seen.accepted).toBeGreaterThan(0);
    expect(seen.refused).toBe(0);
    expect(seen.deferred).toBeGreaterThan(0);
  });
});
