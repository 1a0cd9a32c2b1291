import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CheckoutSession, SessionStatus } from './protocol.js';
import { watchSessionStatus, type VisibilitySource } from './status-watcher.js';

const T0 = Date.parse('2026-11-22T10:00:00Z');
const open: CheckoutSession = { id: 'ses_1', provider: 'sandbox', kind: 'hosted', status: 'open', url: 'https://psp.example/p' };

class FakeDocument extends EventTarget {
  visibilityState: DocumentVisibilityState = 'visible';
  set(state: DocumentVisibilityState): void {
    this.visibilityState = state;
    this.dispatchEvent(new Event('visibilitychange'));
  }
}

let doc: FakeDocument;
let statuses: SessionStatus[];
let read: ReturnType<typeof vi.fn<(signal: AbortSignal) => Promise<CheckoutSession>>>;
let controller: AbortController;
const onChange = vi.fn<(session: CheckoutSession) => void>();
const onExpire = vi.fn<() => void>();

function start(session: CheckoutSession = open): () => void {
  return watchSessionStatus({
    session,
    read,
    onChange,
    onExpire,
    signal: controller.signal,
    document: doc as unknown as VisibilitySource,
  });
}

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
  doc = new FakeDocument();
  statuses = [];
  read = vi.fn((_signal: AbortSignal) => Promise.resolve({ ...open, status: statuses.shift() ?? 'open' }));
  controller = new AbortController();
  onChange.mockReset();
  onExpire.mockReset();
});
afterEach(() => {
  controller.abort();
  vi.useRealTimers();
});

describe('watchSessionStatus', () => {
  it('reports an open session whose declined attempts went up, once per new count', async () => {
    start({ ...open, failed_attempts: 1 });
    const counts = [1, 2, 2, 3];
    read.mockImplementation(() => Promise.resolve({ ...open, failed_attempts: counts.shift() ?? 3 }));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(onChange.mock.calls.map(([session]) => session.failed_attempts)).toEqual([2, 3]);
  });

  it('reports an open session whose payment starts or stops being in flight, once per change, and polls on until a final status', async () => {
    start();
    const reads: CheckoutSession[] = [
      { ...open, payment: 'in_flight' },
      { ...open, payment: 'in_flight' },
      open,
      { ...open, payment: 'in_flight' },
      { ...open, status: 'complete' },
    ];
    read.mockImplementation(() => Promise.resolve(reads.shift() ?? { ...open, status: 'complete' }));
    await vi.advanceTimersByTimeAsync(120_000);
    expect(onChange.mock.calls.map(([session]) => `${session.status}:${session.payment ?? '-'}`)).toEqual([
      'open:in_flight',
      'open:-',
      'open:in_flight',
      'complete:-',
    ]);
    expect(read).toHaveBeenCalledTimes(5);
  });

  it('polls at 2 s, then backs off doubling to at most 10 s while visible', async () => {
    start();
    const pollTimes: number[] = [];
    read.mockImplementation(() => {
      pollTimes.push(Date.now() - T0);
      return Promise.resolve(open);
    });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(pollTimes.slice(0, 7)).toEqual([2_000, 6_000, 14_000, 24_000, 34_000, 44_000, 54_000]);
    expect(onChange).not.toHaveBeenCalled();
  });

  it('reads at once when told (a page said a payment is under way), then keeps its cadence; nothing once stopped', async () => {
    const readNow = start();
    const pollTimes: number[] = [];
    read.mockImplementation(() => {
      pollTimes.push(Date.now() - T0);
      return Promise.resolve(open);
    });
    await vi.advanceTimersByTimeAsync(500);
    readNow();
    await vi.advanceTimersByTimeAsync(0);
    expect(pollTimes).toEqual([500]);
    await vi.advanceTimersByTimeAsync(6_000);
    // The next read follows the read-now by the backed-off delay (4 s), not the first 2 s timer.
    expect(pollTimes).toEqual([500, 4_500]);
    controller.abort();
    readNow();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(pollTimes).toEqual([500, 4_500]);
  });

  it('reports a status change and stops at a final status', async () => {
    statuses = ['open', 'complete'];
    start();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(onChange).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(4_000);
    expect(onChange).toHaveBeenCalledTimes(1);
    expect(onChange.mock.calls[0]?.[0].status).toBe('complete');
    await vi.advanceTimersByTimeAsync(120_000);
    expect(read).toHaveBeenCalledTimes(2);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('polls at most once a minute while hidden and at once on becoming visible', async () => {
    start();
    doc.set('hidden');
    await vi.advanceTimersByTimeAsync(59_999);
    expect(read).toHaveBeenCalledTimes(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(read).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(read).toHaveBeenCalledTimes(1);
    doc.set('visible');
    await vi.advanceTimersByTimeAsync(0);
    expect(read).toHaveBeenCalledTimes(2);
  });

  it('keeps polling after a failed read', async () => {
    read.mockRejectedValueOnce(new Error('offline'));
    statuses = ['expired'];
    start();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(read).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(4_000);
    expect(read).toHaveBeenCalledTimes(2);
    expect(onChange.mock.calls[0]?.[0].status).toBe('expired');
  });

  it('fires onExpire at expires_at and stops polling', async () => {
    start({ ...open, expires_at: new Date(T0 + 5_000).toISOString() });
    await vi.advanceTimersByTimeAsync(4_999);
    expect(onExpire).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(onExpire).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('reports an already passed expiry asynchronously', async () => {
    start({ ...open, expires_at: new Date(T0 - 1_000).toISOString() });
    expect(onExpire).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(0);
    expect(onExpire).toHaveBeenCalledTimes(1);
  });

  it('leaves no timers or listeners after abort, and aborts the in-flight read', async () => {
    let readSignal: AbortSignal | undefined;
    read.mockImplementation((signal) => {
      readSignal = signal;
      return new Promise(() => undefined);
    });
    const removeSpy = vi.spyOn(doc, 'removeEventListener');
    start({ ...open, expires_at: new Date(T0 + 600_000).toISOString() });
    await vi.advanceTimersByTimeAsync(2_000);
    expect(vi.getTimerCount()).toBe(1); // the expiry timer; the poll is in flight
    controller.abort();
    expect(readSignal?.aborted).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    expect(removeSpy).toHaveBeenCalledWith('visibilitychange', expect.any(Function));
    doc.set('visible');
    await vi.advanceTimersByTimeAsync(700_000);
    expect(read).toHaveBeenCalledTimes(1);
    expect(onExpire).not.toHaveBeenCalled();
  });

  it('does nothing for a session that is already final', async () => {
    start({ ...open, status: 'complete' });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(read).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });
});
