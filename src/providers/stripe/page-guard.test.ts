import { describe, expect, it, vi } from 'vitest';
import { takeEmbeddedCheckoutTurn, type ReleaseTurn } from './page-guard.js';

/** Lets every queued promise callback run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

function track(turn: Promise<ReleaseTurn | undefined>): { value: ReleaseTurn | undefined; done: boolean } {
  const state: { value: ReleaseTurn | undefined; done: boolean } = { value: undefined, done: false };
  void turn.then((release) => {
    state.value = release;
    state.done = true;
  });
  return state;
}

describe('takeEmbeddedCheckoutTurn', () => {
  it('gives the turn to the next holder only after the previous one released', async () => {
    const first = track(takeEmbeddedCheckoutTurn(new AbortController().signal));
    const second = track(takeEmbeddedCheckoutTurn(new AbortController().signal));
    await settle();
    expect(first.value).toBeTypeOf('function');
    expect(second.done).toBe(false);

    first.value?.();
    await settle();
    expect(second.value).toBeTypeOf('function');
    second.value?.();
  });

  it('a waiter that aborts gives up its place at once and later waiters are not held up by it', async () => {
    const holder = track(takeEmbeddedCheckoutTurn(new AbortController().signal));
    const leaving = new AbortController();
    const quitter = track(takeEmbeddedCheckoutTurn(leaving.signal));
    const last = track(takeEmbeddedCheckoutTurn(new AbortController().signal));
    await settle();

    leaving.abort();
    await settle();
    expect(quitter).toEqual({ value: undefined, done: true });
    expect(last.done).toBe(false);

    holder.value?.();
    await settle();
    expect(last.value).toBeTypeOf('function');
    last.value?.();
  });

  it('an already aborted signal gets no turn and blocks nobody', async () => {
    const aborted = new AbortController();
    aborted.abort();
    expect(await takeEmbeddedCheckoutTurn(aborted.signal)).toBeUndefined();
    const next = await takeEmbeddedCheckoutTurn(new AbortController().signal);
    expect(next).toBeTypeOf('function');
    next?.();
  });

  it('releasing twice does not hand out a second turn', async () => {
    const first = track(takeEmbeddedCheckoutTurn(new AbortController().signal));
    const second = track(takeEmbeddedCheckoutTurn(new AbortController().signal));
    const third = track(takeEmbeddedCheckoutTurn(new AbortController().signal));
    await settle();
    first.value?.();
    first.value?.();
    await settle();
    expect(second.done).toBe(true);
    expect(third.done).toBe(false);
    second.value?.();
    await settle();
    third.value?.();
  });

  it('is shared with a second copy of the module on the same page', async () => {
    const held = await takeEmbeddedCheckoutTurn(new AbortController().signal);
    vi.resetModules();
    // A query string makes a distinct module instance, as a second bundle on the page would be.
    const secondCopy = './page-guard.js?copy=2';
    const otherCopy = (await import(/* @vite-ignore */ secondCopy)) as typeof import('./page-guard.js');
    expect(otherCopy.takeEmbeddedCheckoutTurn).not.toBe(takeEmbeddedCheckoutTurn);

    const fromOtherCopy = track(otherCopy.takeEmbeddedCheckoutTurn(new AbortController().signal));
    await settle();
    expect(fromOtherCopy.done).toBe(false);
    held?.();
    await settle();
    expect(fromOtherCopy.value).toBeTypeOf('function');
    fromOtherCopy.value?.();
  });
});
