import { describe, expect, it } from 'vitest';
import { JobRunner } from './job-runner.js';
import { Log } from './log.js';
import { createMemoryStore } from './store/memory.js';
import type { CheckoutStore, Job } from './store/types.js';

const silent = { error: () => undefined, warn: () => undefined };

/**
 * A kick is "look for due jobs now" (a webhook was just stored): it must lead to a look that starts
 * after it, whenever it comes, also in the moment a drain has made its last look and is resolving.
 * The kick comes `depth` microtasks after the drain's look answered, so one of the depths lands in
 * that gap (the stored webhook then waited for the next poll: a second later, not at once).
 */
describe('JobRunner.kick', () => {
  it('a kick while a drain is finishing still leads to a look for jobs after it, at every moment', async () => {
    for (let depth = 0; depth < 12; depth++) {
      const store: CheckoutStore = createMemoryStore();
      const ran: string[] = [];
      let looks = 0;
      let runner!: JobRunner;
      const leaseJobs = store.leaseJobs.bind(store);
      store.leaseJobs = async (query) => {
        looks += 1;
        const jobs = await leaseJobs(query);
        if (looks === 1) {
          // A webhook stored just after this look, and its kick, `depth` microtasks on.
          await store.enqueueJob({ id: `webhook:sandbox:evt_${depth}`, kind: 'webhook', payload: {}, runAt: Date.now() });
          let chain = Promise.resolve();
          for (let i = 0; i < depth; i++) chain = chain.then(() => undefined);
          void chain.then(() => runner.kick());
        }
        return jobs;
      };
      runner = new JobRunner({
        store,
        run: async (job: Job) => void ran.push(job.id),
        kinds: ['webhook'],
        owner: 'test',
        leaseMs: 30_000,
        // No poll in this test's time: only kicks look for jobs.
        pollMs: 3_600_000,
        now: () => Date.now(),
        log: new Log(silent, () => Date.now()),
      });
      await runner.kick();
      // Let the kick's microtasks run, then wait for whatever it started.
      for (let i = 0; i < 20; i++) await Promise.resolve();
      await runner.whenIdle();
      expect(ran, `kick ${depth} microtasks after the look`).toEqual([`webhook:sandbox:evt_${depth}`]);
      await runner.close();
    }
  });
});
