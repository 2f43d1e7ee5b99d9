import { expect } from 'chai';
import fc from 'fast-check';
import { asyncScheduler, tap, timer } from 'rxjs';
import { Flow, Routine, type Payload } from '../../lib/index.js';
import { makeRoutine, newTestScheduler } from '../helpers/routines.js';

/** r.trigger({ ms, tag }) returns a timer of `ms` on `scheduler(ctx)` whose callback calls this.emit. */
function timedFlow(flow: Flow, pick: (ctx: { scheduler: unknown }) => unknown) {
  const r = new Routine();
  r.defineEvent('out');
  r.defineSlot('trigger', (d: Payload, ctx) => timer(d.ms as number, pick(ctx) as typeof asyncScheduler).pipe(tap(() => r.emit('out', { tag: d.tag }))));
  flow.addRoutine(r, 'r');
  const got: Array<[string, unknown]> = [];
  flow.addRoutine(makeRoutine({ in: (d: Payload, ctx) => void got.push([ctx.jobId, d.tag]) }, []), 'sink');
  flow.connect('r', 'out', 'sink', 'in');
  return got;
}

describe('ContextScheduler: the flow wraps its scheduler instead of patching it', () => {
  it('new Flow() leaves RxJS asyncScheduler without an own schedule property', () => {
    new Flow();
    new Flow({ scheduler: asyncScheduler });
    expect(Object.prototype.hasOwnProperty.call(asyncScheduler, 'schedule')).to.equal(false);
  });

  it('leaves a TestScheduler passed as the flow scheduler untouched, and runs the job on it', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ flush }) => {
      const flow = new Flow({ scheduler });
      const got = timedFlow(flow, (ctx) => ctx.scheduler);
      flow.start('r', { ms: 7, tag: 'x' }, { jobId: 'j' });
      flush();
      expect(got).to.deep.equal([['j', 'x']]);
      expect(scheduler.now()).to.equal(7);
    });
    expect(Object.prototype.hasOwnProperty.call(scheduler, 'schedule')).to.equal(false);
  });

  it('in virtual time, this.emit in a timer on ctx.scheduler reaches its own job, for any delays of any number of concurrent jobs', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 8 }), (delays) => {
        const scheduler = newTestScheduler();
        scheduler.run(({ flush }) => {
          const flow = new Flow({ scheduler, executionStrategy: 'concurrent', maxWorkers: delays.length });
          const got = timedFlow(flow, (ctx) => ctx.scheduler);
          delays.forEach((ms, i) => flow.start('r', { ms, tag: i }, { jobId: `job-${i}` }));
          flush();
          expect(got.map(([jobId, tag]) => `${jobId}:${String(tag)}`).sort()).to.deep.equal(delays.map((_, i) => `job-${i}:${i}`).sort());
        });
      }),
      { numRuns: 50 },
    );
  });

  it('in real time, this.emit in a timer on the default asyncScheduler reaches its own job (async context)', async () => {
    const flow = new Flow({ executionStrategy: 'concurrent', maxWorkers: 3 });
    const got = timedFlow(flow, () => undefined);
    const jobs = [15, 1, 8].map((ms, i) => flow.start('r', { ms, tag: i }, { jobId: `rt-${i}` }));
    await Promise.all(jobs.map((j) => j.wait()));
    expect(got.map(([jobId, tag]) => `${jobId}:${String(tag)}`).sort()).to.deep.equal(['rt-0:0', 'rt-1:1', 'rt-2:2']);
  });

  it('an emit from work scheduled on ctx.scheduler after its job completed is only published on the event, never delivered', async () => {
    const flow = new Flow();
    let later: { schedule(work: () => void, delay?: number): unknown } | undefined;
    const r = makeRoutine({ trigger: (_d, ctx) => void (later = ctx.scheduler) });
    flow.addRoutine(r, 'r');
    const delivered: unknown[] = [];
    flow.addRoutine(makeRoutine({ in: (d: Payload) => void delivered.push(d) }, []), 'sink');
    flow.connect('r', 'out', 'sink', 'in');
    const published: unknown[] = [];
    r.getEvent('out')!.asObservable().subscribe((p) => published.push(p));
    await flow.execute('r', {}, { jobId: 'done' });
    // The job completed: a late emit is only published on the event, never delivered.
    await new Promise<void>((resolve) => later!.schedule(() => {
      r.emit('out', { late: true });
      resolve();
    }, 1));
    expect(published).to.deep.equal([{ late: true }]);
    expect(delivered).to.deep.equal([]);
  });
});
