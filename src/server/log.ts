import { redactSecrets } from './redact.js';

/**
 * Where the handler logs: one record per event, `{ level, time, event, msg, requestId?, reference?,
 * provider?, sessionId?, jobId?, err? }` (README, "Observability"), secrets redacted. A logger with
 * a `child` function (pino, bunyan) is called object first, `logger.warn({ event, requestId, … }, msg)`,
 * and adds its own level and time; any other (`console`) gets each record as one JSON line,
 * `logger.warn('{"level":"warn",…}')`. Records of level `info` (a session created, an order paid, a
 * webhook received) go only to a logger that has `info`.
 */
export type CheckoutLogger = Pick<Console, 'error' | 'warn'> & Partial<Pick<Console, 'info'>>;

/** The ids a log record may carry besides its message: who and what the event is about. */
export interface LogFields {
  /** The request the event happened in (`X-Request-Id`). */
  requestId?: string;
  /** The order's reference. */
  reference?: string;
  provider?: string;
  sessionId?: string;
  /** The durable job (webhook, `onWebhook`, `onOrderPaid`) the event happened in. */
  jobId?: string;
  /** Event-specific details: counts, attempts, statuses. Never bodies, tokens or keys. */
  [detail: string]: string | number | boolean | undefined;
}

/** An error as it goes into a record: its name, message and stack with secrets redacted. */
export interface LoggedError {
  type: string;
  message: string;
  stack?: string;
  /** A provider's HTTP status (`ProviderError.providerStatus`). */
  providerStatus?: number;
  /** The error's own cause (a store driver's error under `StoreUnavailableError`). */
  cause?: { type: string; message: string };
}

/** One record, as a JSON line says it: `{ level, time, event, msg, requestId?, …, err? }`. */
export type LogRecord = { level: LogLevel; time: string; event: string; msg: string; err?: LoggedError } & LogFields;

type LogLevel = 'info' | 'warn' | 'error';

/**
 * Where the handler's parts log: one record per event, written to the shop's `logger` as
 * `logger[level](fields, msg)` when it has a `child` function (pino, bunyan: object first), else
 * as one JSON line (`console`). Every string in a record passes `redactSecrets`.
 */
export class Log {
  readonly #sink: CheckoutLogger;
  readonly #now: () => number;
  readonly #bound: LogFields;

  constructor(sink: CheckoutLogger, now: () => number, bound: LogFields = {}) {
    this.#sink = sink;
    this.#now = now;
    this.#bound = bound;
  }

  /** The same log, every record of it carrying `fields` too. */
  with(fields: LogFields): Log {
    return new Log(this.#sink, this.#now, { ...this.#bound, ...fields });
  }

  info(event: string, msg: string, fields?: LogFields): void {
    this.#write('info', event, msg, fields, undefined);
  }

  warn(event: string, msg: string, fields?: LogFields, error?: unknown): void {
    this.#write('warn', event, msg, fields, error);
  }

  error(event: string, msg: string, fields?: LogFields, error?: unknown): void {
    this.#write('error', event, msg, fields, error);
  }

  #write(level: LogLevel, event: string, msg: string, fields: LogFields | undefined, error: unknown): void {
    const write = this.#sink[level];
    // A logger without `info` gets no routine records.
    if (typeof write !== 'function') return;
    const details: Record<string, unknown> = { event };
    for (const [name, value] of Object.entries({ ...this.#bound, ...fields })) {
      if (value !== undefined) details[name] = typeof value === 'string' ? redactSecrets(value) : value;
    }
    const err = error === undefined ? undefined : loggedError(error);
    const text = redactSecrets(msg);
    try {
      if (objectFirst(this.#sink)) {
        write.call(this.#sink, err ? { ...details, err: errorShaped(err) } : details, text);
      } else {
        write.call(this.#sink, JSON.stringify({ level, time: new Date(this.#now()).toISOString(), event, msg: text, ...details, ...(err && { err }) }));
      }
    } catch {
      // A logger that throws never fails the request or job it logs for.
    }
  }
}

/** pino and bunyan take `(fields, msg)`; they are told apart from `console` by their `child`. */
function objectFirst(logger: CheckoutLogger): boolean {
  return typeof (logger as { child?: unknown }).child === 'function';
}

/**
 * The redacted error as its own class for a logger's error serializer: pino's names its `type` by the
 * constructor's name (and would otherwise say `Object`), bunyan's by `name`. Never the original: its
 * message and stack may hold what was redacted.
 */
function errorShaped(err: LoggedError): LoggedError {
  const named = { [err.type]: function () {} }[err.type]!;
  return Object.assign(Object.create(named.prototype as object) as LoggedError, err, { name: err.type });
}

function loggedError(error: unknown): LoggedError {
  if (!(error instanceof Error)) return { type: typeof error, message: redactSecrets(String(error)) };
  const logged: LoggedError = { type: error.name, message: redactSecrets(error.message) };
  if (error.stack) logged.stack = redactSecrets(error.stack);
  const status = (error as { providerStatus?: unknown }).providerStatus;
  if (typeof status === 'number') logged.providerStatus = status;
  const cause = error.cause;
  if (cause !== undefined) {
    logged.cause = cause instanceof Error ? { type: cause.name, message: redactSecrets(cause.message) } : { type: typeof cause, message: redactSecrets(String(cause)) };
  }
  return logged;
}

/** A client's `X-Request-Id` is kept when it is a plain token: letters, digits, `_ . : -`, at most 128. */
const SANE_REQUEST_ID = /^[\w.:-]{1,128}$/;

/** The request's id: its own `X-Request-Id` when that is a sane token, else a new random one. */
export function requestIdOf(request: Request): string {
  const given = request.headers.get('x-request-id');
  return given !== null && SANE_REQUEST_ID.test(given) ? given : crypto.randomUUID();
}

/** `response` with `X-Request-Id: id` (a copy where its headers are immutable, as a fetched answer's are). */
export function withRequestId(response: Response, id: string): Response {
  try {
    response.headers.set('X-Request-Id', id);
    return response;
  } catch {
    const headers = new Headers(response.headers);
    headers.set('X-Request-Id', id);
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  }
}
