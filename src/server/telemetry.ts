/**
 * OpenTelemetry spans and metrics through `@opentelemetry/api`, an optional peer: loaded lazily
 * with a dynamic `import()`, so a handler without it (or on a runtime whose bundle left it out)
 * runs the same, untraced. The API is a no-op until the shop registers an SDK; the handler only
 * ever talks to the API, never to an SDK or exporter.
 */
import { redactSecrets } from './redact.js';

/** Attribute values of our spans and metrics. */
export type TelemetryAttributes = Record<string, string | number | boolean>;

/** The parts of `@opentelemetry/api` the handler uses (structural, so its types need no install). */
interface OtelSpan {
  setAttribute(key: string, value: string | number | boolean): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  recordException(exception: { name: string; message: string }): void;
  end(endTime?: number): void;
}
interface OtelTracer {
  startActiveSpan<F extends (span: OtelSpan) => unknown>(name: string, options: { kind?: number; attributes?: TelemetryAttributes }, fn: F): ReturnType<F>;
  startSpan(name: string, options: { kind?: number; attributes?: TelemetryAttributes; startTime?: number }, context?: unknown): OtelSpan;
}
interface OtelCounter {
  add(value: number, attributes?: TelemetryAttributes): void;
}
interface OtelHistogram {
  record(value: number, attributes?: TelemetryAttributes): void;
}
interface OtelMeter {
  createCounter(name: string, options?: { description?: string; unit?: string }): OtelCounter;
  createHistogram(name: string, options?: { description?: string; unit?: string }): OtelHistogram;
}
interface OtelApi {
  trace: {
    getTracer(name: string, version?: string): OtelTracer;
    getActiveSpan(): OtelSpan | undefined;
    /** The API's `ProxyTracerProvider` (with `getDelegateTracer`) unless something else was registered. */
    getTracerProvider(): { getDelegateTracer?(name: string): unknown };
  };
  metrics: { getMeter(name: string, version?: string): OtelMeter };
  context: { active(): unknown };
  SpanStatusCode: { ERROR: number };
  SpanKind: { INTERNAL: number; SERVER: number; CLIENT: number; CONSUMER: number };
}

const SCOPE = 'checkout-widget';

/** The counters and histograms the handler records (README, "Observability"). */
export const METRICS = {
  sessionsCreated: { name: 'checkout.sessions.created', description: 'Checkout sessions created at a provider', kind: 'counter' },
  providerErrors: { name: 'checkout.provider.errors', description: 'Provider calls that failed, by provider, operation and outcome', kind: 'counter' },
  providerDuration: { name: 'checkout.provider.duration', description: 'Duration of provider calls', unit: 's', kind: 'histogram' },
  webhooksReceived: { name: 'checkout.webhooks.received', description: 'Webhook events received, by provider and outcome', kind: 'counter' },
  jobsFailed: { name: 'checkout.jobs.failed', description: 'Job runs (webhooks, hooks) that threw and are retried', kind: 'counter' },
  ordersPaid: { name: 'checkout.orders.paid', description: 'Orders that moved to paid', kind: 'counter' },
} as const;
/** Reserved for provider failover (not recorded yet): `checkout.failovers`. */
export const RESERVED_METRICS = ['checkout.failovers'] as const;

type MetricName = keyof typeof METRICS;
/** Adds attributes to the span of the work running (its `checkout.outcome` too). */
export type Annotate = (attributes: TelemetryAttributes) => void;
export type SpanKindName = 'internal' | 'server' | 'client' | 'consumer';

let loading: Promise<OtelApi | undefined> | undefined;
let loaded: OtelApi | undefined;

/** `@opentelemetry/api` once, for every handler of the process; undefined where it is not installed. */
function loadApi(): Promise<OtelApi | undefined> {
  loading ??= import('@opentelemetry/api').then(
    (api) => (loaded = api as unknown as OtelApi),
    () => undefined,
  );
  return loading;
}

/**
 * Notes a provider's HTTP status on the provider call's span (`http.response.status_code`), where
 * the runtime carries the active span across awaits (a context manager, as the Node SDK registers).
 */
export function noteProviderStatus(status: number): void {
  loaded?.trace.getActiveSpan()?.setAttribute('http.response.status_code', status);
}

/** How a traced piece of work ended, for its span, its metrics and its caller. */
export interface TracedOptions {
  kind?: SpanKindName;
  /** The `checkout.outcome` of a failure (default `error`). */
  outcome?: (error: unknown) => string;
  /** After the work: record metrics of it. */
  onEnd?: (outcome: string, seconds: number) => void;
}

/** The handler's spans and metrics; every call is a no-op until (and unless) the API loaded. */
export class Telemetry {
  readonly ready: Promise<void>;
  #api: OtelApi | undefined;
  #meter: OtelMeter | undefined;
  #instruments = new Map<MetricName, OtelCounter | OtelHistogram>();

  constructor() {
    this.ready = loadApi().then((api) => {
      this.#api = api;
    });
  }

  /**
   * `work` inside an active span `name`, with its outcome: `ok`, what `outcome` says of a throw, or
   * what `work` itself noted through `annotate` (a refused webhook is an answer, not a throw).
   */
  async span<T>(name: string, attributes: TelemetryAttributes, work: (annotate: Annotate) => Promise<T>, options: TracedOptions = {}): Promise<T> {
    const api = this.#api;
    const noted: TelemetryAttributes = {};
    const annotate: Annotate = (more) => void Object.assign(noted, more);
    if (!api) return work(annotate);
    const measured = async (span: OtelSpan | undefined) => {
      const started = performance.now();
      let outcome = 'ok';
      try {
        return await work(annotate);
      } catch (error) {
        outcome = options.outcome?.(error) ?? 'error';
        if (span) failed(api, span, error);
        throw error;
      } finally {
        if (span) {
          for (const [key, value] of Object.entries({ 'checkout.outcome': outcome, ...noted })) span.setAttribute(key, value);
          span.end();
        }
        options.onEnd?.(String(noted['checkout.outcome'] ?? outcome), (performance.now() - started) / 1000);
      }
    };
    // No SDK: the metrics still, but no span that would record nothing (and no context to carry it).
    if (!tracing(api)) return options.onEnd ? measured(undefined) : work(annotate);
    const kind = api.SpanKind[(options.kind ?? 'internal').toUpperCase() as Uppercase<SpanKindName>];
    return api.trace.getTracer(SCOPE).startActiveSpan(name, { kind, attributes }, measured);
  }

  /**
   * `work` recorded as span `name` once it is done (a child of the span active at its start), unless
   * `skip` says its result is not worth one: the job runner's empty polls would flood a trace store.
   */
  async afterwards<T>(name: string, attributes: TelemetryAttributes, work: () => Promise<T>, skip?: (result: T) => boolean): Promise<T> {
    const api = this.#api;
    if (!api || !tracing(api)) return work();
    const parent = api.context.active();
    const startTime = Date.now();
    const record = (outcome: string, error?: unknown) => {
      const span = api.trace.getTracer(SCOPE).startSpan(name, { kind: api.SpanKind.CLIENT, attributes: { ...attributes, 'checkout.outcome': outcome }, startTime }, parent);
      if (error !== undefined) failed(api, span, error);
      span.end();
    };
    let result: T;
    try {
      result = await work();
    } catch (error) {
      record('error', error);
      throw error;
    }
    if (!skip?.(result)) record('ok');
    return result;
  }

  /** Adds `value` to a counter, or records it in a histogram. */
  record(metric: MetricName, attributes: TelemetryAttributes, value = 1): void {
    const api = this.#api;
    if (!api) return;
    // Asked each time: an SDK registered after the handler was made still gets the metrics.
    const meter = api.metrics.getMeter(SCOPE);
    if (meter !== this.#meter) {
      this.#meter = meter;
      this.#instruments.clear();
    }
    let instrument = this.#instruments.get(metric);
    if (!instrument) {
      const { name, kind, ...options } = METRICS[metric];
      instrument = kind === 'counter' ? meter.createCounter(name, options) : meter.createHistogram(name, options);
      this.#instruments.set(metric, instrument);
    }
    if ('add' in instrument) instrument.add(value, attributes);
    else instrument.record(value, attributes);
  }
}

/**
 * Whether a tracer provider is registered, asked per span (an SDK may be registered after the
 * handler was made). Without one the API's global provider is its proxy with no delegate, and
 * every span is a no-op that still costs a context switch and a closure per call: 2–3 % of the
 * handler's busy time per create (docs/performance-runs.md, issue 26 item 5). Any other provider
 * counts as tracing.
 */
function tracing(api: OtelApi): boolean {
  const provider = api.trace.getTracerProvider();
  return typeof provider.getDelegateTracer !== 'function' || provider.getDelegateTracer(SCOPE) !== undefined;
}

/** A failure on its span, its message redacted like a log line's. */
function failed(api: OtelApi, span: OtelSpan, error: unknown): void {
  const message = redactSecrets(error instanceof Error ? error.message : String(error));
  span.recordException({ name: error instanceof Error ? error.name : 'Error', message });
  span.setStatus({ code: api.SpanStatusCode.ERROR, message });
  const status = (error as { providerStatus?: unknown } | null)?.providerStatus;
  if (typeof status === 'number') span.setAttribute('http.response.status_code', status);
}
