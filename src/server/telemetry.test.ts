/**
 * OpenTelemetry through `@opentelemetry/api`: a real SDK (in-memory span exporter, a metric reader,
 * the AsyncLocalStorage context manager) registered globally, as a shop's instrumentation file does,
 * and a create + webhook + fulfilment flow against the sandbox PSP on loopback, on a SQLite store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as otel from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckoutSession } from '../core/protocol.js';
import { startTestPsp, TEST_WEBHOOK_SECRET } from '../providers/sandbox/fake-psp.js';
import { signSandboxPayload } from '../providers/sandbox/server.js';
import { createCheckoutHandler, type CheckoutHandler } from './handler.js';
import type { NodeServerHandle } from './node.js';
import { createSqliteStore } from './store/sqlite.js';
import type { CheckoutStore } from './store/types.js';
import { METRICS, RESERVED_METRICS } from './telemetry.js';

const BASE = 'http://shop.test/api/checkout';
const CATALOG = { currency: 'DKK', products: { mug: { name: 'Mug', unitAmount: 12_500, vatRate: 0.25 } } };

const spans = new InMemorySpanExporter();
const reader = new PeriodicExportingMetricReader({ exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE), exportIntervalMillis: 3_600_000 });
const contextManager = new AsyncLocalStorageContextManager();
let dir: string;
let psp: NodeServerHandle;
let clock: { now: number };
let store: CheckoutStore;
let handler: CheckoutHandler;
let paidCalls = 0;

beforeAll(async () => {
  otel.context.setGlobalContextManager(contextManager.enable());
  otel.trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }));
  otel.metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
  dir = mkdtempSync(path.join(tmpdir(), 'checkout-telemetry-'));
  const test = await startTestPsp();
  psp = test.server;
  clock = test.clock;
  store = createSqliteStore({ path: path.join(dir, 'checkout.db') });
  handler = createCheckoutHandler({
    providers: [test.provider],
    catalog: CATALOG,
    store,
    publicUrl: 'http://shop.test',
    logger: { error: () => {}, warn: () => {} },
    hookRetry: { firstDelayMs: 20, maxDelayMs: 50 },
    onOrderPaid: () => {
      // The warehouse is down once: the job fails, is counted, and runs again.
      if (++paidCalls === 1) throw new Error('warehouse down');
    },
  });
});

afterAll(async () => {
  await handler.close(1000);
  await store.close();
  await psp.close();
  rmSync(dir, { recursive: true, force: true });
  otel.trace.disable();
  otel.metrics.disable();
  otel.context.disable();
});

const attributesOf = (span: ReadableSpan) => span.attributes as Record<string, unknown>;
const parentOf = (span: ReadableSpan) =>
  (span as unknown as { parentSpanContext?: { spanId: string } }).parentSpanContext?.spanId ?? (span as unknown as { parentSpanId?: string }).parentSpanId;

/** The data points of metric `name`, as `{ attributes, value }`. */
async function points(name: string): Promise<{ attributes: Record<string, unknown>; value: unknown }[]> {
  const { resourceMetrics } = await reader.collect();
  const metric = resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics).find((candidate) => candidate.descriptor.name === name);
  return (metric?.dataPoints ?? []).map((point) => ({ attributes: point.attributes as Record<string, unknown>, value: point.value }));
}

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('OpenTelemetry spans and metrics of a create + webhook flow', () => {
  let session: CheckoutSession;

  beforeAll(async () => {
    const created = await handler(
      new Request(`${BASE}/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ items: [{ sku: 'mug', quantity: 2 }] }) }),
    );
    expect(created.status).toBe(201);
    session = (await created.json()) as CheckoutSession;
    // The shopper pays on the PSP's page; the PSP's webhook is sent here by hand, signed.
    const paid = await fetch(`${psp.url}/pay/${session.id}/card`, { method: 'POST', body: new URLSearchParams({ number: '4242424242424242', expiry: '12/34', cvc: '123' }), redirect: 'manual' });
    expect(paid.status).toBe(303);
    const body = JSON.stringify({ id: 'evt_otel_1', type: 'session.completed', session: session.id });
    const signature = await signSandboxPayload(TEST_WEBHOOK_SECRET, body, Math.floor(clock.now / 1000));
    const webhook = await handler(new Request(`${BASE}/webhooks/sandbox`, { method: 'POST', headers: { 'content-type': 'application/json', 'sandbox-signature': signature }, body }));
    expect(webhook.status).toBe(200);
    const forged = await handler(new Request(`${BASE}/webhooks/sandbox`, { method: 'POST', headers: { 'content-type': 'application/json', 'sandbox-signature': 't=1,v1=00' }, body }));
    expect(forged.status).toBe(400);
    // A session the PSP does not know: a provider call that fails (404).
    expect((await handler(new Request(`${BASE}/sessions/sbx_unknown_1`))).status).toBe(404);
    await until(() => paidCalls === 2, 'onOrderPaid to succeed on its retry');
    await handler.whenIdle();
  }, 30_000);

  it('spans each provider call: checkout.provider.<operation> with provider, operation, outcome and the HTTP status', () => {
    const finished = spans.getFinishedSpans();
    const create = finished.find((span) => span.name === 'checkout.provider.createSession')!;
    expect(create.kind).toBe(otel.SpanKind.CLIENT);
    expect(attributesOf(create)).toEqual({ 'checkout.provider': 'sandbox', 'checkout.operation': 'createSession', 'checkout.outcome': 'ok', 'http.response.status_code': 201 });
    const missing = finished.find((span) => span.name === 'checkout.provider.getSession' && attributesOf(span)['checkout.outcome'] === 'not_found')!;
    expect(attributesOf(missing)).toMatchObject({ 'checkout.provider': 'sandbox', 'http.response.status_code': 404 });
    expect(missing.status.code).toBe(otel.SpanStatusCode.ERROR);
  });

  it('spans the webhook receipt, the job that handled it (with its provider read and store calls inside) and the hook runs', () => {
    const finished = spans.getFinishedSpans();
    const receipts = finished.filter((span) => span.name === 'checkout.webhook.receive');
    expect(receipts.map((span) => attributesOf(span)['checkout.outcome']).sort()).toEqual(['refused', 'stored']);
    const stored = receipts.find((span) => attributesOf(span)['checkout.outcome'] === 'stored')!;
    expect(attributesOf(stored)).toMatchObject({ 'checkout.provider': 'sandbox', 'checkout.webhook.events': 1 });
    // The event stored before the answer: its store call is a child of the receipt.
    expect(finished.find((span) => span.name === 'checkout.store.enqueueJob' && parentOf(span) === stored.spanContext().spanId)).toBeDefined();

    const job = finished.find((span) => span.name === 'checkout.job.webhook')!;
    expect(attributesOf(job)).toMatchObject({ 'checkout.job.kind': 'webhook', 'checkout.job.id': 'webhook:sandbox:evt_otel_1', 'checkout.outcome': 'ok' });
    const children = finished.filter((span) => parentOf(span) === job.spanContext().spanId).map((span) => span.name);
    expect(children).toEqual(expect.arrayContaining(['checkout.provider.getSession', 'checkout.store.getSession', 'checkout.store.transitionOrder']));
    const read = finished.find((span) => span.name === 'checkout.provider.getSession' && parentOf(span) === job.spanContext().spanId)!;
    expect(attributesOf(read)).toMatchObject({ 'checkout.outcome': 'ok', 'http.response.status_code': 200 });

    const fulfilments = finished.filter((span) => span.name === 'checkout.job.order_paid');
    expect(fulfilments.map((span) => attributesOf(span)['checkout.outcome'])).toEqual(['error', 'ok']);
    expect(fulfilments[0]!.status).toMatchObject({ code: otel.SpanStatusCode.ERROR, message: 'warehouse down' });
    // The runner's idle polls are no spans: every leaseJobs span leased something.
    expect(finished.filter((span) => span.name === 'checkout.store.leaseJobs').length).toBeLessThanOrEqual(finished.filter((span) => span.name.startsWith('checkout.job.')).length);
  });

  it('counts sessions, webhooks, paid orders, provider errors and failed jobs, and times provider calls', async () => {
    expect(await points('checkout.sessions.created')).toEqual([{ attributes: { 'checkout.provider': 'sandbox' }, value: 1 }]);
    expect(await points('checkout.webhooks.received')).toEqual(
      expect.arrayContaining([
        { attributes: { 'checkout.provider': 'sandbox', 'checkout.outcome': 'stored' }, value: 1 },
        { attributes: { 'checkout.provider': 'sandbox', 'checkout.outcome': 'refused' }, value: 1 },
      ]),
    );
    expect(await points('checkout.orders.paid')).toEqual([{ attributes: { 'checkout.provider': 'sandbox' }, value: 1 }]);
    expect(await points('checkout.provider.errors')).toEqual([
      { attributes: { 'checkout.provider': 'sandbox', 'checkout.operation': 'getSession', 'checkout.outcome': 'not_found' }, value: 1 },
    ]);
    expect(await points('checkout.jobs.failed')).toEqual([{ attributes: { 'checkout.job.kind': 'order_paid' }, value: 1 }]);
    const durations = await points('checkout.provider.duration');
    const createDuration = durations.find((point) => point.attributes['checkout.operation'] === 'createSession')!;
    expect(createDuration.value).toMatchObject({ count: 1, sum: expect.any(Number) });
    // Reserved, not recorded: no failover exists yet.
    expect(RESERVED_METRICS).toEqual(['checkout.failovers']);
    expect(await points('checkout.failovers')).toEqual([]);
    expect(Object.values(METRICS).map((metric) => metric.name)).not.toContain('checkout.failovers');
  });

  it('puts no secret, card number or token on any span', () => {
    const text = JSON.stringify(spans.getFinishedSpans().map((span) => [span.name, span.attributes, span.status, span.events]));
    expect(text).not.toMatch(/sbx_sk_|sbx_whsec_|tok_sbx_[a-f0-9]|4242424242424242/);
  });
});
