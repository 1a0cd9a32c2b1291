import { afterEach, describe, expect, it } from 'vitest';
import { createWebhookSender } from './webhooks.js';

describe('sandbox webhook sender', () => {
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);
  afterEach(() => {
    process.off('warning', onWarning);
    warnings.length = 0;
  });

  it('leaves no abort listener behind once a retry wait is over (a long soak piled them up)', async () => {
    process.on('warning', onWarning);
    let calls = 0;
    const sender = createWebhookSender({
      secret: 'whsec_test',
      // the first delivery of each webhook fails, its retry is taken
      send: async () => new Response(null, { status: ++calls % 2 === 1 ? 500 : 200 }),
      now: () => Date.now(),
      retryDelayMs: 1,
      attempts: 2,
      logger: { warn: () => undefined },
    });
    for (let index = 0; index < 15; index++) {
      sender.deliver({ session: `cs_${index}` }, 'http://127.0.0.1:9/hooks', 'session.completed');
      await sender.whenIdle();
    }
    await sender.close();
    // Node warns once an AbortSignal holds more than 10 listeners; warnings are emitted on the next tick
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toBe(30);
    expect(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning')).toEqual([]);
  });
});
