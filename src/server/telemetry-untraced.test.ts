/**
 * The handler's telemetry with `@opentelemetry/api` loaded but no tracer provider registered (the
 * API's no-op proxy): no span is started, yet the work's outcome still reaches `onEnd` (metrics);
 * an SDK registered afterwards is traced from then on.
 */
import * as otel from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { Telemetry } from './telemetry.js';

afterEach(() => otel.trace.disable());

describe('telemetry without a tracer provider', () => {
  it('runs the work without a span and still reports its outcome and duration to onEnd', async () => {
    const telemetry = new Telemetry();
    await telemetry.ready;
    const startActiveSpan = otel.ProxyTracer.prototype.startActiveSpan;
    let started = 0;
    otel.ProxyTracer.prototype.startActiveSpan = function (this: otel.ProxyTracer, ...args: unknown[]) {
      started++;
      return (startActiveSpan as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof startActiveSpan;
    try {
      const ends: [string, number][] = [];
      const onEnd = (outcome: string, seconds: number) => void ends.push([outcome, seconds]);
      await expect(telemetry.span('work', {}, async () => 7, { onEnd })).resolves.toBe(7);
      await expect(telemetry.span('work', {}, async () => Promise.reject(new Error('down')), { onEnd, outcome: () => 'failover' })).rejects.toThrow('down');
      await telemetry.span('work', {}, async (annotate) => annotate({ 'checkout.outcome': 'refused' }), { onEnd });
      await expect(telemetry.afterwards('store', {}, async () => 'row')).resolves.toBe('row');
      expect(ends.map(([outcome]) => outcome)).toEqual(['ok', 'failover', 'refused']);
      for (const [, seconds] of ends) expect(seconds).toBeGreaterThanOrEqual(0);
      expect(started).toBe(0);
    } finally {
      otel.ProxyTracer.prototype.startActiveSpan = startActiveSpan;
    }
  });

  it('traces from the moment an SDK registers, after the handler was made', async () => {
    const telemetry = new Telemetry();
    await telemetry.ready;
    await telemetry.span('before', {}, async () => undefined);
    const spans = new InMemorySpanExporter();
    otel.trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }));
    await telemetry.span('after', { 'checkout.provider': 'sandbox' }, async () => undefined);
    await telemetry.afterwards('store', {}, async () => undefined);
    expect(spans.getFinishedSpans().map((span) => span.name)).toEqual(['after', 'store']);
    expect(spans.getFinishedSpans()[0]!.attributes).toMatchObject({ 'checkout.provider': 'sandbox', 'checkout.outcome': 'ok' });
  });
});
